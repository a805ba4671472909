"""Grader for batch-array-job: runs the whole array (plus one retried child) and checks the job definition."""

import json

from labs.grading import Check, Run, observations

POINTS = {
    "every item exactly once": 2,
    "shards split as stated": 2,
    "word counts correct": 2,
    "retry is idempotent": 2,
    "job definition valid": 1,
    "retry and timeout set": 1,
}
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/word-count:1.0"
RESOURCES = {"VCPU": "1", "MEMORY": "2048"}


def plan(ctx):
    array = {"run_array.py": ctx.lab_file("harness/run_array.py"), "inputs.json": ctx.lab_file("hidden/inputs.json")}
    definition = {"check_definition.py": ctx.lab_file("harness/check_definition.py")}
    return [
        Run("array", ["python3", "run_array.py"], array),
        Run("definition", ["python3", "check_definition.py"], definition),
    ]


def as_int(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def str_list(value):
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def scenarios_seen(results):
    """{scenario name: observation dict} with every field type-checked; untrusted data stays data."""
    seen = observations(results["array"], default={})
    rows = seen.get("scenarios") if isinstance(seen, dict) else None
    found = {}
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict) or not isinstance(row.get("name"), str):
            continue
        files = {}
        for name, info in (row.get("files") or {}).items() if isinstance(row.get("files"), dict) else []:
            if isinstance(name, str) and isinstance(info, dict):
                writers = (
                    [w for w in info.get("writers", []) if as_int(w) is not None]
                    if isinstance(info.get("writers"), list)
                    else []
                )
                result = info.get("result") if isinstance(info.get("result"), dict) else None
                files[name] = {"result": result, "writers": writers}
        errors = row.get("errors") if isinstance(row.get("errors"), dict) else {}
        retry = row.get("retry") if isinstance(row.get("retry"), dict) else {}
        found[row["name"]] = {
            "files": files,
            "errors": [e for e in errors.values() if isinstance(e, str)],
            "retry": {
                "error": retry.get("error") if isinstance(retry.get("error"), str) else None,
                **{key: str_list(retry.get(key)) for key in ("added", "removed", "changed", "touched")},
                "complete": all(isinstance(retry.get(key), list) for key in ("added", "removed", "changed", "touched")),
            },
        }
    return found


def judge_array(expected, found):
    problems = {
        name: []
        for name in ("every item exactly once", "shards split as stated", "word counts correct", "retry is idempotent")
    }
    for scenario, want in expected.items():
        seen = found.get(scenario)
        if seen is None:
            for found_problems in problems.values():
                found_problems.append(
                    "no report came back for one of the arrays (did the code crash, print too much or run out of time?)"
                )
            continue
        crash = f" (a child raised {seen['errors'][0][:120]})" if seen["errors"] else ""
        files, items = seen["files"], want["items"]
        names = {f"{item_id}.json": item_id for item_id in items}
        missing = [n for n in names if n not in files]
        extra = [n for n in files if n not in names]
        twice = [n for n in names if n in files and len(set(files[n]["writers"])) > 1]
        if missing:
            problems["every item exactly once"].append(
                f"{len(missing)} of {len(names)} documents have no output file{crash}"
            )
        if extra:
            problems["every item exactly once"].append(
                f"/tmp/out has files that are not <id>.json for a document, e.g. {extra[0][:60]!r}"
            )
        if twice:
            problems["every item exactly once"].append(f"{len(twice)} documents were written by more than one child")
        stray = [
            n for n, item_id in names.items() if set(files.get(n, {}).get("writers", [])) != {items[item_id]["owner"]}
        ]
        if stray:
            problems["shards split as stated"].append(
                f"{len(stray)} of {len(names)} documents were not written by (only) the child whose contiguous chunk holds them{crash}"
            )
        wrong = []
        for name, item_id in names.items():
            result = files.get(name, {}).get("result") or {}
            if result.get("id") != item_id or as_int(result.get("words")) != items[item_id]["words"]:
                wrong.append(name)
        if wrong:
            problems["word counts correct"].append(
                f"{len(wrong)} of {len(names)} output files are missing, not one JSON object, or have the wrong id or word count{crash}"
            )
        retry = seen["retry"]
        first_time = {name for name, info in files.items() if want["retry_index"] in info["writers"]}
        if not first_time:
            problems["retry is idempotent"].append(
                "the child that was retried wrote nothing the first time, so there was nothing to repeat"
            )
        elif retry["error"]:
            problems["retry is idempotent"].append(f"the retried child raised {retry['error'][:150]}")
        elif not retry["complete"]:
            problems["retry is idempotent"].append("the retry was not reported")
        elif retry["added"] or retry["removed"] or retry["changed"]:
            what = ", ".join(f"{len(retry[k])} {k}" for k in ("added", "removed", "changed") if retry[k])
            problems["retry is idempotent"].append(
                f"running a child a second time left different results: files {what}"
            )
        elif set(retry["touched"]) - first_time:
            problems["retry is idempotent"].append("the retried child rewrote files it had not written the first time")
    return problems


