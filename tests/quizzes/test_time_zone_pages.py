"""Pages show times in the learner's time zone (their study settings), not the server's UTC."""

import json
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Lesson
from quizzes import services
from quizzes.models import Card
from tests.courses.factories import UserFactory
from tests.quizzes.test_relearning import answer

pytestmark = pytest.mark.django_db


def in_zone(user, zone):
    settings = services.study_settings_for(user)
    settings.time_zone = zone
    settings.save()


def test_a_cards_history_shows_the_learners_local_time(client, quiz_content):
    user = UserFactory()
    in_zone(user, "Asia/Tokyo")
    session = services.session_start_lesson_check(user=user, lesson=Lesson.objects.get(content_id="alpha-one"))
    answer(session, correct=True, now=datetime(2026, 1, 15, 12, 0, tzinfo=UTC))
    card = Card.objects.get(user=user, question=quiz_content["alpha-single"])
    client.force_login(user)
    html = client.get(reverse("quizzes:card", args=[card.pk])).content.decode()
    assert "15 Jan 2026, 21:00" in html and "15 Jan 2026, 12:00" not in html
    assert timezone.get_current_timezone_name() == "UTC"  # the request's zone does not leak out of it


def test_a_labs_draft_status_is_in_the_learners_local_time(client, lab):
    user = UserFactory()
    in_zone(user, "America/Los_Angeles")
    client.force_login(user)
    response = client.post(
        reverse("labs:draft", args=[lab.content_id]),
        json.dumps({"files": {"pricing.py": "# mine\n"}}),
        content_type="application/json",
    )
    saved = datetime.fromisoformat(response.json()["saved_at"])
    assert saved.utcoffset().total_seconds() in (-8 * 3600, -7 * 3600)  # PST or PDT
    assert response.json()["label"] == f"Draft saved {saved:%H:%M}"
