"""A practice exam in a real Chromium: a learner starts a short timed exam (a domain drill), answers with the
mouse and the keys, flags a question, reloads mid-exam and finds everything as it was with less time left,
waits on the last question until the clock runs out (a test setting shortens it), reads the results and finds
the missed questions in the review deck."""

import re

import pytest
from playwright.sync_api import expect

from quizzes.models import Card, ExamAttempt, ExamItem
from quizzes.variants import render_variant
from tests.browser.test_review_journey import log_in
from tests.courses.factories import UserFactory

pytestmark = pytest.mark.browser

DRILL_SECONDS = 24  # the DVA-C02 drill's 20 minutes, scaled


def keys_of(item):
    variant = render_variant(item.question.spec, item.variant_seed)
    options = [o["key"] for o in variant.public["options"]]
    return options, sorted(variant.answer)


def test_a_short_exam_flagged_reloaded_run_out_and_reviewed(page, live_curriculum, console, settings):
    settings.EXAM_TIME_SCALE = DRILL_SECONDS / 1200
    user = UserFactory(username="examtaker")
    log_in(page, "examtaker")
    page.goto("/exams/")
    page.get_by_role("link", name=re.compile("Developer")).first.click()
    expect(page.locator("#start-exam")).to_be_visible()
    page.locator("#drill-table tbody tr").nth(2).get_by_role("button", name="Drill").click()
    expect(page.locator("#exam-answer")).to_be_visible()
    attempt = ExamAttempt.objects.get(user=user)
    assert attempt.kind == "drill" and attempt.question_count == 10
    assert page.locator(".exam-nav .nav-cell").count() == 10
    expect(page.locator("#exam-clock")).to_have_text(re.compile(r"^0:\d\d$"))

    # Question 1: the right answer, by clicking; the save shows without leaving the page.
    item1 = ExamItem.objects.select_related("question").get(attempt=attempt, position=1)
    _, right = keys_of(item1)
    for key in right:
        page.locator(f'#exam-answer input[value="{key}"]').check()
    expect(page.locator("#save-note")).to_contain_text("Answer saved")
    expect(page.locator("#nav-1")).to_have_class(re.compile("is-answered"))
    page.keyboard.press("n")
    expect(page).to_have_url(re.compile(r"/q/2/$"))

    # Question 2: a wrong answer by its digit key, then flagged with F.
    item2 = ExamItem.objects.select_related("question").get(attempt=attempt, position=2)
    options2, right2 = keys_of(item2)
    wrong = [k for k in options2 if k not in right2][: len(right2)]
    page.locator("#question-heading").click()  # focus off the inputs, as a reader would be
    for key in wrong:
        page.keyboard.press(str(options2.index(key) + 1))
    expect(page.locator("#save-note")).to_contain_text("Answer saved")
    page.keyboard.press("f")
    expect(page.locator("#flag-button")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#nav-2")).to_have_class(re.compile("is-flagged"))
    expect(page.locator("#flagged-count")).to_have_text("1")
    before = int(page.locator("#exam-clock").get_attribute("data-remaining"))

    # Reload mid-exam: the answer, the flag and the clock (lower, never reset) are the server's.
    page.wait_for_timeout(1500)
    page.reload()
    for key in wrong:
        expect(page.locator(f'#exam-answer input[value="{key}"]')).to_be_checked()
    expect(page.locator("#flag-button")).to_have_attribute("aria-pressed", "true")
    after = int(page.locator("#exam-clock").get_attribute("data-remaining"))
    assert after < before
    assert ExamItem.objects.get(attempt=attempt, position=2).choice == sorted(wrong)

    # To the last question by the navigator, and wait there until the clock runs out.
    page.locator("#nav-10").click()
    expect(page.locator("#question-heading")).to_contain_text("Question 10")
    expect(page).to_have_url(re.compile(rf"/attempts/{attempt.pk}/results/$"), timeout=(DRILL_SECONDS + 10) * 1000)
    expect(page.locator("main")).to_contain_text("submitted when the time ran out")
    attempt.refresh_from_db()
    assert attempt.finished_by == "clock" and attempt.submitted_at == attempt.ends_at
    expect(page.locator("#scaled-score")).to_have_text(str(attempt.scaled_score))
    assert attempt.correct_count == 1 and attempt.scaled_score == 190  # 100 + 900 x 1/10
    expect(page.locator("#pass-fail")).to_have_text("Fail")
    expect(page.locator("#missed-count")).to_have_text("9")
    # The review of every question: question 1 right, question 2 shows the right options and the explanation.
    expect(page.locator(".exam-review-item")).to_have_count(10)
    expect(page.locator("#q1-title")).to_contain_text("right")
    expect(page.locator("#q2-title")).to_contain_text("wrong")
    expect(page.locator("#q2 small").first).to_contain_text("you flagged it")
    page.locator("#q2 details summary").click()
    expect(page.locator("#q2 .explanation")).to_be_visible()

    # The nine missed questions are in the review deck, in their first relearning step.
    page.locator("#to-review").click()
    expect(page.get_by_role("heading", level=1, name="Daily review")).to_be_visible()
    page.locator("#card-browser-link").click()
    expect(page.locator("#cards-heading")).to_have_text("9 cards")
    missed = set(ExamItem.objects.filter(attempt=attempt, correct=False).values_list("question_id", flat=True))
    assert set(Card.objects.filter(user=user).values_list("question_id", flat=True)) == missed
    assert not console.errors, console.errors
