"""axe-core on every page type, light and dark, desktop and phone; and the small-screen layout a learner relies on."""

import json
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from courses.models import Course, Lesson, Module
from courses.roles import make_instructor
from labs.models import Lab, Submission
from quizzes import exams
from quizzes import services as quiz_services
from quizzes.models import Card, ExamBlueprint, Question, ReviewLog, ReviewSession
from tests.browser.test_review_flow import fill_answer, mark_stale, settled, showing, submit
from tests.courses.factories import UserFactory

pytestmark = pytest.mark.browser

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
# Nothing is left out: the lab editor (CodeMirror 6 in the shadow root of .code-editor) is checked too.
EXCLUDED = []
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
PASSWORD = "correct-horse-battery"

RUN_AXE = """async (exclude) => {
  const results = await axe.run({exclude: exclude}, {resultTypes: ["violations"]});
  return results.violations
    .filter((v) => v.impact === "critical" || v.impact === "serious")
    .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                  nodes: v.nodes.map((n) => ({target: n.target.join(" "), html: n.html.slice(0, 160),
                                              why: (n.failureSummary || "").replace(/\\s+/g, " ").slice(0, 240)}))}));
}"""


def axe_violations(page) -> list:
    # Evaluated through the DevTools protocol, which our CSP (scripts from 'self' with a nonce) does not
    # govern, so the pages are checked under their real policy: no bypass_csp.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    return page.evaluate(RUN_AXE, EXCLUDED)


def one_h1(page) -> list:
    """axe rates a missing h1 "moderate"; we want exactly one visible h1 on every page."""
    count = page.locator("h1:visible").count()
    if count == 1:
        return []
    return [{"id": "one-h1", "impact": "ours", "help": f"{count} visible h1 elements, want 1", "nodes": []}]


def no_sideways_scroll(page) -> list:
    """Wide content scrolls inside its own box; the page itself never scrolls sideways."""
    width, view = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if width <= view:
        return []
    return [
        {
            "id": "page-scrolls-sideways",
            "impact": "ours",
            "help": f"page is {width}px wide in a {view}px window",
            "nodes": [],
        }
    ]


def readable(found: dict) -> str:
    lines = []
    for where, violations in found.items():
        for v in violations:
            lines.append(f"{where}: [{v['impact']}] {v['id']}: {v['help']}")
            lines.extend(f"    {n['target']}  {n['html']}\n      {n['why']}" for n in v["nodes"][:5])
    return "\n".join(lines)


def log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    expect(
        page.get_by_role("heading", level=1, name=re.compile(f"^Welcome (back|to Spinup), {username}$"))
    ).to_be_visible()


@pytest.fixture
def learner(live_curriculum):
    """An instructor who is also a learner with a deck, a review session and a graded lab attempt."""
    user = UserFactory(username="axe-learner")
    make_instructor(user)
    quiz_services.deck_add_module(user=user, module=Module.objects.get(content_id="lambda"))
    session = quiz_services.session_start_daily(user=user)
    # A practice of one multiple-choice question, answered in the test: its retry, feedback and end screen.
    choice = Question.objects.published().filter(module__content_id="lambda", qtype="multiple").order_by("pk").first()
    practice = ReviewSession.objects.create(
        user=user, mode=ReviewLog.Mode.PRACTICE, module=choice.module, queue=[choice.pk]
    )
    lab = Lab.objects.order_by("content_id").first()
    submission = Submission.objects.create(
        user=user,
        lab=lab,
        files={"main.py": "print('hello')\n" * 200},
        status=Submission.Status.GRADED,
        verdict=Submission.Verdict.FAILED,
        score=0.5,
        finished_at=timezone.now(),
        result={
            "status": "graded",
            "verdict": "failed",
            "score": 0.5,
            "message": "One check failed.",
            "checks": [
                {"name": "builds", "passed": True, "points": 1, "max_points": 1, "message": "ok"},
                {"name": "answers", "passed": False, "points": 0, "max_points": 1, "message": "wrong value"},
            ],
            "runs": {
                "tests": {"exit_code": 1, "wall_seconds": 0.2, "stdout": "a line of output\n" * 200, "stderr": "boom"}
            },
        },
    )
    blueprint = ExamBlueprint.objects.get(content_id="dva-c02-compute")
    finished = exams.exam_start(user=user, blueprint=blueprint)
    exams.attempt_save_answer(attempt=finished, position=1, choice=["a"])
    exams.attempt_submit(attempt=finished)
    review = exams.review_start(attempt=finished)
    exams.attempt_save_answer(attempt=review, position=1, choice=["a"])
    exams.item_check(attempt=review, position=1)
    from courses import cohorts

    today = timezone.localdate()
    cohort = cohorts.cohort_create(
        course=Course.objects.get(),
        instructor=user,
        name="Axe class",
        starts_on=today,
        ends_on=today.replace(year=today.year + 1),
    )
    cohorts.cohort_join(user=user, code=cohort.join_code)
    cohorts.due_date_set(cohort=cohort, item=f"lab:{lab.content_id}", due_on=today)
    cohorts.due_date_set(cohort=cohort, item="exam:dva-c02-compute", due_on=today.replace(year=today.year + 1))
    return {
        "user": user,
        "cohort": cohort,
        "blueprint": blueprint,
        "finished_exam": finished,
        "review_run": review,
        "session": session,
        "practice": practice,
        "choice": choice,
        "lab": lab,
        "submission": submission,
    }


