from django.urls import path

from . import views

app_name = "quizzes"

urlpatterns = [
    path("review/", views.review_home, name="home"),
    path("review/start/", views.review_start, name="start"),
    path("review/session/<int:session_id>/", views.session_detail, name="session"),
    path("review/session/<int:session_id>/answer/", views.session_answer, name="answer"),
    path("review/stats/", views.stats_view, name="stats"),
    path("review/settings/", views.settings_view, name="settings"),
    path("modules/<slug:module_id>/practice/", views.practice_start, name="practice"),
    path("modules/<slug:module_id>/deck/", views.deck_add, name="deck_add"),
    path("lessons/<slug:lesson_id>/check/", views.lesson_check_start, name="lesson_check"),
]
