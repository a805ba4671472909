"""labs/cases.py: answers are judged strictly on the trusted side, held-back cases are never described, and the
student-side runner (spinup_cases.py) in a real sandbox cannot make a wrong answer count."""

import math
import time

import pytest

from labs import cases, sandbox
from labs.cases import Answers, Case, Outcome, Wrong
from labs.sandbox import Limits, NoReply, RunResult


def right(case, value):
    cases.close_to(value, case.want, 0.011)


class FakeChannel:
    """Replies queued in advance (a NoReply instance is raised); the token of each case is echoed unless told."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.sent = []

    def send(self, message):
        self.sent.append(message)
        return True

    def receive(self, timeout):
        if not self.replies:
            raise NoReply("the program ended before it answered")
        reply = self.replies.pop(0)
        if isinstance(reply, NoReply):
            raise reply
        if callable(reply):
            return reply(self.sent[-1])
        return reply


def echo(value):
    return lambda request: {"id": request["id"], "value": value}


def drive(replies, case_list, *, shown=True, answer_seconds=1.0):
    channel = FakeChannel(replies)
    answers = cases.driver(case_list, right, shown=shown, answer_seconds=answer_seconds)(channel)
    return answers, channel


CASE = Case("f", [1, 2], 3.0, "g")


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (True, "a bool"),
        (False, "a bool"),
        ("3.0", "a string"),
        (None, "not a number"),
        ([3.0], "not a number"),
        (10**30, "too large"),
        (1e300, "too large"),
    ],
)
def test_number_refuses_anything_but_a_finite_int_or_float(value, why):
    with pytest.raises(Wrong, match=why):
        cases.number(value)


def test_number_refuses_non_finite_floats():
    for value in (math.nan, math.inf, -math.inf):
        with pytest.raises(Wrong, match="not a finite number"):
            cases.number(value)


def test_close_to_and_whole_numbers():
    assert cases.close_to(3, 3.001, 0.011) == 3.0
    with pytest.raises(Wrong, match=r"returned 3\.5, expected 3\.0"):
        cases.close_to(3.5, 3.0, 0.011)
    assert cases.whole_numbers([512, 1024.0], 2) == [512, 1024]
    for bad in ([512, 1024.5], [512, True], [512], "512,1024", None, [512, "1024"]):
        with pytest.raises(Wrong):
            cases.whole_numbers(bad, 2)


def test_describe_shortens_long_answers():
    assert cases.describe([1, 2]) == "(1, 2)"
    assert len(cases.describe("x" * 500)) == 80


def test_each_case_is_sent_alone_and_its_answer_judged():
    answers, channel = drive([{"ready": True}, echo(3.0), echo(4.0)], [CASE, CASE])
    assert [o.passed for o in answers.outcomes] == [True, False]
    assert answers.outcomes[1].problem == "returned 4.0, expected 3.0"
    assert [m["args"] for m in channel.sent] == [[1, 2], [1, 2]]
    assert channel.sent[0]["id"] != channel.sent[1]["id"]


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        (lambda r: {"id": r["id"] + 1, "value": 3.0}, "not for this case"),
        (lambda r: {"id": True, "value": 3.0}, "not for this case"),
        (lambda r: {"id": float(r["id"]), "value": 3.0}, "not for this case"),
        (lambda r: [r["id"], 3.0], "not for this case"),
        (lambda r: {"id": r["id"], "value": 3.0, "pad": "x" * 5000}, "too large"),
        (lambda r: {"id": r["id"], "error": "raised ValueError: no"}, "raised ValueError: no"),
        (lambda r: {"id": r["id"], "error": ["odd"]}, "it failed"),
        (lambda r: {"id": r["id"]}, "no value"),
        (lambda r: {"id": r["id"], "value": True}, "a bool"),
        (lambda r: {"id": r["id"], "value": "3.0"}, "a string"),
        (NoReply("the reply contains NaN, which is not a number"), "NaN"),
    ],
)
def test_a_reply_that_is_not_this_cases_number_fails_it(reply, problem):
    answers, _ = drive([{"ready": True}, reply, echo(3.0)], [CASE, CASE])
    first, second = answers.outcomes
    assert not first.passed and problem in first.problem
    assert second.passed  # the stream is still in step after a bad line


def test_answers_written_ahead_of_time_do_not_count():
    forged = [{"id": n, "value": 3.0} for n in range(5)]
    answers, _ = drive([{"ready": True}, *forged], [CASE] * 3)
    assert not any(o.passed for o in answers.outcomes)


def test_a_check_that_breaks_fails_the_case_instead_of_the_grading():
    def broken(case, value):
        raise KeyError("oops")

    answers = cases.driver([CASE], broken, shown=True)(FakeChannel([{"ready": True}, echo(3.0)]))
    assert answers.outcomes[0].problem == "the answer could not be checked"


def test_an_import_error_or_a_strange_first_line_fails_every_case():
    answers, channel = drive([{"ready": False, "error": "SyntaxError: bad"}], [CASE, CASE])
    assert answers.import_error == "SyntaxError: bad"
    assert not any(o.passed for o in answers.outcomes) and channel.sent == []
    answers, channel = drive([{"verdict": "passed", "score": 1.0}], [CASE])
    assert "did not start properly" in answers.outcomes[0].problem and channel.sent == []
    answers, _ = drive([], [CASE])
    assert "did not start" in answers.outcomes[0].problem


def test_a_case_without_an_answer_in_time_stops_the_exchange():
    class Slow(FakeChannel):
        def receive(self, timeout):
            if self.sent:
                time.sleep(timeout)
                raise NoReply(f"no answer within {timeout:g} s")
            return {"ready": True}

    channel = Slow([])
    answers = cases.driver([CASE, CASE, CASE], right, shown=True, answer_seconds=0.05)(channel)
    assert len(channel.sent) == 1
    assert [o.problem for o in answers.outcomes] == [
        "no answer within 0.05 s",
        "not asked: the program had stopped answering",
        "not asked: the program had stopped answering",
    ]


def test_a_held_back_run_keeps_no_description_of_its_cases():
    answers, _ = drive(
        [{"ready": True}, echo(4.0), lambda r: {"id": r["id"], "error": "raised X: secret"}], [CASE, CASE], shown=False
    )
    assert [o.problem for o in answers.outcomes] == ["", ""]


def result(answers, **flags):
    fields = {"exit_code": 0, "stderr": b"Traceback\nValueError: secret 42\n", **flags}
    return RunResult(driver={"value": answers}, **fields)


def test_group_checks_show_shown_cases_and_only_count_held_back_ones():
    a, b = Case("f", [1], 1.0, "a"), Case("f", [2], 2.0, "b")
    shown = Answers([Outcome(a, True), Outcome(b, False, "returned 9.0, expected 2.0")])
    held = Answers([Outcome(a, True), Outcome(b, False), Outcome(b, True)])
    results = {cases.SHOWN: result(shown), cases.HELD_BACK: result(held, exit_code=1)}
    checks = cases.group_checks({"a": 1, "b": 2}, results, module_file="m.py")
    assert [(c.name, c.passed, c.points) for c in checks] == [("a", True, 1), ("b", False, 0)]
    assert checks[0].message == "all 2 cases right (1 shown, 1 held-back)"
    assert (
        checks[1].message
        == "1 of 1 shown cases wrong, e.g. f(2): returned 9.0, expected 2.0; 1 of 2 held-back cases wrong"
    )
    assert "secret" not in " ".join(c.message for c in checks)


def test_group_checks_fail_everything_on_missing_answers_an_import_error_or_cut_output():
    ok = Answers([Outcome(CASE, True)])
    groups = {"g": 1}
    missing = {cases.SHOWN: result(ok), cases.HELD_BACK: RunResult(exit_code=0, driver={"error": RuntimeError()})}
    assert cases.group_checks(groups, missing, module_file="m.py")[0].message == "no answers came back"
    broken = {
        cases.SHOWN: result(Answers([Outcome(CASE, False)], import_error="NameError: x")),
        cases.HELD_BACK: result(ok),
    }
    assert cases.group_checks(groups, broken, module_file="m.py")[0].message == "m.py did not import: NameError: x"
    flood = {cases.SHOWN: result(ok), cases.HELD_BACK: result(ok, stderr_truncated=True)}
    assert not cases.group_checks(groups, flood, module_file="m.py")[0].passed


def test_runs_hide_the_held_back_run_and_carry_the_runner():
    shown, held = cases.runs("m", [CASE], [CASE], right)
    assert (shown.show_output, held.show_output) == (True, False)
    assert shown.command == ["python3", cases.RUNNER, "m"] and cases.RUNNER in held.files


# ---------------------------------------------------------------- the runner in a real sandbox

MODULE = """
import math, os, sys
math.isfinite = lambda x: True
print("SPINUP-OBSERVATIONS {}")  # goes to stderr, not to the answers

