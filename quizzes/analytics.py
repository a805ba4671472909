"""Item analysis for instructors: how each question works on real learners, overall or in one cohort.

Per question, from each learner's first showing of it (the review whose card was new, in any mode but the
practice exam's lapse records): attempts, the share right at the first try, how often each option was chosen
(mapped back through each variant's shuffle to the option as written), the median time, and the mean FSRS
difficulty of its cards. Discrimination is the point-biserial correlation between being right and the
learner's practice-exam total (mean share right over their scored exams); for a question that too few
learners with an exam answered, it is taken against each learner's mean FSRS retrievability at review time
instead, and the row says which. Flags: discrimination under 0.2 (negative is worse), a distractor the top
third of learners chose more often than the key, and a median time far from its type's norm. A question is
flagged only once MIN_RESPONSES learners have answered it.
"""

import math
import statistics
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Avg

from . import variants
from .models import Card, ExamAttempt, Question, ReviewLog
from .variants import KEYS

MIN_RESPONSES = 10  # fewer answers than this: numbers shown, no flags
LOW_DISCRIMINATION = 0.2
TIME_FAR = 2.5  # a median time more than 2.5x, or under 1/2.5, of its type's norm


@dataclass(frozen=True)
class Response:
    user_id: int
    right: bool  # right at the first try
    options: tuple = ()  # original option indices chosen (choice questions)
    seconds: float = 0.0


def point_biserial(pairs) -> float | None:
    """r between a 0/1 outcome and a score: (M1 - M0) / s x sqrt(p q), s the population sd. None if undefined."""
    pairs = list(pairs)
    n = len(pairs)
    if n < 2:
        return None
    scores = [score for _, score in pairs]
    mean = sum(scores) / n
    sd = math.sqrt(sum((s - mean) ** 2 for s in scores) / n)
    right = [score for ok, score in pairs if ok]
    wrong = [score for ok, score in pairs if not ok]
    if sd == 0 or not right or not wrong:
        return None
    p = len(right) / n
    return (sum(right) / len(right) - sum(wrong) / len(wrong)) / sd * math.sqrt(p * (1 - p))


@dataclass
class ItemStats:
    question: object
    attempts: int
    first_right: float | None
    discrimination: float | None
    basis: str  # "exam" or "recall" (what discrimination is taken against), "" when not computed
    option_shares: list = field(default_factory=list)  # [{"index", "text", "key": bool, "share"}]
    median_seconds: float | None = None
    fsrs_difficulty: float | None = None
    flags: list = field(default_factory=list)


def _top_third_prefers_a_distractor(responses, ability, keys: set, option_count: int) -> bool:
    ranked = sorted((r for r in responses if r.user_id in ability), key=lambda r: -ability[r.user_id])
    top = ranked[: math.ceil(len(ranked) / 3)]
    if not top or not keys:
        return False
    counts = Counter(index for r in top for index in r.options)
    least_key = min(counts.get(k, 0) for k in keys)
    return any(counts.get(i, 0) > least_key for i in range(option_count) if i not in keys)


def analyse(question, responses, *, exam_total: dict, recall: dict, difficulty=None, min_exam=MIN_RESPONSES):
    """One question's statistics from its first showings (flags on time are added by `flag_times`)."""
    n = len(responses)
    stats = ItemStats(question, n, None, None, "", fsrs_difficulty=difficulty)
    if not n:
        return stats
    stats.first_right = sum(r.right for r in responses) / n
    stats.median_seconds = statistics.median(r.seconds for r in responses)
    with_exam = [r for r in responses if r.user_id in exam_total]
    if len(with_exam) >= min_exam:
        ability, stats.basis = exam_total, "exam"
        stats.discrimination = point_biserial((r.right, exam_total[r.user_id]) for r in with_exam)
    else:
        ability, stats.basis = recall, "recall"
        stats.discrimination = point_biserial((r.right, recall[r.user_id]) for r in responses if r.user_id in recall)
    options = question.spec.get("options", []) if question.qtype in ("single", "multiple") else []
    keys = {i for i, option in enumerate(options) if option.get("correct")}
    if options:
        counts = Counter(index for r in responses for index in r.options)
        stats.option_shares = [
            {"index": i, "text": option.get("text", ""), "key": i in keys, "share": counts.get(i, 0) / n}
            for i, option in enumerate(options)
        ]
    if n >= MIN_RESPONSES:
        if stats.discrimination is not None and stats.discrimination < 0:
            stats.flags.append("negative discrimination")
        elif stats.discrimination is not None and stats.discrimination < LOW_DISCRIMINATION:
            stats.flags.append("low discrimination")
        if options and _top_third_prefers_a_distractor(responses, ability, keys, len(options)):
            stats.flags.append("top third prefer a distractor")
    return stats


