"""The numbers and chart geometry behind the stats page (server-rendered SVG)."""

from collections import Counter
from datetime import timedelta

from django.db.models import Case, Count, DateTimeField, F, Value, When
from django.db.models.functions import TruncHour
from django.utils import timezone
from fsrs import Scheduler

from courses.models import Module

from .models import Card, ReviewLog, StudySettings
from .services import (
    card_retrievability,
    learner_day,
    learner_day_of_wall_time,
    learner_day_start,
    learner_zone,
    review_counts,
    study_settings_for,
)

FORECAST_DAYS = 30
HEATMAP_WEEKS = 20
RETENTION_WINDOW_DAYS = 30
STREAK_LOOKBACK_DAYS = 400


def _per_learner_day(queryset, moment, settings: StudySettings) -> Counter:
    """Rows counted per learner's day of `moment` (a field or expression), grouped by local hour in the database.

    A local hour never straddles a learner's day (the day starts on the hour), so this is exact, also for
    zones half an hour off UTC and across DST changes, and returns at most 24 rows a day.
    """
    zone = learner_zone(settings)
    rows = queryset.annotate(hour=TruncHour(moment, tzinfo=zone)).order_by().values("hour").annotate(n=Count("pk"))
    counts = Counter()
    for row in rows:
        counts[learner_day_of_wall_time(settings, row["hour"].astimezone(zone))] += row["n"]
    return counts


FORECAST_LEFT, FORECAST_BASELINE, FORECAST_HEIGHT, FORECAST_STEP = 40, 122, 100, 20


def _forecast(user, now, settings):
    """Studied cards due per learner's day for FORECAST_DAYS days; today's bar is review_counts' due + later today."""
    today = learner_day(settings, now)
    today_start = learner_day_start(settings, today)
    end = learner_day_start(settings, today + timedelta(days=FORECAST_DAYS))
    # Overdue cards count for today: fold them into today's first hour so they cost one bucket, not one each.
    due_or_today = Case(
        When(due__lt=today_start, then=Value(today_start)), default=F("due"), output_field=DateTimeField()
    )
    studied = Card.objects.filter(user=user, last_review__isnull=False, question__retired_at__isnull=True)
    counts = _per_learner_day(studied.filter(due__lt=end), due_or_today, settings)
    days = [today + timedelta(days=i) for i in range(FORECAST_DAYS)]
    peak = max([counts[d] for d in days] + [1])
    bars = []
    for i, day in enumerate(days):
        height = round(FORECAST_HEIGHT * counts[day] / peak)
        bars.append(
            {
                "x": FORECAST_LEFT + i * FORECAST_STEP,
                "y": FORECAST_BASELINE - height,
                "height": height,
                "count": counts[day],
                "day": day,
                # A date under the first bar of each week; the text sits at the bar's middle.
                "label_x": FORECAST_LEFT + i * FORECAST_STEP + 8 if i % 7 == 0 else None,
            }
        )
    ticks = [
        {"value": value, "y": FORECAST_BASELINE - round(FORECAST_HEIGHT * value / peak)}
        for value in sorted({0, round(peak / 2), peak})
    ]
    return {"bars": bars, "total": sum(counts[d] for d in days), "peak": peak, "ticks": ticks}


def _reviews_per_day(user, now, settings) -> Counter:
    """Reviews per learner's day over the streak's look-back (which covers the heatmap's weeks too)."""
    today = learner_day(settings, now)
    since = learner_day_start(settings, today - timedelta(days=STREAK_LOOKBACK_DAYS))
    logs = ReviewLog.objects.filter(user=user, reviewed_at__gte=since, reviewed_at__lt=now + timedelta(seconds=1))
    return _per_learner_day(logs, "reviewed_at", settings)


# Heatmap levels: (fewest reviews in a day for the level, how the legend says it).
HEAT_LEVELS = [(0, "0"), (1, "1-4"), (5, "5-14"), (15, "15-29"), (30, "30+")]
HEAT_LEFT, HEAT_TOP, HEAT_STEP = 30, 16, 13


