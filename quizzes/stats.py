"""The numbers and chart geometry behind the stats page (server-rendered SVG)."""

from collections import Counter
from datetime import timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone
from fsrs import Scheduler

from courses.models import Module

from .models import Card, ReviewLog

FORECAST_DAYS = 30
HEATMAP_WEEKS = 20
RETENTION_WINDOW_DAYS = 30


def _forecast(user, now):
    today = now.date()
    rows = (
        Card.objects.filter(user=user, last_review__isnull=False, due__lt=now + timedelta(days=FORECAST_DAYS))
        .annotate(day=TruncDate("due"))
        .values("day")
        .annotate(n=Count("pk"))
    )
    counts = Counter()
    for row in rows:
        counts[max(row["day"], today)] += row["n"]  # overdue cards count for today
    days = [today + timedelta(days=i) for i in range(FORECAST_DAYS)]
    peak = max([counts[d] for d in days] + [1])
    bars = []
    for i, day in enumerate(days):
        height = round(100 * counts[day] / peak)
        bars.append({"x": i * 20, "y": 110 - height, "height": height, "count": counts[day], "day": day})
    return {"bars": bars, "total": sum(counts[d] for d in days), "peak": peak}


def _heatmap(user, now):
    today = now.date()
    start = today - timedelta(days=today.weekday() + 7 * (HEATMAP_WEEKS - 1))
    rows = (
        ReviewLog.objects.filter(user=user, reviewed_at__date__gte=start)
        .annotate(day=TruncDate("reviewed_at"))
        .values("day")
        .annotate(n=Count("pk"))
    )
    counts = {row["day"]: row["n"] for row in rows}
    cells = []
    for offset in range((today - start).days + 1):
        day = start + timedelta(days=offset)
        n = counts.get(day, 0)
        level = 0 if n == 0 else 1 if n < 5 else 2 if n < 15 else 3 if n < 30 else 4
        cells.append({"x": (offset // 7) * 13, "y": (offset % 7) * 13, "day": day, "count": n, "level": level})
    return {"cells": cells, "total": sum(counts.values()), "active_days": len(counts)}


def _streak(user, now):
    days = set(
        ReviewLog.objects.filter(user=user, reviewed_at__gte=now - timedelta(days=400))
        .annotate(day=TruncDate("reviewed_at"))
        .values_list("day", flat=True)
    )
    today = now.date()
    day = today if today in days else today - timedelta(days=1)
    streak = 0
    while day in days:
        streak += 1
        day -= timedelta(days=1)
    return streak


def _retention(user, now, desired):
    """True retention: the share of reviews of cards in the Review state that were answered right."""
    logs = ReviewLog.objects.filter(
        user=user, reviewed_at__gte=now - timedelta(days=RETENTION_WINDOW_DAYS), state_before=Card.State.REVIEW
    )
    total = logs.count()
    right = logs.filter(correct=True).count()
    return {"total": total, "right": right, "rate": right / total if total else None, "desired": desired}


def _mastery(user, now, scheduler: Scheduler):
    """Mean predicted recall of the learner's reviewed cards, per service module."""
    from .services import _utc, to_fsrs

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


def stats_for(user, *, scheduler: Scheduler, desired: float, now=None) -> dict:
    now = now or timezone.now()
    return {
        "forecast": _forecast(user, now),
        "heatmap": _heatmap(user, now),
        "streak": _streak(user, now),
        "retention": _retention(user, now, desired),
        "mastery": _mastery(user, now, scheduler),
        "reviews_total": ReviewLog.objects.filter(user=user).count(),
    }
