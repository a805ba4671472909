"""Lab pages: list with best scores, the lab with its editor, submitting, and the live verdict.

All of them need a login (deny-by-default middleware); submissions are looked up with user=request.user,
so another learner's submission is a 404.
"""

import math

from django.conf import settings
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from . import grading, sandbox, services
from .models import Lab, Submission

LAMBDA_REQUEST_PRICE = 0.20 / 1_000_000
LAMBDA_GB_SECOND_PRICE = 0.0000166667


@require_GET
def lab_list(request):
    labs = list(Lab.objects.published().select_related("module").order_by("module__position", "title"))
    best = services.best_scores(request.user, labs)
    for lab in labs:
        lab.best = best.get(lab.pk)
    return render(request, "labs/lab_list.html", {"labs": labs, "sandbox_status": _sandbox_status()})


def _sandbox_status():
    try:
        return {"ok": True, "backend": sandbox.resolve()}
    except sandbox.SandboxUnavailable as exc:
        return {"ok": False, "why": str(exc)}


def _lab_context(request, lab, *, files=None, error=""):
    history = Submission.objects.filter(user=request.user, lab=lab).only(
        "pk", "status", "verdict", "score", "created_at", "lab_id"
    )[:20]
    return {
        "lab": lab,
        "files": files or lab.starter_files,
        "history": history,
        "error": error,
        "sandbox_status": _sandbox_status(),
    }


@require_GET
def lab_detail(request, lab_id):
    lab = get_object_or_404(Lab.objects.published().select_related("module"), content_id=lab_id)
    files = None
    if request.GET.get("from"):
        previous = Submission.objects.filter(user=request.user, lab=lab, pk=request.GET["from"]).first()
        files = previous.files if previous else None
    return render(request, "labs/lab_detail.html", _lab_context(request, lab, files=files))


@require_POST
def lab_submit(request, lab_id):
    lab = get_object_or_404(Lab.objects.published().select_related("module"), content_id=lab_id)
    upload = request.FILES.get("archive")
    files = {name: request.POST.get(f"file:{name}", "") for name in lab.starter_files}
    try:
        if upload:
            if upload.size > grading.MAX_ARCHIVE_BYTES:
                raise services.SubmissionRejected("The archive is larger than 2 MiB.")
            try:
                unpacked = grading.unpack_zip(upload.read())
                files = {name: content.decode("utf-8") for name, content in unpacked.items()}
            except UnicodeDecodeError:
                raise services.SubmissionRejected("Every file in the archive must be UTF-8 text.") from None
            except grading.SubmissionRefused as exc:
                raise services.SubmissionRejected(f"Archive refused: {exc}") from None
        submission = services.submission_create(user=request.user, lab=lab, files=files)
    except services.SubmissionRejected as exc:
        response = render(request, "labs/lab_detail.html", _lab_context(request, lab, files=files, error=str(exc)))
        response.status_code = 400
        return response
    return redirect(submission)


def _lambda_cost(submission):
    """For Lambda labs: the billed duration the harness measured and what a million such calls would cost."""
    memory = submission.lab.lambda_memory_mb
    observed = (submission.result.get("extra") or {}).get("billed_ms")
    billed_ms = observed if isinstance(observed, int | float) and observed > 0 else None
    if not memory or billed_ms is None:
        return None
    billed_ms = math.ceil(billed_ms)
    per_million = 1_000_000 * (LAMBDA_REQUEST_PRICE + billed_ms / 1000 * memory / 1024 * LAMBDA_GB_SECOND_PRICE)
    return {"billed_ms": billed_ms, "memory_mb": memory, "per_million": per_million}


@require_GET
def submission_detail(request, lab_id, submission_id):
    submission = get_object_or_404(
        Submission.objects.select_related("lab__module"), pk=submission_id, user=request.user, lab__content_id=lab_id
    )
    now = timezone.now()
    lost = (
        submission.status == Submission.Status.RUNNING
        and submission.lease_expires_at
        and submission.lease_expires_at < now
    )
    retry = (
        submission.status == Submission.Status.ERROR
        and submission.attempts < settings.LAB_MAX_ATTEMPTS
        and submission.finished_at
        and (now - submission.finished_at).total_seconds() > 5
    )
    if lost or retry:
        services.enqueue(submission.pk)  # its worker died, or our side failed: hand it to another try
    context = {
        "submission": submission,
        "lab": submission.lab,
        "checks": submission.result.get("checks", []),
        "runs": submission.result.get("runs", {}),
        "lambda_cost": _lambda_cost(submission),
    }
    template = "labs/submission_detail.html#status" if request.htmx else "labs/submission_detail.html"
    return render(request, template, context)