def _heat_level(n: int) -> int:
    return max(level for level, (fewest, _) in enumerate(HEAT_LEVELS) if n >= fewest)


def _heatmap(counts: Counter, today):
    start = today - timedelta(days=today.weekday() + 7 * (HEATMAP_WEEKS - 1))
    cells = []
    for offset in range((today - start).days + 1):
        day = start + timedelta(days=offset)
        n = counts.get(day, 0)
        cells.append(
            {
                "x": HEAT_LEFT + (offset // 7) * HEAT_STEP,
                "y": HEAT_TOP + (offset % 7) * HEAT_STEP,
                "day": day,
                "count": n,
                "level": _heat_level(n),
            }
        )
    weeks = [
        {"cells": cells[i : i + 7], "start": cells[i]["day"], "pad": range(7 - len(cells[i : i + 7]))}
        for i in range(0, len(cells), 7)
    ]
    # A month's name over the first week column that starts in it (the first column only if there is room).
    months = []
    for column, week in enumerate(weeks):
        first = week["start"]
        if column == 0 or first.month != weeks[column - 1]["start"].month:
            months.append({"x": HEAT_LEFT + column * HEAT_STEP, "day": first, "column": column})
    if len(months) > 1 and months[0]["column"] == 0 and months[1]["column"] < 3:
        months.pop(0)
    # The legend is a strip of its own under the calendar, on the same scale (same width), aligned with the grid.
    legend = [
        {"level": level, "label": label, "x": HEAT_LEFT + level * 48, "y": 1}
        for level, (_, label) in enumerate(HEAT_LEVELS)
    ]
    return {
        "cells": cells,
        "weeks": weeks,
        "months": months,
        "weekdays": [
            {"name": name, "y": HEAT_TOP + row * HEAT_STEP + 9} for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri"))
        ],
        "legend": legend,
        "total": sum(cell["count"] for cell in cells),
        "active_days": sum(1 for cell in cells if cell["count"]),
    }


def _streak(counts: Counter, today):
    """Learner's days in a row with a review, ending today (or yesterday, while today has none yet)."""
    day = today if counts[today] else today - timedelta(days=1)
    streak = 0
    while counts[day]:
        streak += 1
        day -= timedelta(days=1)
    return streak


def daily_progress(user, now=None) -> dict:
    """The dashboard's goal and streak: answers today (every mode) against the daily goal, and the streak."""
    now = now or timezone.now()
    settings = study_settings_for(user)
    today = learner_day(settings, now)
    per_day = _reviews_per_day(user, now, settings)
    done = per_day.get(today, 0)
    goal = settings.daily_goal
    return {
        "goal": goal,
        "done": done,
        "left": max(goal - done, 0),
        "met": done >= goal,
        "streak": _streak(per_day, today),
        "studied_today": bool(done),
    }


def _retention(user, now, desired, settings):
    """True retention: the share of mature cards answered right at their first review of a learner's day.

    Later reviews of the same card that day (practice going over it again) would only inflate it.
    """
    today = learner_day(settings, now)
    since = learner_day_start(settings, today - timedelta(days=RETENTION_WINDOW_DAYS - 1))
    logs = (
        ReviewLog.objects.filter(user=user, reviewed_at__gte=since)
        .order_by("reviewed_at", "pk")
        .values_list("card_id", "reviewed_at", "state_before", "correct")
    )
    seen = set()
    total = right = 0
    for card_id, reviewed_at, state_before, correct in logs:
        key = (card_id, learner_day(settings, reviewed_at))
        if key in seen:
            continue
        seen.add(key)
        if state_before == Card.State.REVIEW:
            total += 1
            right += int(correct)
    return {"total": total, "right": right, "rate": right / total if total else None, "desired": desired}


def card_recall(card: Card, now, scheduler: Scheduler) -> float:
    """A card's share of mastery: FSRS's predicted recall now for a card in the Review state, else 0.

    A card answered wrong was reviewed a moment ago, so FSRS predicts near-certain recall for it (100% right
    after a lesson check answered 0 of 5); it counts 0 until it is answered right again and back in Review.
    A new card, or one still in its learning steps, has shown no long-term memory yet either.
    """
    if card.state != Card.State.REVIEW or card.last_review is None or card.stability is None:
        return 0.0
    return card_retrievability(card, now, scheduler)


def _mastery(user, now, scheduler: Scheduler):
    """Per service module: the mean of card_recall over its cards in the deck, and how many are in Review."""
    by_module = {}
    cards = (
        Card.objects.filter(user=user, question__retired_at__isnull=True)
        .annotate(module_id=F("question__module_id"))
        .only("state", "step", "stability", "difficulty", "due", "last_review")
    )
    for card in cards:
        by_module.setdefault(card.module_id, []).append(card)
    rows = []
    for module in Module.objects.published().filter(is_service=True).order_by("position"):
        module_cards = by_module.get(module.pk, [])
        recalls = [card_recall(card, now, scheduler) for card in module_cards]
        mean = sum(recalls) / len(recalls) if recalls else None
        rows.append(
            {
                "module": module,
                "cards": len(module_cards),
                "in_review": sum(1 for card in module_cards if card.state == Card.State.REVIEW and card.last_review),
                "mean": mean,
                "percent": round(100 * mean) if mean is not None else 0,
            }
        )
    return rows


def stats_for(user, *, scheduler: Scheduler, desired: float, now=None, settings: StudySettings | None = None) -> dict:
    """Everything on the stats page; days are the learner's (their time zone and day-start hour)."""
    now = now or timezone.now()
    settings = settings or study_settings_for(user)
    today = learner_day(settings, now)
    per_day = _reviews_per_day(user, now, settings)
    return {
        "forecast": _forecast(user, now, settings),
        "heatmap": _heatmap(per_day, today),
        "streak": _streak(per_day, today),
        "retention": _retention(user, now, desired, settings),
        "mastery": _mastery(user, now, scheduler),
        "due": review_counts(user, now),
        "reviews_total": ReviewLog.objects.filter(user=user).count(),
        "day": {
            "time_zone": settings.time_zone,
            "starts_at": settings.day_starts_at,
            "today": today,
        },
    }


def gradebook_columns(user_ids, *, now) -> dict:
    """A cohort gradebook's review and exam columns for many students, in two queries.

    True retention: the share of reviews of cards already in Review state answered right at the first try."""
    from datetime import timedelta

    from django.db.models import Count, Max, Q

    from .models import Card, ExamAttempt, ReviewLog

    week, month = now - timedelta(days=7), now - timedelta(days=30)
    in_review = Q(state_before=Card.State.REVIEW)
    kept = in_review & Q(correct=True, attempts=1)
    recent = Q(reviewed_at__gte=week)
    rows = (
        ReviewLog.objects.filter(user_id__in=user_ids, reviewed_at__gte=month)
        .values("user_id")
        .annotate(
            r7=Count("pk", filter=recent),
            r30=Count("pk"),
            k7=Count("pk", filter=recent & in_review),
            c7=Count("pk", filter=recent & kept),
            k30=Count("pk", filter=in_review),
            c30=Count("pk", filter=kept),
            last=Max("reviewed_at"),
        )
    )
    columns = {}
    for row in rows:
        columns[row["user_id"]] = {
            "reviews_7": row["r7"],
            "reviews_30": row["r30"],
            "retention_7": row["c7"] / row["k7"] if row["k7"] else None,
            "retention_30": row["c30"] / row["k30"] if row["k30"] else None,
            "last_activity": row["last"],
        }
    exams = (
        ExamAttempt.objects.scored()
        .filter(user_id__in=user_ids, kind=ExamAttempt.Kind.EXAM)
        .order_by("submitted_at", "pk")
        .values_list("user_id", "scaled_score")
    )
    for user_id, score in exams:
        entry = columns.setdefault(user_id, {})
        entry["exam_best"] = max(entry.get("exam_best") or 0, score)
        entry["exam_last"] = score
    return columns
