"""A learner in a real Chromium: sign up, read, mark complete, see progress move, log out; and no CSP errors."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from courses.models import Lesson, LessonProgress

pytestmark = pytest.mark.browser


def test_new_learner_signs_up_reads_a_lesson_and_tracks_progress(page, live_curriculum, console):
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Sign up").click()
    page.get_by_label("Username").fill("playwright-learner")
    page.get_by_label("Email").fill("pw@example.com")
    page.get_by_label("Password", exact=True).fill("a-long-pass-phrase-9")
    page.get_by_label("Password confirmation").fill("a-long-pass-phrase-9")
    page.locator("main").get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    link = re.search(r"https?://\S+/accounts/signup/confirm/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm and create my account").click()
    expect(page.get_by_role("heading", name="Welcome to Spinup, playwright-learner")).to_be_visible()

    page.get_by_role("link", name="AWS Lambda").click()
    lesson = Lesson.objects.published().filter(module__content_id="lambda").order_by("position").first()
    total = Lesson.objects.published().filter(module__content_id="lambda").count()
    page.get_by_role("link", name=lesson.title).click()
    expect(page.get_by_role("heading", level=1, name=lesson.title)).to_be_visible()

    progress = page.locator("#module-progress")
    expect(progress).to_have_attribute("value", "0")
    expect(progress).to_have_attribute("max", str(total))
    url_before = page.url
    page.get_by_role("button", name="Mark complete").click()
    expect(page.locator("#completed-note")).to_be_visible()
    expect(page.locator("#module-progress")).to_have_attribute("value", "1")
    assert page.url == url_before  # swapped in by htmx, no page load
    assert LessonProgress.objects.get(user__username="playwright-learner", lesson=lesson).completed_at

    page.goto("/")
    expect(page.locator("#course-progress")).to_have_attribute("value", "1")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Learn AWS containers"))).to_be_visible()
    assert console.errors == []


def test_pages_raise_no_csp_violations(page, live_curriculum, console):
    violations = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and violations.append(msg.text))
    lesson = Lesson.objects.published().filter(body_markdown__contains="```").first()
    for path in [
        "/",
        "/courses/aws-compute/",
        "/modules/fargate/",
        lesson.get_absolute_url(),
        "/glossary/",
        "/accounts/login/",
    ]:
        response = page.goto(path)
        assert response.status == 200, path
        expect(page.locator("main")).to_be_visible()
    # htmx-driven search on the search page
    page.goto("/search/")
    page.get_by_role("searchbox", name="Search lessons").last.fill("cold start")
    expect(page.locator("#search-results article").first).to_be_visible()
    assert re.search(r"q=cold(\+|%20)start", page.url)
    # scripts ran: htmx is loaded under the nonce
    assert page.evaluate("typeof htmx") == "object"
    assert violations == []
    assert console.errors == []
