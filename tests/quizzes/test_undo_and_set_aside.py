"""Undo the last answer (card and session as before, log gone), suspend and bury, and the retry's feedback."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Lesson, Module
from quizzes import services
from quizzes.models import Card, ReviewLog
from tests.courses.factories import UserFactory
from tests.quizzes.test_relearning import answer
from tests.quizzes.test_services import answer_data, review_card_in_state

pytestmark = pytest.mark.django_db

SCHEDULE = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")


def schedule(card):
    card.refresh_from_db()
    return {name: getattr(card, name) for name in SCHEDULE}


def test_undo_puts_the_card_and_the_session_back_and_deletes_the_log(quiz_content):
    user = UserFactory()
    now = timezone.now()
    card = review_card_in_state(user, quiz_content["alpha-single"], now=now)
    before = schedule(card)
    session = services.session_start_daily(user=user, now=now)
    question, outcome = answer(session, correct=False, now=now)
    assert schedule(card) != before and session.again == [question.pk]
    seed = outcome.log.variant_seed
    undone = services.card_undo(session=session, now=now + timedelta(seconds=3))
    assert undone.pk == question.pk
    assert schedule(card) == before
    assert not ReviewLog.objects.filter(user=user).exists()
    session.refresh_from_db()
    assert (session.answered, session.again, session.correct_count, session.finished_at) == ([], [], 0, None)
    # The same question is on screen again, the same variant, as a fresh showing.
    showing = services.card_present(session=session, now=now + timedelta(seconds=4))
    assert showing.question.pk == question.pk and showing.card.variant_seed == seed
    assert showing.card.attempts == 0 and showing.card.presentation is not None


def test_undo_twice_goes_back_two_answers_then_there_is_nothing_left(quiz_content):
    user = UserFactory()
    now = timezone.now()
    session = services.session_start_lesson_check(user=user, lesson=Lesson.objects.get(content_id="alpha-one"))
    first, _ = answer(session, correct=True, now=now)
    second, _ = answer(session, correct=True, now=now)
    assert services.card_undo(session=session).pk == second.pk
    assert services.card_undo(session=session).pk == first.pk
    assert session.answered == [] and session.current == first.pk
    with pytest.raises(services.NothingToUndo):
        services.card_undo(session=session)
    # The new cards are new again: their first review has not happened.
    assert not Card.objects.filter(user=user, last_review__isnull=False).exists()


def test_an_answer_given_since_in_another_session_blocks_the_undo(quiz_content):
    user = UserFactory()
    now = timezone.now()
    review_card_in_state(user, quiz_content["alpha-single"], now=now)
    daily = services.session_start_daily(user=user, now=now)
    answer(daily, correct=False, now=now)
    practice = services.session_start_practice(user=user, module=Module.objects.get(content_id="alpha"))
    assert practice.queue[0] == quiz_content["alpha-single"].pk
    answer(practice, correct=True, now=now + timedelta(minutes=1))
    with pytest.raises(services.NothingToUndo, match="answered since"):
        services.card_undo(session=daily)
    assert ReviewLog.objects.filter(user=user).count() == 2


def test_undo_through_the_page_shows_the_question_again(client, quiz_content):
    user = UserFactory()
    session = services.session_start_lesson_check(user=user, lesson=Lesson.objects.get(content_id="alpha-one"))
    question, _ = answer(session, correct=True, now=timezone.now())
    client.force_login(user)
    html = client.post(reverse("quizzes:undo", args=[session.pk]), headers={"HX-Request": "true"}).content.decode()
    assert 'id="session-notice">Answer undone' in html and 'id="answer-form"' in html
    assert "Which one is right?" in html  # alpha-single, the check's first question
    assert question.pk == quiz_content["alpha-single"].pk
    # With nothing left to undo the page says so, never a 500.
    html = client.post(reverse("quizzes:undo", args=[session.pk])).content.decode()
    assert "There is no answer in this session to undo." in html


def test_another_learner_cannot_undo_or_set_aside_in_my_session(client, quiz_content):
    alice, bob = UserFactory(), UserFactory()
    session = services.session_start_lesson_check(user=alice, lesson=Lesson.objects.get(content_id="alpha-one"))
    answer(session, correct=True, now=timezone.now())
    card = Card.objects.get(user=alice, question=quiz_content["alpha-single"])
    client.force_login(bob)
    assert client.post(reverse("quizzes:undo", args=[session.pk])).status_code == 404
    url = reverse("quizzes:session_set_aside", args=[session.pk])
    assert client.post(url, {"card": card.pk, "action": "suspend"}).status_code == 404
    assert ReviewLog.objects.filter(user=alice).count() == 1
    card.refresh_from_db()
    assert not card.suspended
    client.logout()
    assert client.post(reverse("quizzes:undo", args=[session.pk])).status_code == 302  # to the login page


def test_a_suspended_card_leaves_the_session_and_every_queue_until_unsuspended(client, quiz_content):
    user = UserFactory()
    now = timezone.now()
    card = review_card_in_state(user, quiz_content["alpha-single"], now=now - timedelta(hours=1))
    review_card_in_state(user, quiz_content["alpha-multiple"], now=now - timedelta(hours=1))
    session = services.session_start_daily(user=user, now=now)
    assert services.card_present(session=session).question.pk == card.question_id
    client.force_login(user)
    html = client.post(
        reverse("quizzes:session_set_aside", args=[session.pk]), {"card": card.pk, "action": "suspend"}
    ).content.decode()
    assert "Card suspended" in html and "Pick two." in html  # the session goes on with the next card
    assert services.review_counts(user)["due"] == 1 and services.review_counts(user)["suspended"] == 1
    assert card.question_id not in services.session_start_daily(user=user).queue
    practice = services.session_start_practice(user=user, module=Module.objects.get(content_id="alpha"))
    assert card.question_id not in practice.queue
    client.post(reverse("quizzes:card_set_aside", args=[card.pk]), {"action": "unsuspend"})
    assert services.review_counts(user)["due"] == 2


def test_a_buried_card_is_back_when_the_learners_next_day_starts(quiz_content):
    user = UserFactory()
    settings = services.study_settings_for(user)
    settings.time_zone, settings.day_starts_at = "Asia/Tokyo", 4
    settings.save()
    now = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)  # 21:00 in Tokyo: the day ends at 04:00 local, 19:00 UTC
    card = review_card_in_state(user, quiz_content["alpha-single"], now=now - timedelta(hours=1))
    services.card_set_aside(user=user, card=card, action="bury", now=now)
    card.refresh_from_db()
    assert card.buried_until == datetime(2026, 1, 15, 19, 0, tzinfo=UTC)
    assert services.review_counts(user, now)["due"] == 0 and services.review_counts(user, now)["buried"] == 1
    assert services.session_start_daily(user=user, now=now).queue == []
    after = datetime(2026, 1, 15, 19, 1, tzinfo=UTC)
    assert services.session_start_daily(user=user, now=after).queue == [card.question_id]


def test_set_aside_refuses_unknown_actions_and_bad_card_numbers(client, quiz_content):
    user = UserFactory()
    card = review_card_in_state(user, quiz_content["alpha-single"])
    session = services.session_start_daily(user=user)
    client.force_login(user)
    url = reverse("quizzes:session_set_aside", args=[session.pk])
    for data in (
        {"card": card.pk, "action": "delete"},
        {"card": "1e3", "action": "bury"},
        {"card": "٣", "action": "bury"},
    ):
        response = client.post(url, data)
        assert response.status_code == 400, data
    assert client.post(url, {"card": "99999999", "action": "bury"}).status_code == 404
    assert client.post(reverse("quizzes:card_set_aside", args=[card.pk]), {"action": ["x"]}).status_code == 400
    card.refresh_from_db()
    assert not card.suspended and card.buried_until is None


def test_a_wrong_first_try_keeps_the_answer_and_marks_the_wrong_option(client, quiz_content):
    user = UserFactory()
    session = services.session_start_lesson_check(user=user, lesson=Lesson.objects.get(content_id="alpha-one"))
    showing = services.card_present(session=session)
    assert showing.question.qtype == "single"
    wrong = answer_data(showing.variant, False).getlist("choice")[0]
    client.force_login(user)
    html = client.post(
        reverse("quizzes:answer", args=[session.pk]), {"presentation": str(showing.card.presentation), "choice": wrong}
    ).content.decode()
    assert "Not quite. Try once more." in html and "The option marked ✗ is not the answer." in html
    assert f'value="{wrong}" checked' in html
    assert html.count('class="option is-tried-wrong"') == 1 and html.count("✗</strong>") == 1


def test_a_wrong_ordering_marks_only_the_misplaced_steps_and_keeps_the_positions(client, quiz_content):
    user = UserFactory()
    session = services.session_start_lesson_check(user=user, lesson=Lesson.objects.get(content_id="alpha-two"))
    while (showing := services.card_present(session=session)).question.qtype != "ordering":
        answer(session, correct=True, now=timezone.now())
    keys = list(showing.variant.answer)
    swapped = [keys[1], keys[0], *keys[2:]]  # the first two steps swapped, the rest right
    data = {f"pos_{key}": str(position) for position, key in enumerate(swapped, start=1)}
    client.force_login(user)
    html = client.post(
        reverse("quizzes:answer", args=[session.pk]), {"presentation": str(showing.card.presentation), **data}
    ).content.decode()
    assert "The steps marked ✗ are in the wrong position." in html
    assert html.count('class="order-row is-tried-wrong"') == 2
    assert html.count(" selected>") == len(keys)


def test_a_wrong_number_is_kept_and_named_in_the_retry(client, quiz_content):
    user = UserFactory()
    session = services.session_start_lesson_check(user=user, lesson=Lesson.objects.get(content_id="alpha-two"))
    while (showing := services.card_present(session=session)).question.qtype != "numeric":
        answer(session, correct=True, now=timezone.now())
    given = showing.variant.answer + 1000
    client.force_login(user)
    html = client.post(
        reverse("quizzes:answer", args=[session.pk]),
        {"presentation": str(showing.card.presentation), "answer": str(given)},
    ).content.decode()
    from quizzes.variants import format_number

    assert f'value="{format_number(given)}"' in html and f"{format_number(given)}" in html and "is not it." in html
