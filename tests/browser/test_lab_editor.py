"""The lab editor (CodeMirror 6): keyboard alone in and out, an accessible name, typed text is what gets posted,
readable colours in light and dark, wrapping and width options, and nothing refused by our CSP."""

import re
import zipfile

import pytest
from playwright.sync_api import expect

from labs.models import Submission
from tests.browser.helpers import focused
from tests.courses.factories import UserFactory

pytestmark = pytest.mark.browser

# Collects the CSP violations the page reports, beside the console errors the `console` fixture sees.
CSP_WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline")));
"""


@pytest.fixture
def queued_only(settings):
    """Submissions stay queued (no grading), so these tests need no sandbox."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def lab_page(page, lab, queued_only):
    UserFactory(username="typist")
    page.add_init_script(CSP_WATCH)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("typist")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.locator("main").get_by_role("button", name="Log in").click()
    page.goto(lab.get_absolute_url())
    page.wait_for_selector("html[data-editors=on]", state="attached")
    return page


def editor(page):
    return page.get_by_role("textbox", name="pricing.py")


def no_csp_violations(page, console, expected_status=None):
    """No CSP violation reported by the page, and no console error (but the expected failed response)."""
    assert page.evaluate("window.__csp") == []
    expected = f"the server responded with a status of {expected_status}"
    assert [e for e in console.errors if not (expected_status and expected in e)] == []


def test_keyboard_only_from_the_editor_to_submit_posts_the_typed_text(lab_page, console):
    page = lab_page
    box = editor(page)
    expect(box).to_have_count(1)  # the hidden textarea is out of the accessibility tree; the editor has the name
    expect(box).to_have_attribute("aria-label", "pricing.py")
    expect(page.locator("textarea[name='file:pricing.py']")).to_be_hidden()

    # Into the editor by keyboard: the "Full width" option is the last control before it.
    page.get_by_role("button", name="Full width").focus()
    page.keyboard.press("Tab")
    assert focused(page) == "editor"
    ring = page.locator(".code-editor").evaluate("el => getComputedStyle(el).outlineStyle")
    assert ring == "solid"

    # Tab indents inside the editor, it does not leave.
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.type("# typed by the keyboard test")
    assert focused(page) == "editor"
    typed = page.locator("textarea[name='file:pricing.py']").input_value()
    assert typed.endswith("\n    # typed by the keyboard test")

    # Shift+Tab after Esc leaves backwards, to the option before the editor ...
    page.keyboard.press("Escape")
    page.keyboard.press("Shift+Tab")
    assert focused(page) == "button"
    expect(page.get_by_role("button", name="Full width")).to_be_focused()
    # ... and back in, Esc then Tab leaves forwards; a few more Tabs reach Submit.
    page.keyboard.press("Tab")
    assert focused(page) == "editor"
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    assert focused(page) != "editor"
    for _ in range(5):
        if focused(page) == "submit-lab":
            break
        page.keyboard.press("Tab")
    assert focused(page) == "submit-lab"
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/submissions/\d+/$"))
    submission = Submission.objects.get(user__username="typist")
    assert submission.files["pricing.py"].endswith("\n    # typed by the keyboard test")
    page.get_by_text("Files of this attempt").click()
    expect(page.locator("pre.output").last).to_contain_text("    # typed by the keyboard test")
    no_csp_violations(page, console)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_comments_and_line_numbers_meet_aa_contrast(page, lab, queued_only, console, scheme):
    page.emulate_media(color_scheme=scheme)
    UserFactory(username="typist")
    page.add_init_script(CSP_WATCH)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("typist")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.locator("main").get_by_role("button", name="Log in").click()
    page.goto(lab.get_absolute_url())
    page.wait_for_selector("html[data-editors=on]", state="attached")
    ratios = page.evaluate(
        """() => {
          const root = document.querySelector(".code-editor").shadowRoot;
          const rgb = (s) => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
          const lum = (c) => { const [r, g, b] = c.map((v) => { v /= 255;
            return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
            return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
          const ratio = (a, b) => { const [x, y] = [lum(rgb(a)), lum(rgb(b))].sort((p, q) => q - p);
            return (x + 0.05) / (y + 0.05); };
          const bgOf = (el) => { for (; el; el = el.parentElement) { const c = getComputedStyle(el).backgroundColor;
            if (c !== "rgba(0, 0, 0, 0)") return c; } return "rgb(255, 255, 255)"; };
          const pair = (el) => ratio(getComputedStyle(el).color, bgOf(el));
          const comment = [...root.querySelectorAll(".cm-line span")].find((s) => s.textContent.startsWith("#"));
          const numbers = [...root.querySelectorAll(".cm-lineNumbers .cm-gutterElement")].filter((e) => e.textContent);
          return {
            dark: getComputedStyle(root.querySelector(".cm-editor")).backgroundColor,
            comment: comment ? pair(comment) : 0,
            numbers: Math.min(...numbers.map(pair)),
            active: pair(root.querySelector(".cm-activeLineGutter")),
            text: pair(root.querySelector(".cm-line")),
          };
        }"""
    )
    assert ratios["dark"] == ("rgb(13, 17, 23)" if scheme == "dark" else "rgb(255, 255, 255)")
    assert ratios["comment"] >= 4.5, ratios
    assert ratios["numbers"] >= 4.5, ratios
    assert ratios["active"] >= 4.5, ratios
    assert ratios["text"] >= 4.5, ratios
    no_csp_violations(page, console)


