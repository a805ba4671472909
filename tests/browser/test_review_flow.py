"""A learner finishes a lesson, takes its check, then does a daily review with the keyboard only.

A card answered wrong comes back in the same session after its relearning step (as in Anki), so a session
ends only once every missed card has been passed: the helpers here guess like a learner at a first showing
and answer a card that comes back to relearn right, reading the right answer from the card's variant.
"""

import re
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import expect

from courses.models import Lesson
from quizzes import variants
from quizzes.models import Card
from quizzes.stats import _heat_level
from tests.courses.factories import UserFactory

pytestmark = pytest.mark.browser


# --- what is on screen, from the database -------------------------------------------------------------------


def showing(page):
    """The card on screen and its variant, found by the form's presentation token (as the server does)."""
    token = page.locator("#answer-form input[name=presentation]").input_value()
    card = Card.objects.select_related("question__module").get(presentation=token)
    return card, variants.render_variant(card.question.spec, card.variant_seed)


def answer_for(variant, correct: bool) -> dict:
    """A right (or a wrong) answer to a variant, as the form's fields: choice keys, a number, positions, pairs."""
    public, answer = variant.public, variant.answer
    kind = variant.question_type
    if kind == "single":
        [right] = answer
        return {"choice": {right if correct else next(o["key"] for o in public["options"] if o["key"] != right)}}
    if kind == "multiple":
        keys = sorted(answer)
        if not correct:
            keys[0] = next(o["key"] for o in public["options"] if o["key"] not in answer)
        return {"choice": set(keys)}
    if kind == "numeric":
        return {"number": repr(answer if correct else 2 * answer + 1000)}  # well outside any tolerance
    if kind == "ordering":
        order = list(answer) if correct else list(reversed(answer))
        return {"positions": {key: position for position, key in enumerate(order, start=1)}}
    match = dict(answer)
    if not correct:
        left = next(iter(match))
        match[left] = next(r["key"] for r in public["rights"] if r["key"] != answer[left])
    return {"match": match}


def fill_answer(page, variant, correct: bool) -> dict:
    """Fill the answer form with the pointer (check, type, select), replacing whatever a first try left."""
    form = page.locator("#answer-form")
    given = answer_for(variant, correct)
    if "choice" in given:
        for option in variant.public["options"]:
            box = form.locator(f"input[name=choice][value={option['key']}]")
            if variant.question_type == "multiple" or option["key"] in given["choice"]:
                box.set_checked(option["key"] in given["choice"])
    elif "number" in given:
        form.locator("#numeric-answer").fill(given["number"])
    elif "positions" in given:
        for key, position in given["positions"].items():
            form.locator(f"#pos-{key}").select_option(str(position))
    else:
        for left, right in given["match"].items():
            form.locator(f"#match-{left}").select_option(right)
    return given


def submit(page, button="#submit-answer"):
    """Click Check answer (or Show answer) and wait for htmx to swap in what the server answered."""
    mark_stale(page)
    page.locator(button).click()
    settled(page)


def mark_stale(page):
    page.locator("#review-area").evaluate("(area) => area.querySelectorAll('*').forEach((e) => e.dataset.stale = 1)")


def settled(page):
    """The swap after an answer or a click has happened: nothing marked stale is left in the review area."""
    expect(page.locator("#review-area [data-stale]")).to_have_count(0)
    expect(page.locator("#verdict, #answer-form, #session-done").first).to_be_visible()
    assert not page.locator("#answer-error").count(), page.locator("#answer-error").inner_text()


# --- the keyboard only ----------------------------------------------------------------------------------------


def press_answer(page, variant, correct: bool):
    """Give a right (or wrong) answer with keys only: digits toggle options, typing picks positions and
    arrow keys pairs; what a first try left in the form is changed, not typed over."""
    form = page.locator("#answer-form")
    given = answer_for(variant, correct)
    if "choice" in given:
        boxes = form.locator("input[name=choice]")
        for index, option in enumerate(variant.public["options"]):
            wanted = option["key"] in given["choice"]
            if boxes.nth(index).is_checked() != wanted and (wanted or variant.question_type == "multiple"):
                page.keyboard.press(str(index + 1))
    elif "number" in given:
        page.keyboard.press("Control+a")
        page.keyboard.type(given["number"])
    elif "positions" in given:
        for item in variant.public["items"]:
            page.keyboard.type(str(given["positions"][item["key"]]))
            page.keyboard.press("Tab")
    else:
        rights = [right["key"] for right in variant.public["rights"]]
        for left in variant.public["lefts"]:
            select = form.locator(f"#match-{left['key']}")
            steps = rights.index(given["match"][left["key"]]) + 1 - select.evaluate("(s) => s.selectedIndex")
            for _ in range(abs(steps)):
                page.keyboard.press("ArrowDown" if steps > 0 else "ArrowUp")
            page.keyboard.press("Tab")


