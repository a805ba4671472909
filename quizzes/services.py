"""Reviews: building sessions, showing a card, grading an answer and scheduling it with FSRS."""

import json
import math
import random
import uuid
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Min, Q
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler, State

from . import variants
from .models import Card, Question, ReviewLog, ReviewSession, StudySettings, time_zone_names

DAILY_DUE_CAP = 200
PRACTICE_SIZE = 10
LESSON_CHECK_SIZE = 5

# Rating policy (README "Spaced repetition"): the rating comes from the answer, not from a self-rating.
# A question is "slow" past BASE_SECONDS[type] x DIFFICULTY_FACTOR[difficulty]; "quick" within
# QUICK_FRACTION of that.
BASE_SECONDS = {"single": 20, "multiple": 35, "numeric": 60, "ordering": 45, "matching": 45}
DIFFICULTY_FACTOR = {1: 1.0, 2: 1.5, 3: 2.0}
QUICK_FRACTION = 0.4


def slow_after_seconds(qtype: str, difficulty: int) -> float:
    return BASE_SECONDS[qtype] * DIFFICULTY_FACTOR[difficulty]


def rating_for(
    *, correct: bool, attempts: int, seconds: float, qtype: str, difficulty: int, state: int | None
) -> Rating:
    """Wrong is Again; right after a retry or slowly is Hard; right quickly on a Review card is Easy; else Good."""
    if not correct:
        return Rating.Again
    slow_after = slow_after_seconds(qtype, difficulty)
    if attempts > 1 or seconds > slow_after:
        return Rating.Hard
    if state == Card.State.REVIEW and seconds <= QUICK_FRACTION * slow_after:
        return Rating.Easy
    return Rating.Good


def rating_reason(*, log: ReviewLog, question: Question) -> str:
    """Why an answer earned its rating, in the words of the policy above."""
    if not log.correct:
        return "you asked to see the answer" if not log.answer else "the answer was wrong"
    if log.rating == Rating.Hard:
        if log.attempts > 1:
            return "right at the second try"
        return f"right, but slower than {round(slow_after_seconds(question.qtype, question.difficulty))} s"
    if log.rating == Rating.Easy:
        return "right, and quick"
    return "right"


def study_settings_for(user) -> StudySettings:
    """The learner's settings, created with the defaults on first use; cached on the user object."""
    try:
        return user.study_settings
    except StudySettings.DoesNotExist:
        settings, _ = StudySettings.objects.get_or_create(user=user)
        user.study_settings = settings
        return settings


def time_zone_valid(name) -> bool:
    return isinstance(name, str) and name in time_zone_names()


@transaction.atomic
def study_settings_create_for_new_user(user, *, time_zone: str | None) -> StudySettings:
    """Settings for a learner who has just signed up, in the time zone their browser reported.

    The zone comes from a hidden field, so a missing or unknown one falls back to UTC instead of failing sign-up.
    """
    zone = time_zone if time_zone_valid(time_zone) else "UTC"
    settings, created = StudySettings.objects.get_or_create(user=user, defaults={"time_zone": zone})
    if not created and settings.time_zone != zone:
        settings.time_zone = zone
        settings.save(update_fields=["time_zone"])
    user.study_settings = settings
    return settings


# --- the learner's day -------------------------------------------------------------------------------------
# A learner's day runs from `day_starts_at` o'clock local time to the same hour the next day (Anki's "next day
# starts at"), so a review at 1 am still counts for the evening before. Wall-clock arithmetic: the day of a
# moment is the local date of (local time - day_starts_at hours), which stays right across DST changes.


def learner_zone(settings: StudySettings) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.time_zone) if time_zone_valid(settings.time_zone) else zoneinfo.ZoneInfo("UTC")


def learner_day(settings: StudySettings, moment: datetime) -> date:
    """The learner's day that an aware moment falls in."""
    wall = moment.astimezone(learner_zone(settings)).replace(tzinfo=None)
    return (wall - timedelta(hours=settings.day_starts_at)).date()


