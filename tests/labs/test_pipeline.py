"""Submissions: limits per student, exclusive claims with leases, exactly one final result, reaping."""

from datetime import timedelta

import pytest
from django.utils import timezone

from labs import services
from labs.models import Submission
from tests.conftest import require
from tests.courses.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def some_sandbox():
    from labs import sandbox

    require(any(ok for ok, _ in sandbox.status().values()), "no sandbox backend is available")


def test_a_submission_is_graded_on_commit(lab, solution_files, django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_create(user=user, lab=lab, files=solution_files)
    submission.refresh_from_db()
    assert submission.status == "graded" and submission.verdict == "passed" and submission.score == 1.0
    assert submission.attempts == 1 and submission.lease_expires_at is None
    assert {c["name"] for c in submission.result["checks"]} == {
        "under the free tier",
        "at the free tier",
        "over the free tier",
        "1 ms rounding",
    }


def test_a_failing_submission_says_which_checks_failed(lab, solution_files, django_capture_on_commit_callbacks):
    broken = {"pricing.py": solution_files["pricing.py"].replace("math.ceil(duration_ms)", "duration_ms")}
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_create(user=UserFactory(), lab=lab, files=broken)
    submission.refresh_from_db()
    assert submission.verdict == "failed" and 0 < submission.score < 1
    failed = [c["name"] for c in submission.result["checks"] if not c["passed"]]
    assert failed == ["1 ms rounding"]


def test_one_grading_at_a_time_per_lab_and_a_per_minute_cap(lab, solution_files, settings):
    user = UserFactory()
    services.submission_create(user=user, lab=lab, files=solution_files)  # on_commit never runs: stays queued
    with pytest.raises(services.SubmissionRejected, match="still being graded"):
        services.submission_create(user=user, lab=lab, files=solution_files)
    Submission.objects.update(status="graded")
    settings.LAB_SUBMISSIONS_PER_MINUTE = 2
    services.submission_create(user=user, lab=lab, files=solution_files)
    Submission.objects.update(status="graded")
    with pytest.raises(services.SubmissionRejected, match="At most 2 submissions a minute"):
        services.submission_create(user=user, lab=lab, files=solution_files)
    # Another student is not affected.
    services.submission_create(user=UserFactory(), lab=lab, files=solution_files)


@pytest.mark.parametrize(
    ("files", "message"),
    [({}, "no files"), ({"../x.py": "1"}, "relative"), ({"big.py": "x" * 300_000}, "256 KiB")],
)
def test_bad_files_are_rejected_with_a_message(lab, files, message):
    with pytest.raises(services.SubmissionRejected, match=message):
        services.submission_create(user=UserFactory(), lab=lab, files=files)
    assert not Submission.objects.exists()


def test_only_one_worker_can_claim(lab, solution_files):
    submission = services.submission_create(user=UserFactory(), lab=lab, files=solution_files)
    first = services.submission_claim(submission_id=submission.pk, worker="a")
    second = services.submission_claim(submission_id=submission.pk, worker="b")
    assert first is not None and second is None
    assert Submission.objects.get().worker == "a"


def test_an_expired_lease_is_taken_over_and_the_old_worker_cannot_finish(lab, solution_files):
    submission = services.submission_create(user=UserFactory(), lab=lab, files=solution_files)
    services.submission_claim(submission_id=submission.pk, worker="dead")
    later = timezone.now() + timedelta(seconds=lab_lease_seconds() + 1)
    assert services.submission_claim(submission_id=submission.pk, worker="alive", now=later) is not None
    assert not services._finish(submission, "dead", status="graded", verdict="passed", score=1.0)
    assert services._finish(submission, "alive", status="graded", verdict="failed", score=0.5)
    final = Submission.objects.get()
    assert (final.verdict, final.score, final.attempts) == ("failed", 0.5, 2)


def test_grading_a_graded_submission_again_changes_nothing(lab, solution_files, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_create(user=UserFactory(), lab=lab, files=solution_files)
    before = Submission.objects.get(pk=submission.pk)
    assert services.submission_grade(submission_id=submission.pk) is None
    after = Submission.objects.get(pk=submission.pk)
    assert (after.attempts, after.finished_at, after.result) == (before.attempts, before.finished_at, before.result)


def test_reaper_requeues_expired_leases(lab, solution_files, django_capture_on_commit_callbacks):
    submission = services.submission_create(user=UserFactory(), lab=lab, files=solution_files)
    services.submission_claim(submission_id=submission.pk, worker="dead")
    Submission.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.submissions_reap() == [submission.pk]
    final = Submission.objects.get()
    assert final.status == "graded" and final.verdict == "passed" and final.attempts == 2


def lab_lease_seconds():
    from django.conf import settings

    return settings.LAB_LEASE_SECONDS
