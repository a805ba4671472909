"""Stats count the learner's days: their time zone and the hour their day starts, not UTC midnight."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import Module
from quizzes import services, stats
from quizzes.models import Card, ReviewLog
from tests.courses.factories import UserFactory
from tests.quizzes.test_due import answer_all_wrong
from tests.quizzes.test_services import review_card_in_state, show_and_answer

pytestmark = pytest.mark.django_db


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def learner(zone, *, day_starts_at=4):
    user = UserFactory()
    services.study_settings_update(
        user=user, desired_retention=0.9, new_per_day=10, time_zone=zone, day_starts_at=day_starts_at
    )
    return user


def practise_at(user, moments, *, correct=True):
    """One practice answer of the learner's card per moment, through the real services."""
    module = Module.objects.get(content_id="alpha")
    for moment in moments:
        show_and_answer(services.session_start_practice(user=user, module=module), correct=correct, now=moment)


def stats_at(user, now):
    settings = services.study_settings_for(user)
    return stats.stats_for(
        user, scheduler=services.scheduler_for(settings), desired=settings.desired_retention, now=now
    )


def heat(result, day):
    return next(cell["count"] for cell in result["heatmap"]["cells"] if cell["day"] == day)


def test_los_angeles_reviews_after_midnight_and_before_4_am_count_for_the_evening_before(quiz_content):
    user = learner("America/Los_Angeles")
    review_card_in_state(user, quiz_content["alpha-single"], now=utc(2026, 1, 15, 7, 0))
    # 23:30 on the 14th, 01:00 on the 15th (still the 14th's day), 05:00 on the 15th: UTC puts all three on the 15th.
    practise_at(user, [utc(2026, 1, 15, 7, 30), utc(2026, 1, 15, 9, 0), utc(2026, 1, 15, 13, 0)])
    result = stats_at(user, utc(2026, 1, 15, 20, 0))  # noon on the 15th in Los Angeles
    assert heat(result, date(2026, 1, 14)) == 2 and heat(result, date(2026, 1, 15)) == 1
    assert result["heatmap"]["active_days"] == 2 and result["heatmap"]["total"] == 3
    assert result["streak"] == 2
    assert result["day"]["today"] == date(2026, 1, 15)


def test_tokyo_reviews_either_side_of_4_am_fall_on_two_days_that_utc_calls_one(quiz_content):
    user = learner("Asia/Tokyo")
    review_card_in_state(user, quiz_content["alpha-single"], now=utc(2026, 1, 14, 18, 0))
    practise_at(user, [utc(2026, 1, 14, 18, 30), utc(2026, 1, 14, 19, 30)])  # 03:30 and 04:30 on the 15th
    result = stats_at(user, utc(2026, 1, 15, 3, 0))  # noon on the 15th in Tokyo
    assert heat(result, date(2026, 1, 14)) == 1 and heat(result, date(2026, 1, 15)) == 1
    assert result["streak"] == 2
    # The same reviews seen from Los Angeles (the 14th, 10:30 and 11:30 local): one day.
    services.study_settings_update(user=user, desired_retention=0.9, new_per_day=10, time_zone="America/Los_Angeles")
    result = stats_at(user, utc(2026, 1, 15, 3, 0))
    assert heat(result, date(2026, 1, 14)) == 2 and result["streak"] == 1


def test_the_streak_survives_until_the_learners_next_day_starts(quiz_content):
    user = learner("America/Los_Angeles")
    review_card_in_state(user, quiz_content["alpha-single"], now=utc(2026, 1, 14, 20, 0))
    practise_at(user, [utc(2026, 1, 14, 20, 0), utc(2026, 1, 15, 20, 0)])  # noon on the 14th and the 15th
    assert stats_at(user, utc(2026, 1, 16, 11, 59))["streak"] == 2  # 03:59 on the 16th: still the 15th's day
    assert stats_at(user, utc(2026, 1, 16, 12, 1))["streak"] == 2  # the 16th, nothing yet: yesterday counts
    assert stats_at(user, utc(2026, 1, 17, 12, 1))["streak"] == 0  # a whole day missed


