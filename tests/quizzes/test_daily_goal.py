"""The dashboard's daily goal (answers today, every mode) and streak, in the learner's day."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from courses.models import Lesson
from quizzes import services, stats
from quizzes.models import ReviewLog
from tests.courses.factories import UserFactory
from tests.quizzes.test_relearning import answer

pytestmark = pytest.mark.django_db


def test_answers_count_towards_the_goal_in_the_learners_day_and_make_the_streak(quiz_content):
    user = UserFactory()
    settings = services.study_settings_for(user)
    settings.time_zone, settings.day_starts_at, settings.daily_goal = "America/New_York", 4, 3
    settings.save()
    # 02:30 in New York on 15 Jan counts for the 14th; 10:00 on the 15th is the next day.
    day_one = datetime(2026, 1, 15, 7, 30, tzinfo=UTC)
    day_two = datetime(2026, 1, 15, 15, 0, tzinfo=UTC)
    session = services.session_start_lesson_check(user=user, lesson=Lesson.objects.get(content_id="alpha-one"))
    answer(session, correct=True, now=day_one)
    assert stats.daily_progress(user, day_one) == {
        "goal": 3,
        "done": 1,
        "left": 2,
        "met": False,
        "streak": 1,
        "studied_today": True,
    }
    progress = stats.daily_progress(user, day_two)
    assert (progress["done"], progress["streak"], progress["studied_today"]) == (0, 1, False)
    for _ in range(3):
        answer(session, correct=False, now=day_two)  # wrong answers count as answers too
    progress = stats.daily_progress(user, day_two)
    assert (progress["done"], progress["met"], progress["left"], progress["streak"]) == (3, True, 0, 2)
    assert ReviewLog.objects.filter(user=user).count() == 4
    assert stats.daily_progress(user, day_two + timedelta(days=2))["streak"] == 0


def test_the_dashboard_shows_the_goal_and_the_settings_change_it(client, quiz_content):
    user = UserFactory()
    client.force_login(user)
    session = services.session_start_lesson_check(user=user, lesson=Lesson.objects.get(content_id="alpha-one"))
    from django.utils import timezone

    answer(session, correct=True, now=timezone.now())
    html = client.get(reverse("home")).content.decode()
    assert 'id="goal-done">1<' in html and 'id="goal-target">20<' in html and 'id="dashboard-streak">1<' in html
    response = client.post(
        reverse("quizzes:settings"), {"desired_retention": "90", "new_per_day": "10", "daily_goal": "5"}
    )
    assert response.status_code == 302
    assert 'id="goal-target">5<' in client.get(reverse("home")).content.decode()
    for bad in ("0", "501", "ten", "5\x00"):
        response = client.post(
            reverse("quizzes:settings"), {"desired_retention": "90", "new_per_day": "10", "daily_goal": bad}
        )
        assert response.status_code in (200, 400), bad
    services.study_settings_for(user).refresh_from_db()
    user.refresh_from_db()
    assert services.study_settings_for(user).daily_goal == 5
