"""Lab pages: list with best scores, the lab with its editor, submitting, and the live verdict.

Visitors may read the lab list and a lab's statement and starter (@login_not_required); submitting and
verdicts need a login (deny-by-default middleware), and submissions are looked up with user=request.user,
so another learner's submission is a 404.
"""

import difflib
import hashlib
import json
import math
import time

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.views.decorators.http import require_GET, require_POST

from courses.models import Cohort, CohortMembership
from courses.roles import is_instructor

from . import grading, sandbox, services
from .analytics import lab_analysis
from .models import Draft, Lab, Submission

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


def _when(moment) -> str:
    """A time as the attempt history shows it (the site's time zone)."""
    return date_format(timezone.localtime(moment), "j M H:i")


def _lab_context(request, lab, *, files=None, error="", loaded=None, loaded_from=""):
    history = (
        list(
            Submission.objects.filter(user=request.user, lab=lab)
            .numbered()
            .only("pk", "status", "verdict", "score", "created_at", "lab_id", "kind")
            .order_by("-pk")[:20]
        )
        if request.user.is_authenticated
        else []
    )
    files = files or lab.starter_files
    return {
        "lab": lab,
        "files": files,
        "draft_names": set(lab.starter_files),
        "loaded": loaded or _fingerprint(files),
        "loaded_from": loaded_from,
        "history": history,
        "error": error,
        "has_examples": grading.has_examples(lab.content_id),
        "sandbox_status": _sandbox_status(),
    }


def _bad_request(request, lab, message):
    response = render(request, "labs/lab_detail.html", _lab_context(request, lab, error=message))
    response.status_code = 400
    return response


def _attempt_number(submission) -> int:
    return (
        Submission.objects.attempts()
        .filter(user_id=submission.user_id, lab_id=submission.lab_id, pk__lte=submission.pk)
        .count()
    )


def _restored(request, lab):
    """What the editor opens with, and a sentence saying so: the draft when it is newer than the last
    attempt, else the last attempt's files, else the starter."""
    draft = Draft.objects.filter(user=request.user, lab=lab).first()
    last = (
        Submission.objects.attempts()
        .filter(user=request.user, lab=lab)
        .order_by("-pk")
        .only("pk", "files", "created_at")
        .first()
    )
    if draft and (last is None or draft.updated_at > last.created_at):
        files = {**lab.starter_files, **draft.files}
        return files, f"Restored your draft from {_when(draft.updated_at)}."
    if last is not None:
        return last.files, f"Loaded attempt {_attempt_number(last)}, your latest."
    return None, ""


@login_not_required  # the statement and the starter are public; attempts and submitting are not
@require_GET
def lab_detail(request, lab_id):
    lab = get_object_or_404(Lab.objects.published().select_related("module"), content_id=lab_id)
    files, loaded_from = None, ""
    if request.user.is_authenticated:
        wanted = request.GET.get("from", "")
        if wanted:
            if not wanted.isascii() or not wanted.isdigit() or len(wanted) > 18:
                return _bad_request(request, lab, "That attempt does not exist: 'from' must be an attempt number.")
            previous = Submission.objects.attempts().filter(user=request.user, lab=lab, pk=int(wanted)).first()
            if previous is None:
                raise Http404("No such attempt of yours")
            files, loaded_from = previous.files, f"Loaded attempt {_attempt_number(previous)}."
        elif "starter" in request.GET:
            loaded_from = "Loaded the starter files."
        else:
            files, loaded_from = _restored(request, lab)
    return render(request, "labs/lab_detail.html", _lab_context(request, lab, files=files, loaded_from=loaded_from))


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
        Submission.objects.attempts().select_related("lab__module"),
        pk=submission_id,
        user=request.user,
        lab__content_id=lab_id,
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
        "cases": submission.result.get("cases", []),
        "number": _attempt_number(submission),
    }
    template = "labs/submission_detail.html#status" if request.htmx else "labs/submission_detail.html"
    return render(request, template, context)


@require_POST
def lab_run(request, lab_id):
    """Run the lab's public examples on the editor's files: queued like a submission (same worker, lease and
    reaper), but not an attempt: no checks, no score, not in the history."""
    lab = get_object_or_404(Lab.objects.published().select_related("module"), content_id=lab_id)
    try:
        if not grading.has_examples(lab.content_id):
            raise services.SubmissionRejected(grading.NO_EXAMPLES)
        run = services.submission_create(
            user=request.user, lab=lab, files=_editor_files(request), kind=Submission.Kind.RUN
        )
    except services.SubmissionRejected as exc:
        if request.htmx:
            response = render(request, "labs/run_detail.html#run", {"lab": lab, "run": None, "error": str(exc)})
        else:
            context = _lab_context(
                request,
                lab,
                files=_editor_files(request) or None,
                error=str(exc),
                loaded=request.POST.get("loaded", ""),
            )
            response = render(request, "labs/lab_detail.html", context)
        response.status_code = 400
        return response
    if request.htmx:
        return render(request, "labs/run_detail.html#run", _run_context(run))
    return redirect(run)


