"""Student side (as untrusted as the student's code): answer the grader's API Gateway events, one per line.

The grader builds every event itself and judges every response itself; this only passes them through.
stdin carries {"load": true} (import app.py afresh, so the store starts empty) or {"event": ...,
"request_id": ..., "n": ...}; each gets one JSON line back (echoing n) on the protocol descriptor. Anything the student's code
prints goes to stderr.
"""

import os
import sys

PROTOCOL = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)
sys.stdout = sys.stderr

import importlib  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

WORKDIR = os.getcwd()
sys.path.append(WORKDIR)  # after the standard library (the run uses python3 -P): a student's json.py stays out


class Context:
    function_name = "items-api"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:items-api"

    def __init__(self, request_id):
        self.aws_request_id = request_id
        self._deadline = time.monotonic() + 29

    def get_remaining_time_in_millis(self):
        return max(int((self._deadline - time.monotonic()) * 1000), 0)


def say(message):
    try:
        line = json.dumps(message, default=lambda value: {"$type": type(value).__name__[:40]})
    except (TypeError, ValueError, RecursionError):
        line = json.dumps({"unreadable": True})
    PROTOCOL.write(line + "\n")
    PROTOCOL.flush()


def describe(exc):
    return f"{type(exc).__name__}: {exc}"[:300]


def load():
    for name, module in list(sys.modules.items()):
        if (getattr(module, "__file__", None) or "").startswith(WORKDIR + os.sep):
            del sys.modules[name]
    importlib.invalidate_caches()
    handler = getattr(importlib.import_module("app"), "handler", None)
    if not callable(handler):
        raise AttributeError("app.py has no function handler(event, context)")
    return handler


handler = None
for line in sys.stdin:
    message = json.loads(line)
    if message.get("load"):
        try:
            handler = load()
            say({"loaded": True})
        except BaseException as exc:  # a failed import is the student's result
            handler = None
            say({"import_error": describe(exc)})
    elif handler is not None:
        try:
            say({"n": message["n"], "response": handler(message["event"], Context(message["request_id"]))})
        except BaseException as exc:  # (SystemExit too: in AWS the client would get a 502)
            say({"n": message["n"], "error": describe(exc)})
