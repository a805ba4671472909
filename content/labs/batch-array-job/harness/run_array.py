"""Runs inside the sandbox: run every child of a few array jobs through worker.process, then retry one.

For each scenario it reports which child created or rewrote each file under /tmp/out, what each file held
after the first pass (its id and word count, if it is one JSON object), and what the retry added, removed,
changed or touched.
"""

import copy
import hashlib
import importlib
import json
import os
import shutil
import sys

OUT_DIR = "/tmp/out"
MAX_FILES = 150  # per array: enough for every document plus strays, small enough to report


def summary(data):
    """What a result file holds, in a few bounded fields: its id and word count if it is one JSON object."""
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(value, dict):
        return None
    item_id, words = value.get("id"), value.get("words")
    return {
        "id": item_id[:100] if isinstance(item_id, str) else None,
        "words": words if isinstance(words, int) and not isinstance(words, bool) else None,
    }


def snapshot():
    """{name: (signature, digest, summary)} for the entries of /tmp/out; any rewrite changes the signature."""
    entries = {}
    if not os.path.isdir(OUT_DIR):
        return entries
    for count, entry in enumerate(sorted(os.scandir(OUT_DIR), key=lambda e: e.name)):
        if count >= MAX_FILES:
            break
        try:
            info = entry.stat(follow_symlinks=False)
            if entry.is_file(follow_symlinks=False):
                with open(entry.path, "rb") as handle:
                    data = handle.read(64 * 1024)
                digest, result = hashlib.sha256(data).hexdigest(), summary(data)
            else:
                digest, result = "not a file", None
            entries[entry.name[:200]] = ((info.st_ino, info.st_mtime_ns, info.st_size, digest), digest, result)
        except OSError:
            continue
    return entries


def run_child(index, size, items, attempt):
    os.environ.update(
        AWS_BATCH_JOB_ARRAY_INDEX=str(index), AWS_BATCH_JOB_ARRAY_SIZE=str(size), AWS_BATCH_JOB_ATTEMPT=str(attempt)
    )
    sys.modules.pop("worker", None)  # every child (and retry) starts from a fresh import, like a new container
    try:
        worker = importlib.import_module("worker")
        worker.process(index, size, copy.deepcopy(items))
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:300]


def changed(before, after):
    return sorted(name for name in after if name not in before or before[name][0] != after[name][0])


def run_scenario(scenario):
    shutil.rmtree(OUT_DIR, ignore_errors=True)
    items, size = scenario["items"], scenario["size"]
    writers, errors = {}, {}
    state = snapshot()
    for index in range(size):
        error = run_child(index, size, items, 1)
        if error:
            errors[str(index)] = error
        now = snapshot()
        for name in changed(state, now):
            writers.setdefault(name, []).append(index)
        for name in state:
            if name not in now:
                writers.setdefault(name, []).append(index)
        state = now
    retry_index = scenario["retry_index"]
    retry_error = run_child(retry_index, size, items, 2)
    after = snapshot()
    files = {name: {"result": result, "writers": writers.get(name, [])} for name, (_, _, result) in state.items()}
    return {
        "name": scenario["name"],
        "errors": errors,
        "files": files,
        "retry": {
            "index": retry_index,
            "error": retry_error,
            "added": sorted(set(after) - set(state)),
            "removed": sorted(set(state) - set(after)),
            "changed": sorted(n for n in after if n in state and after[n][1] != state[n][1]),
            "touched": changed(state, after),
        },
    }


with open("inputs.json") as handle:
    scenarios = json.load(handle)
report = []
for scenario in scenarios:
    report.append(run_scenario(scenario))
print("SPINUP-OBSERVATIONS " + json.dumps({"scenarios": report}))
