"""Lab pages: list with best scores, the lab with its editor, submitting, and the live verdict.

Visitors may read the lab list and a lab's statement and starter (@login_not_required); submitting and
verdicts need a login (deny-by-default middleware), and submissions are looked up with user=request.user,
so another learner's submission is a 404.
"""

import hashlib
import json
import math
import time

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from . import grading, sandbox, services
from .models import Lab, Submission

LAMBDA_REQUEST_PRICE = 0.20 / 1_000_000
LAMBDA_GB_SECOND_PRICE = 0.0000166667


@login_not_required  # visitors may read what the labs are; submitting needs an account
@require_GET
def lab_list(request):
    labs = list(Lab.objects.published().select_related("module").order_by("module__position", "title"))
    best = services.best_scores(request.user, labs) if request.user.is_authenticated else {}
    for lab in labs:
        lab.best = best.get(lab.pk)
    return render(request, "labs/lab_list.html", {"labs": labs, "sandbox_status": _sandbox_status()})


def _sandbox_status():
    """Which sandbox grades here; asked at most every STATUS_SECONDS per process (a Docker check can take
    seconds), so pages never wait on it."""
    now = time.monotonic()
    if _STATUS["at"] is None or now - _STATUS["at"] > STATUS_SECONDS:
        try:
            _STATUS["value"] = {"ok": True, "backend": sandbox.resolve()}
        except sandbox.SandboxUnavailable as exc:
            _STATUS["value"] = {"ok": False, "why": str(exc)}
        _STATUS["at"] = now
    return _STATUS["value"]


STATUS_SECONDS = 30
_STATUS = {"at": None, "value": None}


def _fingerprint(files: dict) -> str:
    """What the editor was loaded with, so a submit can tell whether the student edited it."""
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:32]


def _lab_context(request, lab, *, files=None, error="", loaded=None):
    history = (
        Submission.objects.filter(user=request.user, lab=lab).only(
            "pk", "status", "verdict", "score", "created_at", "lab_id"
        )[:20]
        if request.user.is_authenticated
        else []
    )
    files = files or lab.starter_files
    return {
        "lab": lab,
        "files": files,
        "loaded": loaded or _fingerprint(files),
        "history": history,
        "error": error,
        "sandbox_status": _sandbox_status(),
    }


@login_not_required  # the statement and the starter are public; attempts and submitting are not
@require_GET
def lab_detail(request, lab_id):
    lab = get_object_or_404(Lab.objects.published().select_related("module"), content_id=lab_id)
    files = None
    wanted = request.GET.get("from", "") if request.user.is_authenticated else ""
    if wanted:
        if not wanted.isascii() or not wanted.isdigit() or len(wanted) > 18:
            response = render(
                request,
                "labs/lab_detail.html",
                _lab_context(request, lab, error="That attempt does not exist: 'from' must be an attempt number."),
            )
            response.status_code = 400
            return response
        previous = Submission.objects.filter(user=request.user, lab=lab, pk=int(wanted)).first()
        if previous is None:
            raise Http404("No such attempt of yours")
        files = previous.files
    return render(request, "labs/lab_detail.html", _lab_context(request, lab, files=files))


def _editor_files(request) -> dict[str, str]:
    """Every file the editor posted (`file:<name>` fields): the starter's, or an earlier attempt's."""
    # Browsers post a textarea's text with CRLF line ends; the files (and the fingerprint) use LF.
    return {
        key[len("file:") :]: value.replace("\r\n", "\n")
        for key, value in request.POST.items()
        if key.startswith("file:")
    }


@require_POST
def lab_submit(request, lab_id):
    lab = get_object_or_404(Lab.objects.published().select_related("module"), content_id=lab_id)
    upload = request.FILES.get("archive")
    files = _editor_files(request)
    loaded = request.POST.get("loaded", "")
    try:
        if upload:
            if files and _fingerprint(files) != loaded:
                raise services.SubmissionRejected(
                    "You uploaded an archive and also edited files here. Submit one or the other: "
                    "your edits are kept below (clear the archive to submit them)."
                )
            if upload.size > grading.MAX_ARCHIVE_BYTES:
                raise services.SubmissionRejected("The archive is larger than 2 MiB.")
            try:
                unpacked = grading.unpack_zip(upload.read())
                files = {name: content.decode("utf-8") for name, content in unpacked.items()}
            except UnicodeDecodeError:
                raise services.SubmissionRejected("Every file in the archive must be UTF-8 text.") from None
            except grading.SubmissionRefused as exc:
                raise services.SubmissionRejected(f"Archive refused: {exc}.") from None
        submission = services.submission_create(user=request.user, lab=lab, files=files)
    except services.SubmissionRejected as exc:
        context = _lab_context(request, lab, files=_editor_files(request) or None, error=str(exc), loaded=loaded)
        response = render(request, "labs/lab_detail.html", context)
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
    # Retries belong to the reaper alone (manage.py reap_submissions; run_dev runs it): a page view never
    # enqueues anything.
    context = {
        "submission": submission,
        "lab": submission.lab,
        "checks": submission.result.get("checks", []),
        "runs": submission.result.get("runs", {}),
        "lambda_cost": _lambda_cost(submission),
        "max_attempts": settings.LAB_MAX_ATTEMPTS,
    }
    template = "labs/submission_detail.html#status" if request.htmx else "labs/submission_detail.html"
    return render(request, template, context)
