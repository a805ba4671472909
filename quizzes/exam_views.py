"""Practice exams: the blueprints, taking an attempt, its results, review runs and domain drills.

Every view needs a login and reads only request.user's attempts (another learner's ids are 404s). While an
attempt runs, pages carry each question's public variant only: no key, no feedback, no explanation, until the
attempt is submitted (review runs show feedback for a question once it is checked).
"""

import math

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from courses.content.loader import EXAM_DOMAINS
from courses.models import Module

from . import exams, readiness, variants
from .exams import EXAMS
from .models import Card, ExamAttempt, ExamBlueprint, ExamItem
from .services import Outcome
from .views import _feedback, closed_book

MAX_CHOICES = 10  # more keys than any question has options: the rest are ignored
RUNNING = "You have a timed attempt running: finish or submit it before starting another."


def _blueprint(content_id) -> ExamBlueprint:
    return get_object_or_404(ExamBlueprint.objects.published(), content_id=content_id)


def _attempt_for(request, attempt_id) -> ExamAttempt:
    attempt = get_object_or_404(ExamAttempt.objects.select_related("blueprint"), pk=attempt_id, user=request.user)
    attempt.user = request.user
    return attempt


# --- the exams and their history -----------------------------------------------------------------------


@require_GET
def exam_list(request):
    blueprints = list(ExamBlueprint.objects.published())
    finished = (
        ExamAttempt.objects.filter(user=request.user, kind=ExamAttempt.Kind.EXAM)
        .finished()
        .values("blueprint_id")
        .annotate(n=Count("pk"))
    )
    counts = {row["blueprint_id"]: row["n"] for row in finished}
    rows = [{"blueprint": b, "exam_name": EXAMS.get(b.exam, b.exam), "taken": counts.get(b.pk, 0)} for b in blueprints]
    return render(request, "quizzes/exam_list.html", {"rows": rows})


def trend_points(attempts, passing: int) -> dict:
    """An SVG line of scaled scores over attempts (oldest first), on a 100-1,000 axis, with the passing line."""
    width, height, left, top, bottom = 600, 180, 40, 10, 20
    plot_h = height - top - bottom

    def y(score):
        return round(top + plot_h * (1000 - score) / 900, 1)

    count = len(attempts)
    step = (width - left - 20) / max(count - 1, 1)
    points = [
        {
            "x": round(left + step * i if count > 1 else left + (width - left - 20) / 2, 1),
            "y": y(a.scaled_score),
            "score": a.scaled_score,
            "when": a.submitted_at,
            "passed": a.passed,
        }
        for i, a in enumerate(attempts)
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - 20,
        "points": points,
        "polyline": " ".join(f"{p['x']},{p['y']}" for p in points),
        "pass_y": y(passing),
        "ticks": [{"score": s, "y": y(s)} for s in (100, 400, 700, 1000)],
    }


@require_GET
def exam_detail(request, blueprint_id):
    blueprint = _blueprint(blueprint_id)
    now = timezone.now()
    running = exams.open_attempt(request.user, blueprint, ExamAttempt.Kind.EXAM)
    history = list(
        ExamAttempt.objects.filter(user=request.user, blueprint=blueprint)
        .scored()
        .order_by("-submitted_at", "-pk")
        .only(
            "pk",
            "kind",
            "domain",
            "submitted_at",
            "started_at",
            "scaled_score",
            "passed",
            "correct_count",
            "question_count",
            "finished_by",
            "blueprint_id",
            "passing_score",
        )[:50]
    )
    exams_taken = [a for a in history if a.kind == ExamAttempt.Kind.EXAM]
    drills = [a for a in history if a.kind == ExamAttempt.Kind.DRILL]
    last_drill = {}
    for drill in drills:
        last_drill.setdefault(drill.domain, drill)
    spec = exams.blueprint_spec(blueprint)
    pools = exams.pools(spec, exams.drawable_questions())
    quotas = exams.quotas(blueprint.domains, blueprint.questions)
    domains = [
        {
            "domain": domain,
            "label": EXAM_DOMAINS.get(domain, domain),
            "weight": weight,
            "per_attempt": quotas[domain],
            "available": len(pools.get(domain, [])),
            "last_drill": last_drill.get(domain),
        }
        for domain, weight in sorted(blueprint.domains.items())
    ]
    modules = dict(Module.objects.filter(content_id__in=blueprint.services).values_list("content_id", "title"))
    context = {
        "blueprint": blueprint,
        "exam_name": EXAMS.get(blueprint.exam, blueprint.exam),
        "running": running,
        "running_drill": exams.open_attempt(request.user, blueprint, ExamAttempt.Kind.DRILL),
        "exams_taken": exams_taken,
        "drills": drills[:10],
        "trend": trend_points(list(reversed(exams_taken[:20])), blueprint.passing_score) if exams_taken else None,
        "domains": domains,
        "services": [
            {"id": s, "title": modules.get(s, s), "weight": w}
            for s, w in sorted(blueprint.services.items(), key=lambda kv: -kv[1])
        ],
        "drill_size": exams.DRILL_SIZE,
        "drill_minutes": round(blueprint.minutes * exams.DRILL_SIZE / blueprint.questions),
        "now": now,
        "readiness": _readiness(request.user, blueprint),
    }
    return render(request, "quizzes/exam_detail.html", context)