def flag_times(items: list[ItemStats]) -> None:
    """Flag medians far from the norm of their type (the median of that type's medians)."""
    by_type = {}
    for item in items:
        if item.attempts >= MIN_RESPONSES and item.median_seconds:
            by_type.setdefault(item.question.qtype, []).append(item.median_seconds)
    norms = {qtype: statistics.median(values) for qtype, values in by_type.items()}
    for item in items:
        norm = norms.get(item.question.qtype)
        if item.attempts >= MIN_RESPONSES and norm and item.median_seconds:
            if item.median_seconds > norm * TIME_FAR:
                item.flags.append(f"slow: median {round(item.median_seconds)} s, type norm {round(norm)} s")
            elif item.median_seconds < norm / TIME_FAR:
                item.flags.append(f"quick: median {round(item.median_seconds)} s, type norm {round(norm)} s")


def original_options(spec: dict, seed: int, keys) -> tuple:
    """The option indices as written of the keys a learner chose in the variant of `seed`."""
    order = variants.option_order(spec, seed)
    position = {KEYS[p]: index for p, index in enumerate(order)}
    return tuple(sorted(position[k] for k in keys if k in position))


def item_analysis(*, user_ids=None) -> list[ItemStats]:
    """Every live question's statistics, over all learners or the given ones, in five queries."""
    questions = {q.pk: q for q in Question.objects.published().select_related("module").order_by("pk")}
    logs = ReviewLog.objects.filter(state_before=ReviewLog.NEW).exclude(mode=ReviewLog.Mode.EXAM)
    cards = Card.objects.filter(difficulty__isnull=False)
    exams = ExamAttempt.objects.scored().filter(kind=ExamAttempt.Kind.EXAM)
    recall_logs = ReviewLog.objects.filter(retrievability_before__isnull=False)
    if user_ids is not None:
        user_ids = list(user_ids)
        logs, cards, exams = (
            logs.filter(user_id__in=user_ids),
            cards.filter(user_id__in=user_ids),
            exams.filter(user_id__in=user_ids),
        )
        recall_logs = recall_logs.filter(user_id__in=user_ids)
    totals = {}
    for user_id, right, asked in exams.values_list("user_id", "correct_count", "question_count"):
        totals.setdefault(user_id, []).append(right / asked if asked else 0)
    exam_total = {user_id: sum(shares) / len(shares) for user_id, shares in totals.items()}
    recall = dict(recall_logs.values("user_id").annotate(r=Avg("retrievability_before")).values_list("user_id", "r"))
    difficulty = dict(cards.values("question_id").annotate(d=Avg("difficulty")).values_list("question_id", "d"))
    responses = {pk: [] for pk in questions}
    # The options chosen come as the bitmask stored at grading time: no JSON to decode, no shuffle to redo.
    rows = logs.values_list("user_id", "question_id", "correct", "attempts", "options_chosen", "duration_ms")
    for user_id, question_id, correct, attempts, mask, duration_ms in rows.iterator(chunk_size=5000):
        question = questions.get(question_id)
        if question is None:
            continue
        chosen = variants.mask_indices(mask) if mask else ()
        responses[question_id].append(Response(user_id, bool(correct and attempts == 1), chosen, duration_ms / 1000))
    items = [
        analyse(q, responses[pk], exam_total=exam_total, recall=recall, difficulty=difficulty.get(pk))
        for pk, q in questions.items()
    ]
    flag_times(items)
    return items
