"""A card missed in a session comes back in it after its (re)learning step, until passed or the session ends."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Lesson, Module
from quizzes import services
from quizzes.models import Card, ReviewLog
from tests.courses.factories import UserFactory
from tests.quizzes.test_services import answer_data, review_card_in_state

pytestmark = pytest.mark.django_db


def answer(session, *, correct, now, seconds=5, give_up=False):
    """Answer whatever is on screen; a wrong answer is wrong twice (the retry too), so it is final: Again."""
    showing = services.card_present(session=session, now=now - timedelta(seconds=seconds))
    assert showing is not None
    data = answer_data(showing.variant, correct)
    outcome = services.card_answer(
        session=session, presentation=showing.card.presentation, data=data, give_up=give_up, now=now
    )
    if outcome.retry:
        outcome = services.card_answer(session=session, presentation=showing.card.presentation, data=data, now=now)
    return showing.question, outcome


def test_a_missed_card_comes_back_after_the_rest_and_leaves_once_passed(quiz_content):
    user = UserFactory()
    now = timezone.now()
    session = services.session_start_lesson_check(user=user, lesson=Lesson.objects.get(content_id="alpha-one"))
    first, *rest = session.queue
    assert rest
    missed, outcome = answer(session, correct=False, now=now)
    assert missed.pk == first and outcome.log.rating == 1
    assert session.again == [first] and session.finished_at is None
    # Next come the queue's other questions: the missed card's learning step (1 minute) is not over.
    for pk in rest:
        shown, _ = answer(session, correct=True, now=now + timedelta(seconds=10))
        assert shown.pk == pk
    # The queue is done: the missed card is shown within the learn-ahead limit, before its step is over.
    assert Card.objects.get(user=user, question_id=first).due > now + timedelta(seconds=20)
    again, passed = answer(session, correct=True, now=now + timedelta(seconds=20))
    assert again.pk == first and passed.log.rating in (2, 3)
    assert session.again == [] and session.finished_at is not None
    assert services.card_present(session=session) is None
    # Both answers to the missed card are logged; the session counts its first answers only.
    assert ReviewLog.objects.filter(user=user, question_id=first).count() == 2
    assert (len(session.answered), session.correct_count) == (len(rest) + 1, len(rest))


def test_a_relearning_card_whose_step_is_over_comes_before_the_rest_of_the_queue(quiz_content):
    user = UserFactory()
    now = timezone.now()
    session = services.session_start_practice(user=user, module=Module.objects.get(content_id="alpha"))
    assert len(session.queue) >= 3
    missed, _ = answer(session, correct=False, now=now)
    # Two minutes later the missed card's one-minute step is over: it comes first.
    shown = services.card_present(session=session, now=now + timedelta(minutes=2))
    assert shown.question.pk == missed.pk
    assert session.remaining  # although the queue still has questions


def test_a_missed_review_card_relearns_and_graduates_back_to_review_in_the_session(quiz_content):
    user = UserFactory()
    now = timezone.now()
    card = review_card_in_state(user, quiz_content["alpha-single"], now=now)
    session = services.session_start_daily(user=user, now=now)
    assert session.queue == [card.question_id]
    answer(session, correct=False, now=now)
    card.refresh_from_db()
    assert card.state == Card.State.RELEARNING and card.lapses == 1
    assert card.due - now == timedelta(minutes=10)  # FSRS's relearning step
    _, passed = answer(session, correct=True, now=now + timedelta(minutes=1))  # learned ahead, 9 min early
    card.refresh_from_db()
    assert card.state == Card.State.REVIEW and card.due - now > timedelta(hours=12)
    assert passed.log.state_before == Card.State.RELEARNING and session.finished_at is not None


def test_a_card_missed_again_stays_to_relearn_until_passed(quiz_content):
    user = UserFactory()
    now = timezone.now()
    session = services.session_start_lesson_check(user=user, lesson=Lesson.objects.get(content_id="alpha-one"))
    first = session.queue[0]
    answer(session, correct=False, now=now)
    while session.remaining:
        answer(session, correct=True, now=now + timedelta(seconds=5))
    for n in range(3):  # "Show answer" on the repeat: still Again, still in the session
        shown, outcome = answer(session, correct=False, give_up=True, now=now + timedelta(seconds=10 + n))
        assert shown.pk == first and outcome.log.rating == 1 and session.again == [first]
    answer(session, correct=True, now=now + timedelta(seconds=30))
    assert session.again == [] and session.finished_at is not None


def test_cards_due_beyond_the_learn_ahead_limit_wait_and_the_end_screen_says_when(client, quiz_content):
    user = UserFactory()
    now = timezone.now()
    session = services.session_start_lesson_check(user=user, lesson=Lesson.objects.get(content_id="alpha-one"))
    answer(session, correct=False, now=now)
    while session.remaining:
        answer(session, correct=True, now=now)
    later = now + timedelta(seconds=30)
    card = Card.objects.get(user=user, question_id=session.queue[0])
    card.due = later + services.LEARN_AHEAD + timedelta(minutes=5)  # a long step, as custom steps could give
    card.save()
    assert services.card_present(session=session, now=later) is None
    client.force_login(user)
    html = client.get(session.get_absolute_url()).content.decode()
    assert 'id="session-done"' in html and 'id="relearning-left"' in html
    assert "still in its relearning step" in html and re.search(r">in 2[56] minutes</time>", html)
    assert 'id="continue-session"' in html  # the session is still open: coming back serves the card


def test_ending_a_session_keeps_what_is_left_scheduled_and_lists_it(client, quiz_content):
    user = UserFactory()
    now = timezone.now()
    session = services.session_start_lesson_check(user=user, lesson=Lesson.objects.get(content_id="alpha-one"))
    missed, _ = answer(session, correct=False, now=now)
    client.force_login(user)
    response = client.post(reverse("quizzes:session_end", args=[session.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and 'id="session-done"' in html and 'id="relearning-left"' in html
    assert 'id="continue-session"' not in html
    session.refresh_from_db()
    assert session.finished_at is not None and session.again == [missed.pk]
    assert services.card_present(session=session) is None  # nothing more in an ended session
    # The missed card is scheduled as FSRS said: the daily review serves it once its step is over.
    daily = services.session_start_daily(user=user, now=now + timedelta(minutes=2))
    assert missed.pk in daily.queue


def test_another_learner_cannot_end_my_session(client, quiz_content):
    alice, bob = UserFactory(), UserFactory()
    session = services.session_start_lesson_check(user=alice, lesson=Lesson.objects.get(content_id="alpha-one"))
    client.force_login(bob)
    assert client.post(reverse("quizzes:session_end", args=[session.pk])).status_code == 404
    session.refresh_from_db()
    assert session.finished_at is None


def test_the_feedback_says_the_rating_its_reason_and_that_the_card_comes_back_here(client, quiz_content):
    user = UserFactory()
    session = services.session_start_lesson_check(user=user, lesson=Lesson.objects.get(content_id="alpha-one"))
    client.force_login(user)
    showing = services.card_present(session=session)
    url = reverse("quizzes:answer", args=[session.pk])
    wrong = answer_data(showing.variant, False)
    client.post(
        url, {**wrong.dict(), "presentation": str(showing.card.presentation), "choice": wrong.getlist("choice")}
    )
    html = client.post(
        url, {"presentation": str(showing.card.presentation), "choice": wrong.getlist("choice")}
    ).content.decode()
    assert 'id="rating-name">Again</strong>: the answer was wrong.' in html
    assert "in this session, after its relearning step" in html
    assert 'id="relearn-count">1</span> to relearn' in html