def _readiness(user, blueprint):
    """The estimate for the learner's booked day when this is the exam they booked, else for today."""
    return readiness.estimate(user=user, blueprint=blueprint)


@require_POST
def exam_start(request, blueprint_id):
    blueprint = _blueprint(blueprint_id)
    try:
        attempt = exams.exam_start(user=request.user, blueprint=blueprint)
    except exams.AttemptRunning as exc:
        messages.info(request, RUNNING)
        return redirect(exc.attempt)
    except ValueError as exc:
        messages.error(request, f"This exam cannot be drawn right now: {exc}.")
        return redirect(blueprint)
    return redirect(attempt)


@require_POST
def drill_start(request, blueprint_id):
    blueprint = _blueprint(blueprint_id)
    domain = request.POST.get("domain", "")
    if not isinstance(domain, str) or domain not in blueprint.domains:
        return HttpResponse("Choose one of this exam's domains to drill.", status=400, content_type="text/plain")
    try:
        attempt = exams.drill_start(user=request.user, blueprint=blueprint, domain=domain)
    except exams.AttemptRunning as exc:
        messages.info(request, RUNNING)
        return redirect(exc.attempt)
    except ValueError as exc:
        messages.error(request, f"No drill for that domain yet: {exc}.")
        return redirect(blueprint)
    return redirect(attempt)


# --- taking an attempt ---------------------------------------------------------------------------------


def _closed_response(request, attempt):
    """The attempt is over: to its results (an htmx request is told to go there)."""
    url = reverse("quizzes:attempt_results", args=[attempt.pk])
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _navigator(attempt) -> list[dict]:
    rows = (
        ExamItem.objects.filter(attempt=attempt)
        .order_by("position")
        .values_list("position", "flagged", "choice", "correct")
    )
    return [
        {"position": p, "flagged": f, "answered": bool(c), "checked": r is not None, "right": r} for p, f, c, r in rows
    ]


def _navigator_context(attempt) -> dict:
    navigator = _navigator(attempt)
    return {
        "navigator": navigator,
        "answered_count": sum(1 for row in navigator if row["answered"]),
        "flagged_count": sum(1 for row in navigator if row["flagged"]),
    }


def _remaining_seconds(attempt, now) -> int | None:
    if attempt.ends_at is None:
        return None
    # Rounded up: the page's countdown reaches zero no earlier than the server's clock.
    return max(math.ceil((attempt.ends_at - now).total_seconds()), 0)


def _take_context(request, attempt, item, now):
    variant = variants.render_variant(item.question.spec, item.variant_seed)
    public = variant.public
    chosen = set(item.choice)
    context = {
        "attempt": attempt,
        "blueprint": attempt.blueprint,
        "item": item,
        "public": public,
        "options": [{**o, "chosen": o["key"] in chosen} for o in public.get("options", [])],
        **_navigator_context(attempt),
        "remaining": _remaining_seconds(attempt, now),
        "previous": item.position - 1 if item.position > 1 else None,
        "next": item.position + 1 if item.position < attempt.question_count else None,
        "review_run": attempt.kind == ExamAttempt.Kind.REVIEW,
    }
    if context["review_run"] and item.correct is not None:
        grade = variants.Grade(item.correct, {"choice": sorted(chosen)}, {})
        context["feedback"] = _feedback(Outcome(item.question, variant, grade))
        context["explanation_html"] = variant.explanation_html
        context["question"] = item.question
    return context


