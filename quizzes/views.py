"""Review pages: the daily review, module practice, lesson checks, stats and study settings.

Every view needs a login (deny-by-default middleware) and only ever reads or writes request.user's rows:
sessions and cards are looked up with user=request.user, so another learner's ids are 404s.
"""

import functools
import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from courses.models import Lesson, Module

from . import exams, services, stats, variants
from .forms import CardFilterForm, StudySettingsForm
from .models import Card, ReviewSession

CLOSED_BOOK = (
    "Your practice exam is running: reviews, practice and past results wait until you submit it "
    "(or its time runs out), as on exam day."
)


def closed_book(view):
    """While the learner's exam or drill runs, a page that could show an answer sends them back to it."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        running = exams.running_timed_attempt(request.user)
        if running is None:
            return view(request, *args, **kwargs)
        messages.info(request, CLOSED_BOOK)
        if request.htmx:
            return HttpResponseClientRedirect(running.get_absolute_url())
        return redirect(running)

    return wrapper


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
@closed_book
def review_start(request):
    session = services.session_start_daily(user=request.user)
    if not session.queue:
        messages.info(
            request, "Nothing is due and no new cards are waiting. Add a module to your deck or come back later."
        )
        return redirect("quizzes:home")
    return redirect(session)


@require_POST
@closed_book
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
@closed_book
def lesson_check_start(request, lesson_id):
    lesson = get_object_or_404(Lesson.objects.published(), content_id=lesson_id)
    session = services.session_start_lesson_check(user=request.user, lesson=lesson)
    if not session.queue:
        messages.info(request, "This lesson has no check questions yet.")
        return redirect(lesson)
    return redirect(session)


def _render_current(request, session, *, partial: bool, error: str = "", retry=None, notice: str = ""):
    """The question on screen, or the end screen. `retry` is the Outcome of a wrong first try, shown with it."""
    showing = services.card_present(session=session)
    if showing is None:
        counts = services.review_counts(request.user)
        context = {
            "session": session,
            "next_due": counts["next"],
            "next_lesson": None,
            "relearning": services.relearning_left(session),
            "can_undo": services.can_undo(session),
            "notice": notice,
        }
        if session.mode == "lesson" and session.lesson_id:
            lesson = Lesson.objects.select_related("module").get(pk=session.lesson_id)
            context["next_lesson"] = Lesson.objects.published().after(lesson).first()
        template = "quizzes/review_session.html#done" if partial else "quizzes/review_session.html"
        return render(request, template, context)
    tried = _tried(retry) if retry else {}
    context = {
        "session": session,
        "question": showing.question,
        "card": showing.card,
        "public": showing.variant.public,
        "presentation": showing.card.presentation,
        "error": error,
        "retry": bool(retry) or showing.card.attempts > 0,
        "tried": tried,
        "rows": _rows(showing.variant.public, tried),
        "relearning": showing.question.pk in session.again,
        "can_undo": services.can_undo(session),
        "notice": notice,
    }
    template = "quizzes/review_session.html#card" if partial else "quizzes/review_session.html"
    return render(request, template, context)


def _tried(outcome) -> dict:
    """A wrong first try, kept on screen for the retry: what the learner gave and which parts were wrong."""
    variant, grade = outcome.variant, outcome.grade
    submitted, details = grade.submitted, grade.details
    if variant.question_type in variants.CHOICE_TYPES:
        chosen = set(submitted["choice"])
        wrong = chosen - set(variant.answer)
        return {"chosen": chosen, "wrong": wrong, "right_count": len(chosen) - len(wrong), "count": len(chosen)}
    if variant.question_type == "numeric":
        return {"given": variants.format_number(submitted["answer"]), "mistake_html": details.get("mistake_html", "")}
    if variant.question_type == "ordering":
        positions = {key: position for position, key in enumerate(submitted["order"], start=1)}
        return {"positions": positions, "wrong": set(details["misplaced"])}
    return {"match": submitted["match"], "wrong": set(details["wrong"])}


def _rows(public: dict, tried: dict) -> list[dict]:
    """The answer form's rows (options, steps or pairs), each with what the learner gave at a wrong first try."""
    wrong = tried.get("wrong", set())
    if public["type"] in variants.CHOICE_TYPES:
        chosen = tried.get("chosen", set())
        return [{**o, "chosen": o["key"] in chosen, "wrong": o["key"] in wrong} for o in public["options"]]
    if public["type"] == "ordering":
        positions = tried.get("positions", {})
        return [
            {**item, "position": positions.get(item["key"]), "wrong": item["key"] in wrong} for item in public["items"]
        ]
    if public["type"] == "matching":
        match = tried.get("match", {})
        return [
            {**left, "chosen": match.get(left["key"], ""), "wrong": left["key"] in wrong} for left in public["lefts"]
        ]
    return []


@require_GET
@closed_book
def session_detail(request, session_id):
    session = _session_for(request, session_id)
    return _render_current(request, session, partial=bool(request.htmx))


