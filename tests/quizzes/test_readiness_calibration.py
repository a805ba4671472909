"""Is the readiness band honest? Simulated learners whose true chance on every item is known.

Each learner has a true memory offset from FSRS's predictions and a true knowledge of what they never studied
(drawn from the estimator's own priors), a true strength per domain, and every item a fixed difficulty the
estimator knows nothing of. They study for a while through the real FSRS scheduler (a first try right with
their true chance, a retry, Again and relearning as the review does), sit practice exams whose missed items go
into the deck as lapses, and do labs. The rows this leaves are the rows `readiness.estimate` reads; the real
exam is then drawn by the blueprint's quotas on the exam day and answered with the true chances.
"""

import math
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler, State

from labs.models import Lab, Submission
from quizzes import models, readiness
from quizzes.exams import quotas, scaled_score
from quizzes.models import Card, ExamAttempt, ExamBlueprint, ReviewLog, StudySettings
from tests.courses.factories import LessonFactory, ModuleFactory, UserFactory
from tests.quizzes.test_readiness import EXAM_FORMAT

WEIGHTS = {"dva-c02/d1": 32, "dva-c02/d2": 26, "dva-c02/d3": 24, "dva-c02/d4": 18}
POOL_SIZES = {"dva-c02/d1": 60, "dva-c02/d2": 40, "dva-c02/d3": 35, "dva-c02/d4": 40}
QUESTIONS, PASSING = 65, 720
NOW = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)
SETTINGS = StudySettings(time_zone="UTC", day_starts_at=4, desired_retention=0.9)
NEW, REVIEW, EXAM = 0, "review", "exam"


@dataclass(frozen=True)
class Question:
    pk: int
    qtype: str
    spec: dict
    difficulty: float  # the item's true difficulty on the logit scale, unknown to the estimator
    domain: str


def make_pool(seed=7) -> dict:
    rng = random.Random(seed)
    pool, pk = {}, 1
    for domain, size in POOL_SIZES.items():
        pool[domain] = []
        for _ in range(size):
            if rng.random() < 0.8:
                question = Question(pk, "single", {"options": [{}] * 4}, rng.gauss(0, 0.6), domain)
            else:
                question = Question(pk, "multiple", {"choose": 2, "options": [{}] * 5}, rng.gauss(0, 0.6), domain)
            pool[domain].append(question)
            pk += 1
    return pool


POOL = make_pool()


def logit(p):
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


@dataclass
class Learner:
    """A simulated learner and the rows their history leaves (as the database would hold them)."""

    seed: int
    memory: float  # true logit offset from FSRS's predicted recall
    unseen: float  # true knowledge of items never studied
    lift: float  # what having just read the lesson adds to a first answer (logit)
    strength: dict  # true logit offset per domain
    exam_day: object = None
    cards: dict = field(default_factory=dict)  # question pk -> fsrs Card
    logs: list = field(
        default_factory=list
    )  # (pk, recall_before, correct, attempts, state_before, mode, at, rating, due)
    attempts: list = field(default_factory=list)  # (submitted_at, breakdown, question_count)
    labs: list = field(default_factory=list)

    def knows(self, question, at, scheduler, lift=0.0) -> float:
        card = self.cards.get(question.pk)
        bias = question.difficulty + self.strength[question.domain]
        if card is None or card.last_review is None:
            return sigmoid(logit(self.unseen) + lift - bias)
        return sigmoid(logit(scheduler.get_card_retrievability(card, at)) + self.memory - bias)

    def chance(self, question, at, scheduler, lift=0.0) -> float:
        guess = readiness.guess_rate(question)
        return guess + (1 - guess) * self.knows(question, at, scheduler, lift)


