"""Review pages: the daily review, module practice, lesson checks, stats and study settings.

Every view needs a login (deny-by-default middleware) and only ever reads or writes request.user's rows:
sessions and cards are looked up with user=request.user, so another learner's ids are 404s.
"""

import uuid

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses.models import Lesson, Module

from . import services, stats, variants
from .forms import StudySettingsForm
from .models import Card, ReviewSession


def _session_for(request, session_id) -> ReviewSession:
    session = get_object_or_404(ReviewSession, pk=session_id, user=request.user)
    session.user = request.user  # already loaded: spare the query
    return session


@require_GET
def review_home(request):
    counts = services.review_counts(request.user)
    modules = (
        Module.objects.published()
        .annotate(question_count=Count("questions", filter=Q(questions__retired_at__isnull=True)))
        .filter(question_count__gt=0)
        .order_by("position")
    )
    in_deck = dict(
        Card.objects.filter(user=request.user)
        .values("question__module_id")
        .annotate(n=Count("pk"))
        .values_list("question__module_id", "n")
    )
    rows = [{"module": m, "in_deck": in_deck.get(m.pk, 0)} for m in modules]
    context = {"counts": counts, "modules": rows}
    return render(request, "quizzes/review_home.html", context)


@require_POST
def review_start(request):
    session = services.session_start_daily(user=request.user)
    if not session.queue:
        messages.info(
            request, "Nothing is due and no new cards are waiting. Add a module to your deck or come back later."
        )
        return redirect("quizzes:home")
    return redirect(session)


@require_POST
def practice_start(request, module_id):
    module = get_object_or_404(Module.objects.published(), content_id=module_id)
    session = services.session_start_practice(user=request.user, module=module)
    if not session.queue:
        messages.info(request, "This module has no questions yet.")
        return redirect(module)
    return redirect(session)


@require_POST
def deck_add(request, module_id):
    module = get_object_or_404(Module.objects.published(), content_id=module_id)
    added = services.deck_add_module(user=request.user, module=module)
    messages.success(request, f"Added {added} question{'s' if added != 1 else ''} from {module.title} to your deck.")
    return redirect(_safe_next(request) or "quizzes:home")


def _safe_next(request) -> str:
    """The posted `next` when it is a path on this site; "" for another host or scheme (`//evil.example`)."""
    target = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed and target.startswith("/") else ""


@require_POST
def lesson_check_start(request, lesson_id):
    lesson = get_object_or_404(Lesson.objects.published(), content_id=lesson_id)
    session = services.session_start_lesson_check(user=request.user, lesson=lesson)
    if not session.queue:
        messages.info(request, "This lesson has no check questions yet.")
        return redirect(lesson)
    return redirect(session)


def _render_current(request, session, *, partial: bool, error: str = "", retry: bool = False):
    showing = services.card_present(session=session)
    if showing is None:
        context = {"session": session, "next_due": services.next_due(request.user), "next_lesson": None}
        if session.mode == "lesson" and session.lesson_id:
            lesson = Lesson.objects.select_related("module").get(pk=session.lesson_id)
            context["next_lesson"] = Lesson.objects.published().after(lesson).first()
        template = "quizzes/review_session.html#done" if partial else "quizzes/review_session.html"
        return render(request, template, context)
    context = {
        "session": session,
        "question": showing.question,
        "public": showing.variant.public,
        "presentation": showing.card.presentation,
        "error": error,
        "retry": retry or showing.card.attempts > 0,
        "position": len(session.answered) + 1,
    }
    template = "quizzes/review_session.html#card" if partial else "quizzes/review_session.html"
    return render(request, template, context)


@require_GET
def session_detail(request, session_id):
    session = _session_for(request, session_id)
    return _render_current(request, session, partial=bool(request.htmx))


