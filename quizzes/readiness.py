"""Readiness: how a learner would score on the exam day on a practice exam drawn from a blueprint.

What is predicted is the score of one attempt drawn as `exams.draw` draws it (each domain's quota of the
blueprint's exam-format items), sat on the exam day with what the learner knows now: reviews done before
then only raise it. The answer is an 80% band of scaled scores (a 1-in-10 chance each of scoring below
`low` or above `high`), its median `mid`, the chance of reaching the passing score, and a band per domain.

The model, per item i of the blueprint's pools (README "Readiness estimate"):
- p_i, the chance of answering it right at the first try, is g_i + (1 - g_i) k_i: g_i is the guessing rate
  (1/4 for one of four, 1/C(5,2) = 1/10 for two of five) and k_i the chance the learner knows it.
- A reviewed item: k_i = sigmoid(logit R_i + delta), where R_i is FSRS-6's predicted recall on the exam day
  (its forgetting curve from the card's stability and last review) and delta a per-learner correction:
  how FSRS's predictions fared for this learner, read from their first-try answers to Review cards of these
  items (each logged with the recall FSRS predicted for it). Prior delta ~ Normal(0, 0.5).
- An item never reviewed: k_i = u, the learner's knowledge of what they have not studied, prior Beta(1, 3)
  (mean 0.25), moved by their first answers to new cards of these items (at half weight: they come right
  after the lesson) and by their best lab scores on the blueprint's services (each lab one answer, right in
  the share of its best score).
- Each domain's knowledge is moved as a whole by e_d ~ Normal(0, 0.25) on the logit scale (what the model
  gets wrong about this learner there), above the guessing floor. Practice exams and drills on this
  blueprint observe the domain's share right at the time they were sat: the model is evaluated on the pool
  as it stood then (what had been reviewed by then, with FSRS's recall then, read back from the answer log),
  so what was learned since, and the attempt's own misses now in the deck as lapses, are not held against it.
  Their binomial likelihood is sharpened for a draw without replacement from unequal items, and an attempt's
  weight halves every 30 days.
The posterior of (delta, u, e_d) is computed on grids: delta and u as 9 equal-mass nodes each of their
posterior from the answers and labs, e_d on 13 points per domain, exam evidence reweighting every node. No
random numbers: the same evidence always gives the same band. Given a node, the count right in a domain is
its quota drawn without replacement from the pool (the sum of p(1 - p) plus the spread of p shrunk by the
finite-population correction), approximated by a normal; the predicted count is the mixture of these over
the nodes, and its 10%, 50% and 90% points, scaled as `exams.scaled_score`, are the band.

`enough_evidence` is False until the learner has reviewed 40% of the items (by domain weight) with 30
answers on record, or has half a recent practice exam's worth of results: the band is then wide and the
reason says so. tests/quizzes/test_readiness_calibration.py simulates learners and checks the band holds
their simulated exam score about 80% of the time.
"""

import math
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from fsrs import Card as FsrsCard
from fsrs import State

from courses.content.loader import EXAM_DOMAINS

from .exams import blueprint_spec, drawable_questions, pools, quotas, scaled_score
from .models import Card, ExamAttempt, Question, ReviewLog
from .services import (
    EXAM_AHEAD_CAP,
    effective_retention,
    learner_day,
    learner_day_start,
    learner_today_start,
    scheduler_for,
    study_settings_for,
)

BAND = 0.80
DELTA_PRIOR_SD = 0.5
UNSEEN_PRIOR = (1.0, 3.0)  # Beta(a, b) of the knowledge of items never reviewed
DOMAIN_SD = 0.25
FIRST_ANSWER_WEIGHT = 0.5
LAB_WEIGHT = 1.0
EXAM_HALF_LIFE_DAYS = 30.0
RECENT_ATTEMPTS = 10
LOG_LIMIT = 5000  # the learner's latest answers read (for delta, u and the pool as it stood at each exam)
NODES = 9
ENOUGH_SEEN = 0.40
ENOUGH_ANSWERS = 30
ENOUGH_EXAM = 0.5  # practice exams' weight in full attempts

