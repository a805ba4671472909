"""Grading never loops, leaks or 500s on hostile bytes; uploads are refused with a message before harm."""

import io
import zipfile
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from labs import grading, limits, services
from labs.models import Submission
from tests.conftest import require
from tests.courses.factories import UserFactory
from tests.labs.test_worker_crash import start_worker, worker_env

pytestmark = pytest.mark.django_db

NUL_OUTPUT = (
    "import sys\nsys.stdout.write('before\\x00after \\xff\\n')\nsys.stderr.buffer.write(b'bad utf-8 \\xff\\xfe\\x00\\n')\n\n"
    "def monthly_cost(requests, duration_ms, memory_mb):\n    print('\\x00\\x1b[31m')\n    return 0.0\n"
)


def submit(client, lab, data, **extra):
    return client.post(reverse("labs:submit", args=[lab.content_id]), data, **extra)


def zipped(entries, *, compression=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def upload(data, name="work.zip"):
    handle = io.BytesIO(data)
    handle.name = name
    return handle


# ---------------------------------------------------------------- grading


@pytest.mark.django_db(transaction=True)
def test_nul_output_through_a_real_worker_ends_with_one_verdict(lab, settings):
    """A program that prints NUL and invalid UTF-8 used to make PostgreSQL refuse the final save, and the
    submission was re-claimed forever. Through a real db_worker it ends graded, once, with clean text."""
    from labs import sandbox

    require(any(ok for ok, _ in sandbox.status().values()), "no sandbox backend is available")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    env = worker_env(settings)
    submission = services.submission_create(user=UserFactory(), lab=lab, files={"pricing.py": NUL_OUTPUT})
    worker = start_worker(env, "--batch")
    try:
        worker.wait(timeout=180)
    finally:
        if worker.poll() is None:
            worker.kill()
    final = Submission.objects.get(pk=submission.pk)
    assert final.status == "graded", (final.status, final.error, worker.stderr.read()[-2000:])
    assert final.attempts == 1
    text = str(final.result)
    assert "\x00" not in text and "\x1b" not in text
    assert Submission.objects.count() == 1


def test_a_verdict_the_database_refuses_becomes_an_error_not_a_running_submission(lab, solution_files, monkeypatch):
    submission = Submission.objects.create(user=UserFactory(), lab=lab, files=solution_files)
    real = grading.grade

    def unstorable(*args, **kwargs):
        verdict = real(*args, **kwargs)
        verdict.extra["oops"] = object()  # not JSON: the save fails
        return verdict

    monkeypatch.setattr(grading, "grade", unstorable)
    services.submission_grade(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.status == "error" and submission.error == "The verdict could not be saved."
    assert submission.lease_expires_at is None


def test_every_claim_path_caps_attempts_and_a_spent_submission_says_so(client, lab, solution_files, settings):
    user = UserFactory()
    past = timezone.now() - timedelta(minutes=5)
    lost = Submission.objects.create(
        user=user, lab=lab, files=solution_files, status="running", attempts=settings.LAB_MAX_ATTEMPTS,
        lease_expires_at=past, worker="dead",
    )  # fmt: skip
    assert services.submission_claim(submission_id=lost.pk, worker="me") is None
    assert lost.pk not in services.submissions_reap()
    lost.refresh_from_db()
    assert lost.status == "error" and lost.gave_up and "will not be retried" in lost.error
    client.force_login(user)
    html = client.get(lost.get_absolute_url()).content.decode()
    assert "hx-trigger" not in html  # no polling for ever
    assert "on every try" in html and "It will be retried" not in html


def test_viewing_the_verdict_page_never_enqueues_a_grading(client, lab, solution_files):
    user = UserFactory()
    client.force_login(user)
    errored = Submission.objects.create(
        user=user, lab=lab, files=solution_files, status="error", attempts=1, error="no sandbox",
        finished_at=timezone.now() - timedelta(seconds=30),
    )  # fmt: skip
    for _ in range(20):  # tests run tasks inline: an enqueue here would grade it at once
        assert client.get(errored.get_absolute_url()).status_code == 200
    errored.refresh_from_db()
    assert (errored.status, errored.attempts) == ("error", 1)
    assert "It will be retried shortly (try 1 of" in client.get(errored.get_absolute_url()).content.decode()


def test_lab_pages_ask_the_sandbox_at_most_once_in_a_while(client, lab, monkeypatch):
    from labs import sandbox, views

    calls = []
    monkeypatch.setattr(views, "_STATUS", {"at": None, "value": None})
    real = sandbox.resolve
    monkeypatch.setattr(sandbox, "resolve", lambda *a: calls.append(1) or real(*a))
    client.force_login(UserFactory())
    for _ in range(5):
        client.get(lab.get_absolute_url())
        client.get(reverse("labs:list"))
    assert len(calls) == 1


# ---------------------------------------------------------------- uploads and files


def test_oversized_bodies_are_refused_before_they_are_read(client):
    body = b"x" * (limits.MAX_REQUEST_BYTES + 1)
    response = client.generic("POST", "/accounts/login/", body, content_type="application/octet-stream")
    assert response.status_code == 413 and b"larger than" in response.content


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"pricing.py": "x = '\x00'"}, "NUL"),
        ({"a": "1", "a/b.py": "2"}, "both a file and a folder"),
        ({"./pricing.py": "1"}, "no '.', '..'"),
        ({"../x.py": "1"}, "no '.', '..'"),
        ({"/etc/x": "1"}, "absolute"),
        ({"x" * 256 + "/y.py": "1"}, "too long"),
        ({"bad\x1bname.py": "1"}, "control characters"),
        ({f"f{i}.py": "1" for i in range(51)}, "at most 50 files"),
        ({"big.py": "x" * (limits.MAX_FILE_BYTES + 1)}, "larger than 256 KiB"),
    ],
)
def test_editor_files_are_checked_by_the_one_path_validator(client, lab, files, message):
    client.force_login(UserFactory())
    data = {f"file:{name}": text for name, text in files.items()}
    response = submit(client, lab, data)
    assert response.status_code == 400
    assert message.lower() in unescape(response.content.decode()).lower()
    assert not Submission.objects.exists()


