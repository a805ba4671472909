from django.contrib import admin

from .models import Course, Enrollment, GlossaryTerm, Lesson, LessonProgress, Module


class ReadOnlyContentAdmin(admin.ModelAdmin):
    """Content is edited as files and loaded by sync_content; the admin only shows it.

    Rendered HTML (lesson bodies, glossary definitions, question specs, lab statements) reaches the site
    without another sanitizing pass, so no staff form may change any field of a synced item: every field
    is read-only and a posted edit is refused (403).
    """

    list_filter = ("retired_at",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Course)
class CourseAdmin(ReadOnlyContentAdmin):
    list_display = ("content_id", "title", "retired_at")


@admin.register(Module)
class ModuleAdmin(ReadOnlyContentAdmin):
    list_display = ("content_id", "title", "position", "retired_at")


@admin.register(Lesson)
class LessonAdmin(ReadOnlyContentAdmin):
    list_display = ("content_id", "title", "module", "position", "word_count", "retired_at")
    list_filter = ("module", "retired_at")
    search_fields = ("content_id", "title")


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(ReadOnlyContentAdmin):
    list_display = ("content_id", "term", "module", "retired_at")


@admin.register(LessonProgress)
class LessonProgressAdmin(admin.ModelAdmin):
    list_display = ("user", "lesson", "last_viewed_at", "completed_at")
    list_select_related = ("user", "lesson")
    raw_id_fields = ("user", "lesson")


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ("user", "course", "created_at")
    raw_id_fields = ("user",)