def test_a_zone_half_an_hour_off_utc_splits_one_utc_hour_between_two_days(quiz_content):
    user = learner("Asia/Kolkata")  # UTC+5:30: the day starts at 22:30 UTC
    review_card_in_state(user, quiz_content["alpha-single"], now=utc(2026, 1, 14, 22, 0))
    practise_at(user, [utc(2026, 1, 14, 22, 15), utc(2026, 1, 14, 22, 45)])
    result = stats_at(user, utc(2026, 1, 15, 6, 0))
    assert heat(result, date(2026, 1, 14)) == 1 and heat(result, date(2026, 1, 15)) == 1


def test_heatmap_across_the_spring_dst_change(quiz_content):
    user = learner("America/Los_Angeles")  # 8 March 2026: 4 am PDT is 11:00 UTC
    review_card_in_state(user, quiz_content["alpha-single"], now=utc(2026, 3, 8, 10, 0))
    practise_at(user, [utc(2026, 3, 8, 10, 30), utc(2026, 3, 8, 11, 30)])  # 03:30 and 04:30 PDT
    result = stats_at(user, utc(2026, 3, 8, 20, 0))
    assert heat(result, date(2026, 3, 7)) == 1 and heat(result, date(2026, 3, 8)) == 1


@pytest.mark.parametrize(
    ("zone", "now", "due", "bar"),
    [
        # 02:00 on the 16th in Los Angeles is still the 15th's day: due today, though UTC says tomorrow.
        ("America/Los_Angeles", utc(2026, 1, 15, 20, 0), utc(2026, 1, 16, 10, 0), 0),
        ("America/Los_Angeles", utc(2026, 1, 15, 20, 0), utc(2026, 1, 16, 12, 30), 1),
        # 05:00 on the 16th in Tokyo is tomorrow there, though UTC says today.
        ("Asia/Tokyo", utc(2026, 1, 15, 3, 0), utc(2026, 1, 15, 20, 0), 1),
        ("Asia/Tokyo", utc(2026, 1, 15, 3, 0), utc(2026, 1, 15, 18, 0), 0),
        # Overdue counts for today.
        ("Asia/Tokyo", utc(2026, 1, 15, 3, 0), utc(2026, 1, 2, 18, 0), 0),
    ],
)
def test_forecast_puts_a_card_on_the_learners_day_it_falls_due(quiz_content, zone, now, due, bar):
    user = learner(zone)
    card = review_card_in_state(user, quiz_content["alpha-single"], now=now)
    card.due = due
    card.save()
    bars = stats_at(user, now)["forecast"]["bars"]
    assert [b["count"] for b in bars].index(1) == bar and sum(b["count"] for b in bars) == 1
    assert bars[0]["day"] == services.learner_day(services.study_settings_for(user), now)


def test_forecast_stops_at_the_end_of_the_thirtieth_learner_day(quiz_content):
    user = learner("Asia/Tokyo")
    now = utc(2026, 1, 15, 3, 0)  # the 15th in Tokyo: the forecast covers the 15th to 13 February
    last_start = services.learner_day_start(services.study_settings_for(user), date(2026, 2, 14))
    for i, due in enumerate([last_start - timedelta(seconds=1), last_start]):
        card = review_card_in_state(user, quiz_content[["alpha-single", "alpha-order"][i]], now=now)
        card.due = due
        card.save()
    bars = stats_at(user, now)["forecast"]["bars"]
    assert bars[-1]["day"] == date(2026, 2, 13) and bars[-1]["count"] == 1
    assert sum(b["count"] for b in bars) == 1


def test_true_retention_counts_a_card_once_a_day(quiz_content):
    user = learner("America/Los_Angeles")
    start = utc(2026, 1, 15, 18, 0)  # 10:00 in Los Angeles
    review_card_in_state(user, quiz_content["alpha-single"], now=start)
    practise_at(user, [start + timedelta(minutes=i) for i in range(6)])  # right six times, one mature card
    result = stats_at(user, start + timedelta(hours=1))["retention"]
    assert (result["total"], result["right"]) == (1, 1)
    assert ReviewLog.objects.filter(user=user, state_before=Card.State.REVIEW).count() == 6


def test_stats_queries_do_not_grow_with_the_reviews(quiz_content):
    user = learner("Asia/Tokyo")
    review_card_in_state(user, quiz_content["alpha-single"], now=utc(2026, 1, 1, 0, 0))
    practise_at(user, [utc(2026, 1, 1, 0, 30)])
    services.study_settings_for(user)
    with CaptureQueriesContext(connection) as few:
        stats_at(user, utc(2026, 1, 15, 3, 0))
    practise_at(user, [utc(2026, 1, d, h, 0) for d in range(2, 15) for h in (1, 9, 17)])
    with CaptureQueriesContext(connection) as many:
        stats_at(user, utc(2026, 1, 15, 3, 0))
    assert len(few) == len(many)


