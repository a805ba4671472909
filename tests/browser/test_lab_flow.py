"""A student edits pricing.py in the editor, submits, watches the status change, fixes a failing check."""

import pytest
from playwright.sync_api import expect

from labs.models import Submission
from tests.courses.factories import UserFactory

pytestmark = pytest.mark.browser


def set_editor(page, code):
    page.wait_for_selector("html[data-editors=on]", state="attached")
    page.locator(".code-editor").first.click()
    page.evaluate(
        "(code) => document.querySelector('textarea[data-editor=\"pricing.py\"]').editor.setValue(code)", code
    )


def test_edit_submit_watch_fix(page, lab, solution_files, grader_worker, console):
    UserFactory(username="labber")
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("labber")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.locator("main").get_by_role("button", name="Log in").click()

    page.goto(lab.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Build a Lambda cost calculator")
    broken = solution_files["pricing.py"].replace("math.ceil(duration_ms)", "duration_ms")
    set_editor(page, broken)
    page.get_by_role("button", name="Submit for grading").click()
    expect(page.locator("#status-text[data-status=queued], #status-text[data-status=running]")).to_be_visible()
    expect(page.locator("#status-text[data-status=graded]")).to_be_visible(timeout=30_000)
    expect(page.locator("#status-text")).to_have_attribute("data-verdict", "failed")
    failing = page.locator("#checks tr.is-fail")
    expect(failing).to_have_count(1)
    expect(failing).to_contain_text("1 ms rounding")

    page.get_by_role("button", name="Edit these files and try again").click()
    set_editor(page, solution_files["pricing.py"])
    page.get_by_role("button", name="Submit for grading").click()
    expect(page.locator("#status-text[data-status=graded]")).to_be_visible(timeout=30_000)
    expect(page.locator("#status-text")).to_have_attribute("data-verdict", "passed")
    expect(page.locator("#score")).to_have_text("100%")
    assert Submission.objects.filter(user__username="labber").count() == 2
    assert console.errors == []