def _item(attempt, position) -> ExamItem:
    item = (
        ExamItem.objects.select_related("question__module", "question__lesson")
        .filter(attempt=attempt, position=position)
        .first()
    )
    if item is None:
        raise Http404("No such question in this attempt.")
    return item


@require_GET
def attempt_question(request, attempt_id, position):
    attempt = _attempt_for(request, attempt_id)
    now = timezone.now()
    if exams.attempt_finish_if_overdue(attempt=attempt, now=now):
        return _closed_response(request, attempt)
    if not 1 <= position <= attempt.question_count:
        raise Http404("No such question in this attempt.")
    if attempt.kind == ExamAttempt.Kind.REVIEW:
        return _review_run_question(request, attempt, position, now)
    try:
        exams.attempt_visit(attempt=attempt, position=position, now=now)
    except exams.AttemptClosed:
        return _closed_response(request, attempt)
    context = _take_context(request, attempt, _item(attempt, position), now)
    return render(request, "quizzes/attempt_take.html", context)


@closed_book
def _review_run_question(request, attempt, position, now):
    """A review run shows answers: closed-book while an exam or drill runs."""
    try:
        exams.attempt_visit(attempt=attempt, position=position, now=now)
    except exams.AttemptClosed:
        return _closed_response(request, attempt)
    return render(request, "quizzes/attempt_take.html", _take_context(request, attempt, _item(attempt, position), now))


def _choices(request) -> list[str]:
    return [key for key in request.POST.getlist("choice")[:MAX_CHOICES] if len(key) == 1]


@require_POST
def attempt_answer(request, attempt_id, position):
    """Save the answer as it is now (htmx sends every change); without JS, save and go to the next question."""
    attempt = _attempt_for(request, attempt_id)
    now = timezone.now()
    try:
        item = exams.attempt_save_answer(attempt=attempt, position=position, choice=_choices(request), now=now)
    except exams.AttemptClosed:
        return _closed_response(request, attempt)
    except exams.NotInAttempt:
        raise Http404("No such question in this attempt.") from None
    if request.htmx:
        context = {"attempt": attempt, "item": item, "saved_at": now, **_navigator_context(attempt)}
        return render(request, "quizzes/attempt_take.html#saved", context)
    go = request.POST.get("go", "")
    if go == "summary" or position >= attempt.question_count:
        return redirect("quizzes:attempt_summary", attempt.pk)
    target = max(position - 1, 1) if go == "previous" else position + 1
    return redirect("quizzes:attempt_question", attempt.pk, target)


@require_POST
def attempt_flag(request, attempt_id, position):
    attempt = _attempt_for(request, attempt_id)
    flagged = request.POST.get("flagged") == "1"
    try:
        exams.attempt_flag(attempt=attempt, position=position, flagged=flagged)
    except exams.AttemptClosed:
        return _closed_response(request, attempt)
    except exams.NotInAttempt:
        raise Http404("No such question in this attempt.") from None
    if request.htmx:
        item = ExamItem(attempt=attempt, position=position, flagged=flagged)
        context = {"attempt": attempt, "item": item, **_navigator_context(attempt)}
        return render(request, "quizzes/attempt_take.html#flag_saved", context)
    return redirect("quizzes:attempt_question", attempt.pk, position)


@require_POST
@closed_book
def attempt_check(request, attempt_id, position):
    """Review runs: save the answer given and grade it at once."""
    attempt = _attempt_for(request, attempt_id)
    if attempt.kind != ExamAttempt.Kind.REVIEW:
        raise Http404("Only a review run shows answers before the end.")
    try:
        exams.attempt_save_answer(attempt=attempt, position=position, choice=_choices(request))
        exams.item_check(attempt=attempt, position=position)
    except exams.AttemptClosed:
        return redirect("quizzes:attempt_question", attempt.pk, position)
    except exams.NotInAttempt:
        raise Http404("No such question in this attempt.") from None
    return redirect("quizzes:attempt_question", attempt.pk, position)


