"""Playwright on Debian's Chromium (never a downloaded browser), against pytest-django's live server."""

import os

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
