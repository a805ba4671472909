from django.urls import path

from . import exam_views, instructor_views, views

app_name = "quizzes"

urlpatterns = [
    path("review/", views.review_home, name="home"),
    path("review/start/", views.review_start, name="start"),
    path("review/session/<int:session_id>/", views.session_detail, name="session"),
    path("review/session/<int:session_id>/answer/", views.session_answer, name="answer"),
    path("review/session/<int:session_id>/undo/", views.session_undo, name="undo"),
    path("review/session/<int:session_id>/set-aside/", views.session_set_aside, name="session_set_aside"),
    path("review/session/<int:session_id>/end/", views.session_end, name="session_end"),
    path("review/cards/", views.card_list, name="cards"),
    path("review/cards/<int:card_id>/", views.card_detail, name="card"),
    path("review/cards/<int:card_id>/set-aside/", views.card_set_aside, name="card_set_aside"),
    path("review/stats/", views.stats_view, name="stats"),
    path("review/settings/", views.settings_view, name="settings"),
    path("modules/<slug:module_id>/practice/", views.practice_start, name="practice"),
    path("modules/<slug:module_id>/deck/", views.deck_add, name="deck_add"),
    path("lessons/<slug:lesson_id>/check/", views.lesson_check_start, name="lesson_check"),
]

urlpatterns += [
    path("exams/", exam_views.exam_list, name="exams"),
    path("exams/<slug:blueprint_id>/", exam_views.exam_detail, name="exam"),
    path("exams/<slug:blueprint_id>/start/", exam_views.exam_start, name="exam_start"),
    path("exams/<slug:blueprint_id>/drill/", exam_views.drill_start, name="drill_start"),
    path("attempts/<int:attempt_id>/q/<int:position>/", exam_views.attempt_question, name="attempt_question"),
    path("attempts/<int:attempt_id>/q/<int:position>/answer/", exam_views.attempt_answer, name="attempt_answer"),
    path("attempts/<int:attempt_id>/q/<int:position>/flag/", exam_views.attempt_flag, name="attempt_flag"),
    path("attempts/<int:attempt_id>/q/<int:position>/check/", exam_views.attempt_check, name="attempt_check"),
    path("attempts/<int:attempt_id>/summary/", exam_views.attempt_summary, name="attempt_summary"),
    path("attempts/<int:attempt_id>/submit/", exam_views.attempt_submit, name="attempt_submit"),
    path("attempts/<int:attempt_id>/review/", exam_views.attempt_review, name="attempt_review"),
    path("attempts/<int:attempt_id>/results/", exam_views.attempt_results, name="attempt_results"),
]

urlpatterns += [path("instructor/items/", instructor_views.item_analysis, name="item_analysis")]
