"""Grader for lambda-s3-thumbnail: the student's S3-triggered handler runs against the grading's emulated S3.

S3 runs in a sandbox of its own (service/lab_service.py): it uploads the held-back files of
hidden/objects.json plus images drawn fresh for each submission, and after the student's process has exited
it reads the buckets back and measures every thumbnail with Pillow. Only that state is judged; what the
handler returned (left in the invocations bucket by the student-side harness) counts only for the status
fields the statement asks for, next to the thumbnails that must (or must not) exist.
"""

import math

from labs.grading import Check, Run, run_trouble

CHECKS = {  # name -> points
    "thumbnails created": 2,
    "aspect ratio kept": 2,
    "small images not enlarged": 1,
    "same format": 1,
    "URL-encoded keys": 2,
    "non-images skipped": 1,
    "source bucket untouched": 1,
}
PIXEL_TOLERANCE = 1  # rounding 85.2 up or down is both fine
ROLES = ("resize", "small", "encoded", "skip")


def plan(ctx):
    service = ctx.service()
    service.files["objects.json"] = ctx.lab_file("hidden/objects.json")  # held-back: the endpoint's side only
    harness = {"run_thumbnails.py": ctx.lab_file("harness/run_thumbnails.py")}
    # -P: the harness's folder is not first on sys.path, so a student's json.py cannot stand in for the real one.
    return [Run("thumbnails", ["python3", "-P", "run_thumbnails.py"], harness, service=service, show_output=False)]


def _text(value, limit=200):
    return value[:limit] if isinstance(value, str) else None


def _size(value):
    if isinstance(value, list) and len(value) == 2 and all(type(n) is int and 0 < n < 100_000 for n in value):
        return value
    return None


class Seen:
    """The endpoint's state (trusted, but read defensively: a judge never raises on odd data)."""

    def __init__(self, state):
        state = state if isinstance(state, dict) else {}
        self.objects = {}
        for row in state.get("objects") if isinstance(state.get("objects"), list) else []:
            if (
                isinstance(row, dict)
                and isinstance(row.get("id"), str)
                and row.get("role") in ROLES
                and isinstance(row.get("key"), str)
            ):
                row["label"] = _text(row.get("label"), 80) or "an uploaded file"
                row["thumbnail"] = row.get("thumbnail") if isinstance(row.get("thumbnail"), dict) else {}
                self.objects[row["id"]] = row
        self.present = bool(self.objects)
        events = state.get("events") if isinstance(state.get("events"), list) else []
        invocations = state.get("invocations") if isinstance(state.get("invocations"), list) else []
        self.outcome = {}  # object id -> (error or None, list of result rows or None, whether a record came back)
        for ids, row in zip(events, invocations, strict=False):
            if not isinstance(ids, list):
                continue
            came_back = isinstance(row, dict)
            row = row if came_back else {}
            error = _text(row.get("error"), 200) if "error" in row else None
            if error is None and "error" in row:
                error = "an error"
            returned = row.get("returned")
            results = returned.get("results") if isinstance(returned, dict) else None
            results = [r for r in results if isinstance(r, dict)] if isinstance(results, list) else None
            for object_id in ids:
                if isinstance(object_id, str):
                    self.outcome[object_id] = (error, results, came_back)
        self.source = state.get("source") if isinstance(state.get("source"), dict) else {}

    def ids(self, *roles):
        return [i for i, row in self.objects.items() if row["role"] in roles]

    def thumbnail(self, object_id):
        """(size, format) of the thumbnail found for an input, or (None, why not)."""
        info = self.objects[object_id]["thumbnail"]
        if info.get("exists") is not True:
            error, _, came_back = self.outcome.get(object_id, (None, None, False))
            if error:
                return None, f"the handler raised {error}"
            if not came_back:
                return None, "the handler was never called for it: the run ended before that event"
            return None, "no thumbnail at thumbnails/<key> in the bucket named by THUMBNAIL_BUCKET"
        size = _size(info.get("size"))
        if size is None:
            return None, _text(info.get("error")) or "the thumbnail is not a readable image"
        return size, _text(info.get("format"), 20) or "?"

    def status_of(self, object_id):
        """The status the handler returned for this object's decoded key, or why there is none."""
        error, results, came_back = self.outcome.get(object_id, (None, None, False))
        if error:
            return None, f"the handler raised {error}"
        if not came_back:
            return None, "the handler was never called for it: the run ended before that event"
        if results is None:
            return None, 'the handler did not return {"results": [...]}'
        key = self.objects[object_id]["key"]
        for row in results:
            if row.get("key") == key:
                status = row.get("status")
                return (status, None) if isinstance(status, str) else (None, "its result has no status")
        return None, "its result has no entry with the decoded key"


def want_size(row):
    return _size(row.get("want"))


def close(size, want):
    return want is not None and all(abs(a - b) <= PIXEL_TOLERANCE for a, b in zip(size, want, strict=True))


def _check(name, problems, count, ok_message, trouble):
    points = CHECKS[name]
    if problems:
        suffix = f" ({trouble})" if trouble else ""
        return Check(name, False, 0, points, f"{len(problems)} of {count} wrong, e.g. {problems[0]}{suffix}")
    return Check(name, True, points, points, ok_message)


def billed_estimate(ctx, run, events):
    """Shown with the verdict, never graded: the sandbox's own wall time of the whole run (start-up included),
    divided by the number of invocations, as a billed duration. Measured outside the student's process."""
    if events and isinstance(run.wall_seconds, int | float) and 0 < run.wall_seconds < 600:
        ctx.extra["billed_ms"] = math.ceil(run.wall_seconds * 1000 / events)