_DELTA_GRID = [-3 + 0.1 * i for i in range(61)]
_U_GRID = [(i + 0.5) / 100 for i in range(100)]
_E_GRID = [-1.2 + 0.2 * i for i in range(13)]
_E_PRIOR = [math.exp(-(e * e) / (2 * DOMAIN_SD**2)) for e in _E_GRID]
_E_PRIOR = [w / sum(_E_PRIOR) for w in _E_PRIOR]
_E_LOG_PRIOR = [math.log(w) for w in _E_PRIOR]
_EPS = 1e-6


# --- the evidence, as the database gives it --------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One drawable item: its domain, guessing rate, and FSRS's recall on the exam day (None: never reviewed)."""

    domain: str
    guess: float
    recall: float | None = None


@dataclass(frozen=True)
class Answer:
    """A first try at one of these items: on a Review card with FSRS's predicted recall, or on a new card (None)."""

    guess: float
    recall: float | None
    right: bool


@dataclass(frozen=True)
class Sitting:
    """A scored practice exam or drill: its age in days, {domain: (right, asked)}, and the pool as it stood then:
    {domain: [(guess, FSRS's recall then, None if not reviewed by then), ...]}."""

    age_days: float
    domains: dict
    asked: int
    pool: dict


@dataclass
class DomainReadiness:
    domain: str
    label: str
    weight: int
    share: float  # predicted share right of the domain's questions on the exam day
    low_share: float
    high_share: float
    seen: int  # items of the domain the learner has reviewed
    available: int  # items the domain draws from


@dataclass
class Readiness:
    low: int
    mid: int
    high: int
    pass_probability: float
    passing_score: int
    enough_evidence: bool
    reason: str
    domains: list = field(default_factory=list)
    exam_day: date | None = None
    questions: int = 0


def guess_rate(question, known: dict | None = None) -> float:
    """The chance of a blind guess being right: 1 of the options, or the right set of `choose` of them.

    Read from the question's spec if it has one, else from `known` ({pk: rate}, see multiple_guess_rates); an
    exam-format single-answer item has four options."""
    spec = getattr(question, "spec", None)
    if spec is None:
        return 0.25 if question.qtype == "single" else (known or {}).get(question.pk, 0.1)
    options = len(spec.get("options", [])) or 4
    choose = spec.get("choose", 1) if question.qtype == "multiple" else 1
    return 1 / math.comb(options, max(1, min(choose, options)))


def multiple_guess_rates() -> dict[int, float]:
    """The guessing rate of every live multiple-response item, in 1 query that reads two numbers of each spec, not
    the spec (exam-format ones have five to seven options)."""
    rows = Question.objects.filter(qtype="multiple", retired_at__isnull=True).values_list(
        "pk", "spec__choose", "spec__options__5", "spec__options__6"
    )
    rates = {}
    for pk, choose, sixth, seventh in rows:
        options = 5 + (sixth is not None) + (seventh is not None)
        rates[pk] = 1 / math.comb(options, max(1, min(int(choose or 2), options)))
    return rates


# --- the estimate, from plain evidence -------------------------------------------------------------------


def _logit(p: float) -> float:
    p = min(max(p, _EPS), 1 - _EPS)
    return math.log(p / (1 - p))


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    z = math.exp(x)
    return z / (1 + z)


def _normalized(logs: list[float]) -> list[float]:
    top = max(logs)
    weights = [math.exp(v - top) for v in logs]
    total = sum(weights)
    return [w / total for w in weights]


