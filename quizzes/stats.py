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
    _utc,
    learner_day,
    learner_day_of_wall_time,
    learner_day_start,
    learner_zone,
    study_settings_for,
    to_fsrs,
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


def _forecast(user, now, settings):
    today = learner_day(settings, now)
    today_start = learner_day_start(settings, today)
    end = learner_day_start(settings, today + timedelta(days=FORECAST_DAYS))
    # Overdue cards count for today: fold them into today's first hour so they cost one bucket, not one each.
    due_or_today = Case(
        When(due__lt=today_start, then=Value(today_start)), default=F("due"), output_field=DateTimeField()
    )
    counts = _per_learner_day(
        Card.objects.filter(user=user, last_review__isnull=False, due__lt=end), due_or_today, settings
    )
    days = [today + timedelta(days=i) for i in range(FORECAST_DAYS)]
    peak = max([counts[d] for d in days] + [1])
    bars = []
    for i, day in enumerate(days):
        height = round(100 * counts[day] / peak)
        bars.append({"x": i * 20, "y": 110 - height, "height": height, "count": counts[day], "day": day})
    return {"bars": bars, "total": sum(counts[d] for d in days), "peak": peak}


def _reviews_per_day(user, now, settings) -> Counter:
    """Reviews per learner's day over the streak's look-back (which covers the heatmap's weeks too)."""
    today = learner_day(settings, now)
    since = learner_day_start(settings, today - timedelta(days=STREAK_LOOKBACK_DAYS))
    logs = ReviewLog.objects.filter(user=user, reviewed_at__gte=since, reviewed_at__lt=now + timedelta(seconds=1))
    return _per_learner_day(logs, "reviewed_at", settings)


def _heatmap(counts: Counter, today):
    start = today - timedelta(days=today.weekday() + 7 * (HEATMAP_WEEKS - 1))
    cells = []
    for offset in range((today - start).days + 1):
        day = start + timedelta(days=offset)
        n = counts.get(day, 0)
        level = 0 if n == 0 else 1 if n < 5 else 2 if n < 15 else 3 if n < 30 else 4
        cells.append({"x": (offset // 7) * 13, "y": (offset % 7) * 13, "day": day, "count": n, "level": level})
    return {
        "cells": cells,
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


def _mastery(user, now, scheduler: Scheduler):
    """Mean predicted recall of the learner's reviewed cards, per service module."""
    by_module = {}
    cards = Card.objects.filter(user=user, last_review__isnull=False).select_related("question")
    for card in cards:
        fsrs_card = to_fsrs(card)
        fsrs_card.last_review = _utc(fsrs_card.last_review)
        recall = scheduler.get_card_retrievability(fsrs_card, _utc(now))
        by_module.setdefault(card.question.module_id, []).append(recall)
    rows = []
    for module in Module.objects.published().filter(is_service=True).order_by("position"):
        recalls = by_module.get(module.pk, [])
        mean = sum(recalls) / len(recalls) if recalls else None
        rows.append(
            {
                "module": module,
                "cards": len(recalls),
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
        "reviews_total": ReviewLog.objects.filter(user=user).count(),
        "day": {
            "time_zone": settings.time_zone,
            "starts_at": settings.day_starts_at,
            "today": today,
        },
    }
