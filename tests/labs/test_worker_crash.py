"""A grading worker killed with SIGKILL mid-grade: the submission still ends with exactly one result."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection

from labs import services
from labs.models import Submission
from tests.conftest import REPO, require
from tests.courses.factories import UserFactory

SLOW = "import time\ntime.sleep(30)\n\ndef monthly_cost(requests, duration_ms, memory_mb):\n    return 0.0\n"


def database_url():
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_env(settings) -> dict:
    """The environment of a real db_worker process against the test database and content."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "worker-test-secret-key-0123456789abcdefghijklmnop",
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": database_url(),
        "SPINUP_CONTENT_DIR": str(settings.CONTENT_DIR),
        "SPINUP_ENV_FILE": "/nonexistent/.env",
    }


def start_worker(env, *extra):
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--queue-name",
            "*",
            "--no-startup-delay",
            "--interval",
            "0.2",
            *extra,
        ],
        cwd=REPO,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_for(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_sigkill_mid_grade_still_ends_with_exactly_one_result(lab, settings, tmp_path):
    from labs import sandbox

    require(any(ok for ok, _ in sandbox.status().values()), "no sandbox backend is available")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.LAB_LEASE_SECONDS = 3
    env = {**worker_env(settings), "SPINUP_LAB_LEASE_SECONDS": "3"}
    submission = services.submission_create(user=UserFactory(), lab=lab, files={"pricing.py": SLOW})
    worker = start_worker(env)
    try:
        assert wait_for(lambda: Submission.objects.get(pk=submission.pk).status == "running", 30), worker.stderr
        time.sleep(1)  # well inside the sandbox run
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    killed = Submission.objects.get(pk=submission.pk)
    assert killed.status == "running" and killed.attempts == 1 and not killed.result

    time.sleep(3.5)  # the lease runs out
    assert services.submissions_reap() == [submission.pk]
    second = start_worker(env, "--batch")
    try:
        second.wait(timeout=120)
    finally:
        if second.poll() is None:
            os.killpg(second.pid, signal.SIGKILL)
    final = Submission.objects.get(pk=submission.pk)
    assert final.status == "graded", (final.status, final.error, second.stderr.read()[-2000:])
    assert final.verdict == "timeout" and final.attempts == 2
    assert final.lease_expires_at is None and final.finished_at is not None
    assert Submission.objects.count() == 1


@pytest.fixture(autouse=True)
def clean_up_the_killed_run():
    """The killed worker's `docker run` client dies, its container does not: remove it (reap does, later)."""
    yield
    from labs.sandbox import docker

    docker.reap(force=True)
