"""The lab page as an IDE: a draft saved as you type and restored, Run on the examples, a submission reached by
keyboard with a verdict that shows expected against got, the diff of two attempts, and reset to starter."""

import re

import pytest
from playwright.sync_api import expect

from labs import services
from labs.models import Draft, Submission
from tests.browser.helpers import focused
from tests.browser.test_accessibility import AXE_SOURCE, axe_violations, readable
from tests.courses.factories import UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"


@pytest.fixture
def queued_only(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def open_lab(page, lab):
    page.goto(lab.get_absolute_url())
    page.wait_for_selector("html[data-editors=on]", state="attached")


def editor_text(page) -> str:
    return page.evaluate("() => document.querySelector('textarea[data-editor=\"pricing.py\"]').editor.getValue()")


def test_draft_run_and_a_keyboard_submit(page, lab, solution_files, grader_worker, console):
    user = UserFactory(username="ide-learner")
    log_in(page, "ide-learner")
    open_lab(page, lab)

    # Typing saves a draft, debounced; the status line says when.
    page.locator(".cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n# my first idea\n")
    expect(page.locator("#draft-status")).to_have_text(re.compile(r"^Draft saved \d\d:\d\d$"), timeout=10_000)
    assert "# my first idea" in Draft.objects.get(user=user, lab=lab).files["pricing.py"]

    page.reload()
    page.wait_for_selector("html[data-editors=on]", state="attached")
    expect(page.locator("#loaded-from")).to_contain_text("Restored your draft from")
    assert "# my first idea" in editor_text(page)

    # Run: the statement's examples, input against expected and got; not an attempt.
    page.get_by_role("button", name="Run the examples").click()
    expect(page.locator("#run-text[data-status=done]")).to_be_visible(timeout=30_000)
    expect(page.locator("#run-text")).to_contain_text(
        "2 of 5 examples right"
    )  # the starter returns 0.0: right under the free tier
    rows = page.locator("#run-cases tbody tr")
    expect(rows).to_have_count(5)
    first = rows.filter(has_text="monthly_cost(3000000, 200, 512)")
    expect(first.locator("td").nth(1)).to_have_text("0.4")
    expect(first.locator("td").nth(2)).to_contain_text("0.0")
    expect(first.locator("td").nth(3)).to_have_text("✗ wrong")
    assert not Submission.objects.filter(user=user, kind="submit").exists()
    assert axe_violations(page) == [], "the lab page with a run's result"

    # Submit by keyboard alone: Esc then Tab leaves the editor, then on to the Submit button.
    broken = solution_files["pricing.py"].replace("math.ceil(duration_ms)", "duration_ms")
    page.evaluate(
        "(code) => document.querySelector('textarea[data-editor=\"pricing.py\"]').editor.setValue(code)", broken
    )
    page.locator(".cm-content").click()
    page.keyboard.press("Escape")
    for _ in range(6):
        page.keyboard.press("Tab")
        if focused(page) == "submit-lab":
            break
    assert focused(page) == "submit-lab"
    page.keyboard.press("Enter")

    expect(page.locator("#status-text[data-status=graded]")).to_be_visible(timeout=30_000)
    expect(page.locator("#status-text")).to_have_attribute("data-verdict", "failed")
    failed = page.locator("#failed-cases tbody tr")
    shown = failed.filter(has_text="monthly_cost(")
    expect(shown.first).to_contain_text("1 ms rounding")
    expect(shown.first.locator("td").nth(1).locator("code")).to_have_text(re.compile(r"^\d+\.\d+$"))
    expect(shown.first.locator("td").nth(2).locator("code")).to_have_text(re.compile(r"^\d+\.\d+$"))
    held = failed.filter(has_text="a held-back case")
    expect(held.first).to_contain_text("not shown: held-back cases keep their values")
    expect(held.first.locator("code")).to_have_count(0)
    assert Submission.objects.filter(user=user, kind="submit").count() == 1
    assert not Draft.objects.filter(user=user).exists()  # the attempt superseded the draft
    assert console.errors == []


def test_compare_two_attempts(browser, live_server, lab, queued_only):
    user = UserFactory(username="diff-learner")
    for text in ("a = 1\nb = 2\n", "a = 1\nb = 3\n"):
        Submission.objects.create(user=user, lab=lab, files={"pricing.py": text}, status="graded", score=0.2)
    for scheme in ("light", "dark"):
        context = browser.new_context(base_url=live_server.url, color_scheme=scheme)
        context.set_default_timeout(10_000)
        try:
            page = context.new_page()
            log_in(page, "diff-learner")
            open_lab(page, lab)
            page.get_by_role("link", name="compare with attempt 1").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Attempt 1 → attempt 2")
            expect(page.locator("del.diff-del")).to_have_text("removed: - b = 2")
            expect(page.locator("ins.diff-add")).to_have_text("added: + b = 3")
            found = axe_violations(page)
            assert found == [], f"{scheme}: " + readable({"diff": found})
        finally:
            context.close()


def test_reset_to_starter(page, lab, queued_only):
    user = UserFactory(username="reset-learner")
    Submission.objects.create(user=user, lab=lab, files={"pricing.py": "# attempt one\n"}, status="graded")
    services.draft_save(user=user, lab=lab, files={"pricing.py": "# my draft\n"})
    log_in(page, "reset-learner")
    open_lab(page, lab)
    assert editor_text(page) == "# my draft\n"
    page.get_by_text("Reset to starter").click()
    page.get_by_role("button", name="Yes, reset to the starter files").click()
    expect(page.locator("#loaded-from")).to_have_text("Loaded the starter files.")
    page.wait_for_selector("html[data-editors=on]", state="attached")
    assert editor_text(page) == lab.starter_files["pricing.py"]
    assert not Draft.objects.filter(user=user).exists()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}])
def test_axe_checks_inside_the_editor_and_finds_nothing_serious(browser, live_server, lab, queued_only, scheme, size):
    """The editor is no longer left out of axe: its scroller (in the shadow root) has focusable content."""
    UserFactory(username="axe-editor")
    context = browser.new_context(base_url=live_server.url, color_scheme=scheme, viewport=size)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        log_in(page, "axe-editor")
        open_lab(page, lab)
        page.evaluate(AXE_SOURCE)
        rule = page.evaluate(
            """async () => {
              const r = await axe.run(document, {runOnly: ["scrollable-region-focusable"]});
              return {passes: r.passes.flatMap((v) => v.nodes.map((n) => n.target.join(" > "))),
                      violations: r.violations.length};
            }"""
        )
        assert rule["violations"] == 0
        assert any(".cm-scroller" in target for target in rule["passes"]), rule  # axe reached the shadow root
        found = axe_violations(page)
        assert found == [], readable({"lab page": found})
    finally:
        context.close()