def test_wrapping_is_remembered_and_full_width_and_resize(lab_page, console, lab):
    page = lab_page
    wrap = page.get_by_role("button", name="Wrap long lines")
    expect(wrap).to_have_attribute("aria-pressed", "false")
    content = page.locator(".cm-content")
    expect(content).not_to_have_class(re.compile("cm-lineWrapping"))
    wrap.click()
    expect(wrap).to_have_attribute("aria-pressed", "true")
    expect(content).to_have_class(re.compile("cm-lineWrapping"))
    page.reload()
    page.wait_for_selector("html[data-editors=on]", state="attached")
    expect(page.get_by_role("button", name="Wrap long lines")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".cm-content")).to_have_class(re.compile("cm-lineWrapping"))

    page.set_viewport_size({"width": 1280, "height": 900})
    host = page.locator(".code-editor")
    narrow = host.bounding_box()["width"]
    page.get_by_role("button", name="Full width").click()
    expect(page.locator(".lab-layout")).to_have_class(re.compile("is-editor-wide"))
    assert host.bounding_box()["width"] > narrow * 1.5
    assert host.evaluate("el => getComputedStyle(el).resize") == "vertical"
    assert host.bounding_box()["height"] >= 300
    no_csp_violations(page, console)


def test_typed_edits_beside_an_archive_are_refused_and_kept(lab_page, console, tmp_path, solution_files):
    """The hidden `loaded` fingerprint sees the editor's typed edits (the editor writes the textarea back)."""
    page = lab_page
    archive = tmp_path / "files.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("pricing.py", solution_files["pricing.py"])

    editor(page).click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n# an edit")
    page.get_by_text("Or upload a zip of your files").click()
    page.set_input_files("#archive", str(archive))
    page.get_by_role("button", name="Submit for grading").click()
    expect(page.locator("#submit-error")).to_contain_text("You uploaded an archive and also edited files here")
    page.wait_for_selector("html[data-editors=on]", state="attached")
    expect(editor(page)).to_contain_text("# an edit")
    assert not Submission.objects.exists()
    no_csp_violations(page, console, expected_status=400)


def test_an_archive_beside_an_untouched_editor_is_accepted(lab_page, console, lab, tmp_path, solution_files):
    page = lab_page
    archive = tmp_path / "files.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("pricing.py", solution_files["pricing.py"])
    page.get_by_text("Or upload a zip of your files").click()
    page.set_input_files("#archive", str(archive))
    page.get_by_role("button", name="Submit for grading").click()
    expect(page).to_have_url(re.compile(r"/submissions/\d+/$"))
    assert Submission.objects.get(user__username="typist").files == solution_files


@pytest.mark.parametrize(
    "lab_id, name, word",
    [("docker-containerize-app", "Dockerfile", "FROM"), ("batch-array-job", "job-definition.json", '"')],
)
def test_dockerfile_and_json_are_highlighted_and_every_file_has_its_own_named_editor(
    page, live_curriculum, console, lab_id, name, word
):
    from labs.models import Lab

    lab = Lab.objects.get(content_id=lab_id)
    UserFactory(username="typist")
    page.add_init_script(CSP_WATCH)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("typist")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.locator("main").get_by_role("button", name="Log in").click()
    page.goto(lab.get_absolute_url())
    page.wait_for_selector("html[data-editors=on]", state="attached")
    for file_name in lab.starter_files:
        expect(page.get_by_role("textbox", name=file_name, exact=True)).to_have_count(1)
    box = page.locator(f".code-editor[data-file='{name}'] .cm-content")
    token = box.locator("span", has_text=word).first
    expect(token).to_be_visible()
    plain = box.locator(".cm-line").first.evaluate("el => getComputedStyle(el).color")
    assert token.evaluate("el => getComputedStyle(el).color") != plain
    no_csp_violations(page, console)