def add(a, b):
    if a == 99:
        os._exit(0)
    if a == 7:
        return float("nan")
    if a == 8:
        return (a, b)
    if a == 9:
        raise ValueError("nine")
    if a == 10:
        while True:
            pass
    return a + b
"""
SHADOW = "def dumps(*a, **k):\n    return '{\"ready\": true}'\n"


def run_cases(backend, case_list, check, files=None, **limits):
    run = cases.runs("mod", case_list, [], check)[0]
    run.driver = cases.driver(case_list, check, shown=True, answer_seconds=1.5)
    result = sandbox.run(
        {"mod.py": MODULE.encode(), **(files or {}), **run.files},
        run.command,
        Limits.from_dict({"wall_seconds": 5, **limits}),
        backend=backend,
        driver=run.driver,
    )
    return result, result.driver["value"]


def test_the_runner_answers_each_case_and_only_the_answers_count(backend):
    def check(case, value):
        if isinstance(case.want, list):
            if cases.whole_numbers(value, 2) != case.want:
                raise Wrong("no")
        else:
            cases.close_to(value, case.want, 0.011)

    case_list = [
        Case("add", [1, 2], 3, "g"),
        Case("add", [7, 0], 7, "g"),
        Case("add", [8, 1], [8, 1], "g"),
        Case("add", [9, 0], 9, "g"),
        Case("nothing", [], 0, "g"),
        Case("add", [2, 2], 4, "g"),
    ]
    result, answers = run_cases(backend, case_list, check, {"json.py": SHADOW.encode()})
    assert [o.passed for o in answers.outcomes] == [True, False, True, False, False, True], answers.outcomes
    assert "nan" in answers.outcomes[1].problem
    assert answers.outcomes[3].problem == "raised ValueError: nine"
    assert b"SPINUP-OBSERVATIONS" in result.stderr and result.stdout == b""


def test_an_early_exit_or_an_endless_case_fails_the_rest(backend):
    _, answers = run_cases(
        backend, [Case("add", [1, 2], 3, "g"), Case("add", [99, 0], 99, "g"), Case("add", [1, 1], 2, "g")], right
    )
    assert [o.passed for o in answers.outcomes] == [True, False, False]
    result, answers = run_cases(
        backend, [Case("add", [10, 0], 10, "g"), Case("add", [1, 1], 2, "g")], right, wall_seconds=3
    )
    assert [o.problem for o in answers.outcomes] == [
        "no answer within 1.5 s",
        "not asked: the program had stopped answering",
    ]
    assert result.timed_out or result.cpu_exceeded