# --- mastery: FSRS's predicted recall, computed here by hand ---------------------------------------------
# FSRS-6's forgetting curve: R(t, S) = (1 + FACTOR * t / S) ** -W20, FACTOR = 0.9 ** (-1 / W20) - 1, with t the
# whole days since the last review and W20 = 0.1542 (the default decay). So R(S, S) = 0.9 for any decay.
W20 = 0.1542
FACTOR = 0.9 ** (-1 / W20) - 1


def recall_by_hand(days, stability):
    return (1 + FACTOR * days / stability) ** -W20


def mastery_row(result, module="alpha"):
    return next(row for row in result["mastery"] if row["module"].content_id == module)


def test_a_lesson_check_answered_0_of_3_is_not_mastery(quiz_content):
    user = learner("UTC")
    now = utc(2026, 1, 15, 12, 0)
    session = services.session_start_lesson_check(user=user, lesson=quiz_content["alpha-bill"].lesson)
    answer_all_wrong(session, now=now)
    assert Card.objects.filter(user=user).count() == 3
    # FSRS itself predicts near-certain recall for a card reviewed a moment ago, wrong or not: the old 100%.
    row = mastery_row(stats_at(user, now + timedelta(minutes=1)))
    assert (row["cards"], row["in_review"], row["percent"]) == (3, 0, 0)


def test_mastery_is_the_mean_recall_with_cards_not_in_review_counting_zero(quiz_content):
    user = learner("UTC")
    now = utc(2026, 1, 15, 12, 0)
    review_card_in_state(user, quiz_content["alpha-single"], stability=10.0, days_ago=10, now=now)  # R = 0.9
    review_card_in_state(user, quiz_content["alpha-bill"], stability=4.0, days_ago=12, now=now)  # t = 3S
    Card.objects.create(user=user, question=quiz_content["alpha-order"], due=now)  # new: 0
    learning = review_card_in_state(user, quiz_content["alpha-match"], stability=2.0, days_ago=0, now=now)
    learning.state, learning.step = Card.State.LEARNING, 1
    learning.save()  # still in its learning steps: 0, though FSRS would say 1.0
    expected = (0.9 + recall_by_hand(12, 4.0) + 0 + 0) / 4
    assert recall_by_hand(12, 4.0) == pytest.approx(0.8094, abs=1e-4)  # on paper: FACTOR 0.9805, 3.9415 ** -0.1542
    row = mastery_row(stats_at(user, now))
    assert row["mean"] == pytest.approx(expected, abs=1e-9)
    assert (row["cards"], row["in_review"], row["percent"]) == (4, 2, round(100 * expected)) == (4, 2, 43)


def test_a_card_answered_wrong_counts_zero_until_it_is_answered_right_again(quiz_content):
    user = learner("UTC")
    now = utc(2026, 1, 15, 12, 0)
    review_card_in_state(user, quiz_content["alpha-single"], stability=10.0, days_ago=10, now=now)
    assert mastery_row(stats_at(user, now))["percent"] == 90
    answer_all_wrong_daily(user, now)
    card = Card.objects.get(user=user)
    assert card.state == Card.State.RELEARNING and card.lapses == 1
    assert mastery_row(stats_at(user, now + timedelta(minutes=1)))["percent"] == 0
    # Relearnt: right once its relearning step is due, it is back in Review, with the stability FSRS gave it.
    later = now + timedelta(minutes=15)
    show_and_answer(services.session_start_daily(user=user, now=later), correct=True, now=later)
    card.refresh_from_db()
    assert card.state == Card.State.REVIEW
    days = 3
    row = mastery_row(stats_at(user, later + timedelta(days=days)))
    assert row["mean"] == pytest.approx(recall_by_hand(days, card.stability), abs=1e-9)


def answer_all_wrong_daily(user, now):
    answer_all_wrong(services.session_start_daily(user=user, now=now), now=now)


