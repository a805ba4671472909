from django.urls import path

from . import cohort_views, views

app_name = "courses"

urlpatterns = [
    path("courses/<slug:course_id>/", views.course_detail, name="course_detail"),
    path("modules/<slug:module_id>/", views.module_detail, name="module_detail"),
    # courses.content.markdown.lesson_url() builds the same path for links inside lessons.
    path("lessons/<slug:lesson_id>/", views.lesson_detail, name="lesson_detail"),
    path("lessons/<slug:lesson_id>/complete/", views.lesson_complete, name="lesson_complete"),
    path("search/", views.search, name="search"),
    path("glossary/", views.glossary, name="glossary"),
    path("instructor/", views.instructor_overview, name="instructor_overview"),
    path("instructor/cohorts/", cohort_views.cohort_list, name="cohorts"),
    path("instructor/cohorts/<int:cohort_id>/", cohort_views.cohort_detail, name="cohort"),
    path("instructor/cohorts/<int:cohort_id>/gradebook.csv", cohort_views.cohort_csv, name="cohort_csv"),
    path("instructor/cohorts/<int:cohort_id>/due/", cohort_views.cohort_due_set, name="cohort_due"),
    path(
        "instructor/cohorts/<int:cohort_id>/due/<int:due_id>/remove/",
        cohort_views.cohort_due_remove,
        name="cohort_due_remove",
    ),
    path("join/", cohort_views.cohort_join, name="join"),
    path("join/<str:code>/", cohort_views.cohort_join, name="join_code"),
]
