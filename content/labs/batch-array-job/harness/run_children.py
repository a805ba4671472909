"""Student side: runs array children one at a time, as the grader asks over stdin, and lists /tmp/out.

The grader (trusted, outside this sandbox) picks every child's index, size, attempt and manifest, sends
them one line at a time, and judges each reply itself: which files changed after which child, and what
they hold. Each child runs in a forked process of its own that imports worker.py afresh (like a new
container) and holds neither this process's stdin nor its reply pipe; this process never imports the
student's code, and is not dumpable, so a child cannot reach its memory or file descriptors through /proc.
"""

import contextlib
import hashlib
import importlib
import json
import os
import shutil
import sys

PROTOCOL = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)  # the student's prints go to stderr, never into the replies
sys.stdout = sys.stderr
sys.path.append(os.getcwd())  # after the standard library (-P): a student file cannot shadow json

OUT_DIR = "/tmp/out"  # noqa: S108 - the sandbox's private tmpfs
MAX_FILES = 150
MAX_TEXT = 1024


def listing():
    entries = {}
    if not os.path.isdir(OUT_DIR):
        return entries
    for count, entry in enumerate(sorted(os.scandir(OUT_DIR), key=lambda e: e.name)):
        if count >= MAX_FILES:
            break
        try:
            info = entry.stat(follow_symlinks=False)
            row = {"sig": [info.st_ino, info.st_mtime_ns, info.st_size], "file": entry.is_file(follow_symlinks=False)}
            if row["file"]:
                with open(entry.path, "rb") as handle:
                    data = handle.read(64 * 1024)
                row["sha"] = hashlib.sha256(data).hexdigest()
                row["text"] = data.decode("utf-8", "replace") if len(data) <= MAX_TEXT else None
            entries[entry.name[:200]] = row
        except OSError:
            continue
    return entries


def not_dumpable():
    """prctl(PR_SET_DUMPABLE, 0): /proc/<this pid>/mem and /fd are closed to the children (same uid)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)


def run_child(child):
    """Run worker.process in a forked child; its exception (as text) comes back over a pipe of its own."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: student code runs only here
        try:
            os.close(read_end)
            os.close(PROTOCOL.fileno())
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.environ.update({name: str(value) for name, value in child["env"].items()})
            error = None
            try:
                importlib.import_module("worker").process(child["index"], child["size"], child["items"])
            except BaseException as exc:  # SystemExit too: the child's failure, reported as text
                error = f"{type(exc).__name__}: {exc}"[:300]
            os.write(write_end, json.dumps(error).encode()[:4000])
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read(4096)
    _, status = os.waitpid(pid, 0)
    try:
        error = json.loads(data) if data else None
    except ValueError:
        error = "the child's report was unreadable"
    if not data and status != 0:
        error = f"the child ended with status {status}"
    return error if isinstance(error, str) or error is None else str(error)[:300]


not_dumpable()
for line in sys.stdin:
    message = json.loads(line)
    error = None
    if "reset" in message:
        shutil.rmtree(OUT_DIR, ignore_errors=True)
    elif "remove" in message:
        for name in message["remove"]:
            with contextlib.suppress(OSError):
                os.remove(os.path.join(OUT_DIR, name))
    else:
        error = run_child(message["child"])
    PROTOCOL.write(json.dumps({"error": error, "files": listing()}) + "\n")
