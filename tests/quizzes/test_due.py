"""One definition of "due" (README "The learner's day"), and the same count on every page that shows one."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Lesson
from quizzes import services, stats
from quizzes.models import Card
from tests.courses.factories import UserFactory
from tests.quizzes.test_services import review_card_in_state

pytestmark = pytest.mark.django_db


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def learner(zone="UTC", *, day_starts_at=4):
    user = UserFactory()
    services.study_settings_update(
        user=user, desired_retention=0.9, new_per_day=10, time_zone=zone, day_starts_at=day_starts_at
    )
    return user


def answer_all_wrong(session, *, now):
    """Get every question of a session wrong ("Show answer": Again, like a wrong answer after its retry), then end
    the session: the missed cards would otherwise come back in it to be relearned."""
    while session.remaining:
        showing = services.card_present(session=session, now=now - timedelta(seconds=5))
        outcome = services.card_answer(
            session=session, presentation=showing.card.presentation, data={}, give_up=True, now=now
        )
        assert outcome.log and not outcome.log.correct
        session = outcome.session
    services.session_end(session=session, now=now)


def card_due_at(user, question, due):
    card = review_card_in_state(user, question, now=due)
    card.due = due
    card.save()
    return card


# --- the counts ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "now", "due", "later_today"),
    [
        # 02:00 on the 16th in Los Angeles is still the 15th's learner day (it starts at 4 am).
        ("America/Los_Angeles", utc(2026, 1, 15, 20, 0), utc(2026, 1, 16, 10, 0), 1),
        ("America/Los_Angeles", utc(2026, 1, 15, 20, 0), utc(2026, 1, 16, 12, 30), 0),
        # 05:00 on the 16th in Tokyo is the next day there, though UTC calls it the 15th.
        ("Asia/Tokyo", utc(2026, 1, 15, 3, 0), utc(2026, 1, 15, 20, 0), 0),
        ("Asia/Tokyo", utc(2026, 1, 15, 3, 0), utc(2026, 1, 15, 18, 0), 1),
    ],
)
def test_later_today_ends_when_the_learners_next_day_starts(quiz_content, zone, now, due, later_today):
    user = learner(zone)
    card_due_at(user, quiz_content["alpha-single"], due)
    counts = services.review_counts(user, now)
    assert (counts["due"], counts["later_today"]) == (0, later_today)


def test_due_is_what_the_daily_review_serves(quiz_content):
    now = utc(2026, 1, 15, 12, 0)
    user = learner()
    card_due_at(user, quiz_content["alpha-single"], now - timedelta(days=2))  # overdue
    card_due_at(user, quiz_content["alpha-multiple"], now)  # due this very moment
    card_due_at(user, quiz_content["alpha-bill"], now + timedelta(seconds=30))  # not yet
    retired = card_due_at(user, quiz_content["alpha-order"], now - timedelta(hours=1))
    retired.question.retired_at = now
    retired.question.save()
    Card.objects.create(user=user, question=quiz_content["alpha-match"], due=now - timedelta(days=1))  # new
    card_due_at(learner(), quiz_content["alpha-pick"], now - timedelta(days=1))  # someone else's
    counts = services.review_counts(user, now)
    assert (counts["due"], counts["later_today"], counts["new"], counts["deck"]) == (2, 1, 1, 4)
    session = services.session_start_daily(user=user, now=now)
    studied_in_queue = Card.objects.filter(user=user, question_id__in=session.queue, last_review__isnull=False)
    assert studied_in_queue.count() == counts["due"]
    assert counts["next"].phrase == "now" and counts["next"].due == 2


def test_todays_forecast_bar_is_due_now_plus_later_today(quiz_content):
    now = utc(2026, 1, 15, 20, 0)  # noon in Los Angeles
    user = learner("America/Los_Angeles")
    card_due_at(user, quiz_content["alpha-single"], now - timedelta(days=3))
    card_due_at(user, quiz_content["alpha-multiple"], utc(2026, 1, 16, 10, 0))  # 02:00, still today
    card_due_at(user, quiz_content["alpha-bill"], utc(2026, 1, 16, 12, 30))  # 04:30, tomorrow
    settings = services.study_settings_for(user)
    result = stats.stats_for(user, scheduler=services.scheduler_for(settings), desired=0.9, now=now)
    counts = services.review_counts(user, now)
    assert result["forecast"]["bars"][0]["count"] == counts["due"] + counts["later_today"] == 2
    assert result["due"]["due"] == counts["due"] == 1


# --- when the next card is due -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "phrase"),
    [(-3600, "now"), (0, "now"), (1, "in 1 minute"), (20, "in 1 minute"), (60, "in 1 minute"), (61, "in 2 minutes")],
)
def test_the_next_card_is_due_now_or_in_whole_minutes_rounded_up(seconds, phrase):
    settings = services.StudySettings(time_zone="UTC", day_starts_at=4)
    now = utc(2026, 1, 15, 12, 0)
    assert services.due_phrase(now + timedelta(seconds=seconds), now, settings) == phrase


def test_no_wait_is_ever_said_to_be_zero_minutes():
    settings = services.StudySettings(time_zone="UTC", day_starts_at=4)
    now = utc(2026, 1, 15, 12, 0)
    for seconds in range(-120, 3 * 86400, 7):
        phrase = services.due_phrase(now + timedelta(seconds=seconds), now, settings)
        assert not phrase.startswith("in 0"), seconds


@pytest.mark.parametrize(
    ("zone", "due", "phrase"),
    [
        ("Asia/Tokyo", utc(2026, 1, 15, 5, 30), "today at 14:30"),  # 12:00 in Tokyo now
        ("Asia/Tokyo", utc(2026, 1, 15, 16, 5), "tomorrow at 01:05"),
        ("America/Los_Angeles", utc(2026, 1, 17, 17, 0), "on Sat 17 Jan at 09:00"),
    ],
)
def test_a_wait_over_an_hour_is_said_in_the_learners_local_time(zone, due, phrase):
    settings = services.StudySettings(time_zone=zone, day_starts_at=4)
    assert services.due_phrase(due, utc(2026, 1, 15, 3, 0), settings) == phrase


def test_new_cards_have_no_due_time_and_never_make_a_next_due(quiz_content):
    user = learner()
    services.deck_add_module(user=user, module=quiz_content["alpha-single"].module)
    later = timezone.now() + timedelta(hours=1)
    assert not services.next_due(user, later)  # they used to say "due 0 minutes from now"
    assert services.review_counts(user, later)["new"] == 6


# --- the same numbers on every page ----------------------------------------------------------------------


def number(html, element_id):
    match = re.search(rf'id="{element_id}"[^>]*>(\d+)<', html)
    assert match, f"no #{element_id} in the page"
    return int(match.group(1))


def pages(client, session):
    return {
        "dashboard": client.get(reverse("home")).content.decode(),
        "review home": client.get(reverse("quizzes:home")).content.decode(),
        "session end": client.get(session.get_absolute_url()).content.decode(),
        "stats": client.get(reverse("quizzes:stats")).content.decode(),
    }


def due_counts(client, session):
    html = pages(client, session)
    return {
        "dashboard": number(html["dashboard"], "dashboard-due"),
        "review home": number(html["review home"], "due-count"),
        "session end": number(html["session end"], "due-count"),
        "stats": number(html["stats"], "stats-due"),
    }


def test_after_a_lesson_check_answered_wrong_every_page_shows_the_same_due_count(client, quiz_content):
    user = learner()
    now = timezone.now()
    lesson = Lesson.objects.get(content_id="alpha-two")
    # Answered 0 of 3 two minutes ago: Again brings each card back after a one-minute step, so all are due.
    session = services.session_start_lesson_check(user=user, lesson=lesson)
    answer_all_wrong(session, now=now - timedelta(minutes=2))
    card_due_at(user, quiz_content["alpha-single"], now + timedelta(hours=2))  # later, not due
    other = learner()
    card_due_at(other, quiz_content["alpha-pick"], now - timedelta(days=1))  # another learner's, never counted
    client.force_login(user)
    assert due_counts(client, session) == dict.fromkeys(("dashboard", "review home", "session end", "stats"), 3)
    assert "Review them now" in pages(client, session)["session end"]


def test_right_after_the_check_nothing_is_due_and_every_page_says_so_without_zero_minutes(client, quiz_content):
    user = learner()
    lesson = Lesson.objects.get(content_id="alpha-two")
    session = services.session_start_lesson_check(user=user, lesson=lesson)
    answer_all_wrong(session, now=timezone.now() - timedelta(seconds=20))  # back in 40 seconds
    client.force_login(user)
    assert due_counts(client, session) == dict.fromkeys(("dashboard", "review home", "session end", "stats"), 0)
    html = pages(client, session)
    for page in ("review home", "session end"):
        assert re.search(r'id="next-due"><time datetime="[^"]+">in 1 minute</time>', html[page]), page
    assert ">in 1 minute</time>" in html["dashboard"]
    for page, text in html.items():
        assert not re.search(r"\b0(\s|&nbsp;)minutes", text), page


def test_the_session_end_is_only_for_its_learner(client, quiz_content):
    alice, bob = learner(), learner()
    session = services.session_start_lesson_check(user=alice, lesson=Lesson.objects.get(content_id="alpha-two"))
    answer_all_wrong(session, now=timezone.now() - timedelta(minutes=2))
    client.force_login(bob)
    assert client.get(session.get_absolute_url()).status_code == 404
    assert number(client.get(reverse("quizzes:home")).content.decode(), "due-count") == 0
    client.logout()
    assert client.get(session.get_absolute_url()).status_code == 302