def _nodes(grid: list[float], weights: list[float], k: int = NODES) -> list[tuple[float, float]]:
    """k equal-mass nodes of a distribution on a grid: each the mean of its 1/k of the mass."""
    nodes, bin_mass, bin_sum, target = [], 0.0, 0.0, 1 / k
    for value, weight in zip(grid, weights, strict=True):
        while weight > 1e-15:
            take = min(weight, target - bin_mass)
            bin_mass += take
            bin_sum += take * value
            weight -= take
            if bin_mass >= target - 1e-12:
                nodes.append((bin_sum / bin_mass, bin_mass))
                bin_mass, bin_sum = 0.0, 0.0
    if bin_mass > 1e-9:
        nodes.append((bin_sum / bin_mass, bin_mass))
    return nodes


def _delta_nodes(answers: list[Answer]) -> list[tuple[float, float]]:
    bins = defaultdict(lambda: [0, 0])  # (guess, recall to 0.01) -> [asked, right]
    for answer in answers:
        if answer.recall is not None:
            row = bins[(round(answer.guess, 3), round(answer.recall, 2))]
            row[0] += 1
            row[1] += int(answer.right)
    logs = []
    for delta in _DELTA_GRID:
        total = -(delta * delta) / (2 * DELTA_PRIOR_SD**2)
        for (guess, recall), (asked, right) in bins.items():
            p = guess + (1 - guess) * _sigmoid(_logit(recall) + delta)
            total += right * math.log(max(p, _EPS)) + (asked - right) * math.log(max(1 - p, _EPS))
        logs.append(total)
    return _nodes(_DELTA_GRID, _normalized(logs))


def _unseen_nodes(answers: list[Answer], labs: list[float]) -> list[tuple[float, float]]:
    bins = defaultdict(lambda: [0, 0])
    for answer in answers:
        if answer.recall is None:
            row = bins[round(answer.guess, 3)]
            row[0] += 1
            row[1] += int(answer.right)
    lab_right = LAB_WEIGHT * sum(labs)
    lab_wrong = LAB_WEIGHT * len(labs) - lab_right
    a, b = UNSEEN_PRIOR
    logs = []
    for u in _U_GRID:
        total = (a - 1 + lab_right) * math.log(u) + (b - 1 + lab_wrong) * math.log(1 - u)
        for guess, (asked, right) in bins.items():
            p = guess + (1 - guess) * u
            total += FIRST_ANSWER_WEIGHT * (right * math.log(p) + (asked - right) * math.log(1 - p))
        logs.append(total)
    return _nodes(_U_GRID, _normalized(logs))


def _mixture(components: list[tuple[float, float, float]]) -> list[tuple[float, float, float]]:
    """(weight, mean, 1 / (sd sqrt 2)) of the components that carry weight, renormalized."""
    parts = [(w, m, v) for w, m, v in components if w > 1e-7]
    total = sum(w for w, _, _ in parts)
    return [(w / total, m, 1 / math.sqrt(2 * max(v, 1e-9))) for w, m, v in parts]


def _cdf(parts, x: float) -> float:
    return 0.5 * (1 + sum(w * math.erf((x - m) * k) for w, m, k in parts))


def _mixture_quantiles(components: list[tuple[float, float, float]], probabilities) -> list[float]:
    """Points of a mixture of normals (weight, mean, variance) where its distribution function reaches each p."""
    parts = _mixture(components)
    lo = min(m - 6 / k for _, m, k in parts)
    hi = max(m + 6 / k for _, m, k in parts)
    result = []
    for p in probabilities:
        a, b = lo, hi
        for _ in range(26):
            mid = (a + b) / 2
            if _cdf(parts, mid) < p:
                a = mid
            else:
                b = mid
        result.append((a + b) / 2)
    return result


def _mixture_tail(components, x: float) -> float:
    """P(value >= x) under the mixture."""
    return 1 - _cdf(_mixture(components), x)


@dataclass
class _Domain:
    name: str
    weight: int
    quota: int
    available: int
    seen: list  # [(guess, recall on the exam day)]
    unseen_guess: list
    observed: list  # [(weight, right, asked, [(guess, recall then or None)])]


def _p_sum(seen, delta) -> tuple[float, float]:
    """Sum of p and of p(1 - p) over reviewed items, for a memory correction delta."""
    total = spread = 0.0
    for guess, recall in seen:
        p = guess + (1 - guess) * _sigmoid(_logit(recall) + delta)
        total += p
        spread += p * (1 - p)
    return total, spread


