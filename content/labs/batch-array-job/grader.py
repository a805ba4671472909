"""Grader for batch-array-job: runs every child of a few arrays (plus one rerun each) and checks the job
definition.

The array runs are driven from here, one child at a time (harness/run_children.py only calls
worker.process and lists /tmp/out): this side picks each child's index, size, attempt number and manifest,
and works out from the folder listings which child wrote which file and what it holds. One small public
array runs with its output shown; the held-back manifests of hidden/inputs.json and two manifests drawn
fresh for each submission run in another run whose output is never shown. What each file must hold comes
from the reference below, here.

Each array ends with one child run again, either as a retry (AWS_BATCH_JOB_ATTEMPT one higher, after some
of its files were lost, as if the first attempt died partway) or as a resubmitted job (attempt 1, over its
finished files): a worker that behaves differently by attempt number gets caught one way or the other.

The job definition is read here (plain JSON, with the trusted json module) and validated with botocore's
model in the endpoint's sandbox (service/lab_service.py), where no student code runs.
"""

import json
import math
import random

from labs.grading import Check, Run
from labs.sandbox import NoReply

POINTS = {
    "every item exactly once": 2,
    "shards split as stated": 2,
    "word counts correct": 2,
    "retry is idempotent": 2,
    "job definition valid": 1,
    "retry and timeout set": 1,
}
ARRAY_CHECKS = ("every item exactly once", "shards split as stated", "word counts correct", "retry is idempotent")
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/word-count:1.0"
RESOURCES = {"VCPU": "1", "MEMORY": "2048"}
COMMAND = ["python3", "-P", "run_children.py"]
REPLY_SECONDS = 5
MAX_LISTING = 150
WORDS = ["array", "batch", "child", "compute", "container", "count", "definition", "environment", "fargate"]
WORDS += ["index", "instance", "job", "log", "manifest", "priority", "queue", "retry", "shard", "size", "spot", "word"]
EXAMPLE = {  # public: its values may appear in messages, and its run's output is shown
    "label": "the example array (7 documents, 3 children)",
    "size": 3,
    "retry_index": 1,
    "rerun": "retry",
    "items": [
        {"id": "doc-a1", "text": "the quick brown fox"},
        {"id": "doc-a2", "text": "jumps\tover  the\nlazy dog"},
        {"id": "doc-a3", "text": ""},
        {"id": "doc-a4", "text": "one"},
        {"id": "doc-a5", "text": "  two words  "},
        {"id": "doc-a6", "text": "a b c d e f"},
        {"id": "doc-a7", "text": "last\n"},
    ],
}


def as_int(value):
    return value if type(value) is int else None


# ---------------------------------------------------------------- the trusted reference and the arrays