def learner_day_of_wall_time(settings: StudySettings, wall: datetime) -> date:
    """The learner's day of a local wall-clock time (naive, or aware in the learner's zone)."""
    return (wall.replace(tzinfo=None) - timedelta(hours=settings.day_starts_at)).date()


def learner_day_start(settings: StudySettings, day: date) -> datetime:
    """The moment (UTC) a learner's day begins. A start hour skipped by DST begins the day at the jump."""
    local = datetime.combine(day, time(settings.day_starts_at), tzinfo=learner_zone(settings))
    return local.astimezone(UTC)


def learner_today_start(settings: StudySettings, now: datetime) -> datetime:
    return learner_day_start(settings, learner_day(settings, now))


# The run-up to a booked exam (README "Readiness estimate"): from EXAM_WINDOW_DAYS before the exam day to the day
# itself, reviews aim for at least EXAM_RETENTION, and the daily review brings forward up to EXAM_AHEAD_CAP
# cards a day of the exam's items that FSRS says would be below that on the day.
EXAM_WINDOW_DAYS = 14
EXAM_RETENTION = 0.95
EXAM_AHEAD_CAP = 30


def in_exam_window(settings: StudySettings, now: datetime) -> bool:
    if settings.exam_date is None or settings.exam_blueprint_id is None:
        return False
    return 0 <= (settings.exam_date - learner_day(settings, now)).days <= EXAM_WINDOW_DAYS


def effective_retention(settings: StudySettings, now: datetime | None = None) -> float:
    """The retention reviews are scheduled for now: the learner's own, raised in the run-up to their exam."""
    if in_exam_window(settings, now or timezone.now()):
        return max(settings.desired_retention, EXAM_RETENTION)
    return settings.desired_retention


def scheduler_for(settings: StudySettings, now: datetime | None = None) -> Scheduler:
    return Scheduler(desired_retention=effective_retention(settings, now))