def _unseen_sums(guesses) -> tuple:
    return (
        sum(guesses),
        sum(1 - g for g in guesses),
        sum(g * g for g in guesses),
        sum(g * (1 - g) for g in guesses),
        sum((1 - g) ** 2 for g in guesses),
    )


def _unseen_at(sums, u) -> tuple[float, float]:
    """Sum of p and of p(1 - p) over items never reviewed, p = g + (1 - g) u."""
    g1, h1, g2, gh, h2 = sums
    total = g1 + u * h1
    return total, total - (g2 + 2 * u * gh + u * u * h2)


def _evenness(theta, spread) -> float:
    """Mean p(1 - p) over theta(1 - theta): 1 when every item of the pool has the same p."""
    return min(spread / max(theta * (1 - theta), 1e-9), 1.0)


def _domain_moments(domain: _Domain, delta_nodes, u_nodes):
    """For every (delta, u) node: the domain's marginal likelihood of its exam evidence (log) and the moments of
    its share right on the exam day (mean, variance of the count's mean, binomial part) for the mixture."""
    size = max(domain.available, 1)
    seen_exam, seen_var = zip(*(_p_sum(domain.seen, delta) for delta, _ in delta_nodes), strict=True)
    # Each practice exam is compared with the model as the pool stood at the time (what was reviewed by then,
    # with FSRS's recall then), so learning since, and its own missed items now in the deck, are not held against it.
    then = []
    for weight, right, asked, pool_then in domain.observed:
        pool_then = pool_then or [(0.25, None)]  # a domain with no items left: as one unseen item
        reviewed = [(g, r) for g, r in pool_then if r is not None]
        not_yet = [g for g, r in pool_then if r is None]
        sums = [_p_sum(reviewed, delta) for delta, _ in delta_nodes]
        size_then = max(len(pool_then), 1)
        # (a one-item pool: plain binomial; fewer items than were asked, some retired since: no correction)
        fpc_then = max((size_then - asked) / (size_then - 1), 0.0) if size_then > 1 else 1.0
        then.append((weight, right, asked, sums, _unseen_sums(not_yet), size_then, fpc_then))
    guesses = domain.unseen_guess or ([] if domain.available else [0.25])
    # e_d moves the domain's knowledge, above the guessing floor: share = floor + (1 - floor) x knowledge.
    floor = (sum(g for g, _ in domain.seen) + sum(guesses)) / max(len(domain.seen) + len(guesses), 1)

    def knowledge(share):
        return _logit((share - floor) / (1 - floor))

    def share_of(knowledge_logit):
        if knowledge_logit < -30:
            return floor
        return floor + (1 - floor) / (1 + math.exp(-knowledge_logit))

    unseen = _unseen_sums(guesses)
    quota = domain.quota
    pool = max(domain.available, quota, 1)
    fpc = (pool - quota) / (pool - 1) if pool > 1 else 0.0
    table = {}
    for j in range(len(delta_nodes)):
        for k, (u, _) in enumerate(u_nodes):
            unseen_sum, unseen_var = _unseen_at(unseen, u)
            theta_exam = (seen_exam[j] + unseen_sum) / size
            rho = _evenness(theta_exam, (seen_var[j] + unseen_var) / size)
            logit_exam = knowledge(theta_exam)
            logits_then = []
            for weight, right, asked, sums, unseen_then, size_then, fpc_then in then:
                sum_then, var_then = _unseen_at(unseen_then, u)
                theta_then = (sums[j][0] + sum_then) / size_then
                rho_then = _evenness(theta_then, (sums[j][1] + var_then) / size_then)
                # A draw without replacement from a pool of unequal items varies less than a binomial: the
                # likelihood is sharpened by that ratio (a quasi-likelihood with known dispersion).
                dispersion = max(rho_then + (1 - rho_then) * fpc_then, 0.2)
                logits_then.append((weight / dispersion, right, asked, knowledge(theta_then)))
            logs = list(_E_LOG_PRIOR)
            for weight, right, asked, logit_then in logits_then:
                hits, misses = weight * right, weight * (asked - right)
                for i, e in enumerate(_E_GRID):
                    share = min(max(share_of(logit_then + e), _EPS), 1 - _EPS)
                    logs[i] += hits * math.log(share) + misses * math.log(1 - share)
            top = max(logs)
            mass = mean = second = 0.0
            for e, log in zip(_E_GRID, logs, strict=True):
                w = math.exp(log - top)
                t = share_of(logit_exam + e)
                mass += w
                mean += w * t
                second += w * t * t
            mean, second = mean / mass, second / mass
            bernoulli = mean - second  # E[t (1 - t)]
            # Given the items' p, a draw of `quota` of them without replacement: the sum of the p(1-p) plus the
            # spread of the p across the pool, shrunk by the finite-population correction.
            binomial = rho * bernoulli + (1 - rho) * bernoulli * fpc
            table[j, k] = (top + math.log(mass), mean, max(second - mean * mean, 0.0), binomial)
    return table


