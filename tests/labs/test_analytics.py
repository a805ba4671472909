"""Lab analytics against a hand count, per cohort, and who may see it."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses import cohorts
from courses.roles import make_instructor
from labs.analytics import lab_analysis, percentile
from labs.models import Lab, Submission
from tests.courses.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_percentiles_by_nearest_rank():
    values = list(range(1, 11))
    assert (percentile(values, 50), percentile(values, 95), percentile([7], 95), percentile([], 50)) == (5, 10, 7, None)


def attempt(user, lab, *, passed, seconds=1.0, backend="bwrap", failing=(), message="", kind="submit"):
    start = timezone.now()
    checks = [{"name": name, "passed": False, "points": 0, "max_points": 1, "message": "x"} for name in failing]
    return Submission.objects.create(
        user=user,
        lab=lab,
        kind=kind,
        files={},
        status="graded",
        verdict="passed" if passed else "failed",
        score=1.0 if passed else 0.0,
        backend=backend,
        started_at=start,
        finished_at=start + timedelta(seconds=seconds),
        result={"checks": [*checks, {"name": "ok", "passed": True}], "message": message},
    )


def test_the_numbers_against_a_hand_count(curriculum):
    lab = Lab.objects.order_by("pk").first()
    ann, bob, cat = UserFactory(), UserFactory(), UserFactory()
    # ann: fail, fail, pass (3 attempts to pass); bob: pass at once; cat: fails twice, never passes.
    attempt(ann, lab, passed=False, failing=["tags"], message="2 checks failed", seconds=1)
    attempt(ann, lab, passed=False, failing=["tags", "order"], message="2 checks failed", seconds=2)
    attempt(ann, lab, passed=True, seconds=3)
    attempt(bob, lab, passed=True, seconds=4, backend="docker")
    attempt(cat, lab, passed=False, failing=["tags"], message="tags missing", seconds=5)
    attempt(cat, lab, passed=False, failing=["order"], message="2 checks failed", seconds=6, backend="docker")
    attempt(cat, lab, passed=True, kind="run")  # a Run of the examples: not an attempt
    row = next(r for r in lab_analysis() if r.lab.pk == lab.pk)
    assert (row.attempts, row.learners, row.passed) == (6, 3, 2)
    assert row.pass_rate == pytest.approx(2 / 3) and row.attempts_to_pass == 2  # median of 3 and 1
    assert row.failing_checks == [("tags", 3), ("order", 2)]
    assert row.common_failure == ("2 checks failed", 3)
    grading = {g["backend"]: g for g in row.grading}
    assert (grading["bwrap"]["count"], grading["bwrap"]["p50"], grading["bwrap"]["p95"]) == (4, 2, 5)
    assert (grading["docker"]["count"], grading["docker"]["p50"]) == (2, 4)
    only_bob = next(r for r in lab_analysis(user_ids=[bob.pk]) if r.lab.pk == lab.pk)
    assert (only_bob.attempts, only_bob.pass_rate, only_bob.failing_checks) == (1, 1.0, [])


def test_only_instructors_and_only_their_cohorts(client, curriculum):
    url = reverse("labs:analytics")
    assert "/accounts/login/" in client.get(url).url
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    owner, other = UserFactory(), UserFactory()
    make_instructor(owner)
    make_instructor(other)
    today = timezone.localdate()
    cohort = cohorts.cohort_create(
        course=curriculum, instructor=owner, name="Labs class", starts_on=today, ends_on=today
    )
    client.force_login(other)
    assert client.get(url, {"cohort": cohort.pk}).status_code == 404
    assert client.get(url, {"cohort": "x"}).status_code == 400
    client.force_login(owner)
    assert client.get(url, {"cohort": cohort.pk}).status_code == 200


def test_the_page_keeps_its_query_count_as_attempts_grow(client, curriculum):
    teacher = UserFactory()
    make_instructor(teacher)
    client.force_login(teacher)
    labs = list(Lab.objects.order_by("pk"))

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("labs:analytics")).status_code == 200
        return len(queries)

    attempt(UserFactory(), labs[0], passed=True)
    client.get(reverse("labs:analytics"))
    few = count()
    for _ in range(5):
        user = UserFactory()
        for lab in labs:
            attempt(user, lab, passed=False, failing=["a"])
    assert count() == few