@require_GET
def attempt_summary(request, attempt_id):
    attempt = _attempt_for(request, attempt_id)
    now = timezone.now()
    if exams.attempt_finish_if_overdue(attempt=attempt, now=now):
        return _closed_response(request, attempt)
    navigator = _navigator(attempt)
    context = {
        "attempt": attempt,
        "blueprint": attempt.blueprint,
        "navigator": navigator,
        "unanswered": [row["position"] for row in navigator if not row["answered"]],
        "flagged": [row["position"] for row in navigator if row["flagged"]],
        "remaining": _remaining_seconds(attempt, now),
        "review_run": attempt.kind == ExamAttempt.Kind.REVIEW,
    }
    return render(request, "quizzes/attempt_summary.html", context)


@require_POST
def attempt_submit(request, attempt_id):
    attempt = _attempt_for(request, attempt_id)
    exams.attempt_submit(attempt=attempt)
    if attempt.kind == ExamAttempt.Kind.REVIEW:
        return redirect("quizzes:attempt_results", attempt.review_of_id)
    return redirect("quizzes:attempt_results", attempt.pk)


@require_POST
@closed_book
def attempt_review(request, attempt_id):
    attempt = _attempt_for(request, attempt_id)
    if attempt.submitted_at is None or attempt.kind == ExamAttempt.Kind.REVIEW:
        raise Http404("Only a finished exam or drill can be reviewed.")
    review = exams.review_start(attempt=attempt)
    return redirect(review)


# --- results ---------------------------------------------------------------------------------------------


def _share_rows(table: dict, labels: dict) -> list[dict]:
    return [
        {
            "key": key,
            "label": labels.get(key, key),
            "right": right,
            "asked": asked,
            "percent": round(100 * right / asked),
        }
        for key, (right, asked) in table.items()
        if asked
    ]


def _duration(ms: int) -> str:
    seconds = round(ms / 1000)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


@require_GET
@closed_book
def attempt_results(request, attempt_id):
    attempt = _attempt_for(request, attempt_id)
    now = timezone.now()
    if not exams.attempt_finish_if_overdue(attempt=attempt, now=now):
        return redirect(attempt)
    if attempt.kind == ExamAttempt.Kind.REVIEW:
        return redirect("quizzes:attempt_results", attempt.review_of_id)
    items = list(
        ExamItem.objects.filter(attempt=attempt)
        .select_related("question__module", "question__lesson")
        .order_by("position")
    )
    modules = dict(
        Module.objects.filter(content_id__in=attempt.breakdown.get("services", {})).values_list("content_id", "title")
    )
    rows = []
    for item in items:
        variant = variants.render_variant(item.question.spec, item.variant_seed)
        grade = variants.Grade(bool(item.correct), {"choice": list(item.choice)}, {})
        rows.append(
            {
                "item": item,
                "public": variant.public,
                "feedback": _feedback(Outcome(item.question, variant, grade)),
                "explanation_html": variant.explanation_html,
                "time": _duration(item.time_ms),
                "domain_label": EXAM_DOMAINS.get(item.domain, item.domain),
            }
        )
    missed = [item.question_id for item in items if not item.correct]
    in_deck = Card.objects.filter(user=request.user, question_id__in=missed)
    next_due = in_deck.order_by("due").values_list("due", flat=True).first()
    total_ms = sum(item.time_ms for item in items)
    context = {
        "attempt": attempt,
        "blueprint": attempt.blueprint,
        "rows": rows,
        "domains": _share_rows(attempt.breakdown.get("domains", {}), EXAM_DOMAINS),
        "services": _share_rows(attempt.breakdown.get("services", {}), modules),
        "missed_count": len(missed),
        "next_due": next_due,
        "total_time": _duration(total_ms),
        "average_time": _duration(total_ms // max(len(items), 1)),
        "slowest": sorted(rows, key=lambda r: -r["item"].time_ms)[:5],
        "cut_percent": round(100 * (attempt.passing_score - 100) / 900, 1),
        "review_run": ExamAttempt.objects.filter(review_of=attempt, submitted_at__isnull=True).first(),
    }
    return render(request, "quizzes/attempt_results.html", context)
