"""Reviews like Anki, in a real Chromium: a missed card comes back in the same session until passed, an answer
can be undone, the card browser finds a card and shows its history; a wrong first try keeps the answer on
screen with its wrong parts marked; a card suspended from a session leaves it; the dashboard's daily goal
counts answers.

The right (or wrong) answer to the question on screen is read from its card's variant in the database,
found by the form's presentation token, as the server grades it.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from courses.models import Lesson, Module
from quizzes import services, variants
from quizzes.models import Card, Question, ReviewLog, ReviewSession
from tests.browser.test_review_flow import fill_answer, mark_stale, settled, showing, submit
from tests.courses.factories import UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"


def log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1, name=re.compile(f"{username}$"))).to_be_visible()


def header_line(page) -> str:
    """The card's module and type line, without the relearning badge (stable across variants)."""
    return page.locator(".review-card header small").inner_text().split(" · Again: relearning")[0]


def more(page):
    """Open the session's "More" disclosure (undo, bury, suspend, end session here)."""
    tools = page.locator("#review-area details.session-tools")
    if tools.get_attribute("open") is None:
        tools.locator("summary").click()
    return tools


def click_in_more(page, selector):
    more(page)
    mark_stale(page)
    page.locator(selector).click()
    settled(page)


def next_question(page):
    mark_stale(page)
    page.locator("#next-link").click()
    settled(page)


def reviews_total(page) -> int:
    page.goto("/review/stats/")
    return int(page.locator("#reviews-total").inner_text())


def search_word(question: Question) -> str:
    """A word of the question's prompt as written (no placeholder, no markup), to search the browser with."""
    prompt = re.sub(r"\{\{.*?\}\}", " ", question.spec["prompt"])
    words = [w for w in re.findall(r"[A-Za-z]{6,}", prompt) if w.lower() not in {"function", "should"}]
    return max(words, key=len)


def card_of(link) -> Card:
    return Card.objects.get(pk=int(re.fullmatch(r"/review/cards/(\d+)/", link.get_attribute("href")).group(1)))


def matches(question: Question, word: str) -> bool:
    text = " ".join([question.spec["prompt"], question.content_id, question.lesson.title if question.lesson else ""])
    return word.lower() in text.lower()


