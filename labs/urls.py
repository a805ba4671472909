from django.urls import path

from . import views

app_name = "labs"

urlpatterns = [
    path("labs/", views.lab_list, name="list"),
    path("labs/<slug:lab_id>/", views.lab_detail, name="detail"),
    path("labs/<slug:lab_id>/submit/", views.lab_submit, name="submit"),
    path("labs/<slug:lab_id>/submissions/<int:submission_id>/", views.submission_detail, name="submission"),
    path("labs/<slug:lab_id>/run/", views.lab_run, name="run"),
    path("labs/<slug:lab_id>/runs/<int:run_id>/", views.run_detail, name="run_detail"),
    path("labs/<slug:lab_id>/draft/", views.draft_save, name="draft"),
    path("labs/<slug:lab_id>/reset/", views.draft_reset, name="reset"),
    path("labs/<slug:lab_id>/diff/", views.attempt_diff, name="diff"),
    path("instructor/labs/", views.lab_analytics, name="analytics"),
]