def review(learner, question, at, scheduler, rng, *, mode=REVIEW, rating=None):
    """One answer as the app records it: first try, one retry, rating; then the learning steps passed."""
    card = learner.cards.setdefault(question.pk, FsrsCard(card_id=question.pk, due=at))
    before = card.state if card.last_review else NEW
    recall = scheduler.get_card_retrievability(card, at) if card.last_review else None
    attempts, correct = 1, False
    if rating is None:
        lift = learner.lift if before == NEW and mode == REVIEW else 0.0
        if rng.random() < learner.chance(question, at, scheduler, lift):
            rating, correct = Rating.Good, True
        else:
            attempts = 2
            correct = rng.random() < 0.5
            rating = Rating.Hard if correct else Rating.Again
    card, _ = scheduler.review_card(card, rating, review_datetime=at)
    learner.cards[question.pk] = card
    learner.logs.append((question.pk, recall, correct, attempts, int(before), mode, at, int(rating), card.due))
    if mode == REVIEW:
        while card.state != State.Review:  # the session shows it again after its step: passed now
            at = max(card.due, at + timedelta(minutes=1))
            state = int(card.state)
            card, _ = scheduler.review_card(card, Rating.Good, review_datetime=at)
            learner.cards[question.pk] = card
            learner.logs.append((question.pk, 1.0, True, 1, state, mode, at, int(Rating.Good), card.due))


def sit_exam(learner, at, scheduler, rng):
    quota = quotas(WEIGHTS, QUESTIONS)
    domains, missed = {}, []
    for domain, questions in POOL.items():
        picked = rng.sample(questions, quota[domain])
        right = 0
        for question in picked:
            if rng.random() < learner.chance(question, at, scheduler):
                right += 1
            else:
                missed.append(question)
        domains[domain] = [right, len(picked)]
    for question in missed:  # into the deck as lapses, after the score (exams._missed_into_deck)
        review(learner, question, at, scheduler, rng, mode=EXAM, rating=Rating.Again)
    learner.attempts.append((at, {"domains": domains}, QUESTIONS))
    return sum(r for r, _ in domains.values())


def simulate(seed, **fixed) -> Learner:
    """A learner drawn at random; `fixed` pins any of memory, unseen, days, share, exams (a count), exam_in (days)."""
    rng = random.Random(seed)
    scheduler = Scheduler(desired_retention=0.9, enable_fuzzing=False)
    drawn = {"memory": rng.gauss(0, 0.5), "unseen": rng.betavariate(1, 3), "lift": rng.uniform(0, 0.6)}
    learner = Learner(
        seed=seed,
        memory=fixed.get("memory", drawn["memory"]),
        unseen=fixed.get("unseen", drawn["unseen"]),
        lift=drawn["lift"],
        strength={domain: rng.gauss(0, 0.25) for domain in WEIGHTS},
    )
    days = fixed.get("days", rng.choice([0, 3, 10, 20, 30, 45, 60]))
    share = fixed.get("share", rng.random())  # of the pool this learner will have met
    steady = rng.uniform(0.4, 1.0)  # chance of studying on a given day
    order = [q for questions in POOL.values() for q in questions]
    rng.shuffle(order)
    meet = order[: round(share * len(order))]
    per_day = math.ceil(len(meet) / max(days * steady, 1)) if days else 0
    sittings = fixed.get("exams", rng.choice([0, 0, 1, 1, 2, 3]))
    exam_days = sorted(rng.sample(range(days), min(sittings, days))) if days else []
    start = NOW - timedelta(days=days)
    for day in range(days):
        if day in exam_days:
            sit_exam(learner, start + timedelta(days=day, hours=10), scheduler, rng)
        if rng.random() > steady:
            continue
        at = start + timedelta(days=day, hours=18)
        for pk, card in list(learner.cards.items()):
            if card.due <= at:
                review(learner, QUESTIONS_BY_PK[pk], at, scheduler, rng)
        for question in meet[:per_day]:
            if question.pk not in learner.cards:
                review(learner, question, at + timedelta(minutes=5), scheduler, rng)
        meet = meet[per_day:]
    for _ in range(rng.choice([0, 0, 1, 2, 4])):
        learner.labs.append(min(max(learner.unseen + 0.1 + rng.gauss(0, 0.25), 0.0), 1.0))
    learner.exam_day = (NOW + timedelta(days=fixed.get("exam_in", rng.randint(0, 30)))).date()
    return learner


QUESTIONS_BY_PK = {q.pk: q for questions in POOL.values() for q in questions}