def judge_definition(ctx, results):
    """Two checks from job-definition.json, read here (trusted) plus the botocore validation from the sandbox."""
    raw = ctx.files.get("job-definition.json")
    try:
        body = json.loads(raw) if raw is not None else None
    except ValueError as exc:
        message = f"job-definition.json is not valid JSON: {exc}"[:200]
        return Check("job definition valid", False, 0, POINTS["job definition valid"], message), Check(
            "retry and timeout set", False, 0, POINTS["retry and timeout set"], "fix the JSON first"
        )
    if not isinstance(body, dict):
        message = "job-definition.json is missing or does not hold a JSON object"
        return Check("job definition valid", False, 0, POINTS["job definition valid"], message), Check(
            "retry and timeout set", False, 0, POINTS["retry and timeout set"], message
        )
    seen = observations(results["definition"], default={})
    seen = seen if isinstance(seen, dict) else {}
    container = body.get("containerProperties") if isinstance(body.get("containerProperties"), dict) else {}
    requirements = (
        container.get("resourceRequirements") if isinstance(container.get("resourceRequirements"), list) else []
    )
    resources = {r.get("type"): r.get("value") for r in requirements if isinstance(r, dict)}
    problem = None
    if seen.get("valid") is not True:
        report = seen.get("report") if isinstance(seen.get("report"), str) else "no validation result came back"
        problem = f"botocore rejects it for RegisterJobDefinition: {'; '.join(report.splitlines())[:300]}"
    elif body.get("type") != "container":
        problem = 'type must be "container"'
    elif container.get("image") != IMAGE:
        problem = "containerProperties.image is not the image the statement names"
    elif any(resources.get(kind) != value for kind, value in RESOURCES.items()):
        problem = "resourceRequirements must ask for 1 vCPU (VCPU) and 2048 MiB (MEMORY), as strings"
    valid = Check(
        "job definition valid",
        problem is None,
        0 if problem else 1,
        POINTS["job definition valid"],
        problem or "valid, with the type, image, vCPU and memory asked for",
    )
    retry = body.get("retryStrategy") if isinstance(body.get("retryStrategy"), dict) else None
    timeout = body.get("timeout") if isinstance(body.get("timeout"), dict) else None
    attempts = as_int(retry.get("attempts")) if retry else None
    seconds = as_int(timeout.get("attemptDurationSeconds")) if timeout else None
    problem = None
    if retry is None:
        problem = "no retryStrategy: a child that dies once (say, a reclaimed Spot Instance) is never retried"
    elif attempts is None or not 2 <= attempts <= 10:
        problem = "retryStrategy.attempts must be a whole number from 2 to 10"
    elif timeout is None:
        problem = "no timeout: a stuck child would run (and bill) until someone notices"
    elif seconds is None or seconds < 60:
        problem = "timeout.attemptDurationSeconds must be a whole number of at least 60"
    retry_check = Check(
        "retry and timeout set",
        problem is None,
        0 if problem else 1,
        POINTS["retry and timeout set"],
        problem or f"{attempts} attempts, {seconds} s per attempt",
    )
    return valid, retry_check


def judge(ctx, results):
    expected = ctx.hidden_json("expected.json")
    problems = judge_array(expected, scenarios_seen(results))
    checks = []
    for name, found in problems.items():
        message = found[0] if found else f"right for all {len(expected)} arrays"
        checks.append(Check(name, not found, 0 if found else POINTS[name], POINTS[name], message))
    checks.extend(judge_definition(ctx, results))
    return checks