def to_fsrs(card: Card) -> FsrsCard:
    return FsrsCard(
        card_id=card.pk or 1,
        state=State(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
    )


def _utc(moment):
    return moment.astimezone(UTC) if moment is not None else None


def card_retrievability(card: Card, now, scheduler: Scheduler) -> float:
    """FSRS's predicted recall of a studied card at `now`."""
    fsrs_card = to_fsrs(card)
    fsrs_card.last_review = _utc(fsrs_card.last_review)
    return scheduler.get_card_retrievability(fsrs_card, _utc(now))


# --- building the deck and sessions ----------------------------------------------------------------------


def deck_add_module(*, user, module) -> int:
    """Add every published question of a module to the learner's deck as new cards. Returns how many."""
    now = timezone.now()
    have = set(Card.objects.filter(user=user, question__module=module).values_list("question_id", flat=True))
    missing = Question.objects.published().filter(module=module).exclude(pk__in=have).values_list("pk", flat=True)
    cards = [Card(user=user, question_id=pk, due=now) for pk in missing]
    Card.objects.bulk_create(cards, ignore_conflicts=True)
    return len(cards)


def new_cards_introduced_today(user, now, settings: StudySettings | None = None) -> int:
    """New cards the daily review has shown on the learner's day (lesson checks and practice are their own choice)."""
    start = learner_today_start(settings or study_settings_for(user), now)
    return ReviewLog.objects.filter(
        user=user, reviewed_at__gte=start, state_before=ReviewLog.NEW, mode=ReviewLog.Mode.REVIEW
    ).count()


def session_start_daily(*, user, now=None) -> ReviewSession:
    """Due cards first (soonest due first), then, in the run-up to a booked exam, its items that would be below
    the raised retention on the day (lowest first, capped a day), then today's allowance of new cards."""
    now = now or timezone.now()
    settings = study_settings_for(user)
    due = list(
        Card.objects.due(user, now)
        .filter(question__retired_at__isnull=True)
        .values_list("question_id", flat=True)[:DAILY_DUE_CAP]
    )
    if in_exam_window(settings, now):
        from .readiness import cards_to_bring_forward  # readiness builds on this module

        due += cards_to_bring_forward(user=user, settings=settings, now=now, exclude=set(due))
    allowance = max(settings.new_per_day - new_cards_introduced_today(user, now, settings), 0)
    new = list(
        Card.objects.new(user, now)
        .filter(question__retired_at__isnull=True)
        .values_list("question_id", flat=True)[:allowance]
    )
    return ReviewSession.objects.create(user=user, mode=ReviewLog.Mode.REVIEW, queue=due + new)


def session_start_practice(*, user, module, size=PRACTICE_SIZE) -> ReviewSession:
    """Practice a module now, whatever is due: its cards soonest-due first, then questions not in the deck yet."""
    questions = Question.objects.published().filter(module=module)
    now = timezone.now()
    cards = Card.objects.filter(user=user, question__in=questions)
    in_deck = list(cards.active(now).order_by("due").values_list("question_id", flat=True))
    fresh = list(questions.exclude(pk__in=cards.values("question_id")).values_list("pk", flat=True))
    return ReviewSession.objects.create(
        user=user, mode=ReviewLog.Mode.PRACTICE, module=module, queue=(in_deck + fresh)[:size]
    )


def session_start_lesson_check(*, user, lesson) -> ReviewSession:
    """The short check offered after a lesson: up to five of its questions, easiest first."""
    queue = list(
        Question.objects.published().filter(lesson=lesson).order_by("difficulty", "pk").values_list("pk", flat=True)
    )[:LESSON_CHECK_SIZE]
    return ReviewSession.objects.create(
        user=user, mode=ReviewLog.Mode.LESSON, lesson=lesson, module=lesson.module, queue=queue
    )


# --- one question: show, answer ----------------------------------------------------------------------------


@dataclass
class Showing:
    card: Card
    question: Question
    variant: variants.Variant


# Anki's "learn ahead limit": once nothing else is left, a card to relearn due within this long is shown now.
LEARN_AHEAD = timedelta(minutes=20)


def _next_question(session: ReviewSession, now) -> int | None:
    """The current question; else a card to relearn whose step is over; else the next new one in the queue;
    else a card to relearn due within LEARN_AHEAD. None when the session has nothing left to show now."""
    if session.finished_at is not None:
        return None
    current = session.current
    if current in session.queue and (current in session.again or current not in session.answered):
        return current
    relearn = (
        Card.objects.filter(user=session.user, question_id__in=session.again, question__retired_at__isnull=True)
        .order_by("due")
        .values_list("question_id", "due")
        .first()
        if session.again
        else None
    )
    if relearn and relearn[1] <= now:
        return relearn[0]
    if session.remaining:
        return session.remaining[0]
    if relearn and relearn[1] <= now + LEARN_AHEAD:
        return relearn[0]
    return None


@transaction.atomic
def card_present(*, session: ReviewSession, now=None) -> Showing | None:
    """The session's current question, with its variant; reuses the showing in progress if there is one."""
    now = now or timezone.now()
    pk = _next_question(session, now)
    if pk is None:
        return None
    question = Question.objects.select_related("module", "lesson").get(pk=pk)
    card, _ = Card.objects.select_for_update().get_or_create(
        user=session.user, question=question, defaults={"due": now}
    )
    if card.presentation is None:
        card.presentation = uuid.uuid4()
        card.variant_seed = random.SystemRandom().randrange(2**31)
        card.presented_at = now
        card.attempts = 0
        card.save(update_fields=["presentation", "variant_seed", "presented_at", "attempts"])
    if session.current != pk:
        session.current = pk
        ReviewSession.objects.filter(pk=session.pk).update(current=pk)
    return Showing(card, question, variants.render_variant(question.spec, card.variant_seed))


def relearning_left(session: ReviewSession, now=None) -> list[Card]:
    """The cards this session still has to relearn, soonest due first (for its end screen)."""
    if not session.again:
        return []
    now = now or timezone.now()
    settings = study_settings_for(session.user)
    cards = list(
        Card.objects.filter(user=session.user, question_id__in=session.again, question__retired_at__isnull=True)
        .select_related("question__lesson")
        .order_by("due")
    )
    for card in cards:
        card.due_phrase = due_phrase(card.due, now, settings)
        card.prompt_text = prompt_text(card)
    return cards


def prompt_text(card: Card, length: int = 140) -> str:
    """A card's prompt as plain text, as last shown to the learner (its variant), for lists of cards."""
    seed = card.variant_seed if card.variant_seed is not None else 0
    html = variants.render_variant(card.question.spec, seed).public["prompt_html"]
    return Truncator(strip_tags(html).strip()).chars(length)


@dataclass
class Outcome:
    question: Question
    variant: variants.Variant
    grade: variants.Grade | None
    log: ReviewLog | None = None
    retry: bool = False  # wrong at the first attempt: the learner may try once more
    replayed: bool = False  # this showing was already answered (double submit, back button, second tab)
    session: ReviewSession | None = None


class StaleShowing(Exception):  # noqa: N818
    """The answer belongs to no showing of this learner."""


def _replay(log: ReviewLog, session: ReviewSession) -> Outcome:
    variant = variants.render_variant(log.question.spec, log.variant_seed)
    grade = variants.grade(variant, log.answer) if log.answer else None
    return Outcome(log.question, variant, grade, log=log, replayed=True, session=session)


@transaction.atomic
def card_answer(*, session: ReviewSession, presentation, data, give_up=False, now=None) -> Outcome:
    """Grade an answer and, when final, review the card with FSRS: card and log saved in one transaction.

    Raises variants.AnswerInvalid for input that cannot be graded (nothing is recorded) and StaleShowing
    for a token that is neither in progress nor answered by this learner.
    """
    now = now or timezone.now()
    # Lock the session row too, so two answers in one session cannot lose each other's progress.
    _lock_progress(session)
    card = (
        Card.objects.select_for_update(of=("self",))
        .select_related("question__module", "question__lesson")
        .filter(user=session.user, presentation=presentation)
        .first()
    )
    if card is None:
        log = (
            ReviewLog.objects.select_related("question__module", "question__lesson")
            .filter(user=session.user, presentation=presentation)
            .first()
        )
        if log is None:
            raise StaleShowing(presentation)
        return _replay(log, session)
    question = card.question
    if question.pk not in session.queue:
        raise StaleShowing(presentation)
    variant = variants.render_variant(question.spec, card.variant_seed)
    if give_up:
        grade = None
        correct = False
    else:
        grade = variants.grade(variant, data)
        correct = grade.correct
        if not correct and card.attempts == 0:
            card.attempts = 1
            card.save(update_fields=["attempts"])
            return Outcome(question, variant, grade, retry=True, session=session)

    attempts = card.attempts + 1
    seconds = max((now - card.presented_at).total_seconds(), 0)
    undo = {"card": _card_snapshot(card), "session": _progress_snapshot(session)}
    state_before = card.state if card.last_review else ReviewLog.NEW
    rating = rating_for(
        correct=correct,
        attempts=attempts,
        seconds=seconds,
        qtype=question.qtype,
        difficulty=question.difficulty,
        state=card.state if card.last_review else None,
    )
    retrievability = card_schedule(
        card=card, rating=rating, now=now, seconds=seconds, settings=study_settings_for(session.user)
    )
    card.presentation = None
    card.attempts = 0
    card.save()
    log = ReviewLog.objects.create(
        card=card,
        user=session.user,
        question=question,
        presentation=presentation,
        rating=int(rating),
        correct=correct,
        attempts=attempts,
        duration_ms=min(int(seconds * 1000), 3_600_000),
        reviewed_at=now,
        variant_seed=card.variant_seed,
        answer=_answer_data(variant, grade, data) if grade else {},
        options_chosen=variants.options_mask(variant.option_index, grade.submitted["choice"])
        if grade and variant.option_index
        else None,
        state_before=state_before,
        retrievability_before=retrievability,
        due_after=card.due,
        mode=session.mode,
        session=session,
        undo=undo,
    )
    if question.pk not in session.answered:
        session.answered.append(question.pk)
        session.correct_count += int(correct)
    if rating == Rating.Again:
        if question.pk not in session.again:
            session.again.append(question.pk)
    elif question.pk in session.again:
        session.again.remove(question.pk)
    session.current = None
    if not session.remaining and not session.again:
        session.finished_at = now
    session.save(update_fields=PROGRESS_FIELDS)
    return Outcome(question, variant, grade, log=log, session=session)


PROGRESS_FIELDS = ["queue", "answered", "correct_count", "again", "current", "finished_at"]
CARD_FIELDS = ["state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses"]


def _lock_progress(session: ReviewSession) -> None:
    """Lock the session row and read its progress afresh, so two answers cannot lose each other's."""
    locked = ReviewSession.objects.select_for_update().only(*PROGRESS_FIELDS).get(pk=session.pk)
    for name in PROGRESS_FIELDS:
        setattr(session, name, getattr(locked, name))


def _when(value):
    return value.isoformat() if isinstance(value, datetime) else value


def _card_snapshot(card: Card) -> dict:
    return {name: _when(getattr(card, name)) for name in CARD_FIELDS}


def _progress_snapshot(session: ReviewSession) -> dict:
    return {name: _when(getattr(session, name)) for name in PROGRESS_FIELDS}


def _moment(value):
    return datetime.fromisoformat(value) if isinstance(value, str) else value


class NothingToUndo(Exception):  # noqa: N818
    """No answer of this session can be undone; the message says why."""


@transaction.atomic
def card_undo(*, session: ReviewSession, now=None) -> Question:
    """Undo the session's last answer: the card's schedule and the session's progress as they were before it,
    its log entry deleted, and the same question shown again (same variant, a fresh showing)."""
    now = now or timezone.now()
    _lock_progress(session)
    log = (
        ReviewLog.objects.select_for_update(of=("self",))
        .select_related("question")
        .filter(session=session)
        .order_by("-pk")
        .first()
    )
    if log is None or not log.undo:
        raise NothingToUndo("There is no answer in this session to undo.")
    card = Card.objects.select_for_update().get(pk=log.card_id)
    if card.suspended or (card.buried_until and card.buried_until > now):
        raise NothingToUndo("That card is set aside (suspended or buried): bring it back first to undo its answer.")
    if ReviewLog.objects.filter(card=card, pk__gt=log.pk).exists():
        raise NothingToUndo("That card has been answered since, in another session, so its answer here stays.")
    for name in CARD_FIELDS:
        value = log.undo["card"][name]
        setattr(card, name, _moment(value) if name in ("due", "last_review") else value)
    card.presentation = uuid.uuid4()
    card.variant_seed = log.variant_seed
    card.presented_at = now
    card.attempts = 0
    card.save()
    for name in PROGRESS_FIELDS:
        if name in log.undo["session"]:
            value = log.undo["session"][name]
            setattr(session, name, _moment(value) if name == "finished_at" else value)
    session.current = log.question_id
    session.finished_at = None
    session.save(update_fields=PROGRESS_FIELDS)
    log.delete()
    return log.question


def can_undo(session: ReviewSession) -> bool:
    return ReviewLog.objects.filter(session=session).exclude(undo={}).exists()


SET_ASIDE_ACTIONS = ("suspend", "unsuspend", "bury", "unbury")


@transaction.atomic
def card_set_aside(*, user, card: Card, action: str, session: ReviewSession | None = None, now=None) -> Card:
    """Suspend (never shown until unsuspended) or bury (not before the learner's next day) a card, or undo that.

    Done from a session, a card set aside leaves it: the session goes on with the next question.
    """
    if action not in SET_ASIDE_ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    now = now or timezone.now()
    card = Card.objects.select_for_update().get(pk=card.pk, user=user)
    if action == "suspend":
        card.suspended = True
    elif action == "unsuspend":
        card.suspended = False
    elif action == "bury":
        settings = study_settings_for(user)
        card.buried_until = learner_day_start(settings, learner_day(settings, now) + timedelta(days=1))
    else:
        card.buried_until = None
    if action in ("suspend", "bury"):
        card.presentation = None
        card.attempts = 0
    card.save(update_fields=["suspended", "buried_until", "presentation", "attempts"])
    if session is not None and action in ("suspend", "bury"):
        _lock_progress(session)
        pk = card.question_id
        if pk not in session.answered:  # an answered card stays in the session's count
            session.queue = [q for q in session.queue if q != pk]
        session.again = [q for q in session.again if q != pk]
        if session.current == pk:
            session.current = None
        if not session.remaining and not session.again and session.finished_at is None:
            session.finished_at = now
        session.save(update_fields=PROGRESS_FIELDS)
    return card


def session_end(*, session: ReviewSession, now=None) -> ReviewSession:
    """The learner stops here: what is left to relearn stays scheduled (the daily review serves it when due)."""
    with transaction.atomic():
        _lock_progress(session)
        if session.finished_at is None:
            session.finished_at = now or timezone.now()
            session.current = None
            session.save(update_fields=PROGRESS_FIELDS)
    return session


def card_is_same_day_repeat(card: Card, *, settings: StudySettings, now) -> bool:
    """A card in Review, reviewed already on this learner's day and not due again yet: practice or a lesson
    check going over it. (A card in its learning or relearning steps goes through them, as in Anki.)"""
    return (
        card.state == Card.State.REVIEW
        and card.last_review is not None
        and card.due > now
        and learner_day(settings, card.last_review) == learner_day(settings, now)
    )


def card_schedule(*, card: Card, rating: Rating, now, seconds: float, settings: StudySettings) -> float | None:
    """Review the card with FSRS, in place (not saved). Returns its retrievability before the review.

    A same-day repeat answered right leaves the schedule as the day's first review set it: FSRS-6 counts a
    review less than a day after the last one with its short-term stability formula, which never lowers
    stability on a right answer and compounds on Easy, so repeating a card in practice could push it out weeks.
    Seeing a card again minutes later says little about memory; forgetting it says a lot, so a wrong answer
    (Again) is scheduled as FSRS says, and it only brings the card back sooner (a relearning step of minutes).
    The review log records every answer either way.
    """
    scheduler = scheduler_for(settings, now)
    before = to_fsrs(card)
    before.due, before.last_review = _utc(before.due), _utc(before.last_review)
    retrievability = scheduler.get_card_retrievability(before, _utc(now)) if card.last_review else None
    if rating != Rating.Again and card_is_same_day_repeat(card, settings=settings, now=now):
        return retrievability
    after, _ = scheduler.review_card(before, rating, review_datetime=_utc(now), review_duration=int(seconds * 1000))
    if rating == Rating.Again and card.state == Card.State.REVIEW:
        card.lapses += 1
    card.state, card.step = int(after.state), after.step
    card.stability, card.difficulty = after.stability, after.difficulty
    card.due, card.last_review = after.due, after.last_review
    card.reps += 1
    return retrievability


ANSWER_TEXT_MAX = 64  # characters kept of a typed answer; longer ones are stored as the number they parsed to
ANSWER_MAX_CHARS = 2_000  # the stored answer as JSON; a question's own fields never come near it


def _answer_data(variant: variants.Variant, grade: variants.Grade, data) -> dict:
    """The fields the question defines, as graded: enough to re-grade and re-show the answer, nothing else."""
    submitted = grade.submitted
    if variant.question_type in variants.CHOICE_TYPES:
        keep = {"choice": list(submitted["choice"])}
    elif variant.question_type == "numeric":
        values = data.getlist("answer") if hasattr(data, "getlist") else data.get("answer", [])
        raw = str((values if isinstance(values, list) else [values])[0]).strip()
        if len(raw) > ANSWER_TEXT_MAX:
            raw = repr(submitted["answer"]).replace("+", "")  # 1e+20 -> 1e20, which parse_number reads back
        keep = {"answer": [raw]}
    elif variant.question_type == "ordering":
        keep = {f"pos_{key}": [str(position)] for position, key in enumerate(submitted["order"], start=1)}
    else:
        keep = {f"match_{left}": [right] for left, right in submitted["match"].items()}
    return keep if len(json.dumps(keep)) <= ANSWER_MAX_CHARS else {}


@transaction.atomic
def study_settings_update(
    *,
    user,
    desired_retention: float,
    new_per_day: int,
    time_zone: str | None = None,
    day_starts_at: int | None = None,
    daily_goal: int | None = None,
    exam: tuple | None = None,
    now: datetime | None = None,
) -> StudySettings:
    """Save the learner's settings (validated: raises ValidationError); a None time zone or hour keeps the current one.

    `exam` is (published ExamBlueprint, day) to book one, (None, None) to clear both, None to keep it as it is."""
    settings = study_settings_for(user)
    if exam is not None:
        blueprint, day = exam
        if (blueprint is None) != (day is None):
            raise ValidationError("An exam needs both the exam and its day (or neither).", code="exam")
        if blueprint is not None and blueprint.retired_at is not None:
            raise ValidationError("That practice exam is no longer offered.", code="exam")
        today = learner_day(settings, now or timezone.now())
        if day is not None and day < today and day != settings.exam_date:
            raise ValidationError("The exam day cannot be in the past.", code="exam")
        settings.exam_blueprint, settings.exam_date = blueprint, day
    settings.desired_retention = desired_retention
    settings.new_per_day = new_per_day
    if time_zone is not None:
        settings.time_zone = time_zone
    if day_starts_at is not None:
        settings.day_starts_at = day_starts_at
    if daily_goal is not None:
        settings.daily_goal = daily_goal
    try:
        settings.full_clean()
    except ValidationError:
        settings.refresh_from_db()  # the object is cached on the user: leave it as saved
        raise
    settings.save()
    return settings


# --- due counts: one definition for every page -------------------------------------------------------------
# Due: a studied card (reviewed at least once) of a live question whose next review time has come (due <= now),
# exactly the cards the daily review serves. Later today: the other studied cards due before the learner's next
# day starts (their time zone and day-start hour). New: never studied, capped by what is left of today's
# allowance. The dashboard, review home, session end and stats all read these from review_counts().


@dataclass(frozen=True)
class NextDue:
    """When the learner's next studied card falls due, with the counts it was read with."""

    at: datetime | None
    now: datetime
    due: int
    later_today: int
    phrase: str

    def __bool__(self):
        return self.at is not None


def due_phrase(at: datetime, now: datetime, settings: StudySettings) -> str:
    """ "now", "in 3 minutes" (rounded up, never 0), else the local time: "today at 14:05", "tomorrow at 09:00"."""
    seconds = (at - now).total_seconds()
    if seconds <= 0:
        return "now"
    if seconds < 3600:
        minutes = math.ceil(seconds / 60)
        return f"in {minutes} minute{'s' if minutes != 1 else ''}"
    zone = learner_zone(settings)
    local, today = at.astimezone(zone), now.astimezone(zone).date()
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return f"today at {clock}"
    if local.date() == today + timedelta(days=1):
        return f"tomorrow at {clock}"
    return f"on {local.strftime('%a')} {local.day} {local.strftime('%b')} at {clock}"


def review_counts(user, now=None) -> dict:
    """Due now, due later today, new (within today's allowance), deck size and the next due card, in 2 queries."""
    now = now or timezone.now()
    settings = study_settings_for(user)
    allowance = max(settings.new_per_day - new_cards_introduced_today(user, now, settings), 0)
    tomorrow_start = learner_day_start(settings, learner_day(settings, now) + timedelta(days=1))
    live = Q(question__retired_at__isnull=True)
    active = live & Q(suspended=False) & (Q(buried_until__isnull=True) | Q(buried_until__lte=now))
    studied = active & Q(last_review__isnull=False)
    counts = Card.objects.filter(user=user).aggregate(
        n_due=Count("pk", filter=studied & Q(due__lte=now)),
        n_later=Count("pk", filter=studied & Q(due__gt=now, due__lt=tomorrow_start)),
        n_new=Count("pk", filter=active & Q(last_review__isnull=True)),
        n_deck=Count("pk", filter=live),
        n_suspended=Count("pk", filter=live & Q(suspended=True)),
        n_buried=Count("pk", filter=live & Q(suspended=False, buried_until__gt=now)),
        next_at=Min("due", filter=studied),
    )
    at = counts["next_at"]
    return {
        "due": counts["n_due"],
        "later_today": counts["n_later"],
        "new": min(counts["n_new"], allowance),
        "new_waiting": counts["n_new"],
        "allowance": allowance,
        "deck": counts["n_deck"],
        "suspended": counts["n_suspended"],
        "buried": counts["n_buried"],
        "next": NextDue(
            at=at,
            now=now,
            due=counts["n_due"],
            later_today=counts["n_later"],
            phrase=due_phrase(at, now, settings) if at else "",
        ),
    }


def next_due(user, now=None) -> NextDue:
    """When the learner's next studied card falls due ("now" while any is due), with today's due counts."""
    return review_counts(user, now)["next"]


# --- the card browser --------------------------------------------------------------------------------------

STATE_FILTERS = {"learning": Card.State.LEARNING, "review": Card.State.REVIEW, "relearning": Card.State.RELEARNING}


def cards_matching(user, *, q="", module=None, state="", due="", now=None):
    """The learner's own cards of live questions, filtered as the card browser asks; soonest due first."""
    now = now or timezone.now()
    cards = Card.objects.filter(user=user, question__retired_at__isnull=True).select_related(
        "question__module", "question__lesson"
    )
    if q:
        cards = cards.filter(
            Q(question__spec__prompt__icontains=q)
            | Q(question__content_id__icontains=q)
            | Q(question__lesson__title__icontains=q)
        )
    if module is not None:
        cards = cards.filter(question__module=module)
    if state == "new":
        cards = cards.filter(last_review__isnull=True)
    elif state in STATE_FILTERS:
        cards = cards.filter(last_review__isnull=False, state=STATE_FILTERS[state])
    elif state == "suspended":
        cards = cards.filter(suspended=True)
    elif state == "buried":
        cards = cards.filter(buried_until__gt=now)
    if due:
        settings = study_settings_for(user)
        tomorrow = learner_day_start(settings, learner_day(settings, now) + timedelta(days=1))
        studied = cards.filter(last_review__isnull=False)
        cards = {
            "now": studied.filter(due__lte=now),
            "today": studied.filter(due__lt=tomorrow),
            "week": studied.filter(due__lt=now + timedelta(days=7)),
            "later": studied.filter(due__gte=now + timedelta(days=7)),
        }[due]
    never_studied = ExpressionWrapper(Q(last_review__isnull=True), output_field=BooleanField())
    return cards.order_by(never_studied, "due", "pk")


def card_state_label(card: Card, now) -> str:
    if card.suspended:
        return "Suspended"
    if card.buried_until and card.buried_until > now:
        return "Buried"
    if card.last_review is None:
        return "New"
    return Card.State(card.state).label.title()