@require_POST
def session_answer(request, session_id):
    session = _session_for(request, session_id)
    try:
        presentation = uuid.UUID(request.POST.get("presentation", ""))
    except ValueError:
        raise Http404("No such question showing.") from None
    try:
        outcome = services.card_answer(
            session=session, presentation=presentation, data=request.POST, give_up=bool(request.POST.get("give_up"))
        )
    except variants.AnswerInvalid as exc:
        return _render_current(request, session, partial=bool(request.htmx), error=str(exc))
    except services.StaleShowing:
        # An old tab or a retired question: show whatever is current instead.
        return _render_current(request, session, partial=bool(request.htmx))
    if outcome.retry:
        return _render_current(request, session, partial=bool(request.htmx), retry=True)
    session = outcome.session
    context = {
        "session": session,
        "question": outcome.question,
        "public": outcome.variant.public,
        "variant": outcome.variant,
        "outcome": outcome,
        "feedback": _feedback(outcome),
        "interval": _interval(outcome.log.due_after - outcome.log.reviewed_at) if outcome.log else "",
    }
    template = "quizzes/review_session.html#feedback" if request.htmx else "quizzes/review_session.html"
    return render(request, template, context)


def _feedback(outcome) -> dict:
    """What to show after grading: the right answer and why, per option / item / pair."""
    variant, grade = outcome.variant, outcome.grade
    public = variant.public
    submitted = grade.submitted if grade else {}
    if variant.question_type in variants.CHOICE_TYPES:
        chosen = set(submitted.get("choice", []))
        return {
            "options": [
                {
                    "key": o["key"],
                    "html": o["html"],
                    "correct": o["key"] in variant.answer,
                    "chosen": o["key"] in chosen,
                    "feedback": variant.feedback.get(o["key"], ""),
                }
                for o in public["options"]
            ]
        }
    if variant.question_type == "numeric":
        return {
            "expected": variants.format_number(variant.answer),
            "given": variants.format_number(submitted["answer"]) if "answer" in submitted else None,
            "mistake_html": grade.details.get("mistake_html") if grade else "",
        }
    if variant.question_type == "ordering":
        by_key = {item["key"]: item["html"] for item in public["items"]}
        misplaced = set(grade.details["misplaced"]) if grade else set()
        return {
            "order": [
                {"html": by_key[k], "feedback": variant.feedback.get(k, ""), "misplaced": k in misplaced}
                for k in variant.answer
            ]
        }
    rights = {r["key"]: r["text"] for r in public["rights"]}
    chosen = submitted.get("match", {})
    return {
        "pairs": [
            {
                "left": left["html"],
                "right": rights[variant.answer[left["key"]]],
                "given": rights.get(chosen.get(left["key"]), "—"),
                "correct": chosen.get(left["key"]) == variant.answer[left["key"]],
                "feedback": variant.feedback.get(left["key"], ""),
            }
            for left in public["lefts"]
        ]
    }


def _interval(delta) -> str:
    seconds = delta.total_seconds()
    if seconds < 3600:
        minutes = max(round(seconds / 60), 1)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    if seconds < 86400:
        hours = round(seconds / 3600)
        return f"{hours} hour{'s' if hours != 1 else ''}"
    days = round(seconds / 86400)
    return f"{days} day{'s' if days != 1 else ''}"


@require_GET
def stats_view(request):
    settings = services.study_settings_for(request.user)
    context = stats.stats_for(
        request.user, scheduler=services.scheduler_for(settings), desired=settings.desired_retention, now=timezone.now()
    )
    context["settings"] = settings
    return render(request, "quizzes/stats.html", context)


@require_http_methods(["GET", "POST"])
def settings_view(request):
    settings = services.study_settings_for(request.user)
    form = StudySettingsForm(request.POST or None, initial=StudySettingsForm.initial_for(settings))
    if request.method == "POST" and form.is_valid():
        services.study_settings_update(user=request.user, **form.update_kwargs())
        messages.success(request, "Study settings saved.")
        return redirect("quizzes:home")
    return render(request, "quizzes/settings.html", {"form": form})
