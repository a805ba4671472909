"""Lab analytics for instructors, overall or for one cohort: per lab, how many learners tried and passed,
attempts until the first pass, the checks that fail most, the most common failing message, and grading time
(p50/p95) per sandbox backend. Attempts only (a Run of the examples is not one); three queries."""

import math
import statistics
from collections import Counter
from dataclasses import dataclass, field

from .models import Lab, Submission

TOP_CHECKS = 3


def percentile(values, q: float) -> float | None:
    """The q-th percentile by the nearest-rank method (p50 of 1..10 is 5, p95 is 10)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(q / 100 * len(ordered)) - 1, 0)]


@dataclass
class LabStats:
    lab: object
    attempts: int = 0
    learners: int = 0
    passed: int = 0
    pass_rate: float | None = None
    attempts_to_pass: float | None = None  # median, over learners who passed
    failing_checks: list = field(default_factory=list)  # [(check name, times failed)]
    common_failure: tuple | None = None  # (message, times)
    grading: list = field(default_factory=list)  # [{"backend", "count", "p50", "p95"}] in seconds


def lab_analysis(*, user_ids=None) -> list[LabStats]:
    labs = list(Lab.objects.published().select_related("module").order_by("module__position", "content_id"))
    rows = Submission.objects.attempts().filter(lab__in=labs).exclude(status=Submission.Status.QUEUED)
    if user_ids is not None:
        rows = rows.filter(user_id__in=list(user_ids))
    stats = {lab.pk: LabStats(lab) for lab in labs}
    tries, first_pass, checks, failures, times = {}, {}, {}, {}, {}
    fields = ("lab_id", "user_id", "status", "verdict", "result", "backend", "started_at", "finished_at")
    for lab_id, user_id, status, verdict, result, backend, started, finished in rows.order_by(
        "created_at", "pk"
    ).values_list(*fields):
        entry = stats[lab_id]
        if status != Submission.Status.GRADED:
            continue
        entry.attempts += 1
        count = tries.setdefault(lab_id, Counter())
        count[user_id] += 1
        if verdict == Submission.Verdict.PASSED:
            first_pass.setdefault(lab_id, {}).setdefault(user_id, count[user_id])
        else:
            result = result if isinstance(result, dict) else {}
            for check in result.get("checks") or []:
                if isinstance(check, dict) and not check.get("passed"):
                    checks.setdefault(lab_id, Counter())[str(check.get("name", "?"))[:80]] += 1
            message = str(result.get("message") or verdict or "")[:200]
            if message:
                failures.setdefault(lab_id, Counter())[message] += 1
        if started and finished:
            times.setdefault(lab_id, {}).setdefault(backend or "?", []).append((finished - started).total_seconds())
    for lab_id, entry in stats.items():
        learners = tries.get(lab_id, {})
        entry.learners = len(learners)
        passes = first_pass.get(lab_id, {})
        entry.passed = len(passes)
        entry.pass_rate = entry.passed / entry.learners if entry.learners else None
        entry.attempts_to_pass = statistics.median(passes.values()) if passes else None
        entry.failing_checks = checks.get(lab_id, Counter()).most_common(TOP_CHECKS)
        common = failures.get(lab_id, Counter()).most_common(1)
        entry.common_failure = common[0] if common else None
        entry.grading = [
            {"backend": backend, "count": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95)}
            for backend, values in sorted(times.get(lab_id, {}).items())
        ]
    return list(stats.values())