@require_POST
@closed_book
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
        return _render_current(request, session, partial=bool(request.htmx), retry=outcome)
    session = outcome.session
    log = outcome.log
    context = {
        "session": session,
        "question": outcome.question,
        "public": outcome.variant.public,
        "variant": outcome.variant,
        "outcome": outcome,
        "feedback": _feedback(outcome),
        "interval": _interval(log.due_after - log.reviewed_at),
        "reason": services.rating_reason(log=log, question=outcome.question),
        "comes_back_here": outcome.question.pk in session.again,
        "can_undo": not outcome.replayed,
        "card": log.card,
    }
    template = "quizzes/review_session.html#feedback" if request.htmx else "quizzes/review_session.html"
    return render(request, template, context)


@require_POST
def session_undo(request, session_id):
    session = _session_for(request, session_id)
    try:
        services.card_undo(session=session)
    except services.NothingToUndo as exc:
        return _render_current(request, session, partial=bool(request.htmx), notice=str(exc))
    notice = "Answer undone: the question is back as it was before you answered."
    return _render_current(request, session, partial=bool(request.htmx), notice=notice)


SET_ASIDE_NOTICES = {
    "suspend": "Card suspended: it stays out of your reviews until you unsuspend it in the card browser.",
    "unsuspend": "Card unsuspended: it comes back in your reviews when due.",
    "bury": "Card buried until tomorrow.",
    "unbury": "Card unburied.",
}


@require_POST
def session_set_aside(request, session_id):
    """Suspend or bury the question on screen; the session goes on with the next one."""
    session = _session_for(request, session_id)
    action = request.POST.get("action", "")
    if action not in ("suspend", "bury"):
        return HttpResponseBadRequest("Choose to suspend or to bury the card.")
    raw = request.POST.get("card", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        return HttpResponseBadRequest("Say which card: 'card' must be a card number.")
    card = Card.objects.filter(user=request.user, pk=int(raw), question_id__in=session.queue).first()
    if card is None:
        raise Http404("No such card in this session.")
    services.card_set_aside(user=request.user, card=card, action=action, session=session)
    return _render_current(request, session, partial=bool(request.htmx), notice=SET_ASIDE_NOTICES[action])


@require_POST
def session_end(request, session_id):
    session = services.session_end(session=_session_for(request, session_id))
    return _render_current(request, session, partial=bool(request.htmx))


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
    form = StudySettingsForm(
        request.POST or None,
        initial=StudySettingsForm.initial_for(settings),
        today=services.learner_day(settings, timezone.now()),  # "not in the past" by the learner's own day
    )
    if request.method == "POST" and form.is_valid():
        services.study_settings_update(user=request.user, **form.update_kwargs())
        messages.success(request, "Study settings saved.")
        return redirect("quizzes:home")
    return render(request, "quizzes/settings.html", {"form": form})


CARDS_PER_PAGE = 50


@require_GET
def card_list(request):
    """The card browser: search the learner's own deck by text, module, state and due date."""
    modules = Module.objects.published().order_by("position")
    form = CardFilterForm(request.GET or None, modules=modules)
    if request.GET and not form.is_valid():
        response = render(request, "quizzes/card_list.html", {"form": form, "page": None})
        response.status_code = 400
        return response
    filters = form.cleaned_data if request.GET else {}
    now = timezone.now()
    cards = services.cards_matching(
        request.user,
        q=filters.get("q", ""),
        module=filters.get("module"),
        state=filters.get("state", ""),
        due=filters.get("due", ""),
        now=now,
    )
    page = Paginator(cards, CARDS_PER_PAGE).get_page(request.GET.get("page"))
    settings = services.study_settings_for(request.user)
    for card in page:
        card.prompt_text = services.prompt_text(card)
        card.state_label = services.card_state_label(card, now)
        card.due_phrase = services.due_phrase(card.due, now, settings) if card.last_review else ""
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "total": page.paginator.count}
    return render(request, "quizzes/card_list.html", context)


@require_GET
def card_detail(request, card_id):
    """One card of the learner's deck: its prompt, schedule and full history."""
    card = get_object_or_404(
        Card.objects.select_related("question__module", "question__lesson"), pk=card_id, user=request.user
    )
    now = timezone.now()
    settings = services.study_settings_for(request.user)
    seed = card.variant_seed if card.variant_seed is not None else 0
    logs = list(card.logs.order_by("-reviewed_at", "-pk"))
    for log in logs:
        log.interval = _interval(log.due_after - log.reviewed_at)
    recall = None
    if card.last_review and card.stability:
        recall = services.card_retrievability(card, now, services.scheduler_for(settings))
    context = {
        "card": card,
        "question": card.question,
        "prompt_html": variants.render_variant(card.question.spec, seed).public["prompt_html"],
        "state_label": services.card_state_label(card, now),
        "due_phrase": services.due_phrase(card.due, now, settings) if card.last_review else "",
        "buried": bool(card.buried_until and card.buried_until > now),
        "recall": round(100 * recall) if recall is not None else None,
        "logs": logs,
        "zone": settings.time_zone,
    }
    return render(request, "quizzes/card_detail.html", context)


@require_POST
def card_set_aside(request, card_id):
    card = get_object_or_404(Card, pk=card_id, user=request.user)
    action = request.POST.get("action", "")
    if action not in services.SET_ASIDE_ACTIONS:
        return HttpResponseBadRequest("Choose suspend, unsuspend, bury or unbury.")
    services.card_set_aside(user=request.user, card=card, action=action)
    messages.success(request, SET_ASIDE_NOTICES[action])
    return redirect("quizzes:card", card.pk)