def page_paths(learner):
    course = Course.objects.order_by("pk").first()
    module = Module.objects.get(content_id="lambda")
    lesson = Lesson.objects.published().filter(body_markdown__contains="```").order_by("content_id").first()
    table_lesson = Lesson.objects.published().filter(body_markdown__contains="\n|").order_by("content_id").first()
    lab, submission = learner["lab"], learner["submission"]
    visitor = {
        "visitor home": "/",
        "login": "/accounts/login/",
        "sign-up": "/accounts/signup/",
        "password reset": "/accounts/password_reset/",
        "lesson (visitor)": lesson.get_absolute_url(),
        "404": "/no-such-page/",
    }
    member = {
        "dashboard": "/",
        "course": course.get_absolute_url(),
        "module": module.get_absolute_url(),
        "lesson": lesson.get_absolute_url(),
        "lesson with a table": table_lesson.get_absolute_url(),
        "search results": "/search/?q=cold+start",
        "glossary": "/glossary/",
        "review home": "/review/",
        "review session": f"/review/session/{learner['session'].pk}/",
        "stats": "/review/stats/",
        "review settings": "/review/settings/",
        "lab list": "/labs/",
        "lab page": lab.get_absolute_url(),
        "verdict page": f"/labs/{lab.content_id}/submissions/{submission.pk}/",
        "instructor overview": "/instructor/",
        "cohorts": "/instructor/cohorts/",
        "item analysis": "/instructor/items/",
        "lab analytics": "/instructor/labs/",
        "cohort gradebook and due dates": f"/instructor/cohorts/{learner['cohort'].pk}/",
        "join by invite link": f"/join/{learner['cohort'].join_code}/",
        "practice exams": "/exams/",
        "exam page with history": "/exams/dva-c02-compute/",
        "exam results": f"/attempts/{learner['finished_exam'].pk}/results/",
        "review run, a checked question": f"/attempts/{learner['review_run'].pk}/q/1/",
        "404 (member)": "/no-such-page/",
    }
    return visitor, member


def member_checks(page) -> list:
    return axe_violations(page) + one_h1(page) + no_sideways_scroll(page)


def review_states(page, learner) -> dict:
    """The states of a session only answers reach: a retry note with the wrong choices marked, the feedback
    with its rating line (and the More tools open), and the end screen listing a card left to relearn."""
    found = {}
    path = f"/review/session/{learner['practice'].pk}/"
    page.goto(path)
    card, variant = showing(page)
    assert card.question_id == learner["choice"].pk
    fill_answer(page, variant, correct=False)
    submit(page)
    expect(page.locator("#retry-note")).to_be_visible()
    expect(page.locator("#answer-form .tried-mark")).to_have_count(1)
    # The ✗ is for the eye (axe flags an aria-label on <strong> for review): a screen reader hears the words once.
    tried = page.locator("#answer-form label.option.is-tried-wrong input")
    expect(tried).to_have_accessible_name(re.compile(r"\S \(your first try: not right\)\s*$"))
    expect(tried).not_to_have_accessible_name(re.compile("✗|not right.*not right"))
    found[f"session, retry note {path}"] = member_checks(page)
    fill_answer(page, variant, correct=False)
    submit(page)
    expect(page.locator("#rating-name")).to_have_text("Again")
    tools = page.locator("details.session-tools")
    tools.locator("summary").click()
    expect(tools.locator("#end-session")).to_be_visible()
    found[f"session, feedback with the rating line {path}"] = member_checks(page)
    mark_stale(page)
    tools.locator("#end-session").click()
    settled(page)
    expect(page.locator("#relearning-left")).to_contain_text("1 card you missed")
    found[f"session, end screen with a card to relearn {path}"] = member_checks(page)
    return found


