"""Submissions: accept, claim with a lease, grade in the sandbox, finalize exactly once, reap the lost."""

import logging
import os
import socket
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from . import grading, limits, sandbox
from .models import Draft, Lab, Submission

log = logging.getLogger(__name__)


class SubmissionRejected(ValueError):  # noqa: N818
    """Not accepted (a limit, a bad file); the message is for the student."""


def _lease() -> timedelta:
    return timedelta(seconds=settings.LAB_LEASE_SECONDS)


def clean_files(files: dict[str, str]) -> dict[str, str]:
    """The editor's or an archive's files, checked by the one set of rules in labs/limits.py."""
    if not files:
        raise SubmissionRejected("There are no files to grade.")
    try:
        names = limits.check_names(files)
        for name, text in files.items():
            if not isinstance(text, str):
                raise limits.BadSubmission(f"{name} is not text")
            if "\x00" in text:
                raise limits.BadSubmission(f"{name} contains a NUL byte; lab files must be plain text")
        encoded = {name: text.encode("utf-8", "surrogatepass") for name, text in files.items()}
        limits.check_sizes(encoded)
        for data in encoded.values():
            data.decode("utf-8")  # lone surrogates from a crafted form are not text
    except UnicodeDecodeError:
        raise SubmissionRejected("Every file must be UTF-8 text.") from None
    except limits.BadSubmission as exc:
        message = str(exc)
        raise SubmissionRejected(message[:1].upper() + message[1:] + ".") from None
    return dict(zip(names, files.values(), strict=True))


def submission_create(*, user, lab: Lab, files: dict[str, str], kind: str = Submission.Kind.SUBMIT) -> Submission:
    """Save a submission (or a Run of the examples) as queued and enqueue it once the transaction commits.

    Attempts and runs have budgets of the same size but their own: one pending of each kind per lab, and
    LAB_SUBMISSIONS_PER_MINUTE of each a minute. An attempt supersedes the learner's draft of the lab.
    """
    files = clean_files(files)
    now = timezone.now()
    is_run = kind == Submission.Kind.RUN
    with transaction.atomic():
        # One learner's submissions go one at a time through this lock, so the limits below hold.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        mine = Submission.objects.filter(user=user, kind=kind)
        if mine.filter(lab=lab).pending().exists():
            raise SubmissionRejected(
                "Your previous run of the examples is still running. Its output comes first."
                if is_run
                else "Your previous submission for this lab is still being graded. Its verdict comes first."
            )
        recent = mine.filter(created_at__gte=now - timedelta(minutes=1)).count()
        if recent >= settings.LAB_SUBMISSIONS_PER_MINUTE:
            what = "runs" if is_run else "submissions"
            raise SubmissionRejected(
                f"At most {settings.LAB_SUBMISSIONS_PER_MINUTE} {what} a minute. Take a breath and try again shortly."
            )
        submission = Submission.objects.create(user=user, lab=lab, files=files, kind=kind)
        if not is_run:
            Draft.objects.filter(user=user, lab=lab).delete()
        transaction.on_commit(lambda: enqueue(submission.pk))
    return submission


def draft_clean(*, lab: Lab, files) -> dict[str, str]:
    """A draft's files: the submission rules (names, sizes, text without NUL), and only the starter's names.

    Names of the starter only, so a draft can never grow files the lab does not have (a zip's extra files
    live in the attempt they came with).
    """
    if not isinstance(files, dict):
        raise SubmissionRejected("A draft is an object of file names and their text.")
    unknown = sorted(name for name in files if name not in lab.starter_files)
    if unknown:
        shown = ", ".join(repr(str(name)[:60]) for name in unknown[:3])
        raise SubmissionRejected(f"Drafts keep only this lab's own files; not {shown}.")
    return clean_files(files)


def draft_save(*, user, lab: Lab, files) -> Draft:
    """Upsert the learner's draft of a lab: one row per learner and lab, the latest write wins."""
    files = draft_clean(lab=lab, files=files)
    fields = {"files": files, "updated_at": timezone.now()}
    try:
        with transaction.atomic():
            draft, _ = Draft.objects.update_or_create(user=user, lab=lab, defaults=fields)
    except IntegrityError:  # two first saves at once (two tabs): the other made the row, this one updates it
        Draft.objects.filter(user=user, lab=lab).update(**fields)
        draft = Draft.objects.get(user=user, lab=lab)
    return draft


def draft_delete(*, user, lab: Lab) -> int:
    """Forget the learner's draft of a lab (Reset to starter)."""
    deleted, _ = Draft.objects.filter(user=user, lab=lab).delete()
    return deleted


def enqueue(submission_id: int) -> None:
    from .tasks import grade_submission

    grade_submission.enqueue(submission_id)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def submission_claim(*, submission_id: int, worker: str, now=None) -> Submission | None:
    """Take a submission to grade: queued, retryable after an error, or running with an expired lease.

    One conditional UPDATE decides it, so two workers (one machine or several on PostgreSQL) can never
    both hold it.
    """
    now = now or timezone.now()
    claimable = (
        Q(status=Submission.Status.QUEUED)
        | Q(status=Submission.Status.RUNNING, lease_expires_at__lt=now, attempts__lt=settings.LAB_MAX_ATTEMPTS)
        | Q(status=Submission.Status.ERROR, attempts__lt=settings.LAB_MAX_ATTEMPTS)
    )
    taken = (
        Submission.objects.filter(pk=submission_id)
        .filter(claimable)
        .update(
            status=Submission.Status.RUNNING,
            worker=worker,
            lease_expires_at=now + _lease(),
            attempts=F("attempts") + 1,
            started_at=now,
        )
    )
    if not taken:
        return None
    return Submission.objects.select_related("lab").get(pk=submission_id)