def _run_context(run):
    return {
        "lab": run.lab,
        "run": run,
        "cases": run.result.get("cases", []),
        "runs": run.result.get("runs", {}),
        "max_attempts": settings.LAB_MAX_ATTEMPTS,
    }


@require_GET
def run_detail(request, lab_id, run_id):
    run = get_object_or_404(
        Submission.objects.runs().select_related("lab__module"), pk=run_id, user=request.user, lab__content_id=lab_id
    )
    template = "labs/run_detail.html#run" if request.htmx else "labs/run_detail.html"
    return render(request, template, _run_context(run))


@require_POST
def draft_save(request, lab_id):
    """Autosave: a JSON body {"files": {name: text}} (names of the starter only) upserted as the learner's
    draft of the lab. Bad input is a 400 with {"error": ...}, never a 500."""
    lab = get_object_or_404(Lab.objects.published(), content_id=lab_id)
    try:
        if request.content_type != "application/json":
            raise services.SubmissionRejected("Send the draft as JSON.")
        try:
            body = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise services.SubmissionRejected("That is not JSON.") from None
        if not isinstance(body, dict) or set(body) != {"files"}:
            raise services.SubmissionRejected('Send an object with one key, "files".')
        draft = services.draft_save(user=request.user, lab=lab, files=body["files"])
    except services.SubmissionRejected as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    saved = timezone.localtime(draft.updated_at)
    return JsonResponse({"saved_at": saved.isoformat(), "label": f"Draft saved {date_format(saved, 'H:i')}"})


@require_POST
def draft_reset(request, lab_id):
    """Reset to starter: forget the draft and open the starter files (attempts are kept)."""
    lab = get_object_or_404(Lab.objects.published(), content_id=lab_id)
    services.draft_delete(user=request.user, lab=lab)
    return redirect(reverse("labs:detail", args=[lab.content_id]) + "?starter=1")


MAX_DIFF_LINES = 5000


def _diff_rows(before: str, after: str) -> list[dict]:
    """A unified diff as rows {kind: hunk|add|del|same, text}; the template escapes the text."""
    rows = []
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=3)
    for line in lines:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            rows.append({"kind": "hunk", "text": line})
        elif line.startswith("+"):
            rows.append({"kind": "add", "text": line[1:]})
        elif line.startswith("-"):
            rows.append({"kind": "del", "text": line[1:]})
        else:
            rows.append({"kind": "same", "text": line[1:]})
    return rows


@require_GET
def attempt_diff(request, lab_id):
    """Two of the learner's own attempts, compared file by file (?a=<attempt number>&b=<attempt number>)."""
    lab = get_object_or_404(Lab.objects.published().select_related("module"), content_id=lab_id)
    numbers = []
    for key in ("a", "b"):
        value = request.GET.get(key, "")
        if not value.isascii() or not value.isdigit() or len(value) > 9 or int(value) < 1:
            response = render(
                request,
                "labs/attempt_diff.html",
                {"lab": lab, "error": f"'{key}' must be an attempt number (1 for your first attempt at this lab)."},
            )
            response.status_code = 400
            return response
        numbers.append(int(value))
    pks = list(
        Submission.objects.attempts().filter(user=request.user, lab=lab).order_by("pk").values_list("pk", flat=True)
    )
    if any(number > len(pks) for number in numbers):
        raise Http404("No such attempt of yours")
    chosen = Submission.objects.in_bulk([pks[number - 1] for number in numbers])
    a, b = (chosen[pks[number - 1]] for number in numbers)
    files = []
    for name in list(a.files) + [name for name in b.files if name not in a.files]:
        before, after = a.files.get(name), b.files.get(name)
        entry = {"name": name, "state": "changed", "rows": []}
        if before == after:
            entry["state"] = "same"
        elif before is None:
            entry["state"] = "added"
        elif after is None:
            entry["state"] = "removed"
        if entry["state"] != "same":
            before, after = before or "", after or ""
            if before.count("\n") + after.count("\n") > MAX_DIFF_LINES:
                entry["state"] = "too long"
            else:
                entry["rows"] = _diff_rows(before, after)
        files.append(entry)
    context = {"lab": lab, "a": a, "b": b, "a_number": numbers[0], "b_number": numbers[1], "files": files}
    return render(request, "labs/attempt_diff.html", context)


@require_GET
def lab_analytics(request):
    """Instructors: how each lab goes for learners, overall or in one of their own cohorts."""
    if not is_instructor(request.user):
        raise PermissionDenied("Instructors only.")
    taught = list(Cohort.objects.taught_by(request.user).only("pk", "name"))
    raw = request.GET.get("cohort", "")
    cohort = None
    if raw:
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
            return HttpResponseBadRequest("Choose one of your cohorts.")
        cohort = get_object_or_404(Cohort.objects.taught_by(request.user), pk=int(raw))
    user_ids = CohortMembership.objects.filter(cohort=cohort).values_list("user_id", flat=True) if cohort else None
    context = {"rows": lab_analysis(user_ids=user_ids), "cohorts": taught, "cohort": cohort}
    return render(request, "labs/lab_analytics.html", context)