def owners(items, size):
    """Reference: {id: (owning child, word count)} under the contiguous-chunk rule."""
    per_child = math.ceil(len(items) / size)
    return {item["id"]: (position // per_child, len(item["text"].split())) for position, item in enumerate(items)}


def fresh_array(rng, label):
    """A manifest nobody has seen: random ids, texts with runs of mixed whitespace, some empty; a size that
    may leave the last children with nothing."""
    count = rng.randrange(5, 30)
    items = []
    for _ in range(count):
        words = [
            rng.choice(WORDS) + rng.choice(("", "", ",", ".", "-ish")) for _ in range(rng.choice((0, 1, 3, 8, 15)))
        ]
        text = rng.choice(("", " ", "\n"))
        for word in words:
            text += word + rng.choice((" ", " ", "  ", "\t", "\n", " \n ", "\t\t"))
        items.append({"id": f"doc-{rng.randrange(16**6):06x}", "text": text if rng.random() < 0.9 else " \t\n "})
    ids = {item["id"] for item in items}
    if len(ids) < len(items):  # ids must be unique: drop the repeats
        seen, unique = set(), []
        for item in items:
            if item["id"] not in seen:
                seen.add(item["id"])
                unique.append(item)
        items = unique
    size = rng.randrange(2, 9)
    with_work = sorted({owner for owner, _ in owners(items, size).values()})
    return {
        "label": label,
        "size": size,
        "items": items,
        "retry_index": rng.choice(with_work),
        "rerun": rng.choice(("retry", "resubmit")),
    }


def arrays(ctx):
    rng = random.SystemRandom()  # os.urandom: nothing to replay
    held_back = []
    for number, scenario in enumerate(ctx.hidden_json("inputs.json")):
        held_back.append(
            {
                "label": "a held-back array",
                "size": scenario["size"],
                "items": scenario["items"],
                "retry_index": scenario["retry_index"],
                "rerun": "resubmit" if number % 2 else "retry",
            }
        )
    fresh = [fresh_array(rng, "an array drawn for this grading") for _ in range(2)]
    fresh[0]["rerun"], fresh[1]["rerun"] = "retry", "resubmit"  # both kinds, every time
    return held_back + fresh


def read_listing(reply):
    """{name: {"sig": ..., "sha": ..., "summary": (id, words) or None}} from a reply, or None if unusable."""
    if not isinstance(reply, dict) or not isinstance(reply.get("files"), dict) or len(reply["files"]) > MAX_LISTING:
        return None
    found = {}
    for name, row in reply["files"].items():
        if not isinstance(name, str) or len(name) > 200 or not isinstance(row, dict):
            return None
        sig, sha, text = row.get("sig"), row.get("sha"), row.get("text")
        if not isinstance(sig, list) or len(sig) != 3 or not all(as_int(n) is not None for n in sig):
            return None
        if row.get("file") is not True:
            found[name] = {"sig": sig, "sha": "not a file", "summary": None}
            continue
        if not isinstance(sha, str) or len(sha) > 64:
            return None
        found[name] = {"sig": sig, "sha": sha, "summary": summary(text)}
    return found


def summary(text):
    """(id, words) when a result file holds exactly one JSON object with a string id and an integer count."""
    if not isinstance(text, str):
        return None

    def refuse(constant):
        raise ValueError(constant)

    try:
        value = json.loads(text, parse_constant=refuse)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict) or not isinstance(value.get("id"), str) or as_int(value.get("words")) is None:
        return None
    return value["id"], value["words"]


def ask(channel, message):
    """One request and its listing; NoReply (with the reason) when the answer is missing or unusable."""
    if not channel.send(message):
        raise NoReply("the program stopped reading")
    reply = channel.receive(REPLY_SECONDS)
    listing = read_listing(reply)
    if listing is None:
        raise NoReply("the harness's reply was not a folder listing")
    error = reply.get("error")
    return (error[:200] if isinstance(error, str) else None), listing


def changed(before, after):
    return {name for name in after if name not in before or before[name]["sig"] != after[name]["sig"]}


def run_array(channel, scenario):
    """Run every child in order, then rerun one; return what the folder showed, for the judge."""
    size, items, index = scenario["size"], scenario["items"], scenario["retry_index"]

    def child(i, attempt):
        env = {"AWS_BATCH_JOB_ARRAY_INDEX": i, "AWS_BATCH_JOB_ARRAY_SIZE": size, "AWS_BATCH_JOB_ATTEMPT": attempt}
        return ask(channel, {"child": {"index": i, "size": size, "items": items, "env": env}})

    _, state = ask(channel, {"reset": True})
    writers, errors = {}, []
    for i in range(size):
        error, now = child(i, 1)
        if error:
            errors.append(error)
        for name in changed(state, now) | (set(state) - set(now)):
            writers.setdefault(name, set()).add(i)
        state = now
    first_time = sorted(name for name, who in writers.items() if index in who and name in state)
    removed = []
    if scenario["rerun"] == "retry":  # the first attempt died partway: some of its files never got written
        removed = first_time[: max(1, len(first_time) // 2)] if first_time else []
        _, before = ask(channel, {"remove": removed})
        attempt = 2
    else:  # the same child submitted again as a new job, over its finished files
        before, attempt = state, 1
    retry_error, after = child(index, attempt)
    return {
        "state": state,
        "writers": writers,
        "errors": errors,
        "first_time": first_time,
        "removed": removed,
        "before": before,
        "after": after,
        "retry_error": retry_error,
    }


def drive(scenarios):
    def driver(channel):
        seen = []
        for scenario in scenarios:
            try:
                seen.append(run_array(channel, scenario))
            except NoReply as exc:
                seen.append({"no_reply": str(exc)})
                break  # the program is stuck or gone: asking again only waits longer
        return seen

    return driver


def plan(ctx):
    ctx.arrays = [EXAMPLE, *arrays(ctx)]
    harness = {"run_children.py": ctx.lab_file("harness/run_children.py")}
    service = ctx.service()
    submitted = ctx.files.get("job-definition.json")
    if isinstance(submitted, bytes):
        service.files["job-definition.json"] = submitted  # data for botocore's validation, never run
    definition = {"register_definition.py": ctx.lab_file("harness/register_definition.py")}
    return [
        Run("example", COMMAND, harness, driver=drive([EXAMPLE])),
        Run("arrays", COMMAND, harness, driver=drive(ctx.arrays[1:]), show_output=False),
        Run("definition", ["python3", "-P", "register_definition.py"], definition, service=service),
    ]


EXAMPLES_NOTE = (
    "The statement's example array ran (its children one at a time, as the checks run them); what the code "
    "printed is below. Nothing was checked: the checks run when you submit."
)


def examples(ctx):
    """The Run button: the example array only, its output shown and nothing judged."""
    harness = {"run_children.py": ctx.lab_file("harness/run_children.py")}
    return [Run("example", COMMAND, harness, driver=drive([EXAMPLE]))]


# ---------------------------------------------------------------- judging


def judge_one(scenario, seen, problems):
    label = scenario["label"]
    if not isinstance(seen, dict) or "no_reply" in seen:
        why = seen.get("no_reply") if isinstance(seen, dict) else "nothing came back"
        for name in ARRAY_CHECKS:
            problems[name].append(f"{label}: no usable answer ({why}; did the code crash, hang or exit?)")
        return
    want = owners(scenario["items"], scenario["size"])
    crash = f" (a child raised {seen['errors'][0][:120]})" if seen["errors"] else ""
    state, writers = seen["state"], seen["writers"]
    names = {f"{item_id}.json": item_id for item_id in want}
    missing = [n for n in names if n not in state]
    extra = [n for n in state if n not in names]
    twice = [n for n in names if len(writers.get(n, ())) > 1]
    if missing:
        problems["every item exactly once"].append(
            f"{label}: {len(missing)} of {len(names)} documents have no output file{crash}"
        )
    elif extra:
        problems["every item exactly once"].append(
            f"{label}: /tmp/out has {len(extra)} file(s) that are not <id>.json for a document"
        )
    elif twice:
        problems["every item exactly once"].append(
            f"{label}: {len(twice)} documents were written by more than one child"
        )
    stray = [n for n, item_id in names.items() if writers.get(n, set()) != {want[item_id][0]}]
    if stray:
        problems["shards split as stated"].append(
            f"{label}: {len(stray)} of {len(names)} documents were not written by (only) the child whose contiguous chunk holds them{crash}"
        )
    wrong = [n for n, item_id in names.items() if (state.get(n) or {}).get("summary") != (item_id, want[item_id][1])]
    if wrong:
        problems["word counts correct"].append(
            f"{label}: {len(wrong)} of {len(names)} output files are missing, not one JSON object, or have the wrong id or word count{crash}"
        )
    problem = rerun_problem(seen)
    if problem:
        problems["retry is idempotent"].append(f"{label}: {problem}")


def rerun_problem(seen):
    """What the rerun did wrong: it must leave exactly what the first pass left, touching only its own files."""
    state, before, after, first_time = seen["state"], seen["before"], seen["after"], set(seen["first_time"])
    kind = (
        "a retry (attempt 2, after some of its files were lost)" if seen["removed"] else "a resubmitted job (attempt 1)"
    )
    if not first_time:
        return "the child that was run again wrote nothing the first time, so there was nothing to repeat"
    if seen["retry_error"]:
        return f"the child run again as {kind} raised {seen['retry_error'][:150]}"
    added = set(after) - set(state)
    gone = set(state) - set(after)
    differ = {n for n in after if n in state and after[n]["sha"] != state[n]["sha"]}
    if added or gone or differ:
        what = ", ".join(f"{len(v)} {k}" for k, v in (("added", added), ("missing", gone), ("changed", differ)) if v)
        return f"running a child again as {kind} did not leave the same results: files {what}"
    if changed(before, after) - first_time:
        return f"the child run again as {kind} rewrote files it had not written the first time"
    return None


def judge_arrays(ctx, results):
    problems = {name: [] for name in ARRAY_CHECKS}
    planned = getattr(ctx, "arrays", None) or []  # set by plan(), on this side only
    for run_name, scenarios in (("example", planned[:1]), ("arrays", planned[1:])):
        outcome = results[run_name].driver
        seen = outcome.get("value") if isinstance(outcome.get("value"), list) else []
        for position, scenario in enumerate(scenarios):
            judge_one(
                scenario, seen[position] if position < len(seen) else {"no_reply": "it never got there"}, problems
            )
    checks = []
    for name, found in problems.items():
        message = (
            f"{len(found)} of {len(planned)} arrays wrong, e.g. {found[0]}"
            if found
            else f"right for all {len(planned)} arrays"
        )
        checks.append(Check(name, not found, 0 if found else POINTS[name], POINTS[name], message))
    return checks


def judge_definition(ctx, results):
    """Two checks from job-definition.json: read here (trusted json), validated by botocore in the endpoint."""
    raw = ctx.files.get("job-definition.json")
    try:
        body = json.loads(raw) if raw is not None else None
    except (ValueError, RecursionError) as exc:
        message = f"job-definition.json is not valid JSON: {exc}"[:200]
        return Check("job definition valid", False, 0, POINTS["job definition valid"], message), Check(
            "retry and timeout set", False, 0, POINTS["retry and timeout set"], "fix the JSON first"
        )
    if not isinstance(body, dict):
        message = "job-definition.json is missing or does not hold a JSON object"
        return Check("job definition valid", False, 0, POINTS["job definition valid"], message), Check(
            "retry and timeout set", False, 0, POINTS["retry and timeout set"], message
        )
    state = results["definition"].extra.get("state")
    validation = state.get("validation") if isinstance(state, dict) else None
    validation = validation if isinstance(validation, dict) else {}
    container = body.get("containerProperties") if isinstance(body.get("containerProperties"), dict) else {}
    requirements = (
        container.get("resourceRequirements") if isinstance(container.get("resourceRequirements"), list) else []
    )
    resources = {
        r.get("type"): r.get("value") for r in requirements if isinstance(r, dict) and isinstance(r.get("type"), str)
    }
    problem = None
    if validation.get("valid") is not True:
        report = (
            validation.get("report") if isinstance(validation.get("report"), str) else "no validation result came back"
        )
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
        0 if problem else POINTS["job definition valid"],
        POINTS["job definition valid"],
        problem or f"valid, with the type, image, vCPU and memory asked for{registered(state, body)}",
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
        0 if problem else POINTS["retry and timeout set"],
        POINTS["retry and timeout set"],
        problem or f"{attempts} attempts, {seconds} s per attempt",
    )
    return valid, retry_check


def registered(state, body):
    """A note for the message (never graded): the revision the emulated Batch registered, if it did."""
    rows = state.get("registered") if isinstance(state, dict) else None
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict) and row.get("name") == body.get("jobDefinitionName") and as_int(row.get("revision")):
            return f"; registered as {row['name'][:60]}:{row['revision']}"
    return ""


def judge(ctx, results):
    return [*judge_arrays(ctx, results), *judge_definition(ctx, results)]