def predict(
    *,
    weights: dict,
    questions: int,
    passing_score: int,
    items: list[Item],
    answers: list[Answer],
    sittings: list[Sitting],
    labs: list[float],
    labels: dict | None = None,
    exam_day: date | None = None,
) -> Readiness:
    """The readiness estimate from plain evidence (what `estimate` reads from the database)."""
    labels = labels or {}
    quota = quotas(weights, questions)
    domains = {
        name: _Domain(name, weight, quota[name], 0, [], [], [])
        for name, weight in sorted(weights.items(), key=lambda pair: pair[0])
    }
    for item in items:
        domain = domains.get(item.domain)
        if domain is None:
            continue
        domain.available += 1
        if item.recall is None:
            domain.unseen_guess.append(item.guess)
        else:
            domain.seen.append((item.guess, item.recall))
    exam_mass = 0.0
    for sitting in sittings:
        weight = 0.5 ** (max(sitting.age_days, 0) / EXAM_HALF_LIFE_DAYS)
        exam_mass += weight * sitting.asked / max(questions, 1)
        for name, (right, asked) in sitting.domains.items():
            if name in domains and asked:
                domains[name].observed.append((weight, right, asked, sitting.pool.get(name, [])))

    delta_nodes = _delta_nodes(answers)
    u_nodes = _unseen_nodes(answers, labs)
    tables = {name: _domain_moments(domain, delta_nodes, u_nodes) for name, domain in domains.items()}
    keys = [(j, k) for j in range(len(delta_nodes)) for k in range(len(u_nodes))]
    logs = [
        math.log(delta_nodes[j][1]) + math.log(u_nodes[k][1]) + sum(tables[name][j, k][0] for name in domains)
        for j, k in keys
    ]
    node_weights = _normalized(logs)

    total_parts = []
    per_domain = {name: [] for name in domains}
    for w, key in zip(node_weights, keys, strict=True):
        mean_total = var_total = 0.0
        for name, domain in domains.items():
            _, mean, spread, binomial = tables[name][key]
            q = domain.quota
            mean_total += q * mean
            var_total += q * binomial + q * q * spread
            # The domain's share of its own questions (a domain with no quota: the share of its pool).
            per_domain[name].append((w, mean, (binomial / q if q else 0.0) + spread))
        total_parts.append((w, mean_total, var_total))

    low_x, mid_x, high_x = _mixture_quantiles(total_parts, [(1 - BAND) / 2, 0.5, (1 + BAND) / 2])
    need = next((k for k in range(questions + 1) if scaled_score(k, questions) >= passing_score), questions + 1)
    pass_probability = min(max(_mixture_tail(total_parts, need - 0.5), 0.0), 1.0)

    def scaled(x: float) -> int:
        return min(max(round(100 + 900 * x / max(questions, 1)), 100), 1000)

    rows = []
    seen_share = 0.0
    for name, domain in domains.items():
        parts = per_domain[name]
        low_s, high_s = _mixture_quantiles(parts, [(1 - BAND) / 2, (1 + BAND) / 2])
        share = sum(w * m for w, m, _ in parts)
        rows.append(
            DomainReadiness(
                domain=name,
                label=labels.get(name, name),
                weight=domain.weight,
                share=share,
                low_share=min(max(low_s, 0.0), 1.0),
                high_share=min(max(high_s, 0.0), 1.0),
                seen=len(domain.seen),
                available=domain.available,
            )
        )
        if domain.available:
            seen_share += domain.weight / 100 * len(domain.seen) / domain.available
    enough = (seen_share >= ENOUGH_SEEN and len(answers) >= ENOUGH_ANSWERS) or exam_mass >= ENOUGH_EXAM
    return Readiness(
        low=scaled(low_x),
        mid=scaled(mid_x),
        high=scaled(high_x),
        pass_probability=pass_probability,
        passing_score=passing_score,
        enough_evidence=enough,
        reason=_reason(rows, sittings, labs, enough),
        domains=rows,
        exam_day=exam_day,
        questions=questions,
    )


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _reason(rows, sittings, labs, enough) -> str:
    seen = sum(row.seen for row in rows)
    available = sum(row.available for row in rows)
    parts = [f"{seen} of the {available} items this exam draws from reviewed"]
    if sittings:
        days = math.floor(min(s.age_days for s in sittings))
        when = {0: "today", 1: "yesterday"}.get(days, f"{days} days ago")
        latest = when if len(sittings) == 1 else f"the latest {when}"
        parts.append(f"{_plural(len(sittings), 'practice exam or drill', 'practice exams or drills')} ({latest})")
    else:
        parts.append("no practice exam")
    if labs:
        parts.append(_plural(len(labs), "lab"))
    if not enough:
        return (
            f"Not enough evidence yet: {_and(parts)}; the band stays wide until you review more of these items "
            "or take a practice exam."
        )
    return f"Based on {_and(parts)}, with FSRS's recall of each reviewed item on the exam day."


