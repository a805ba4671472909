"""Observations come only from trusted processes: the driver's channel, and an endpoint in its own sandbox."""

import json

import pytest

from labs import grading, sandbox
from labs.sandbox import Limits, NoReply, parse_untrusted_json

ECHO = b"""
import json, os, sys
proto = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)
for line in sys.stdin:
    msg = json.loads(line)
    print("noise on stdout goes to stderr")
    proto.write(msg["reply"] + "\\n")
"""


def converse(backend, replies):
    def driver(channel):
        out = []
        for reply in replies:
            channel.send({"reply": reply})
            try:
                out.append(channel.receive(5))
            except NoReply as exc:
                out.append(f"NoReply: {exc}")
        return out

    result = sandbox.run({"echo.py": ECHO}, ["python3", "echo.py"], Limits(), backend=backend, driver=driver)
    assert "error" not in result.driver, result.driver
    return result, result.driver["value"]


def test_driver_talks_case_by_case_and_refuses_unusable_replies(backend):
    deep = "[" * 100 + "]" * 100
    result, got = converse(backend, ['{"v": 2}', '{"v": NaN}', '{"v": Infinity}', "not json", deep, "[1, 2]"])
    assert got[0] == {"v": 2}
    assert got[1].startswith("NoReply") and "NaN" in got[1]
    assert got[2].startswith("NoReply") and "Infinity" in got[2]
    assert got[3] == "NoReply: the reply is not valid JSON"
    assert got[4] == "NoReply: the reply is nested too deeply"
    assert got[5] == [1, 2]
    assert b"noise on stdout" in result.stderr


def test_driver_notices_a_program_that_stops_answering(backend):
    def driver(channel):
        channel.send({"x": 1})
        with pytest.raises(NoReply, match="ended"):
            channel.receive(5)
        return "ok"

    result = sandbox.run(
        {"quit.py": b"import sys\nsys.stdin.readline()\n"},
        ["python3", "quit.py"],
        Limits(),
        backend=backend,
        driver=driver,
    )
    assert result.driver == {"value": "ok"}


def test_parse_untrusted_json_caps_size():
    with pytest.raises(NoReply, match="larger"):
        parse_untrusted_json(b"[" + b"1," * 200_000 + b"1]")


SERVICE = b"""
import json, os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind("/svc/aws.sock")
s.listen(1)
print(json.dumps({"ready": True}), flush=True)
conn, _ = s.accept()
data = conn.recv(100)
conn.close()
sys.stdin.readline()
print(json.dumps({"state": data.decode()}), flush=True)
"""

STUDENT = b"""
import os, socket
c = socket.socket(socket.AF_UNIX)
c.connect("/svc/aws.sock")
c.sendall(b"made the call")
for attempt in (lambda: os.unlink("/svc/aws.sock"), lambda: open("/svc/other", "w")):
    try:
        attempt()
        print("CHANGED THE SHARE")
    except OSError as exc:
        print("refused", exc.errno)
"""


def test_a_student_reaches_the_endpoint_only_through_a_read_only_socket(backend):
    with sandbox.shared_folder(backend) as share:

        def driver(channel):
            assert channel.receive(10) == {"ready": True}
            student = sandbox.run(
                {"s.py": STUDENT}, ["python3", "s.py"], Limits(), backend=backend, share=share.read_only()
            )
            channel.send({"collect": True})
            return student, channel.receive(5)

        service = sandbox.run(
            {"svc.py": SERVICE}, ["python3", "svc.py"], Limits(), backend=backend, driver=driver, share=share
        )
    student, state = service.driver["value"]
    assert state == {"state": "made the call"}
    assert b"CHANGED" not in student.stdout and student.stdout.count(b"refused 30") == 2


def test_forged_observations_earn_nothing_on_an_aws_lab(backend):
    """The forged-exit case prints a perfect observation line and exits: the endpoint holds nothing."""
    case = grading.lab_dir("ecs-fargate-service") / "wrong" / "forged-exit" / "files"
    verdict = grading.grade("ecs-fargate-service", grading.read_tree(case), backend=backend)
    assert verdict.score == 0 and verdict.verdict == "failed"
    assert "SPINUP-OBSERVATIONS" in verdict.runs["deploy"]["stdout"]  # it was printed, and ignored


def test_a_judge_that_raises_fails_a_check_instead_of_erroring(backend, monkeypatch):
    real = grading.load_grader

    def broken(root):
        module = real(root)
        monkeypatch.setattr(module, "judge", lambda ctx, results: json.loads("{" * 5000))
        return module

    monkeypatch.setattr(grading, "load_grader", broken)
    case = grading.lab_dir("ecs-fargate-service") / "solution"
    verdict = grading.grade("ecs-fargate-service", grading.read_tree(case), backend=backend)
    assert verdict.status == "graded" and verdict.verdict == "failed"
    assert verdict.checks[0].message.startswith("the results could not be judged")


def test_displayed_output_loses_control_characters():
    assert grading.displayable("ok\x1b[2J\x1b]0;owned\x07\u202e\x00done\n") == "ok[2J]0;owneddone\n"


def test_terminal_escapes_from_a_submission_never_reach_the_cli(backend, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    (tmp_path / "deploy.py").write_text(
        "def deploy(ecs, infra):\n    raise RuntimeError('\\x1b[2J\\x1b]0;owned\\x07 cleared your screen')\n"
    )
    out = StringIO()
    call_command("grade", "ecs-fargate-service", str(tmp_path), "--backend", backend, stdout=out)
    text = out.getvalue()
    assert "cleared your screen" in text  # the student's message is shown ...
    assert "\x1b" not in text and "\x07" not in text  # ... without its control characters
