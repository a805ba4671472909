from django.contrib import admin

from courses.admin import ReadOnlyContentAdmin

from .models import Lab


@admin.register(Lab)
class LabAdmin(ReadOnlyContentAdmin):
    list_display = ("content_id", "title", "module", "difficulty", "retired_at")
    list_filter = ("module", "retired_at")
    list_select_related = ("module",)
    search_fields = ("content_id", "title")
