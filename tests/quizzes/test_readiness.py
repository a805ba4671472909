"""Readiness from the database (few queries, the booked day, what moves it) and the run-up to a booked exam:
retention raised and exam items brought forward in the two weeks before, within a daily cap."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Rating

from labs.models import Lab, Submission
from quizzes import readiness, services
from quizzes.models import Card, ExamAttempt, ExamBlueprint, Question, ReviewLog
from tests.courses.factories import LessonFactory, ModuleFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 4, 15, 0, tzinfo=UTC)  # a Monday afternoon; the learner's day started at 04:00 UTC
DOMAINS = {"dva-c02/d1": 32, "dva-c02/d2": 26, "dva-c02/d3": 24, "dva-c02/d4": 18}
SINGLE = {"options": [{"text": t, "correct": t == "a"} for t in "abcd"]}
MULTIPLE = {"choose": 2, "options": [{"text": t, "correct": t in "ab"} for t in "abcde"]}
# Questions made here by hand, not synced: marked exam-format as the sync would mark them.
EXAM_FORMAT = {"exam_format": True}


@pytest.fixture
def bank(db):
    """A blueprint over one module with ten exam-format items per domain, and a module it does not weigh."""
    module = ModuleFactory(content_id="lambda")
    lesson = LessonFactory(module=module)
    other = ModuleFactory(content_id="lightsail")
    items = []
    for domain in DOMAINS:
        for i in range(10):
            items.append(
                Question.objects.create(
                    content_id=f"{domain.replace('/', '-')}-{i}",
                    module=module,
                    lesson=lesson,
                    qtype="multiple" if i % 5 == 4 else "single",
                    difficulty=1,
                    domains=[domain],
                    spec=MULTIPLE if i % 5 == 4 else SINGLE,
                    **EXAM_FORMAT,
                )
            )
    outside = Question.objects.create(
        content_id="not-weighted",
        module=other,
        lesson=LessonFactory(module=other),
        qtype="single",
        difficulty=1,
        domains=["dva-c02/d1"],
        spec=SINGLE,
        **EXAM_FORMAT,
    )
    blueprint = ExamBlueprint.objects.create(
        content_id="dva-small",
        title="DVA-C02 style",
        exam="dva-c02",
        questions=20,
        minutes=40,
        passing_score=720,
        domains=DOMAINS,
        services={"lambda": 100},
    )
    return {"blueprint": blueprint, "items": items, "outside": outside, "module": module}


def reviewed(user, question, *, stability=20.0, days_ago=5, due_in=None, now=NOW):
    """A card in the Review state, last reviewed `days_ago`, due as FSRS would set it (or `due_in` days)."""
    due = now + timedelta(days=due_in) if due_in is not None else now - timedelta(days=days_ago) + timedelta(stability)
    return Card.objects.create(
        user=user,
        question=question,
        state=Card.State.REVIEW,
        step=None,
        stability=stability,
        difficulty=5.0,
        due=due,
        last_review=now - timedelta(days=days_ago),
        reps=3,
    )


def log(card, *, at, correct=True, state_before=Card.State.REVIEW, recall=0.9, due_after=None, mode="review"):
    return ReviewLog.objects.create(
        card=card,
        user=card.user,
        question=card.question,
        presentation=uuid.uuid4(),
        rating=int(Rating.Good if correct else Rating.Again),
        correct=correct,
        attempts=1,
        duration_ms=9000,
        reviewed_at=at,
        variant_seed=0,
        state_before=state_before,
        retrievability_before=recall,
        due_after=due_after or at + timedelta(days=10),
        mode=mode,
    )


def sat(user, blueprint, *, right_share, at):
    breakdown = {}
    for domain, asked in zip(DOMAINS, (6, 5, 5, 4), strict=True):
        breakdown[domain] = [round(asked * right_share), asked]
    right = sum(r for r, _ in breakdown.values())
    return ExamAttempt.objects.create(
        user=user,
        blueprint=blueprint,
        started_at=at - timedelta(hours=1),
        ends_at=at,
        submitted_at=at,
        question_count=20,
        passing_score=720,
        correct_count=right,
        scaled_score=round(100 + 900 * right / 20),
        passed=False,
        breakdown={"domains": breakdown, "services": {"lambda": [right, 20]}},
    )


def book(user, blueprint, day):
    return services.study_settings_update(
        user=user, desired_retention=0.9, new_per_day=10, exam=(blueprint, day), now=NOW
    )


# --- the estimate --------------------------------------------------------------------------------------------


def test_domains_list_weight_items_and_what_was_reviewed(bank):
    user = UserFactory()
    for question in bank["items"][:3]:
        reviewed(user, question)
    result = readiness.estimate(user=user, blueprint=bank["blueprint"], now=NOW)
    assert [(d.domain, d.weight, d.seen, d.available) for d in result.domains] == [
        ("dva-c02/d1", 32, 3, 10),
        ("dva-c02/d2", 26, 0, 10),
        ("dva-c02/d3", 24, 0, 10),
        ("dva-c02/d4", 18, 0, 10),
    ]
    assert result.domains[0].label == "DVA-C02 Domain 1: Development with AWS Services"
    assert all(0 <= d.low_share <= d.share <= d.high_share <= 1 for d in result.domains)
    assert 100 <= result.low <= result.mid <= result.high <= 1000
    assert result.passing_score == 720 and result.exam_day is None
    assert not result.enough_evidence and "3 of the 40 items" in result.reason


def test_the_exam_day_defaults_to_the_booked_one_for_that_exam_only(bank):
    user = UserFactory()
    other = ExamBlueprint.objects.create(
        content_id="dva-other", title="Other", exam="dva-c02", questions=20, minutes=40, passing_score=720,
        domains=DOMAINS, services={"lambda": 100},
    )  # fmt: skip
    day = NOW.date() + timedelta(days=20)
    book(user, bank["blueprint"], day)
    assert readiness.estimate(user=user, blueprint=bank["blueprint"], now=NOW).exam_day == day
    assert readiness.estimate(user=user, blueprint=other, now=NOW).exam_day is None


def test_recall_is_predicted_for_the_exam_day_so_a_later_day_predicts_less(bank):
    user = UserFactory()
    for question in bank["items"]:
        card = reviewed(user, question, stability=4.0, days_ago=1)
        log(card, at=NOW - timedelta(days=1), recall=0.95)
    soon = readiness.estimate(user=user, blueprint=bank["blueprint"], exam_day=NOW.date(), now=NOW)
    later = readiness.estimate(user=user, blueprint=bank["blueprint"], exam_day=NOW.date() + timedelta(60), now=NOW)
    assert soon.mid > later.mid and soon.domains[0].share > later.domains[0].share


def test_practice_exams_move_the_estimate_and_recent_ones_count_more(bank):
    def with_exam(share, days_ago):
        user = UserFactory()
        sat(user, bank["blueprint"], right_share=share, at=NOW - timedelta(days=days_ago))
        return readiness.estimate(user=user, blueprint=bank["blueprint"], now=NOW)

    high, low = with_exam(0.9, 1), with_exam(0.3, 1)
    assert high.low > low.high and high.enough_evidence
    assert "1 practice exam or drill (yesterday)" in high.reason
    old_high = with_exam(0.9, 120)
    assert old_high.high - old_high.low > high.high - high.low
    assert not old_high.enough_evidence  # four months old: a sixteenth of an exam's weight


def test_lab_best_scores_on_the_blueprints_services_raise_the_estimate(bank):
    def with_labs(module, best):
        user = UserFactory()
        for i in range(4):
            lab = Lab.objects.create(module=module, content_id=f"lab-{user.pk}-{i}", title="L", statement_html="<p/>")
            Submission.objects.create(user=user, lab=lab, status=Submission.Status.GRADED, score=best / 3)
            Submission.objects.create(user=user, lab=lab, status=Submission.Status.GRADED, score=best)
            Submission.objects.create(user=user, lab=lab, kind=Submission.Kind.RUN, status=Submission.Status.GRADED)
        return readiness.estimate(user=user, blueprint=bank["blueprint"], now=NOW)

    none = readiness.estimate(user=UserFactory(), blueprint=bank["blueprint"], now=NOW)
    good = with_labs(bank["module"], 1.0)
    unweighted = with_labs(bank["outside"].module, 1.0)
    assert good.mid > none.mid and "4 labs" in good.reason
    assert unweighted.mid == none.mid


def test_an_estimate_costs_a_few_queries_however_long_the_history(bank, django_assert_max_num_queries):
    user = UserFactory()
    blueprint = bank["blueprint"]

    def grow(n):
        for question in bank["items"][:n]:
            card, _ = Card.objects.get_or_create(
                user=user, question=question, defaults={"due": NOW, "stability": 5.0, "last_review": NOW}
            )
            log(card, at=NOW - timedelta(days=3), recall=0.8)
        sat(user, blueprint, right_share=0.6, at=NOW - timedelta(days=2))
        lab = Lab.objects.create(module=bank["module"], content_id=f"lab-{n}", title="L", statement_html="<p/>")
        Submission.objects.create(user=user, lab=lab, status=Submission.Status.GRADED, score=0.5)

    services.study_settings_for(user)
    grow(3)
    with django_assert_max_num_queries(7) as few:
        readiness.estimate(user=user, blueprint=blueprint, now=NOW)
    grow(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        readiness.estimate(user=user, blueprint=blueprint, now=NOW)


# --- the run-up: retention raised, exam items brought forward -----------------------------------------------


def test_outside_the_two_weeks_nothing_changes(bank):
    user = UserFactory()
    book(user, bank["blueprint"], NOW.date() + timedelta(days=15))
    settings = services.study_settings_for(user)
    card = reviewed(user, bank["items"][0], stability=3.0, days_ago=2, due_in=40)
    assert services.effective_retention(settings, NOW) == 0.9
    assert services.scheduler_for(settings, NOW).desired_retention == 0.9
    assert card.question_id not in services.session_start_daily(user=user, now=NOW).queue


def test_the_exam_day_passed_or_none_booked_changes_nothing(bank):
    user = UserFactory()
    reviewed(user, bank["items"][0], stability=3.0, days_ago=2, due_in=40)
    assert services.session_start_daily(user=user, now=NOW).queue == []
    book(user, bank["blueprint"], NOW.date())
    settings = services.study_settings_for(user)
    assert services.in_exam_window(settings, NOW)  # the exam day itself still counts
    assert not services.in_exam_window(settings, NOW + timedelta(days=1))
    assert services.session_start_daily(user=user, now=NOW + timedelta(days=1)).queue == []


def test_in_the_two_weeks_retention_is_raised_and_reviews_are_scheduled_for_it(bank):
    user = UserFactory()
    services.study_settings_update(user=user, desired_retention=0.85, new_per_day=10)
    outside = services.study_settings_for(user)
    card = reviewed(user, bank["items"][0], stability=10.0, days_ago=10)
    services.card_schedule(card=card, rating=Rating.Good, now=NOW, seconds=10, settings=outside)
    due_outside = card.due
    book(user, bank["blueprint"], NOW.date() + timedelta(days=14))
    inside = services.study_settings_for(user)
    assert services.effective_retention(inside, NOW) == 0.95
    assert services.scheduler_for(inside, NOW).desired_retention == 0.95
    card = reviewed(user, bank["items"][1], stability=10.0, days_ago=10)
    services.card_schedule(card=card, rating=Rating.Good, now=NOW, seconds=10, settings=inside)
    assert card.due < due_outside  # the same answer, scheduled sooner for 95% than for 85%
    services.study_settings_update(user=user, desired_retention=0.97, new_per_day=10)
    assert services.effective_retention(services.study_settings_for(user), NOW) == 0.97  # never lowered


def test_in_the_two_weeks_exam_items_that_would_be_forgotten_by_then_come_forward(bank):
    user = UserFactory()
    items = bank["items"]
    due_now = reviewed(user, items[0], stability=5.0, days_ago=6, due_in=-1)
    fading = reviewed(user, items[1], stability=8.0, days_ago=3, due_in=30)  # ~0.89 on the day
    fainter = reviewed(user, items[2], stability=4.0, days_ago=3, due_in=30)
    solid = reviewed(user, items[3], stability=400.0, days_ago=3, due_in=300)  # 0.99 on the day
    before_exam = reviewed(user, items[4], stability=4.0, days_ago=3, due_in=5)  # comes up anyway
    outside = reviewed(user, bank["outside"], stability=4.0, days_ago=3, due_in=30)  # not on this exam
    suspended = reviewed(user, items[5], stability=4.0, days_ago=3, due_in=30)
    suspended.suspended = True
    suspended.save()
    new = Card.objects.create(user=user, question=items[6], due=NOW)
    book(user, bank["blueprint"], NOW.date() + timedelta(days=10))
    queue = services.session_start_daily(user=user, now=NOW).queue
    assert queue == [due_now.question_id, fainter.question_id, fading.question_id, new.question_id]
    for card in (solid, before_exam, outside, suspended):
        assert card.question_id not in queue


def test_no_more_than_30_a_day_come_forward_counting_those_already_answered_today(bank):
    user = UserFactory()
    module, lesson = bank["module"], bank["items"][0].lesson
    extra = [
        Question.objects.create(
            content_id=f"extra-{i}", module=module, lesson=lesson, qtype="single", difficulty=1,
            domains=["dva-c02/d2"], spec=SINGLE, **EXAM_FORMAT,
        )
        for i in range(5)
    ]  # fmt: skip
    cards = [reviewed(user, q, stability=4.0, days_ago=3, due_in=30) for q in bank["items"] + extra]
    assert len(cards) == 45
    book(user, bank["blueprint"], NOW.date() + timedelta(days=7))
    assert len(services.session_start_daily(user=user, now=NOW).queue) == services.EXAM_AHEAD_CAP
    # Ten brought forward and answered this morning: their previous answer had set them due later.
    morning = NOW.replace(hour=9)
    for card in cards[:10]:
        log(card, at=morning - timedelta(days=3), due_after=morning + timedelta(days=27))
        log(card, at=morning, due_after=morning + timedelta(days=20))
        card.last_review, card.stability, card.due = morning, 30.0, morning + timedelta(days=20)
        card.save()
    # A due card answered today, and yesterday's early answers, do not count against today's cap.
    log(cards[10], at=morning - timedelta(days=2), due_after=morning - timedelta(hours=1))
    log(cards[10], at=morning, due_after=morning + timedelta(days=30))
    log(cards[11], at=morning - timedelta(days=1), due_after=morning + timedelta(days=20))
    settings = services.study_settings_for(user)
    assert readiness.brought_forward_today(user=user, settings=settings, now=NOW) == 10
    queue = services.session_start_daily(user=user, now=NOW).queue
    assert len(queue) == services.EXAM_AHEAD_CAP - 10
    assert not {c.question_id for c in cards[:10]} & set(queue)
