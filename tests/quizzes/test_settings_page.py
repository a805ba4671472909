"""The review settings page edits the learner's time zone and day-start hour; bad input is a form error."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from quizzes import services
from tests.courses.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/review/settings/"
VALID = {"desired_retention": "90", "new_per_day": "10", "time_zone": "America/Los_Angeles", "day_starts_at": "4"}


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get(URL).status_code == 302
    assert client.post(URL, VALID).status_code == 302
    assert not services.StudySettings.objects.exists()


def test_the_page_shows_the_learners_zone_and_hour_and_the_browser_script(client):
    user = UserFactory()
    services.study_settings_update(
        user=user, desired_retention=0.9, new_per_day=10, time_zone="Asia/Tokyo", day_starts_at=5
    )
    client.force_login(user)
    html = client.get(URL).content.decode()
    assert '<option value="Asia/Tokyo" selected>' in html
    assert '<option value="5" selected>5 am</option>' in html
    assert "js/time-zone.js" in html and "<script>" not in html


def test_a_learner_changes_only_their_own_day(client):
    alice, bob = UserFactory(), UserFactory()
    services.study_settings_for(bob)
    client.force_login(alice)
    response = client.post(URL, {**VALID, "time_zone": "Asia/Tokyo", "day_starts_at": "0"})
    assert response.status_code == 302
    alice_settings = services.StudySettings.objects.get(user=alice)
    bob_settings = services.StudySettings.objects.get(user=bob)
    assert (alice_settings.time_zone, alice_settings.day_starts_at) == ("Asia/Tokyo", 0)
    assert (bob_settings.time_zone, bob_settings.day_starts_at) == ("UTC", 4)
    # The change takes effect for Alice's day: 15:30 UTC is 00:30 on the 16th in Tokyo.
    assert services.learner_day(alice_settings, datetime(2026, 1, 15, 15, 30, tzinfo=UTC)).day == 16


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time_zone", "Mars/Olympus_Mons"),
        ("time_zone", "../../etc/passwd"),
        ("time_zone", "x" * 50_000),
        ("day_starts_at", "24"),
        ("day_starts_at", "-3"),
        ("day_starts_at", "1" * 500),
        ("day_starts_at", "noon"),
    ],
)
def test_hostile_values_are_a_form_error_not_a_500(client, field, value):
    user = UserFactory()
    client.force_login(user)
    response = client.post(URL, {**VALID, field: value})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and f'id="id_{field}_error"' in html
    settings = services.StudySettings.objects.get(user=user)
    assert (settings.time_zone, settings.day_starts_at) == ("UTC", 4)


def test_a_nul_byte_in_the_time_zone_is_refused_with_a_400(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(URL, {**VALID, "time_zone": "Europe/Paris\x00"})
    assert response.status_code == 400 and b"NUL bytes" in response.content  # config/middleware.py
    assert not services.StudySettings.objects.filter(user=user).exclude(time_zone="UTC").exists()


def test_stats_page_says_whose_day_it_counts(client, quiz_content):
    user = UserFactory()
    services.study_settings_update(user=user, desired_retention=0.9, new_per_day=10, time_zone="Asia/Tokyo")
    client.force_login(user)
    html = client.get(reverse("quizzes:stats")).content.decode()
    assert "Days run from 04:00 to 04:00 in Asia/Tokyo" in html
