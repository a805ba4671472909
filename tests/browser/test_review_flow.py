"""A learner finishes a lesson, takes its check, then does a daily review with the keyboard only."""

import re

import pytest
from playwright.sync_api import expect

from courses.models import Lesson
from tests.courses.factories import UserFactory

pytestmark = pytest.mark.browser


def answer_with_keyboard(page):
    """Answer the question on screen using only keys, as the review page teaches (digits, Enter, Tab)."""
    form = page.locator("#answer-form")
    expect(form.locator("[autofocus]").first).to_be_focused()  # the swap has settled and focus is in the form
    if form.locator("input[type=radio]").count():
        page.keyboard.press("1")
    elif form.locator("input[type=checkbox]").count():
        choose = int(re.search(r"Choose (\d)", page.locator(".review-card header").inner_text()).group(1))
        for digit in range(1, choose + 1):
            page.keyboard.press(str(digit))
    elif form.locator("#numeric-answer").count():
        page.keyboard.type("1")
    elif form.locator("select[name^=pos_]").count():
        for position in range(1, form.locator("select").count() + 1):
            page.keyboard.type(str(position))
            page.keyboard.press("Tab")
    else:
        for _ in range(form.locator("select").count()):
            page.keyboard.press("ArrowDown")
            page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#verdict, #retry-note, #answer-error").first).to_be_visible()
    assert not page.locator("#answer-error").count(), page.locator("#answer-error").inner_text()


def review_until_done(page, limit=20):
    answered = 0
    expect(page.locator("html[data-review-keys=on]")).to_have_count(1)  # review.js has loaded
    while not page.locator("#session-done").count():
        expect(page.locator("#answer-form")).to_be_visible()
        answer_with_keyboard(page)
        if page.locator("#retry-note").count():
            answer_with_keyboard(page)
        expect(page.locator("#verdict")).to_be_visible()
        answered += 1
        expect(page.locator("#next-link")).to_be_focused()
        page.keyboard.press("n")
        expect(page.locator("#answer-form, #session-done").first).to_be_visible()
        assert answered <= limit
    return answered


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
    checked = review_until_done(page)
    expect(page.locator("#session-done")).to_contain_text("Lesson check done")
    assert 3 <= checked <= 5
    assert reviews_total(page) == checked

    page.goto("/review/")
    page.get_by_role("row", name=re.compile("Docker")).get_by_role("button", name="Add all").click()
    expect(page.locator("#new-count")).to_have_text("10")
    page.get_by_role("button", name="Start review").click()
    reviewed = review_until_done(page)
    assert reviewed >= 10
    expect(page.locator("#next-due")).to_be_visible()

    total = reviews_total(page)
    assert total == checked + reviewed
    expect(page.locator("#streak")).to_have_text("1")
    assert page.locator("#heatmap rect.heat-2, #heatmap rect.heat-3").count() == 1
    assert console.errors == []
