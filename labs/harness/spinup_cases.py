"""Student side (as untrusted as the student's code): answer the grader's cases, one JSON line each.

Usage: python3 spinup_cases.py <module>. Prints {"ready": true} (or {"ready": false, "error": ...}) once the
module imports, then for each line {"id", "function", "args"} on stdin calls module.function(*args) and
answers {"id", "value"} or {"id", "error"} (what went wrong, in words). The grader (labs/cases.py) sends one case at a time and checks
every answer itself: nothing printed or patched here can make a wrong answer right.
"""

import os
import sys

HERE = os.path.realpath(os.path.dirname(os.path.abspath(__file__)))
SCRIPT_PATH = [entry for entry in sys.path if os.path.realpath(entry or ".") == HERE]
# The standard modules below come from the standard library, not from a submitted json.py.
sys.path[:] = [entry for entry in sys.path if entry not in SCRIPT_PATH]

import decimal  # noqa: E402
import fractions  # noqa: E402
import json  # noqa: E402
import traceback  # noqa: E402

# Saved before the student's module runs: the cases come in on a private copy of stdin, answers go out on a
# private copy of stdout; the student's prints go to stderr and a read of stdin sees nothing.
CASES = os.fdopen(os.dup(0), "rb")
ANSWERS = os.fdopen(os.dup(1), "wb")
null = os.open(os.devnull, os.O_RDONLY)
os.dup2(null, 0)
os.close(null)
os.dup2(2, 1)
sys.stdout = sys.stderr
sys.stdin = open(os.devnull)  # noqa: SIM115 - stays open for the process's life
sys.path[:0] = SCRIPT_PATH or [HERE]
LIMIT = 300


def say(message):
    ANSWERS.write(json.dumps(message, allow_nan=False).encode() + b"\n")
    ANSWERS.flush()


def failure(exc):
    return f"{type(exc).__name__}: {exc}"[:LIMIT]


def plain(value):
    """The returned value as JSON data: tuples become lists, Decimal and Fraction become floats."""
    if isinstance(value, (decimal.Decimal, fractions.Fraction)):
        return float(value)
    if isinstance(value, (tuple, list)):
        return [plain(item) for item in value]
    return value


def answer(module, request):
    reply = {"id": request.get("id")}
    try:
        function = getattr(module, request["function"])
        value = plain(function(*request["args"]))
    except (Exception, SystemExit) as exc:
        reply["error"] = "raised " + failure(exc)
        return reply
    try:
        json.dumps(value, allow_nan=False)
        reply["value"] = value
    except (TypeError, ValueError, RecursionError):
        reply["error"] = f"returned {value!r:.80}, which cannot be sent back (not a number, list, string or None)"
    return reply


def main():
    try:
        module = __import__(sys.argv[1])
    except (Exception, SystemExit) as exc:
        traceback.print_exc()
        say({"ready": False, "error": failure(exc)})
        return
    say({"ready": True})
    for line in CASES:
        say(answer(module, json.loads(line)))


main()