def test_a_missed_card_comes_back_in_the_session_until_passed_then_undo_and_its_history(page, live_curriculum, console):
    user = UserFactory(username="relearner")
    log_in(page, "relearner")
    lesson = Lesson.objects.get(content_id="lambda-pricing")
    page.goto(lesson.get_absolute_url())
    page.get_by_role("button", name="Mark complete").click()
    page.get_by_role("button", name="Take the lesson check").click()
    expect(page.locator("#answer-form")).to_be_visible()
    session = ReviewSession.objects.get(user=user)
    size = len(session.queue)
    assert size >= 3

    # First question: wrong, and wrong again at the retry.
    first, variant = showing(page)
    assert ReviewSession.objects.get(pk=session.pk).current == first.question_id
    first_header = header_line(page)
    fill_answer(page, variant, correct=False)
    submit(page)
    expect(page.locator("#retry-note")).to_contain_text("Not quite. Try once more.")
    expect(page.locator("#relearning-badge")).to_have_count(0)
    fill_answer(page, variant, correct=False)
    submit(page)
    expect(page.locator("#verdict")).to_have_text("Not this time")
    expect(page.locator("#rating-name")).to_have_text("Again")
    expect(page.locator("#rating-line")).to_contain_text("the answer was wrong")
    expect(page.locator("#comes-back")).to_contain_text("in this session, after its relearning step")
    expect(page.locator("#relearn-count")).to_have_text("1")
    expect(page.locator("#next-link")).to_contain_text("Next question")
    next_question(page)

    # Second question: Show answer, also Again and back in this session.
    second, _ = showing(page)
    assert second.question_id != first.question_id
    second_header = header_line(page)
    submit(page, "#answer-form button[name=give_up]")
    expect(page.locator("#rating-name")).to_have_text("Again")
    expect(page.locator("#rating-line")).to_contain_text("you asked to see the answer")
    expect(page.locator("#comes-back")).to_contain_text("in this session")
    expect(page.locator("#relearn-count")).to_have_text("2")
    next_question(page)

    # The rest right; the two missed cards come back (after the queue, or earlier once their step is over)
    # with the badge, and each passed one leaves the relearn count.
    missed = {first.question_id: first_header, second.question_id: second_header}
    came_back = []
    seen_first_time = {first.question_id, second.question_id}
    while True:
        card, variant = showing(page)
        relearning = page.locator("#relearning-badge").count() > 0
        if relearning:
            assert card.question_id in missed, "only a missed card is shown to relearn"
            assert header_line(page) == missed[card.question_id]
            came_back.append(card.question_id)
        else:
            assert card.question_id not in seen_first_time, "a card is shown once unless it was missed"
            seen_first_time.add(card.question_id)
        prompt = page.locator("#question-prompt").inner_text()
        fill_answer(page, variant, correct=True)
        submit(page)
        expect(page.locator("#verdict")).to_have_text("Right")
        expect(page.locator("#rating-name")).not_to_have_text("Again")
        expect(page.locator("#comes-back")).not_to_contain_text("in this session")
        if relearning:
            del missed[card.question_id]
        if missed:
            expect(page.locator("#relearn-count")).to_have_text(str(len(missed)))
            next_question(page)
            continue
        expect(page.locator("#relearn-count")).to_have_count(0)
        break
    assert sorted(came_back) == sorted([first.question_id, second.question_id])
    assert len(seen_first_time) == size
    last = card
    expect(page.locator("#next-link")).to_contain_text("Finish")

    # Undo the last answer (the second missed card, passed): the same question is back, still to relearn,
    # and the review log has one answer fewer.
    stats = page.context.new_page()
    before = reviews_total(stats)
    assert before == size + 2
    click_in_more(page, "#undo-button")
    expect(page.locator("#session-notice")).to_contain_text("Answer undone")
    expect(page.locator("#question-prompt")).to_have_text(prompt)  # the same variant, not a new draw
    again, variant = showing(page)
    assert again.question_id == last.question_id
    expect(page.locator("#relearning-badge")).to_be_visible()
    expect(page.locator("#relearn-count")).to_have_text("1")
    assert reviews_total(stats) == before - 1
    stats.close()

    fill_answer(page, variant, correct=True)
    submit(page)
    expect(page.locator("#verdict")).to_have_text("Right")
    next_question(page)
    expect(page.locator("#session-done")).to_contain_text("Lesson check done")
    expect(page.locator("#session-done")).to_contain_text(f"You answered {size} questions")
    expect(page.locator("#relearning-left")).to_have_count(0)

    # The card browser finds the first missed card by a word of its prompt; its history lists both answers.
    first_card = Card.objects.get(user=user, question_id=first.question_id)
    word = search_word(first_card.question)
    page.goto("/review/cards/")
    page.get_by_label("Text").fill(word)
    page.locator("#card-search").click()
    expect(page).to_have_url(re.compile(rf"q={word}"))
    table = page.locator("#card-table")
    expect(table).to_be_visible()
    listed = [card_of(link) for link in table.locator("tbody tr a").all()]
    assert first_card in listed
    assert all(matches(card.question, word) for card in listed), "only cards whose question has the word"
    table.locator(f"a[href='/review/cards/{first_card.pk}/']").click()
    expect(page.get_by_role("heading", level=1, name="Card history")).to_be_visible()
    expect(page.locator("#card-state")).not_to_have_text("New")
    rows = page.locator("#card-history tbody tr")
    expect(rows).to_have_count(2)
    assert ReviewLog.objects.filter(card=first_card).count() == 2
    expect(rows.nth(0)).to_contain_text("Right")  # newest first
    expect(rows.nth(1)).to_contain_text("Wrong")
    expect(rows.nth(1)).to_contain_text("Again")
    expect(rows.nth(1)).to_contain_text("Lesson check")

    # The card passed after the undo has exactly its two answers too: the undone one is gone.
    page.goto(f"/review/cards/{Card.objects.get(user=user, question_id=last.question_id).pk}/")
    rows = page.locator("#card-history tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("Answer shown")
    assert console.errors == []


def practice_session(user, questions) -> ReviewSession:
    return ReviewSession.objects.create(
        user=user, mode=ReviewLog.Mode.PRACTICE, module=questions[0].module, queue=[q.pk for q in questions]
    )


def one_of_each_type():
    found = {}
    for question in Question.objects.published().order_by("module__position", "pk"):
        found.setdefault(question.qtype, question)
    assert set(found) >= {"single", "multiple", "numeric", "ordering", "matching"}, set(found)
    return found


def test_a_wrong_first_try_stays_on_screen_with_its_wrong_parts_marked(page, live_curriculum, console):
    user = UserFactory(username="retrier")
    questions = one_of_each_type()
    order = ["single", "multiple", "numeric", "ordering", "matching"]
    session = practice_session(user, [questions[kind] for kind in order])
    log_in(page, "retrier")
    page.goto(f"/review/session/{session.pk}/")
    for kind in order:
        card, variant = showing(page)
        assert card.question.qtype == kind
        wrong = fill_answer(page, variant, correct=False)
        submit(page)
        note = page.locator("#retry-note")
        expect(note).to_contain_text("Not quite. Try once more.")
        form = page.locator("#answer-form")
        marked = form.locator(".is-tried-wrong")
        if kind in ("single", "multiple"):
            checked = {box.get_attribute("value") for box in form.locator("input[name=choice]:checked").all()}
            assert checked == wrong["choice"], "the chosen options stay chosen"
            bad = wrong["choice"] - set(variant.answer)
            marks = {
                label.locator("input").get_attribute("value")
                for label in form.locator("label.option").filter(has=page.locator(".tried-mark")).all()
            }
            assert marks == bad, "exactly the wrong choices are marked"
            if kind == "single":
                expect(note).to_contain_text("The option marked ✗ is not the answer.")
            else:
                choose = variant.public["choose"]
                right = choose - len(bad)
                expect(note).to_contain_text(f"{right} of your {choose} choices {'is' if right == 1 else 'are'} right")
        elif kind == "numeric":
            kept = form.locator("#numeric-answer").input_value()
            assert kept == variants.format_number(float(wrong["number"]))
            expect(note).to_contain_text(f"{kept}")
            expect(note).to_contain_text("is not it")
            expect(marked).to_have_count(0)
        elif kind == "ordering":
            for key, position in wrong["positions"].items():
                expect(form.locator(f"#pos-{key}")).to_have_value(str(position))
            misplaced = {key for key, position in wrong["positions"].items() if variant.answer[position - 1] != key}
            assert misplaced
            ids = {row.locator("select").get_attribute("id") for row in marked.all()}
            assert ids == {f"pos-{key}" for key in misplaced}
            expect(note).to_contain_text("The steps marked ✗ are in the wrong position.")
        else:
            for left, right in wrong["match"].items():
                expect(form.locator(f"#match-{left}")).to_have_value(right)
            ids = {row.locator("select").get_attribute("id") for row in marked.all()}
            assert ids == {f"match-{left}" for left, right in wrong["match"].items() if variant.answer[left] != right}
            assert len(ids) == 1
            expect(note).to_contain_text("The pairs marked ✗ are wrong.")
        # Nothing is recorded for a first try.
        assert not ReviewLog.objects.filter(card=card).exists()
        fill_answer(page, variant, correct=True)
        submit(page)
        expect(page.locator("#verdict")).to_have_text("Right")
        expect(page.locator("#rating-name")).to_have_text("Hard")
        expect(page.locator("#rating-line")).to_contain_text("right at the second try")
        expect(page.locator("#comes-back")).not_to_contain_text("in this session")
        assert ReviewLog.objects.get(card=card).attempts == 2
        next_question(page)
    expect(page.locator("#session-done")).to_contain_text("Practice done")
    expect(page.locator("#session-done")).to_contain_text("You answered 5 questions, 5 right")
    assert console.errors == []


def daily_session_page(page, username, new_per_day):
    user = UserFactory(username=username)
    services.deck_add_module(user=user, module=Module.objects.get(content_id="lambda"))
    settings = services.study_settings_for(user)
    settings.new_per_day = new_per_day
    settings.save()
    log_in(page, username)
    page.goto("/review/")
    page.get_by_role("button", name="Start review").click()
    expect(page.locator("#answer-form")).to_be_visible()
    return user


def test_a_card_suspended_from_a_session_leaves_it_until_unsuspended_in_the_browser(page, live_curriculum, console):
    user = daily_session_page(page, "suspender", new_per_day=3)
    expect(page.locator(".review-progress small")).to_contain_text("0 of 3 done")
    suspended, _ = showing(page)
    click_in_more(page, "#suspend-button")
    expect(page.locator("#session-notice")).to_contain_text("Card suspended")
    expect(page.locator(".review-progress small")).to_contain_text("0 of 2 done")
    shown = []
    while page.locator("#answer-form").count():
        card, variant = showing(page)
        shown.append(card.question_id)
        fill_answer(page, variant, correct=True)
        submit(page)
        next_question(page)
    expect(page.locator("#session-done")).to_contain_text("You answered 2 questions")
    assert suspended.question_id not in shown and len(shown) == 2
    assert Card.objects.get(pk=suspended.pk).suspended

    page.goto("/review/cards/")
    page.get_by_label("State").select_option("suspended")
    page.locator("#card-search").click()
    rows = page.locator("#card-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Suspended")
    rows.first.locator("a").click()
    expect(page.locator("#card-state")).to_have_text("Suspended")
    page.locator("#unsuspend-button").click()
    expect(page.get_by_text("Card unsuspended")).to_be_visible()
    expect(page.locator("#card-state")).to_have_text("New")
    expect(page.locator("#suspend-button")).to_be_visible()
    assert not Card.objects.get(pk=suspended.pk).suspended
    page.goto("/review/cards/?state=suspended")
    expect(page.locator("#no-cards")).to_be_visible()
    # Back in the deck: tomorrow's daily review may serve it again.
    assert suspended.question_id in Card.objects.new(user, timezone.now()).values_list("question_id", flat=True)
    assert console.errors == []


def test_the_dashboards_daily_goal_counts_answers_and_an_undo(page, live_curriculum, console):
    daily_session_page(page, "goal-setter", new_per_day=5)
    session_url = page.url
    page.goto("/review/settings/")
    page.get_by_label("Daily goal (answers)").fill("2")
    page.locator("form.narrow-form button[type=submit]").click()
    page.wait_for_url("**/review/")
    page.goto("/")
    goal = page.locator("#daily-goal")
    expect(goal.locator("#goal-done")).to_have_text("0")
    expect(goal.locator("#goal-target")).to_have_text("2")
    expect(goal).to_contain_text("2 to go")
    expect(page.locator("#dashboard-streak")).to_have_text("0")

    def answer_one(correct=True):
        page.goto(session_url)
        _, variant = showing(page)
        if correct:
            fill_answer(page, variant, correct=True)
            submit(page)
        else:
            submit(page, "#answer-form button[name=give_up]")
        expect(page.locator("#verdict")).to_be_visible()

    answer_one(correct=False)  # a wrong answer counts as studying too
    page.goto("/")
    expect(goal.locator("#goal-done")).to_have_text("1")
    expect(goal).to_contain_text("1 to go")
    expect(page.locator("#dashboard-streak")).to_have_text("1")

    answer_one()
    page.goto("/")
    expect(goal.locator("#goal-done")).to_have_text("2")
    expect(goal).to_contain_text("goal met")
    expect(goal.locator("progress")).to_have_attribute("value", "2")

    # An undone answer no longer counts.
    page.goto(session_url)
    click_in_more(page, "#undo-button")
    expect(page.locator("#session-notice")).to_contain_text("Answer undone")
    page.goto("/")
    expect(goal.locator("#goal-done")).to_have_text("1")
    expect(goal).to_contain_text("1 to go")
    assert console.errors == []
