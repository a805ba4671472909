"""Grader for lambda-s3-thumbnail: the student's S3-triggered handler runs against moto in the sandbox."""

from labs.grading import Check, Run, observations

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


def plan(ctx):
    files = {
        "run_thumbnails.py": ctx.lab_file("harness/run_thumbnails.py"),
        "inputs.json": ctx.lab_file("hidden/inputs.json"),
    }
    # -P: the harness's folder is not first on sys.path, so a student's json.py cannot stand in for the real one.
    return [Run("thumbnails", ["python3", "-P", "run_thumbnails.py"], files)]


def _text(value, limit=200):
    return value[:limit] if isinstance(value, str) else None


def _size(value):
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in value)
    ):
        return value
    return None


class Seen:
    """The harness's observations, validated field by field (the sandbox's output is untrusted)."""

    def __init__(self, raw):
        raw = raw if isinstance(raw, dict) else {}
        self.import_error = _text(raw.get("import_error"), 300)
        self.present = isinstance(raw.get("events"), list)
        self.outcome = {}  # object id -> (error or None, list of result rows or None)
        for row in raw.get("events") if self.present else []:
            if not isinstance(row, dict) or not isinstance(row.get("ids"), list):
                continue
            error = _text(row.get("error"), 300) if "error" in row else None
            returned = row.get("returned")
            results = returned.get("results") if isinstance(returned, dict) else None
            results = [r for r in results if isinstance(r, dict)] if isinstance(results, list) else None
            for object_id in row["ids"]:
                if isinstance(object_id, str):
                    self.outcome[object_id] = (error, results)
        thumbnails = raw.get("thumbnails") if isinstance(raw.get("thumbnails"), dict) else {}
        self.thumbnails = {k: v for k, v in thumbnails.items() if isinstance(k, str) and isinstance(v, dict)}
        self.source_keys = raw.get("source_keys")
        self.source_changed = raw.get("source_changed")

    def thumbnail(self, object_id):
        """(size, format) of the thumbnail found for an input, or (None, why not)."""
        info = self.thumbnails.get(object_id, {})
        if info.get("exists") is not True:
            error, _ = self.outcome.get(object_id, (None, None))
            return (
                None,
                f"the handler raised {error}"
                if error
                else "no thumbnail at thumbnails/<key> in the bucket named by THUMBNAIL_BUCKET",
            )
        size = _size(info.get("size"))
        if size is None:
            return None, _text(info.get("error")) or "the thumbnail is not a readable image"
        return size, _text(info.get("format"), 20) or "?"

    def status_of(self, object_id, key):
        """The status the handler returned for this key, or why there is none."""
        error, results = self.outcome.get(object_id, (None, None))
        if error:
            return None, f"the handler raised {error}"
        if results is None:
            return None, 'the handler did not return {"results": [...]}'
        for row in results:
            if row.get("key") == key:
                status = row.get("status")
                return (status, None) if isinstance(status, str) else (None, "its result has no status")
        return None, "its result has no entry with the decoded key"


def _check(name, problems, count, ok_message):
    points = CHECKS[name]
    if problems:
        return Check(name, False, 0, points, f"{len(problems)} of {count} wrong, e.g. {problems[0]}")
    return Check(name, True, points, points, ok_message)