def _finish(submission: Submission, worker: str, **fields) -> bool:
    """Write the final state only if this worker still holds the lease: exactly one result per submission."""
    updated = Submission.objects.filter(pk=submission.pk, worker=worker, status=Submission.Status.RUNNING).update(
        lease_expires_at=None, finished_at=timezone.now(), **fields
    )
    return bool(updated)


def submission_grade(*, submission_id: int, worker: str | None = None) -> Submission | None:
    """Claim and grade one submission. Safe to call twice: a graded submission is left alone."""
    worker = worker or worker_name()
    submission = submission_claim(submission_id=submission_id, worker=worker)
    if submission is None:
        return None
    files = {name: text.encode("utf-8") for name, text in submission.files.items()}
    how = grading.run_examples if submission.kind == Submission.Kind.RUN else grading.grade
    try:
        verdict = how(submission.lab.content_id, files, backend=settings.LAB_SANDBOX)
    except Exception as exc:  # our fault (no sandbox, a grader bug): record it and retry later
        log.exception("grading submission %s failed", submission_id)
        message = (
            str(exc) if isinstance(exc, sandbox.SandboxUnavailable | sandbox.SandboxError) else "The grader failed."
        )
        _finish(submission, worker, status=Submission.Status.ERROR, error=message[:2000])
        return Submission.objects.get(pk=submission_id)
    data = storable(verdict.as_dict())
    backend = next(iter(data["runs"].values()), {}).get("backend", "")
    try:
        with transaction.atomic():
            _finish(
                submission,
                worker,
                status=Submission.Status.GRADED,
                verdict=verdict.verdict,
                score=None if submission.kind == Submission.Kind.RUN else verdict.score,
                result=data,
                backend=backend,
                error="",
            )
    except (DatabaseError, ValueError, TypeError):  # a result the database refuses must not leave it running
        log.exception("saving the verdict of submission %s failed", submission_id)
        _finish(submission, worker, status=Submission.Status.ERROR, error="The verdict could not be saved.")
    return Submission.objects.get(pk=submission_id)


def storable(value):
    """A result any database stores: no NUL in any string (PostgreSQL's jsonb refuses \\u0000), keys as text."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {storable(str(key)): storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [storable(item) for item in value]
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return None
    return value


def submissions_reap(now=None) -> list[int]:
    """Re-enqueue what a dead worker left behind (expired leases) and errors that may be retried; give up,
    with an error that says so, on a submission whose worker died on every attempt."""
    now = now or timezone.now()
    Submission.objects.filter(
        status=Submission.Status.RUNNING, lease_expires_at__lt=now, attempts__gte=settings.LAB_MAX_ATTEMPTS
    ).update(
        status=Submission.Status.ERROR,
        lease_expires_at=None,
        finished_at=now,
        error=f"Grading stopped without a result {settings.LAB_MAX_ATTEMPTS} times; it will not be retried.",
    )
    lost = Submission.objects.filter(
        Q(status=Submission.Status.RUNNING, lease_expires_at__lt=now)
        | Q(
            status=Submission.Status.ERROR,
            attempts__lt=settings.LAB_MAX_ATTEMPTS,
            finished_at__lt=now - timedelta(seconds=5),
        )
        | Q(status=Submission.Status.QUEUED, created_at__lt=now - _lease())
    ).values_list("pk", flat=True)
    ids = list(lost[:100])
    sandbox.reap()
    for pk in ids:
        enqueue(pk)
    return ids


def best_scores(user, labs) -> dict[int, float]:
    from django.db.models import Max

    rows = (
        Submission.objects.attempts()
        .filter(user=user, lab__in=labs, status=Submission.Status.GRADED)
        .values("lab_id")
        .annotate(best=Max("score"))
    )
    return {row["lab_id"]: row["best"] for row in rows}


def best_scores_by_module(*, user, modules) -> dict[str, list[float]]:
    """The learner's best graded score (0-1) on each live lab they attempted, per module content id, in 1 query."""
    from django.db.models import Max

    rows = (
        Submission.objects.attempts()
        .filter(
            user=user,
            status=Submission.Status.GRADED,
            lab__module__content_id__in=list(modules),
            lab__retired_at__isnull=True,
        )
        .values("lab_id", "lab__module__content_id")
        .annotate(best=Max("score"))
        .order_by("lab_id")
    )
    result = {}
    for row in rows:
        if row["best"] is not None:
            result.setdefault(row["lab__module__content_id"], []).append(row["best"])
    return result


def gradebook_columns(user_ids) -> dict:
    """A cohort gradebook's lab columns for many students in one query: labs passed (full marks) and the
    mean of their best scores over the labs they attempted."""
    from django.db.models import Max

    rows = (
        Submission.objects.attempts()
        .filter(user_id__in=user_ids, status=Submission.Status.GRADED, lab__retired_at__isnull=True)
        .values("user_id", "lab_id")
        .annotate(best=Max("score"))
    )
    bests = {}
    for row in rows:
        if row["best"] is not None:
            bests.setdefault(row["user_id"], []).append(row["best"])
    return {
        user_id: {"labs_passed": sum(1 for b in scores if b >= 0.999), "labs_mean": sum(scores) / len(scores)}
        for user_id, scores in bests.items()
    }
