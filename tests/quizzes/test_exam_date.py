"""Booking an exam day in study settings (both or neither, never in the past, a published exam), and the
dashboard's countdown with the readiness band, or a link to set one."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from quizzes import services
from quizzes.forms import StudySettingsForm
from quizzes.models import ExamBlueprint, Question
from tests.courses.factories import UserFactory
from tests.courses.test_views import count_queries
from tests.quizzes.test_readiness import reviewed

pytestmark = pytest.mark.django_db

URL = "/review/settings/"
BASE = {"desired_retention": "90", "new_per_day": "10", "time_zone": "UTC", "day_starts_at": "4"}
DOMAINS = {"dva-c02/d1": 32, "dva-c02/d2": 26, "dva-c02/d3": 24, "dva-c02/d4": 18}


@pytest.fixture
def blueprint(db):
    return ExamBlueprint.objects.create(
        content_id="dva-booked",
        title="DVA-C02 style",
        exam="dva-c02",
        questions=65,
        minutes=130,
        passing_score=720,
        domains=DOMAINS,
        services={"lambda": 100},
    )


def form(data, *, initial=None, today=date(2026, 5, 4)):
    return StudySettingsForm({**BASE, **data}, initial=initial or {}, today=today)


def test_an_exam_and_a_day_from_today_on_are_booked_together(blueprint):
    booking = form({"exam_blueprint": "dva-booked", "exam_date": "2026-05-04"})
    assert booking.is_valid(), booking.errors
    assert booking.update_kwargs()["exam"] == (blueprint, date(2026, 5, 4))
    cleared = form({"exam_blueprint": "", "exam_date": ""})
    assert cleared.is_valid(), cleared.errors
    assert cleared.update_kwargs()["exam"] == (None, None)
    unposted = form({})  # a client that posts neither field keeps the booking as it is
    assert unposted.is_valid() and "exam" not in unposted.update_kwargs()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"exam_blueprint": "dva-booked", "exam_date": ""}, "exam_date", "Pick the day of your exam"),
        ({"exam_blueprint": "", "exam_date": "2026-06-01"}, "exam_blueprint", "Choose the exam you sit that day"),
        ({"exam_blueprint": "dva-booked", "exam_date": "2026-05-03"}, "exam_date", "cannot be in the past"),
        ({"exam_blueprint": "saa-c03", "exam_date": "2026-06-01"}, "exam_blueprint", "Choose a practice exam"),
        ({"exam_blueprint": "dva-booked", "exam_date": "next week"}, "exam_date", "YYYY-MM-DD"),
        ({"exam_blueprint": "dva-booked", "exam_date": "2026-02-30"}, "exam_date", "YYYY-MM-DD"),
    ],
)
def test_half_a_booking_a_past_day_or_an_unknown_exam_is_a_form_error(blueprint, data, field, message):
    bad = form(data)
    assert not bad.is_valid()
    assert message in " ".join(bad.errors[field]), bad.errors


def test_a_retired_exam_cannot_be_chosen(blueprint):
    blueprint.retired_at = timezone.now()
    blueprint.save()
    assert "exam_blueprint" in form({"exam_blueprint": "dva-booked", "exam_date": "2026-06-01"}).errors


def test_setting_the_exam_to_none_booked_clears_its_day_too(blueprint):
    cleared = form(
        {"exam_blueprint": "", "exam_date": "2026-06-01"},
        initial={"exam_blueprint": blueprint, "exam_date": date(2026, 6, 1)},
    )
    assert cleared.is_valid(), cleared.errors
    assert cleared.update_kwargs()["exam"] == (None, None)


def test_a_booked_day_now_past_may_stay_while_other_settings_change(blueprint):
    kept = form(
        {"exam_blueprint": "dva-booked", "exam_date": "2026-05-01", "new_per_day": "5"},
        initial={"exam_blueprint": blueprint, "exam_date": date(2026, 5, 1)},
    )
    assert kept.is_valid(), kept.errors


def test_the_service_refuses_half_bookings_past_days_and_retired_exams(blueprint):
    user = UserFactory()
    today = timezone.now().date()
    for exam in [(blueprint, None), (None, today), (blueprint, today - timedelta(days=2))]:
        with pytest.raises(ValidationError):
            services.study_settings_update(user=user, desired_retention=0.9, new_per_day=10, exam=exam)
    settings = services.study_settings_update(
        user=user, desired_retention=0.9, new_per_day=10, exam=(blueprint, today + timedelta(days=3))
    )
    assert (settings.exam_blueprint, settings.exam_date) == (blueprint, today + timedelta(days=3))
    services.study_settings_update(user=user, desired_retention=0.85, new_per_day=10)  # exam not given: kept
    assert services.study_settings_for(user).exam_blueprint == blueprint
    services.study_settings_update(user=user, desired_retention=0.85, new_per_day=10, exam=(None, None))
    settings.refresh_from_db()
    assert settings.exam_blueprint is None and settings.exam_date is None


def test_the_settings_page_books_and_shows_the_exam(client, blueprint):
    user = UserFactory()
    client.force_login(user)
    day = (timezone.now() + timedelta(days=30)).date()
    response = client.post(URL, {**BASE, "exam_blueprint": "dva-booked", "exam_date": day.isoformat()})
    assert response.status_code == 302
    html = client.get(URL).content.decode()
    assert '<option value="dva-booked" selected>' in html
    assert f'type="date" name="exam_date" value="{day.isoformat()}"' in html
    response = client.post(URL, {**BASE, "exam_blueprint": "dva-booked", "exam_date": "2001-01-01"})
    assert response.status_code == 200 and "cannot be in the past" in response.content.decode()
    assert services.study_settings_for(user).exam_date == day


# --- the dashboard ---------------------------------------------------------------------------------------


def test_without_a_booked_exam_the_dashboard_links_to_settings(client, curriculum):
    client.force_login(UserFactory())
    html = client.get("/").content.decode()
    assert 'id="exam-date-link"' in html and "/review/settings/#id_exam_blueprint" in html
    assert 'id="dashboard-exam"' not in html


def learner_today(user):
    return services.learner_day(services.study_settings_for(user), timezone.now())


def test_a_booked_exam_shows_its_countdown_and_the_band(client, curriculum):
    user = UserFactory()
    blueprint = ExamBlueprint.objects.get(content_id="dva-c02-compute")
    services.study_settings_update(
        user=user, desired_retention=0.9, new_per_day=10, exam=(blueprint, learner_today(user) + timedelta(12))
    )
    client.force_login(user)
    html = client.get("/").content.decode()
    assert '<span id="exam-countdown">DVA-C02 in 12 days</span>' in html
    assert 'id="exam-band-wide"' in html and "Not enough evidence yet" in html  # a new learner
    assert "pass 720" in html and 'id="exam-date-link"' not in html
    assert "aims for 95%" in html  # within two weeks


def test_the_dashboard_with_a_booked_exam_costs_the_same_queries_as_history_grows(client, curriculum):
    user = UserFactory()
    blueprint = ExamBlueprint.objects.get(content_id="dva-c02-compute")
    services.study_settings_update(
        user=user, desired_retention=0.9, new_per_day=10, exam=(blueprint, timezone.now().date() + timedelta(40))
    )
    client.force_login(user)
    client.get("/")
    few = count_queries(client, "/")
    for question in Question.objects.published()[:40]:
        reviewed(user, question, now=timezone.now())
    assert count_queries(client, "/") == few
    assert (
        few <= 15 + 7
    )  # the dashboard's own (with its cohorts and due dates), the booked exam, and the estimate's six


def test_once_the_exam_day_has_passed_the_dashboard_says_so_and_offers_to_change_it(client, curriculum):
    user = UserFactory()
    blueprint = ExamBlueprint.objects.get(content_id="dva-c02-compute")
    settings = services.study_settings_for(user)
    settings.exam_blueprint, settings.exam_date = blueprint, learner_today(user) - timedelta(days=1)
    settings.save()
    client.force_login(user)
    html = client.get("/").content.decode()
    assert "DVA-C02 day has passed" in html and "has passed." in html
    assert "Change the exam or its day" in html and 'id="exam-band"' not in html