def judge(ctx, results):
    expected = ctx.hidden_json("expected.json")
    raw = observations(results["thumbnails"], default={})
    seen = Seen(raw)
    # The handler's own run time (as the harness measured it) drives the billed-duration estimate shown
    # with the verdict; it is display only, never graded.
    durations = [
        row["duration_ms"]
        for row in (raw.get("events") if isinstance(raw, dict) and isinstance(raw.get("events"), list) else [])
        if isinstance(row, dict) and isinstance(row.get("duration_ms"), int | float) and 0 < row["duration_ms"] < 60_000
    ]
    if durations:
        ctx.extra["billed_ms"] = max(durations)
    if seen.import_error or not seen.present:
        why = (
            f"handler.py did not load: {seen.import_error}"
            if seen.import_error
            else "no results came back (did the code crash, run out of time or memory?)"
        )
        return [Check(name, False, 0, points, why) for name, points in CHECKS.items()]

    def ids(*roles):
        return [i for i, want in expected.items() if want["role"] in roles]

    checks = []

    # Every image gets a readable thumbnail at thumbnails/<key>, and the handler says "created".
    problems = []
    for i in ids("resize", "small"):
        want = expected[i]
        size, why = seen.thumbnail(i)
        status, status_why = seen.status_of(i, want["key"])
        if size is None:
            problems.append(f"{want['label']}: {why}")
        elif status != "created":
            problems.append(
                f'{want["label"]}: the result for its key should say status "created" ({status_why or f"it says {status!r}"})'
            )
    checks.append(
        _check(
            "thumbnails created",
            problems,
            len(ids("resize", "small")),
            "every image got a thumbnail in the thumbnail bucket",
        )
    )

    # Big images shrink to fit 128x128 with their proportions.
    problems = []
    for i in ids("resize"):
        want = expected[i]
        size, why = seen.thumbnail(i)
        if size is None:
            problems.append(f"{want['label']}: {why}")
        elif max(size) > 128:
            problems.append(f"{want['label']}: the thumbnail is {size[0]}x{size[1]}, larger than 128x128")
        elif any(abs(a - b) > PIXEL_TOLERANCE for a, b in zip(size, want["size"], strict=True)):
            problems.append(
                f"{want['label']}: the thumbnail is {size[0]}x{size[1]}, which does not keep the original's proportions at the largest size that fits"
            )
    checks.append(
        _check(
            "aspect ratio kept",
            problems,
            len(ids("resize")),
            "big images shrink to fit 128x128 and keep their proportions",
        )
    )

    problems = []
    for i in ids("small"):
        want = expected[i]
        size, why = seen.thumbnail(i)
        if size is None:
            problems.append(f"{want['label']}: {why}")
        elif size != want["size"]:
            problems.append(
                f"{want['label']}: the thumbnail is {size[0]}x{size[1]}; an image that already fits keeps its size"
            )
    checks.append(
        _check("small images not enlarged", problems, len(ids("small")), "an image that already fits keeps its size")
    )

    problems = []
    for i in ids("resize", "small"):
        want = expected[i]
        size, found = seen.thumbnail(i)
        if size is None:
            problems.append(f"{want['label']}: {found}")
        elif found != want["format"]:
            problems.append(f"{want['label']}: the thumbnail is saved as {found}, not in the original's format")
    checks.append(
        _check("same format", problems, len(ids("resize", "small")), "every thumbnail keeps its original's format")
    )

    # Keys arrive URL-encoded; the object and the thumbnail use the decoded key.
    problems = []
    for i in ids("encoded"):
        want = expected[i]
        size, found = seen.thumbnail(i)
        status, status_why = seen.status_of(i, want["key"])
        if size is None:
            problems.append(f"{want['label']}: {found} (decode the key with urllib.parse.unquote_plus)")
        elif (
            any(abs(a - b) > PIXEL_TOLERANCE for a, b in zip(size, want["size"], strict=True))
            or found != want["format"]
        ):
            problems.append(
                f"{want['label']}: the thumbnail is {size[0]}x{size[1]} {found}, not the right size or format"
            )
        elif status != "created":
            problems.append(
                f'{want["label"]}: the result should name the decoded key with status "created" ({status_why or f"it says {status!r}"})'
            )
    checks.append(
        _check("URL-encoded keys", problems, len(ids("encoded")), "keys with spaces (sent as + or %20) are decoded")
    )

    # Anything Pillow cannot open is skipped: no exception, status "skipped", no thumbnail.
    problems = []
    for i in ids("skip"):
        want = expected[i]
        status, why = seen.status_of(i, want["key"])
        if seen.thumbnails.get(i, {}).get("exists") is True:
            problems.append(f"{want['label']}: a thumbnail was written for something that is not an image")
        elif status != "skipped":
            problems.append(f'{want["label"]}: expected the result status "skipped" ({why or f"it says {status!r}"})')
    checks.append(
        _check(
            "non-images skipped", problems, len(ids("skip")), "files that are not images are skipped without an error"
        )
    )

    name, points = "source bucket untouched", CHECKS["source bucket untouched"]
    source, changed = seen.source_keys, seen.source_changed
    if not isinstance(source, list) or not isinstance(changed, list):
        checks.append(Check(name, False, 0, points, "the source bucket could not be listed"))
        return checks
    uploaded = {want["key"] for want in expected.values()}
    extra = sorted({k for k in source if isinstance(k, str)} - uploaded)
    rewritten = sorted(k for k in changed if isinstance(k, str) and k in uploaded)
    if extra:
        message = f"{len(extra)} new object(s) appeared in the source bucket, e.g. {extra[0][:80]!r}; in AWS each would trigger the function again, in an endless loop"
    elif rewritten:
        message = f"{len(rewritten)} uploaded object(s) were overwritten in the source bucket; in AWS each write would trigger the function again"
    else:
        message = "nothing was written to the source bucket"
    ok = not extra and not rewritten
    checks.append(Check(name, ok, points if ok else 0, points, message))
    return checks
