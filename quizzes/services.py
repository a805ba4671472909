"""Reviews: building sessions, showing a card, grading an answer and scheduling it with FSRS."""

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler, State

from . import variants
from .models import Card, Question, ReviewLog, ReviewSession, StudySettings

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


def study_settings_for(user) -> StudySettings:
    settings, _ = StudySettings.objects.get_or_create(user=user)
    return settings


def scheduler_for(settings: StudySettings) -> Scheduler:
    return Scheduler(desired_retention=settings.desired_retention)


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


# --- building the deck and sessions ----------------------------------------------------------------------


def deck_add_module(*, user, module) -> int:
    """Add every published question of a module to the learner's deck as new cards. Returns how many."""
    now = timezone.now()
    have = set(Card.objects.filter(user=user, question__module=module).values_list("question_id", flat=True))
    missing = Question.objects.published().filter(module=module).exclude(pk__in=have).values_list("pk", flat=True)
    cards = [Card(user=user, question_id=pk, due=now) for pk in missing]
    Card.objects.bulk_create(cards, ignore_conflicts=True)
    return len(cards)


def new_cards_introduced_today(user, now) -> int:
    """New cards the daily review has shown today (lesson checks and practice are the learner's own choice)."""
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return ReviewLog.objects.filter(
        user=user, reviewed_at__gte=start, state_before=ReviewLog.NEW, mode=ReviewLog.Mode.REVIEW
    ).count()


def session_start_daily(*, user, now=None) -> ReviewSession:
    """Due cards first (soonest due first), then today's allowance of new cards."""
    now = now or timezone.now()
    settings = study_settings_for(user)
    due = list(
        Card.objects.due(user, now)
        .filter(question__retired_at__isnull=True)
        .values_list("question_id", flat=True)[:DAILY_DUE_CAP]
    )
    allowance = max(settings.new_per_day - new_cards_introduced_today(user, now), 0)
    new = list(
        Card.objects.new(user)
        .filter(question__retired_at__isnull=True)
        .values_list("question_id", flat=True)[:allowance]
    )
    return ReviewSession.objects.create(user=user, mode=ReviewLog.Mode.REVIEW, queue=due + new)


def session_start_practice(*, user, module, size=PRACTICE_SIZE) -> ReviewSession:
    """Practice a module now, whatever is due: its cards soonest-due first, then questions not in the deck yet."""
    questions = Question.objects.published().filter(module=module)
    in_deck = list(
        Card.objects.filter(user=user, question__in=questions).order_by("due").values_list("question_id", flat=True)
    )
    fresh = list(questions.exclude(pk__in=in_deck).values_list("pk", flat=True))
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


@transaction.atomic
def card_present(*, session: ReviewSession, now=None) -> Showing | None:
    """The session's current question, with its variant; reuses the showing in progress if there is one."""
    remaining = session.remaining
    if not remaining:
        return None
    now = now or timezone.now()
    question = Question.objects.select_related("module", "lesson").get(pk=remaining[0])
    card, _ = Card.objects.select_for_update().get_or_create(
        user=session.user, question=question, defaults={"due": now}
    )
    if card.presentation is None:
        card.presentation = uuid.uuid4()
        card.variant_seed = random.SystemRandom().randrange(2**31)
        card.presented_at = now
        card.attempts = 0
        card.save(update_fields=["presentation", "variant_seed", "presented_at", "attempts"])
    return Showing(card, question, variants.render_variant(question.spec, card.variant_seed))


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
    locked = (
        ReviewSession.objects.select_for_update().only("answered", "correct_count", "finished_at").get(pk=session.pk)
    )
    session.answered, session.correct_count, session.finished_at = (
        locked.answered,
        locked.correct_count,
        locked.finished_at,
    )
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
    state_before = card.state if card.last_review else ReviewLog.NEW
    rating = rating_for(
        correct=correct,
        attempts=attempts,
        seconds=seconds,
        qtype=question.qtype,
        difficulty=question.difficulty,
        state=card.state if card.last_review else None,
    )
    scheduler = scheduler_for(study_settings_for(session.user))
    before = to_fsrs(card)
    before.due, before.last_review = _utc(before.due), _utc(before.last_review)
    retrievability = scheduler.get_card_retrievability(before, _utc(now)) if card.last_review else None
    after, _ = scheduler.review_card(before, rating, review_datetime=_utc(now), review_duration=int(seconds * 1000))

    if rating == Rating.Again and card.state == Card.State.REVIEW:
        card.lapses += 1
    card.state, card.step = int(after.state), after.step
    card.stability, card.difficulty = after.stability, after.difficulty
    card.due, card.last_review = after.due, after.last_review
    card.reps += 1
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
        answer=_answer_data(data) if grade else {},
        state_before=state_before,
        retrievability_before=retrievability,
        due_after=card.due,
        mode=session.mode,
    )
    if question.pk not in session.answered:
        session.answered.append(question.pk)
        session.correct_count += int(correct)
        if not session.remaining:
            session.finished_at = now
        session.save(update_fields=["answered", "correct_count", "finished_at"])
    return Outcome(question, variant, grade, log=log, session=session)


def _answer_data(data) -> dict:
    """The submitted fields worth keeping (enough to re-grade and re-show the answer)."""
    keep = {}
    for key in data:
        if key == "choice" or key == "answer" or key.startswith(("pos_", "match_")):
            values = data.getlist(key) if hasattr(data, "getlist") else data[key]
            keep[key] = [str(v)[:100] for v in (values if isinstance(values, list) else [values])][:10]
    return keep


@transaction.atomic
def study_settings_update(*, user, desired_retention: float, new_per_day: int) -> StudySettings:
    settings = study_settings_for(user)
    settings.desired_retention = desired_retention
    settings.new_per_day = new_per_day
    settings.full_clean()
    settings.save()
    return settings


def next_due(user, now=None):
    """When the learner's next card falls due (None when the deck is empty)."""
    card = Card.objects.filter(user=user).order_by("due").only("due").first()
    return card.due if card else None


def review_counts(user, now=None) -> dict:
    """Due, new (within today's allowance), deck size and due-by-tomorrow, in one aggregate query."""
    now = now or timezone.now()
    settings = study_settings_for(user)
    allowance = max(settings.new_per_day - new_cards_introduced_today(user, now), 0)
    live = Q(question__retired_at__isnull=True)
    counts = Card.objects.filter(user=user).aggregate(
        n_due=Count("pk", filter=live & Q(due__lte=now, last_review__isnull=False)),
        n_new=Count("pk", filter=live & Q(last_review__isnull=True)),
        n_deck=Count("pk"),
        n_tomorrow=Count("pk", filter=Q(due__lte=now + timedelta(days=1))),
    )
    return {
        "due": counts["n_due"],
        "new": min(counts["n_new"], allowance),
        "deck": counts["n_deck"],
        "tomorrow": counts["n_tomorrow"],
    }