# --- the estimate, from the database ---------------------------------------------------------------------


def exam_moment(settings, exam_day: date | None, now: datetime) -> datetime:
    """The moment the recall is predicted for: the middle of the learner's exam day (never before now)."""
    if exam_day is None:
        return now
    return max(now, learner_day_start(settings, exam_day) + timedelta(hours=12))


def _recall(scheduler, stability, last_review, moment) -> float:
    card = FsrsCard(card_id=1, state=State.Review, stability=stability, difficulty=5.0, last_review=last_review)
    card.last_review = last_review.astimezone(UTC)
    return scheduler.get_card_retrievability(card, moment.astimezone(UTC))


def _recall_then(history, card, moment, scheduler) -> float | None:
    """FSRS's recall of an item at a past moment, from its answers ((reviewed_at, recall before), in order) and
    the card now: None if it had not been reviewed by then.

    The stability then is the card's own if no answer came after; else it is read back from the recall the next
    answer was logged with (FSRS-6: R = (1 + F t / S)^-decay, t in whole days since the review before)."""
    at = [entry[0] for entry in history]
    before = bisect_left(at, moment)
    if before == 0:
        return None
    previous = at[before - 1]
    elapsed = (moment - previous).days
    if elapsed <= 0:
        return 1.0
    if before == len(history):
        return _recall(scheduler, *card, moment) if card else None
    next_at, next_recall = history[before]
    gap = (next_at - previous).days
    if next_recall is None or gap <= 0 or next_recall >= 1:
        return next_recall
    decay = -scheduler.parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    stability = factor * gap / (next_recall ** (1 / decay) - 1)
    return (1 + factor * elapsed / stability) ** decay