def rows(learner):
    """The rows `readiness.estimate` reads, as its queries return them (latest answers first)."""
    card_rows = [(pk, card.stability, card.last_review) for pk, card in learner.cards.items() if card.last_review]
    ordered = sorted(enumerate(learner.logs), key=lambda pair: (pair[1][6], pair[0]), reverse=True)
    log_rows = [
        (pk, at, recall, correct, attempts, before, mode)
        for _, (pk, recall, correct, attempts, before, mode, at, *_) in ordered[: readiness.LOG_LIMIT]
    ]
    attempt_rows = sorted(learner.attempts, key=lambda row: row[0], reverse=True)[: readiness.RECENT_ATTEMPTS]
    return card_rows, log_rows, attempt_rows


def estimate_from_rows(learner):
    card_rows, log_rows, attempt_rows = rows(learner)
    moment = readiness.exam_moment(SETTINGS, learner.exam_day, NOW)
    items, answers, sittings, labs = readiness.evidence_from_rows(
        by_domain=POOL,
        card_rows=card_rows,
        log_rows=log_rows,
        attempt_rows=attempt_rows,
        lab_scores=learner.labs,
        now=NOW,
        moment=moment,
        scheduler=Scheduler(),
    )
    return readiness.predict(
        weights=WEIGHTS,
        questions=QUESTIONS,
        passing_score=PASSING,
        items=items,
        answers=answers,
        sittings=sittings,
        labs=labs,
        exam_day=learner.exam_day,
    )


def real_exam(learner, seed) -> int:
    """The exam on the day: drawn by the quotas, each item right with the learner's true chance then."""
    rng = random.Random(seed)
    scheduler = Scheduler()
    at = readiness.exam_moment(SETTINGS, learner.exam_day, NOW)
    quota = quotas(WEIGHTS, QUESTIONS)
    right = sum(
        rng.random() < learner.chance(question, at, scheduler)
        for domain, questions in POOL.items()
        for question in rng.sample(questions, quota[domain])
    )
    return scaled_score(right, QUESTIONS)


def test_the_80_percent_band_holds_the_real_score_about_80_percent_of_the_time():
    started = time.perf_counter()
    inside, widths, passed, predicted_pass = 0, [], 0, 0.0
    learners = 1000
    for seed in range(learners):
        learner = simulate(seed)
        estimate = estimate_from_rows(learner)
        score = real_exam(learner, seed + 10_000)
        inside += estimate.low <= score <= estimate.high
        widths.append(estimate.high - estimate.low)
        passed += score >= PASSING
        predicted_pass += estimate.pass_probability
    share = inside / learners
    print(
        f"inside the band: {share:.3f}; median width {sorted(widths)[learners // 2]}; {time.perf_counter() - started:.1f} s"
    )
    assert 0.75 <= share <= 0.85, share
    # The pass probabilities add up to about as many passes as happened (a coarse check of the middle).
    assert abs(predicted_pass - passed) <= 0.1 * learners, (predicted_pass, passed)


# --- the same learners through the database -------------------------------------------------------------


@pytest.fixture
def bank(db):
    """The simulated pool as Questions of one module, and a blueprint drawing from it; {simulated pk: row pk}."""
    module = ModuleFactory(content_id="lambda")
    lesson = LessonFactory(module=module)
    mapping = {}
    for domain, questions in POOL.items():
        for q in questions:
            row = models.Question.objects.create(
                content_id=f"sim-{q.pk}",
                module=module,
                lesson=lesson,
                qtype=q.qtype,
                difficulty=1,
                domains=[domain],
                spec=q.spec,
                **EXAM_FORMAT,
            )
            mapping[q.pk] = row.pk
    blueprint = ExamBlueprint.objects.create(
        content_id="sim-dva",
        title="Simulated DVA-C02",
        exam="dva-c02",
        questions=QUESTIONS,
        minutes=130,
        passing_score=PASSING,
        domains=WEIGHTS,
        services={"lambda": 100},
    )
    return blueprint, mapping, module