def card_pages(page, learner) -> dict:
    """The card browser with results (a text search and a module) and the history of the answered card."""
    found = {}
    card = Card.objects.get(user=learner["user"], question=learner["choice"])
    word = max(re.findall(r"[A-Za-z]{5,}", re.sub(r"\{\{.*?\}\}", " ", learner["choice"].spec["prompt"])), key=len)
    for path in [f"/review/cards/?q={word}", "/review/cards/?module=lambda&state=new"]:
        page.goto(path)
        expect(page.locator("#card-table tbody tr").first).to_be_visible()
        found[f"card browser {path}"] = member_checks(page)
    path = f"/review/cards/{card.pk}/"
    page.goto(path)
    # Its answer in the test, and a lapse if the fixture's practice exam drew and missed it.
    expect(page.locator("#card-history tbody tr")).to_have_count(ReviewLog.objects.filter(card=card).count())
    found[f"card history {path}"] = member_checks(page)
    return found


def running_exam_pages(page, learner) -> dict:
    """A running exam (last: while it runs, the review pages are closed-book): a question answered and
    flagged, with its clock and navigator, and the review-and-submit screen."""
    running = exams.exam_start(user=learner["user"], blueprint=learner["blueprint"])
    exams.attempt_save_answer(attempt=running, position=1, choice=["b"])
    exams.attempt_flag(attempt=running, position=2, flagged=True)
    found = {}
    for name, path in [
        ("exam question, running", f"/attempts/{running.pk}/q/1/"),
        ("exam review and submit", f"/attempts/{running.pk}/summary/"),
    ]:
        page.goto(path)
        expect(page.locator("#exam-clock")).to_be_visible()
        assert page.url.endswith(path), f"{name}: went to {page.url}"
        found[f"{name} {path}"] = member_checks(page)
    exams.attempt_submit(attempt=running)
    return found


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_no_serious_axe_violations_on_any_page(browser, live_server, learner, scheme, size):
    visitor, member = page_paths(learner)
    found = {}
    context = browser.new_context(
        base_url=live_server.url, color_scheme=scheme, viewport=DESKTOP if size == "desktop" else PHONE
    )
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        for name, path in visitor.items():
            page.goto(path)
            expect(page.locator("main")).to_be_visible()
            found[f"{name} {path}"] = axe_violations(page) + one_h1(page)
        log_in(page, "axe-learner")
        for name, path in member.items():
            page.goto(path)
            expect(page.locator("main")).to_be_visible()
            if name == "review session":
                expect(page.locator("#answer-form")).to_be_visible()
            if "exam" in name or "review run" in name:
                assert page.url.endswith(path), f"{name}: went to {page.url}"
            found[f"{name} {path}"] = axe_violations(page) + one_h1(page) + no_sideways_scroll(page)
        found.update(review_states(page, learner))
        found.update(card_pages(page, learner))
        found.update(running_exam_pages(page, learner))
    finally:
        context.close()
    found = {where: v for where, v in found.items() if v}
    assert not found, f"{scheme} {size}: serious or critical axe violations\n" + readable(found)


def test_axe_catches_a_violation_it_is_meant_to(page, live_curriculum):
    """The harness works: an image without alt text added to a real page is reported."""
    page.goto("/glossary/")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/x.png\">')")
    ids = [v["id"] for v in axe_violations(page)]
    assert "image-alt" in ids, json.dumps(ids)


