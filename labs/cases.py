"""Trusted helpers for function labs: send cases one at a time to the student's module, judge each answer here.

The sandboxed side is labs/harness/spinup_cases.py: it runs beside the student's code, so it is as untrusted
as that code, and only its answers count, each checked in this process as it arrives. Cases are public or
fresh (drawn per submission from the grader's reference, so no table of past values helps) in a run whose
output and answers may be shown, or held-back (fixed, never shown) in a run whose output is hidden and whose
cases are only ever counted in messages.
"""

import json
import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .grading import HARNESS, Check, Run, run_trouble
from .sandbox import NoReply, RunResult

logger = logging.getLogger(__name__)

RUNNER = "spinup_cases.py"
SHOWN, HELD_BACK = "shown", "held-back"
START_SECONDS = 8.0  # the sandbox starting, Python starting and the student's module importing
ANSWER_SECONDS = 2.0  # per case
MAX_NUMBER = 1e15
MAX_ANSWER_CHARS = 4096
DETAIL_CHARS = 200


class Wrong(Exception):  # noqa: N818
    """An answer that fails its case; the message says how (shown only for cases of a shown run)."""


@dataclass
class Case:
    function: str
    args: list
    want: object
    group: str

    @property
    def call(self) -> str:
        return f"{self.function}({', '.join(repr(arg) for arg in self.args)})"


@dataclass
class Outcome:
    case: Case
    passed: bool
    problem: str = ""  # trusted text about the answer; empty for cases of a held-back run
    got: str = ""  # the answer, shortened (describe()); empty for cases of a held-back run


@dataclass
class Answers:
    outcomes: list = field(default_factory=list)
    import_error: str | None = None


def fresh_random() -> random.Random:
    """A generator for cases drawn per submission, seeded so that no two submissions see the same cases."""
    return random.Random(random.SystemRandom().getrandbits(128))  # noqa: S311 - test data, not secrets


def describe(value) -> str:
    """An answer (already parsed JSON) for a message, shortened."""
    text = repr(tuple(value) if isinstance(value, list) else value)
    return text if len(text) <= 80 else text[:77] + "..."


def number(value, *, limit: float = MAX_NUMBER) -> float:
    """The answer as a float: an int or a float, finite and within limit; a bool, a string or None is Wrong."""
    if isinstance(value, bool):
        raise Wrong(f"returned {value!r}, a bool, not a number")
    if isinstance(value, str):
        raise Wrong(f"returned {describe(value)}, a string, not a number")
    if not isinstance(value, (int, float)):
        raise Wrong(f"returned {describe(value)}, not a number")
    if isinstance(value, int) and abs(value) > limit:
        raise Wrong("returned a number too large to be the answer")
    value = float(value)
    if not math.isfinite(value):
        raise Wrong(f"returned {value!r}, not a finite number")
    if abs(value) > limit:
        raise Wrong("returned a number too large to be the answer")
    return value


def close_to(value, want: float, tolerance: float) -> float:
    got = number(value)
    if not abs(got - want) <= tolerance:
        raise Wrong(f"returned {round(got, 10)!r}, expected {round(want, 10)!r}")
    return got


def whole_numbers(value, count: int, *, limit: float = MAX_NUMBER) -> list[int]:
    """The answer as `count` whole numbers (a tuple comes back as a list; 1024.0 counts as 1024)."""
    if not isinstance(value, list) or len(value) != count:
        raise Wrong(f"returned {describe(value)}, not {count} whole numbers")
    numbers = []
    for item in value:
        try:
            got = number(item, limit=limit)
        except Wrong:
            raise Wrong(f"returned {describe(value)}, not {count} whole numbers") from None
        if not got.is_integer():
            raise Wrong(f"returned {describe(value)}, not {count} whole numbers")
        numbers.append(int(got))
    return numbers


def driver(
    cases: list[Case], check: Callable, *, shown: bool, start_seconds=START_SECONDS, answer_seconds=ANSWER_SECONDS
):
    """driver(channel) for a Run: each case sent alone, its answer awaited and judged by check(case, value)
    (raises Wrong when the answer is wrong). The driver's value is Answers; it never raises."""
    cases = list(cases)

    def drive(channel) -> Answers:
        answers = Answers()
        try:
            exchange(channel, cases, check, answers, shown, start_seconds, answer_seconds)
        except Exception:  # our bug, not the student's: every case not yet judged fails, with a plain reason
            logger.exception("the case driver failed")
            done = len(answers.outcomes)
            answers.outcomes += [Outcome(c, False, "could not be run") for c in cases[done:]]
        return answers

    return drive