def guess_with_keyboard(page):
    """A first guess using only keys, as the review page teaches (digits, Enter, Tab): the first options,
    positions in the order shown, the next pair; at a retry, something other than what is marked wrong."""
    form = page.locator("#answer-form")
    retry = page.locator("#retry-note").count() > 0
    boxes = form.locator("input[name=choice]")
    if form.locator("input[type=radio]").count():
        marked = form.locator("label.option").filter(has=page.locator(".tried-mark"))
        page.keyboard.press("2" if retry and marked.count() and boxes.nth(0).is_checked() else "1")
    elif form.locator("input[type=checkbox]").count():
        choose = int(re.search(r"Choose (\d)", page.locator(".review-card header").inner_text()).group(1))
        labels = form.locator("label.option")
        for index in range(labels.count()):  # untick what a first try got wrong...
            if labels.nth(index).locator(".tried-mark").count():
                page.keyboard.press(str(index + 1))
        for index in range(labels.count()):  # ...and tick unmarked options up to the number asked
            if form.locator("input[name=choice]:checked").count() >= choose:
                break
            if not boxes.nth(index).is_checked() and not labels.nth(index).locator(".tried-mark").count():
                page.keyboard.press(str(index + 1))
    elif form.locator("#numeric-answer").count():
        page.keyboard.press("Control+a")
        page.keyboard.type("2" if retry else "1")
    elif form.locator("select[name^=pos_]").count():
        for position in range(1, form.locator("select").count() + 1):
            page.keyboard.type(str(position))
            page.keyboard.press("Tab")
    else:
        for _ in range(form.locator("select").count()):
            page.keyboard.press("ArrowDown")
            page.keyboard.press("Tab")


def focused(page):
    expect(page.locator("#answer-form [autofocus]").first).to_be_focused()  # the swap has settled, focus in the form


def enter(page):
    mark_stale(page)
    page.keyboard.press("Enter")
    settled(page)


@dataclass
class Run:
    answers: int = 0  # answers recorded (review log entries), relearning ones included
    questions: set = field(default_factory=set)  # distinct questions answered
    missed: set = field(default_factory=set)  # questions rated Again at some point
    relearned: list = field(default_factory=list)  # questions that came back in the session and were passed


def review_until_done(page, limit=40) -> Run:
    """Go through a session with the keyboard until its end screen: guess at a first showing (a retry
    included), and answer a card that comes back to relearn right, so the session can end."""
    run = Run()
    expect(page.locator("html[data-review-keys=on]")).to_have_count(1)  # review.js has loaded
    while not page.locator("#session-done").count():
        expect(page.locator("#answer-form")).to_be_visible()
        card, variant = showing(page)
        relearning = page.locator("#relearning-badge").count() > 0
        assert relearning == (card.question_id in run.missed), "the badge marks exactly the cards missed earlier"
        focused(page)
        if relearning:
            press_answer(page, variant, correct=True)
            enter(page)
        else:
            guess_with_keyboard(page)
            enter(page)
            if page.locator("#retry-note").count():
                focused(page)
                guess_with_keyboard(page)
                enter(page)
        expect(page.locator("#verdict")).to_be_visible()
        run.answers += 1
        run.questions.add(card.question_id)
        if page.locator("#verdict").inner_text() == "Right":
            assert page.locator("#rating-name").inner_text() in ("Hard", "Good", "Easy")
            if relearning:
                run.relearned.append(card.question_id)
            run.missed.discard(card.question_id)
        else:
            expect(page.locator("#rating-name")).to_have_text("Again")
            expect(page.locator("#comes-back")).to_contain_text("in this session")
            run.missed.add(card.question_id)
        relearn_count = page.locator("#relearn-count")
        if run.missed:
            expect(relearn_count).to_have_text(str(len(run.missed)))
        else:
            expect(relearn_count).to_have_count(0)
        expect(page.locator("#next-link")).to_be_focused()
        page.keyboard.press("n")
        expect(page.locator("#answer-form, #session-done").first).to_be_visible()
        assert run.answers <= limit
    assert not run.missed
    return run


def reviews_total(page):
    page.goto("/review/stats/")
    return int(page.locator("#reviews-total").inner_text())


def test_lesson_check_then_a_keyboard_review_changes_the_stats(page, live_curriculum, console):
    UserFactory(username="reviewer")
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("reviewer")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.locator("main").get_by_role("button", name="Log in").click()

    lesson = Lesson.objects.get(content_id="lambda-pricing")
    page.goto(lesson.get_absolute_url())
    page.get_by_role("button", name="Mark complete").click()
    page.get_by_role("button", name="Take the lesson check").click()
    check = review_until_done(page)
    expect(page.locator("#session-done")).to_contain_text("Lesson check done")
    assert 3 <= len(check.questions) <= 5
    expect(page.locator("#session-done")).to_contain_text(f"You answered {len(check.questions)} questions")
    assert check.answers == len(check.questions) + len(check.relearned)
    assert reviews_total(page) == check.answers

    page.goto("/review/")
    page.get_by_role("row", name=re.compile("Docker")).get_by_role("button", name="Add all").click()
    expect(page.locator("#new-count")).to_have_text("10")
    page.get_by_role("button", name="Start review").click()
    review = review_until_done(page)
    assert len(review.questions) >= 10
    assert review.answers == len(review.questions) + len(review.relearned)
    expect(page.locator("#next-due")).to_be_visible()
    expect(page.locator("#relearning-left")).to_have_count(0)  # every missed card was passed before the end

    total = reviews_total(page)
    assert total == check.answers + review.answers
    expect(page.locator("#streak")).to_have_text("1")
    expect(page.locator("#heatmap rect.heat:not(.heat-0)")).to_have_count(1)
    expect(page.locator(f"#heatmap rect.heat-{_heat_level(total)}")).to_have_count(1)
    assert console.errors == []