def into_database(learner, bank):
    """A simulated learner's cards, answers, practice exams and labs, saved as the app saves them."""
    blueprint, mapping, module = bank
    user = UserFactory()
    cards = {
        pk: Card.objects.create(
            user=user,
            question_id=mapping[pk],
            state=int(card.state),
            step=card.step,
            stability=card.stability,
            difficulty=card.difficulty,
            due=card.due,
            last_review=card.last_review,
        )
        for pk, card in learner.cards.items()
    }
    ReviewLog.objects.bulk_create(
        ReviewLog(
            card=cards[pk],
            user=user,
            question_id=mapping[pk],
            rating=rating,
            correct=correct,
            attempts=attempts,
            duration_ms=8000,
            reviewed_at=at,
            variant_seed=0,
            state_before=before,
            retrievability_before=recall,
            due_after=due,
            mode=mode,
        )
        for pk, recall, correct, attempts, before, mode, at, rating, due in learner.logs
    )
    for at, breakdown, count in learner.attempts:
        right = sum(r for r, _ in breakdown["domains"].values())
        ExamAttempt.objects.create(
            user=user,
            blueprint=blueprint,
            started_at=at - timedelta(hours=2),
            ends_at=at,
            submitted_at=at,
            question_count=count,
            passing_score=PASSING,
            correct_count=right,
            scaled_score=scaled_score(right, count),
            passed=scaled_score(right, count) >= PASSING,
            breakdown=breakdown,
        )
    for i, best in enumerate(learner.labs):
        lab = Lab.objects.create(
            module=module, content_id=f"lab-{user.pk}-{i}", title="A lab", statement_html="<p>Do.</p>"
        )
        for score in (best / 2, best):  # the best attempt counts
            Submission.objects.create(user=user, lab=lab, status=Submission.Status.GRADED, score=score)
    return user


def test_the_database_path_reads_the_same_evidence_as_the_simulation(bank):
    learner = next(L for L in map(simulate, range(200)) if len(L.attempts) >= 2 and L.labs and len(L.cards) >= 60)
    user = into_database(learner, bank)
    from_db = readiness.estimate(user=user, blueprint=bank[0], exam_day=learner.exam_day, now=NOW)
    expected = estimate_from_rows(learner)
    assert (from_db.low, from_db.mid, from_db.high) == (expected.low, expected.mid, expected.high)
    assert from_db.pass_probability == pytest.approx(expected.pass_probability, abs=1e-9)
    assert [(d.domain, d.seen, d.available) for d in from_db.domains] == [
        (d.domain, d.seen, d.available) for d in expected.domains
    ]
    assert [d.share for d in from_db.domains] == pytest.approx([d.share for d in expected.domains], abs=1e-9)
    assert from_db.exam_day == learner.exam_day and from_db.passing_score == PASSING


def test_a_well_prepared_learner_gets_a_higher_band_than_a_weak_one(bank):
    prepared = simulate(3, days=60, share=1.0, unseen=0.4, memory=0.4, exams=2, exam_in=7)
    weak = simulate(3, days=10, share=0.2, unseen=0.05, memory=-0.5, exams=1, exam_in=7)
    strong = readiness.estimate(
        user=into_database(prepared, bank), blueprint=bank[0], now=NOW, exam_day=prepared.exam_day
    )
    poor = readiness.estimate(user=into_database(weak, bank), blueprint=bank[0], now=NOW, exam_day=weak.exam_day)
    assert strong.enough_evidence and strong.low > poor.high, (strong, poor)
    assert strong.pass_probability > 0.5 > poor.pass_probability
    assert all(s.share > p.share for s, p in zip(strong.domains, poor.domains, strict=True))


def test_with_no_evidence_the_estimate_says_so_and_the_band_is_wide(bank):
    nothing = readiness.estimate(user=UserFactory(), blueprint=bank[0], now=NOW)
    assert not nothing.enough_evidence
    assert nothing.reason.startswith("Not enough evidence yet")
    assert nothing.high - nothing.low >= 250, nothing
    assert all(d.seen == 0 and d.high_share - d.low_share >= 0.3 for d in nothing.domains)
