"""Playwright on Debian's Chromium (never a downloaded browser), against pytest-django's live server."""

import os
import threading
import time

import pytest

from courses.services import content_sync

# Playwright's sync API runs an event loop in this thread; the ORM calls made by tests are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser(chromium_path_session):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path_session, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def chromium_path_session():
    import shutil
    from pathlib import Path

    from tests.conftest import require

    path = shutil.which("chromium") or "/usr/bin/chromium"
    require(Path(path).exists(), "Debian's chromium is not installed (apt-get install chromium)")
    return path


class ConsoleLog:
    def __init__(self):
        self.errors = []

    def attach(self, page):
        page.on(
            "console", lambda msg: msg.type in ("error", "warning") and self.errors.append(f"{msg.type}: {msg.text}")
        )
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))


@pytest.fixture
def console():
    return ConsoleLog()


@pytest.fixture
def page(browser, live_server, console):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    console.attach(page)
    yield page
    context.close()


@pytest.fixture
def live_curriculum(transactional_db, real_bundle):
    content_sync(bundle=real_bundle)


@pytest.fixture
def grader_worker(lab, settings):
    """A grading worker beside the live server: takes queued submissions and runs, like db_worker
    would (half a second after each is queued, so pages show it queued first)."""
    from labs import sandbox, services
    from labs.models import Submission
    from tests.conftest import require

    require(any(ok for ok, _ in sandbox.status().values()), "no sandbox backend is available")
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    stop = threading.Event()

    def loop():
        from django.db import connection

        while not stop.is_set():
            for pk in Submission.objects.filter(status="queued").values_list("pk", flat=True):
                time.sleep(0.5)  # long enough for the page to show it queued
                services.submission_grade(submission_id=pk)
            time.sleep(0.2)
        connection.close()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=30)