def encrypted_zip():
    data = bytearray(zipped({"pricing.py": "x = 1"}, compression=zipfile.ZIP_STORED))
    data[6] |= 0x1  # the local header's "encrypted" flag
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 0x1
    return bytes(data)


def bad_crc_zip():
    data = bytearray(zipped({"pricing.py": "x = 1\n" * 20}, compression=zipfile.ZIP_STORED))
    position = data.find(b"x = 1")
    data[position] = ord("y")  # content changed, CRC not
    return bytes(data)


def bzip2_zip():
    return zipped({"pricing.py": "x = 1"}, compression=zipfile.ZIP_BZIP2)


def corrupt_zip():
    data = zipped({"pricing.py": "def monthly_cost(r, d, m):\n    return 1.0\n" * 5})
    start = 30 + len("pricing.py")  # the deflate stream follows the local header and the name
    return data[:start] + b"\xff\xff\xff\xff" + data[start + 4 :]


@pytest.mark.parametrize(
    ("archive", "message"),
    [
        (encrypted_zip, "encrypted"),
        (bad_crc_zip, "damaged"),
        (bzip2_zip, "deflate"),
        (corrupt_zip, "damaged"),
        (lambda: b"PK\x03\x04 not really", "not a readable zip"),
        (lambda: zipped({"a.py": "1", "a.py/b.py": "2"}), "both a file and a folder"),
        (lambda: zipped({"pricing.py": "\x00"}), "NUL"),
        (lambda: zipped({"pricing.py": b"\xff\xfe"}), "UTF-8"),
    ],
)
def test_broken_archives_get_a_message_not_a_500(client, lab, archive, message):
    client.force_login(UserFactory())
    response = submit(client, lab, {"archive": upload(archive())})
    assert response.status_code == 400, response.content[:300]
    assert message.lower() in unescape(response.content.decode()).lower()
    assert not Submission.objects.exists()


def test_a_refused_submission_leaves_no_work_folder_behind(lab, settings):
    from labs import sandbox

    require(sandbox.BACKENDS["bwrap"].available()[0], "bubblewrap is needed to see its work folders")
    root = Path(django_settings.LAB_WORK_ROOT)
    before = set(root.iterdir()) if root.exists() else set()
    verdict = grading.grade("lambda-cost-calculator", {"pricing.py": b"x", "pricing.py/b": b"y"}, backend="bwrap")
    assert verdict.verdict == "refused"
    assert (set(root.iterdir()) if root.exists() else set()) == before


def test_bad_attempt_numbers_are_a_clear_400(client, lab):
    client.force_login(UserFactory())
    for bad in ["abc", "1e9", "-1", "9" * 40, "\u0661"]:
        response = client.get(lab.get_absolute_url(), {"from": bad})
        assert response.status_code == 400 and "must be an attempt number" in response.content.decode()
    assert client.get(lab.get_absolute_url(), {"from": "424242"}).status_code == 404


def test_files_loaded_from_an_earlier_zip_attempt_survive_a_resubmit(client, lab, solution_files):
    user = UserFactory()
    client.force_login(user)
    files = {"pricing.py": solution_files["pricing.py"], "helpers/rates.py": "RATE = 1\n"}
    earlier = Submission.objects.create(user=user, lab=lab, files=files, status="graded", verdict="passed", score=1)
    html = client.get(lab.get_absolute_url(), {"from": earlier.pk}).content.decode()
    assert 'name="file:helpers/rates.py"' in html
    data = {"file:pricing.py": files["pricing.py"], "file:helpers/rates.py": files["helpers/rates.py"]}
    assert submit(client, lab, data).status_code == 302
    assert Submission.objects.latest("created_at").files == files


def test_an_archive_never_silently_discards_the_editors_edits(client, lab):
    client.force_login(UserFactory())
    page = client.get(lab.get_absolute_url()).content.decode()
    loaded = page.split('name="loaded" value="', 1)[1].split('"', 1)[0]
    archive = upload(zipped({"pricing.py": "def monthly_cost(r, d, m):\n    return 1.0\n"}))
    edited = {"file:pricing.py": "# my edits\n", "loaded": loaded, "archive": archive}
    response = submit(client, lab, edited)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Submit one or the other" in html and "# my edits" in html
    assert not Submission.objects.exists()
    # The archive alone (the editor as loaded) is accepted.
    starter = page.split('name="file:pricing.py"', 1)[1].split(">", 1)[1].split("</textarea>", 1)[0]
    untouched = {"file:pricing.py": unescape(starter), "loaded": loaded, "archive": upload(archive.getvalue())}
    assert submit(client, lab, untouched).status_code == 302