def judge(ctx, results):
    run = results["thumbnails"]
    state = run.extra.get("state")  # read by the endpoint after the student's process exited
    seen = Seen(state)
    trouble = run_trouble(run) or (run.extra.get("state_error") and "the emulated account could not be read")
    if not seen.present:
        why = trouble or "the emulated account could not be read"
        return [Check(name, False, 0, points, why) for name, points in CHECKS.items()]
    events = state.get("events") if isinstance(state.get("events"), list) else []
    billed_estimate(ctx, run, len(events))
    objects = seen.objects
    checks = []

    # Every image gets a readable thumbnail at thumbnails/<key>, and the handler says "created".
    images = seen.ids("resize", "small")
    problems = []
    for i in images:
        size, why = seen.thumbnail(i)
        status, status_why = seen.status_of(i)
        if size is None:
            problems.append(f"{objects[i]['label']}: {why}")
        elif status != "created":
            said = status_why or f"it says {_text(status, 40)!r}"
            problems.append(f'{objects[i]["label"]}: the result for its key should say status "created" ({said})')
    checks.append(
        _check(
            "thumbnails created", problems, len(images), "every image got a thumbnail in the thumbnail bucket", trouble
        )
    )

    # Big images shrink to fit 128x128 with their proportions.
    problems = []
    for i in seen.ids("resize"):
        size, why = seen.thumbnail(i)
        if size is None:
            problems.append(f"{objects[i]['label']}: {why}")
        elif max(size) > 128:
            problems.append(f"{objects[i]['label']}: the thumbnail is {size[0]}x{size[1]}, larger than 128x128")
        elif not close(size, want_size(objects[i])):
            problems.append(
                f"{objects[i]['label']}: the thumbnail is {size[0]}x{size[1]}, which does not keep the original's proportions at the largest size that fits"
            )
    checks.append(
        _check(
            "aspect ratio kept",
            problems,
            len(seen.ids("resize")),
            "big images shrink to fit 128x128 and keep their proportions",
            trouble,
        )
    )

    problems = []
    for i in seen.ids("small"):
        size, why = seen.thumbnail(i)
        if size is None:
            problems.append(f"{objects[i]['label']}: {why}")
        elif size != _size(objects[i].get("original")):
            problems.append(
                f"{objects[i]['label']}: the thumbnail is {size[0]}x{size[1]}; an image that already fits keeps its size"
            )
    checks.append(
        _check(
            "small images not enlarged",
            problems,
            len(seen.ids("small")),
            "an image that already fits keeps its size",
            trouble,
        )
    )

    problems = []
    for i in images:
        size, found = seen.thumbnail(i)
        if size is None:
            problems.append(f"{objects[i]['label']}: {found}")
        elif found != objects[i].get("format"):
            problems.append(f"{objects[i]['label']}: the thumbnail is saved as {found}, not in the original's format")
    checks.append(_check("same format", problems, len(images), "every thumbnail keeps its original's format", trouble))

    # Keys arrive URL-encoded; the object and the thumbnail use the decoded key.
    problems = []
    for i in seen.ids("encoded"):
        size, found = seen.thumbnail(i)
        status, status_why = seen.status_of(i)
        if size is None:
            problems.append(f"{objects[i]['label']}: {found} (decode the key with urllib.parse.unquote_plus)")
        elif not close(size, want_size(objects[i])) or found != objects[i].get("format"):
            problems.append(
                f"{objects[i]['label']}: the thumbnail is {size[0]}x{size[1]} {found}, not the right size or format"
            )
        elif status != "created":
            said = status_why or f"it says {_text(status, 40)!r}"
            problems.append(
                f'{objects[i]["label"]}: the result should name the decoded key with status "created" ({said})'
            )
    checks.append(
        _check(
            "URL-encoded keys",
            problems,
            len(seen.ids("encoded")),
            "keys with spaces (sent as + or %20) are decoded",
            trouble,
        )
    )

    # Anything Pillow cannot open is skipped: no exception, status "skipped", no thumbnail.
    problems = []
    for i in seen.ids("skip"):
        status, why = seen.status_of(i)
        if objects[i]["thumbnail"].get("exists") is True:
            problems.append(f"{objects[i]['label']}: a thumbnail was written for something that is not an image")
        elif status != "skipped":
            said = why or f"it says {_text(status, 40)!r}"
            problems.append(f'{objects[i]["label"]}: expected the result status "skipped" ({said})')
    checks.append(
        _check(
            "non-images skipped",
            problems,
            len(seen.ids("skip")),
            "files that are not images are skipped without an error",
            trouble,
        )
    )

    name, points = "source bucket untouched", CHECKS["source bucket untouched"]
    source = seen.source
    lists = [source.get(k) for k in ("extra", "rewritten", "missing")]
    if not all(isinstance(v, list) for v in lists):
        checks.append(Check(name, False, 0, points, "the source bucket could not be listed"))
        return checks
    extra, rewritten, missing = ([k for k in v if isinstance(k, str)] for v in lists)
    if extra:
        message = f"{len(extra)} new object(s) appeared in the source bucket, e.g. {extra[0][:80]!r}; in AWS each would trigger the function again, in an endless loop"
    elif rewritten:
        message = f"{len(rewritten)} uploaded object(s) were overwritten in the source bucket; in AWS each write would trigger the function again"
    elif missing:
        message = f"{len(missing)} uploaded object(s) were deleted from the source bucket"
    else:
        message = "nothing was written to the source bucket"
    ok = not extra and not rewritten and not missing
    checks.append(Check(name, ok, points if ok else 0, points, message))
    return checks