def evidence_from_rows(
    *, by_domain, card_rows, log_rows, attempt_rows, lab_scores, now, moment, scheduler, guesses=None
):
    """Items, answers and sittings from the rows `estimate` reads (the calibration test builds the same rows).

    card_rows: (question_id, stability, last_review) of reviewed cards; log_rows: (question_id, reviewed_at,
    retrievability_before, correct, attempts, state_before, mode), latest first, at most LOG_LIMIT;
    attempt_rows: (submitted_at, breakdown, question_count); guesses: {pk: guessing rate} of multiple-response items.
    """
    guess = {q.pk: guess_rate(q, guesses) for questions in by_domain.values() for q in questions}
    cards = {pk: (stability, last) for pk, stability, last in card_rows if pk in guess and stability}
    items = [
        Item(domain, guess[q.pk], _recall(scheduler, *cards[q.pk], moment) if q.pk in cards else None)
        for domain, questions in by_domain.items()
        for q in questions
    ]
    answers, history = [], defaultdict(list)
    log_rows = list(log_rows)
    for pk, reviewed_at, recall, correct, attempts, state_before, mode in reversed(log_rows):
        if pk not in guess:
            continue
        history[pk].append((reviewed_at, recall))
        if mode == ReviewLog.Mode.EXAM:
            continue
        first_try = bool(correct) and attempts == 1
        if state_before == ReviewLog.NEW:
            answers.append(Answer(guess[pk], None, first_try))
        elif state_before == Card.State.REVIEW and recall is not None and recall < 0.999:
            # (a same-day repeat, recall 1, says nothing of memory over days)
            answers.append(Answer(guess[pk], recall, first_try))
    # With the log window full, an attempt older than its oldest answer cannot be set against the pool as it stood.
    oldest = log_rows[-1][1] if len(log_rows) >= LOG_LIMIT else None
    sittings = []
    for submitted_at, breakdown, count in attempt_rows:
        if oldest is not None and submitted_at < oldest:
            continue
        pool_then = {
            domain: [(guess[q.pk], _recall_then(history[q.pk], cards.get(q.pk), submitted_at, scheduler)) for q in qs]
            for domain, qs in by_domain.items()
        }
        observed = {d: tuple(v) for d, v in (breakdown or {}).get("domains", {}).items()}
        sittings.append(Sitting((now - submitted_at).total_seconds() / 86400, observed, count, pool_then))
    return items, answers, sittings, list(lab_scores)


def estimate(*, user, blueprint, exam_day: date | None = None, now: datetime | None = None) -> Readiness:
    """The learner's readiness for a blueprint on a day (default: their booked exam day for it, else today)."""
    from labs.services import best_scores_by_module

    now = now or timezone.now()
    settings = study_settings_for(user)
    if exam_day is None and settings.exam_blueprint_id == blueprint.pk:
        exam_day = settings.exam_date
    spec = blueprint_spec(blueprint)
    by_domain = pools(spec, drawable_questions())
    card_rows = Card.objects.filter(
        user=user, last_review__isnull=False, question__retired_at__isnull=True
    ).values_list("question_id", "stability", "last_review")
    log_rows = (
        ReviewLog.objects.filter(user=user, question__qtype__in=["single", "multiple"])
        .order_by("-reviewed_at", "-pk")
        .values_list(
            "question_id", "reviewed_at", "retrievability_before", "correct", "attempts", "state_before", "mode"
        )[:LOG_LIMIT]
    )
    attempt_rows = (
        ExamAttempt.objects.scored()
        .filter(user=user, blueprint=blueprint, submitted_at__lte=now)
        .order_by("-submitted_at")
        .values_list("submitted_at", "breakdown", "question_count")[:RECENT_ATTEMPTS]
    )
    services = [name for name, weight in spec.services.items() if weight > 0]
    lab_scores = [score for scores in best_scores_by_module(user=user, modules=services).values() for score in scores]
    items, answers, sittings, labs = evidence_from_rows(
        by_domain=by_domain,
        card_rows=card_rows,
        log_rows=log_rows,
        attempt_rows=attempt_rows,
        lab_scores=lab_scores,
        now=now,
        moment=exam_moment(settings, exam_day, now),
        scheduler=scheduler_for(settings, now),
        guesses=multiple_guess_rates(),
    )
    return predict(
        weights=spec.domains,
        questions=spec.questions,
        passing_score=spec.passing_score,
        items=items,
        answers=answers,
        sittings=sittings,
        labs=labs,
        labels=EXAM_DOMAINS,
        exam_day=exam_day,
    )