def test_retired_questions_leave_mastery(quiz_content):
    user = learner("UTC")
    now = utc(2026, 1, 15, 12, 0)
    review_card_in_state(user, quiz_content["alpha-single"], stability=10.0, days_ago=10, now=now)
    review_card_in_state(user, quiz_content["alpha-bill"], stability=10.0, days_ago=0, now=now)
    quiz_content["alpha-bill"].retired_at = now
    quiz_content["alpha-bill"].save()
    row = mastery_row(stats_at(user, now))
    assert (row["cards"], row["percent"]) == (1, 90)


# --- the page: every figure defined, charts labelled and readable without sight --------------------------


def stats_page(client, user):
    client.force_login(user)
    response = client.get(reverse("quizzes:stats"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_stats_page_defines_every_figure(client, quiz_content):
    user = learner("UTC")
    review_card_in_state(user, quiz_content["alpha-single"], stability=10.0, days_ago=10)
    html = stats_page(client, user)
    for figure in ("due", "streak", "reviews", "retention", "forecast", "heatmap", "mastery"):
        assert f'id="{figure}-definition"' in html, figure
    row = re.search(r'<tr id="mastery-alpha">.*?</tr>', html, re.S).group(0)
    assert ">90%<" in row and "1 of 1 card<" in row


def test_the_forecast_has_axis_values_dates_and_a_table_of_its_numbers(client, quiz_content):
    user = learner("UTC")
    now = timezone.now()
    for name, days in (("alpha-single", 0), ("alpha-bill", 3), ("alpha-order", 3), ("alpha-match", 3)):
        card = review_card_in_state(user, quiz_content[name], now=now)
        card.due = now + timedelta(days=days, minutes=1) if days else now - timedelta(hours=1)
        card.save()
    html = stats_page(client, user)
    svg = re.search(r'<svg[^>]*id="forecast-chart".*?</svg>', html, re.S).group(0)
    ticks = re.findall(r'class="chart-label tick"[^>]*>(\d+)<', svg)
    assert ticks == ["0", "2", "3"]  # the peak, 3 cards, and half of it
    labels = re.findall(r'class="chart-label day-label"[^>]*>([^<]+)<', svg)
    assert len(labels) == 5 and labels[0] == "today"
    table = re.search(r'<table class="visually-hidden" id="forecast-table">.*?</table>', html, re.S).group(0)
    counts = [int(n) for n in re.findall(r"</th><td>(\d+)</td>", table)]
    assert len(counts) == 30 and sum(counts) == 4 and max(counts) == 3


def test_the_heatmap_has_day_and_month_labels_a_legend_and_a_table_of_its_numbers(client, quiz_content):
    user = learner("UTC")
    now = timezone.now()
    noon = (now - timedelta(days=40)).replace(hour=12, minute=0)
    review_card_in_state(user, quiz_content["alpha-single"], now=noon)
    practise_at(user, [noon + timedelta(minutes=m) for m in range(6)])  # 6 reviews that day: level 2
    practise_at(user, [now - timedelta(minutes=5)])
    html = stats_page(client, user)
    svg = re.search(r'<svg[^>]*id="heatmap".*?</svg>', html, re.S).group(0)
    assert re.findall(r'class="chart-label weekday-label"[^>]*>(\w+)<', svg) == ["Mon", "Wed", "Fri"]
    months = re.findall(r'class="chart-label month-label"[^>]*>(\w+)<', svg)
    assert len(months) >= 4 and len(set(months)) == len(months)
    legend = re.search(r'<svg[^>]*id="heatmap-legend".*?</svg>', html, re.S).group(0)
    assert re.findall(r'class="chart-label legend-label"[^>]*>([^<]+)<', legend) == ["0", "1-4", "5-14", "15-29", "30+"]
    assert [int(n) for n in re.findall(r'class="heat heat-(\d)"', legend)] == [0, 1, 2, 3, 4]
    today = services.learner_day(services.study_settings_for(user), now)
    table = re.search(r'<table class="visually-hidden" id="heatmap-table">.*?</table>', html, re.S).group(0)
    rows = re.findall(r"<tr><th scope=\"row\">.*?</tr>", table, re.S)
    assert len(rows) == 20
    counts = [int(n) for n in re.findall(r"<td>(\d+)</td>", table)]
    assert sorted(n for n in counts if n) == [1, 6] and len(counts) == 19 * 7 + today.weekday() + 1