def contrast(a: str, b: str) -> float:
    def luminance(colour):
        colour = colour.lstrip("#")
        colour = "".join(c * 2 for c in colour) if len(colour) == 3 else colour
        channels = [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_code_token_colour_meets_aa_contrast_in_both_modes():
    """All Pygments token colours, not just those today's lessons use, against Pico's and Pygments' code backgrounds."""
    import re

    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "pygments.css").read_text()
    light, dark = css.split("@media (prefers-color-scheme: dark)")
    backgrounds = {"light": ["#f3f5f7", "#f0f0f0"], "dark": ["#1a1f28", "#272822"]}
    failing = [
        f"{mode} .{token} {colour}: {min(contrast(colour, bg) for bg in backgrounds[mode]):.2f}:1"
        for mode, part in (("light", light), ("dark", dark))
        for token, colour in re.findall(r"\.highlight \.(\w+) \{ color: (#[0-9A-Fa-f]{3,6})", part)
        if min(contrast(colour, bg) for bg in backgrounds[mode]) < 4.5
    ]
    assert not failing, "\n".join(failing)


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, has_touch=True, is_mobile=True)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_phone_navigation_is_one_row_with_a_menu_that_works_without_js(phone, learner):
    log_in(phone, "axe-learner")
    phone.goto("/")
    nav = phone.get_by_role("navigation", name="Main")
    assert nav.bounding_box()["height"] < 80  # one row, not three
    expect(nav.get_by_role("link", name="Glossary")).to_be_hidden()
    nav.locator("summary", has_text="Menu").click()
    for name in ["Search", "Glossary", "Review", "Labs", "Instructor", "axe-learner"]:
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    nav.get_by_role("link", name="Labs", exact=True).click()
    expect(phone.get_by_role("heading", level=1, name="Labs")).to_be_visible()
    phone.get_by_role("navigation", name="Main").locator("summary", has_text="Menu").click()
    phone.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").click()
    phone.get_by_role("navigation", name="Main").locator("summary", has_text="Menu").click()
    expect(phone.get_by_role("navigation", name="Main").get_by_role("link", name="Log in")).to_be_visible()


def test_desktop_navigation_shows_its_links_and_no_menu(page, learner):
    page.set_viewport_size(DESKTOP)
    log_in(page, "axe-learner")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("searchbox", name="Search lessons")).to_be_visible()
    expect(nav.get_by_role("link", name="Glossary")).to_be_visible()
    expect(nav.locator("summary", has_text="Menu")).to_be_hidden()


def test_phone_lesson_table_of_contents_is_a_disclosure_at_the_top(phone, live_curriculum):
    lesson = next(item for item in Lesson.objects.published().order_by("content_id") if item.toc)
    phone.goto(lesson.get_absolute_url())
    toc = phone.locator("details.toc-disclosure")
    expect(toc).to_be_visible()
    assert toc.bounding_box()["y"] < phone.locator(".lesson-body").bounding_box()["y"]
    first = toc.get_by_role("link", name=lesson.toc[0]["title"])
    expect(first).to_be_hidden()
    toc.locator("summary").click()
    expect(first).to_be_visible()
    expect(phone.locator("aside.lesson-toc")).to_be_hidden()


def test_desktop_lesson_keeps_the_sidebar_table_of_contents(page, live_curriculum):
    page.set_viewport_size(DESKTOP)
    lesson = next(item for item in Lesson.objects.published().order_by("content_id") if item.toc)
    page.goto(lesson.get_absolute_url())
    expect(page.locator("aside.lesson-toc").get_by_role("link", name=lesson.toc[0]["title"])).to_be_visible()
    expect(page.locator("details.toc-disclosure")).to_be_hidden()


def test_phone_review_table_shows_every_practise_button_in_its_own_scroll_box(phone, learner):
    log_in(phone, "axe-learner")
    phone.goto("/review/")
    box = phone.get_by_role("region", name="Modules")
    expect(box).to_have_attribute("tabindex", "0")
    buttons = box.get_by_role("button", name="Practise")
    assert buttons.count() >= 8
    for index in range(buttons.count()):
        buttons.nth(index).scroll_into_view_if_needed()
        expect(buttons.nth(index)).to_be_in_viewport(ratio=0.95)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # At 390px the whole table fits its box; on a narrower screen the box, not the page, scrolls.
    assert box.evaluate("(box) => box.scrollWidth <= box.clientWidth")
    phone.set_viewport_size({"width": 300, "height": 700})
    assert box.evaluate("(box) => getComputedStyle(box).overflowX") == "auto"
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_keyboard_hints_are_hidden_on_touch_screens_and_shown_with_a_mouse(phone, page, learner):
    session_path = f"/review/session/{learner['session'].pk}/"
    log_in(phone, "axe-learner")
    phone.goto(session_path)
    expect(phone.locator("#answer-form")).to_be_visible()
    assert phone.evaluate("matchMedia('(hover: none)').matches")
    assert phone.locator(".key-hint").count() > 0
    expect(phone.locator(".key-hint:visible")).to_have_count(0)
    expect(phone.get_by_role("heading", level=1, name="Daily review")).to_be_visible()

    log_in(page, "axe-learner")
    page.goto(session_path)
    expect(page.locator("#answer-form")).to_be_visible()
    expect(page.locator("footer.key-hint")).to_be_visible()
    expect(page.locator("#submit-answer kbd")).to_be_visible()