def days_to_exam(settings, now: datetime) -> int | None:
    """Learner days from today to the booked exam day (0 on the day, negative once past), None if none booked."""
    if settings.exam_date is None or settings.exam_blueprint_id is None:
        return None
    return (settings.exam_date - learner_day(settings, now)).days


@dataclass
class Countdown:
    """The dashboard's booked exam: which, when, and (until the day has passed) the readiness estimate."""

    blueprint: object
    exam_day: date
    days_left: int
    readiness: Readiness | None

    @property
    def name(self) -> str:
        return self.blueprint.exam.upper()

    @property
    def when(self) -> str:
        if self.days_left == 0:
            return "today"
        if self.days_left == 1:
            return "tomorrow"
        if self.days_left < 0:
            return "day has passed"
        return f"in {self.days_left} days"


def exam_countdown(user, now: datetime | None = None) -> Countdown | None:
    """The learner's booked exam for the dashboard, or None when none is booked."""
    now = now or timezone.now()
    settings = study_settings_for(user)
    days = days_to_exam(settings, now)
    if days is None:
        return None
    blueprint = settings.exam_blueprint
    ready = estimate(user=user, blueprint=blueprint, exam_day=settings.exam_date, now=now) if days >= 0 else None
    return Countdown(blueprint, settings.exam_date, days, ready)


# --- the run-up to the exam: cards brought forward ---------------------------------------------------------


def brought_forward_today(*, user, settings, now) -> int:
    """Review cards the daily review served today before they were due (their previous answer set a later due)."""
    previous_due = Subquery(
        ReviewLog.objects.filter(card=OuterRef("card"), pk__lt=OuterRef("pk")).order_by("-pk").values("due_after")[:1]
    )
    return (
        ReviewLog.objects.filter(
            user=user,
            mode=ReviewLog.Mode.REVIEW,
            state_before=Card.State.REVIEW,
            reviewed_at__gte=learner_today_start(settings, now),
        )
        .annotate(previous_due=previous_due)
        .filter(previous_due__gt=F("reviewed_at"))
        .count()
    )


def cards_to_bring_forward(*, user, settings, now, exclude=frozenset()) -> list[int]:
    """Question pks of the booked exam's items not due before the exam whose recall on the day FSRS puts below the
    raised retention, lowest first, within what is left of today's EXAM_AHEAD_CAP."""
    blueprint = settings.exam_blueprint
    if blueprint is None or blueprint.retired_at is not None or settings.exam_date is None:
        return []
    allowance = EXAM_AHEAD_CAP - brought_forward_today(user=user, settings=settings, now=now)
    if allowance <= 0:
        return []
    target = effective_retention(settings, now)
    moment = exam_moment(settings, settings.exam_date, now)
    in_exam = {q.pk for questions in pools(blueprint_spec(blueprint), drawable_questions()).values() for q in questions}
    rows = (
        Card.objects.active(now)
        .filter(
            user=user,
            state=Card.State.REVIEW,
            last_review__isnull=False,
            stability__isnull=False,
            due__gt=moment,  # due before the exam: it comes up anyway, at the raised retention
            question__retired_at__isnull=True,
        )
        .values_list("question_id", "stability", "last_review")
    )
    scheduler = scheduler_for(settings, now)
    below = sorted(
        (recall, pk)
        for pk, stability, last_review in rows
        if pk in in_exam
        and pk not in exclude
        and (recall := _recall(scheduler, stability, last_review, moment)) < target
    )
    return [pk for _, pk in below[:allowance]]