def exchange(channel, cases, check, answers, shown, start_seconds, answer_seconds):
    def fail_rest(start, problem):
        answers.outcomes += [Outcome(c, False, problem if shown else "") for c in cases[start:]]

    try:
        hello = channel.receive(start_seconds)
    except NoReply as exc:
        return fail_rest(0, f"the program did not start ({exc})")
    if isinstance(hello, dict) and hello.get("ready") is False:
        error = hello.get("error")
        answers.import_error = error[:DETAIL_CHARS] if isinstance(error, str) and error.strip() else "it failed"
        return fail_rest(0, "the module did not import")
    if not isinstance(hello, dict) or hello.get("ready") is not True:
        return fail_rest(0, "the program did not start properly (its first line was not the runner's)")
    tokens = random.SystemRandom()
    for index, case in enumerate(cases):
        token = tokens.getrandbits(48)
        if not channel.send({"id": token, "function": case.function, "args": case.args}):
            return fail_rest(index, "not asked: the program had stopped reading")
        asked = time.monotonic()
        try:
            reply = channel.receive(answer_seconds)
        except NoReply as exc:
            if time.monotonic() - asked >= answer_seconds:  # still busy: a later line would answer the wrong case
                answers.outcomes.append(Outcome(case, False, f"no answer within {answer_seconds:g} s" if shown else ""))
                return fail_rest(index + 1, "not asked: the program had stopped answering")
            answers.outcomes.append(Outcome(case, False, str(exc) if shown else ""))
            continue
        problem = judge_reply(case, reply, token, check)
        got = ""
        if shown and problem != "the answer that came back was not for this case":
            if isinstance(reply, dict) and "value" in reply and len(json.dumps(reply)) <= MAX_ANSWER_CHARS:
                got = describe(reply["value"])
            elif isinstance(reply, dict) and "error" in reply:
                got = "an exception"
        answers.outcomes.append(Outcome(case, problem is None, (problem or "") if shown else "", got))
    return None


def judge_reply(case, reply, token, check) -> str | None:
    """None when the reply is this case's right answer, else why not."""
    if not isinstance(reply, dict) or type(reply.get("id")) is not int or reply["id"] != token:
        return "the answer that came back was not for this case"
    if len(json.dumps(reply)) > MAX_ANSWER_CHARS:
        return "the answer is too large"
    if "error" in reply:
        error = reply["error"]
        return error[:DETAIL_CHARS] if isinstance(error, str) and error.strip() else "it failed"
    if "value" not in reply:
        return "no value came back"
    try:
        check(case, reply["value"])
    except Wrong as exc:
        return str(exc)[:DETAIL_CHARS]
    except Exception:
        logger.exception("a lab's check failed on %r", case)
        return "the answer could not be checked"
    return None


def runs(module: str, shown: list[Case], held_back: list[Case], check: Callable, *, limits=None) -> list[Run]:
    """The two Runs of a function lab: shown cases (public and fresh; output shown) and held-back cases
    (output never shown), each through spinup_cases.py calling functions of `module`."""
    files = {RUNNER: (HARNESS / RUNNER).read_bytes()}
    command = ["python3", RUNNER, module]
    return [
        Run(SHOWN, command, files, limits, driver=driver(shown, check, shown=True), show_output=True),
        Run(HELD_BACK, command, files, limits, driver=driver(held_back, check, shown=False), show_output=False),
    ]


def example_run(module: str, examples: list[Case], check: Callable, *, limits=None) -> Run:
    """The Run behind a lab's Run button: the statement's examples only, each answer judged and shown with
    its input and expected value (grading.run_examples), nothing held back in it."""
    files = {RUNNER: (HARNESS / RUNNER).read_bytes()}
    return Run("examples", ["python3", RUNNER, module], files, limits, driver=driver(examples, check, shown=True))


def answers_of(result: RunResult | None) -> Answers | None:
    value = result.driver.get("value") if result is not None else None
    return value if isinstance(value, Answers) else None


def group_checks(groups: dict[str, float], results: dict[str, RunResult], *, module_file: str) -> list[Check]:
    """One Check per group: passed when every case of the group, shown and held-back, was answered right.

    Messages show shown cases with their values; held-back cases are only counted, and nothing the held-back
    run wrote (its errors, its output) is ever repeated.
    """
    shown_run, held_run = results.get(SHOWN), results.get(HELD_BACK)
    shown, held = answers_of(shown_run), answers_of(held_run)
    trouble = None
    if shown is None or held is None:
        trouble = "no answers came back"
    elif shown.import_error:
        trouble = f"{module_file} did not import: {shown.import_error}"
    elif shown_run.output_cut or held_run.output_cut:
        trouble = "the code printed more than the output limit, so its answers do not count"
    if trouble:
        return [Check(group, False, 0, points, trouble) for group, points in groups.items()]
    after = run_trouble(shown_run)  # from the shown run only: the held-back run's stderr is never repeated
    checks = []
    for group, points in groups.items():
        mine = [o for o in shown.outcomes if o.case.group == group]
        secret = [o for o in held.outcomes if o.case.group == group]
        wrong = [o for o in mine if not o.passed]
        secret_wrong = sum(not o.passed for o in secret)
        parts = []
        if wrong:
            parts.append(
                f"{len(wrong)} of {len(mine)} shown cases wrong, e.g. {wrong[0].case.call}: {wrong[0].problem}"
            )
        if secret_wrong:
            parts.append(f"{secret_wrong} of {len(secret)} held-back cases wrong")
        passed = not parts and bool(mine or secret)
        if passed:
            message = f"all {len(mine) + len(secret)} cases right ({len(mine)} shown, {len(secret)} held-back)"
        else:
            message = "; ".join(parts) or "no cases were run"
            if after:
                message += f" ({after})"
        checks.append(Check(group, passed, points if passed else 0, points, message))
    return checks
