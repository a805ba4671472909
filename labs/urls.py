from django.urls import path

from . import views

app_name = "labs"

urlpatterns = [
    path("labs/", views.lab_list, name="list"),
    path("labs/<slug:lab_id>/", views.lab_detail, name="detail"),
    path("labs/<slug:lab_id>/submit/", views.lab_submit, name="submit"),
    path("labs/<slug:lab_id>/submissions/<int:submission_id>/", views.submission_detail, name="submission"),
]
