from django.contrib import admin

from courses.admin import ReadOnlyContentAdmin

from .models import Question


@admin.register(Question)
class QuestionAdmin(ReadOnlyContentAdmin):
    list_display = ("content_id", "qtype", "module", "difficulty", "retired_at")
    list_filter = ("module", "qtype", "retired_at")
    list_select_related = ("module",)
    search_fields = ("content_id",)
