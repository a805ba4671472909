"""Scheduling with FSRS: ratings move due dates, one review per showing, sessions and the deck."""

import uuid
from datetime import timedelta

import pytest
from django.http import QueryDict
from django.utils import timezone

from courses.models import Lesson, Module
from quizzes import services
from quizzes.models import Card, ReviewLog
from quizzes.variants import AnswerInvalid
from tests.courses.factories import UserFactory

pytestmark = pytest.mark.django_db


def answer_data(variant, correct=True):
    data = QueryDict(mutable=True)
    if variant.question_type == "single":
        [right] = variant.answer
        wrong = next(o["key"] for o in variant.public["options"] if o["key"] != right)
        data.setlist("choice", [right if correct else wrong])
    elif variant.question_type == "multiple":
        keys = sorted(variant.answer)
        if not correct:
            keys[0] = next(o["key"] for o in variant.public["options"] if o["key"] not in variant.answer)
        data.setlist("choice", keys)
    elif variant.question_type == "numeric":
        data["answer"] = str(variant.answer if correct else variant.answer + 1000)
    elif variant.question_type == "ordering":
        order = list(variant.answer) if correct else list(reversed(variant.answer))
        for position, key in enumerate(order, start=1):
            data[f"pos_{key}"] = str(position)
    else:
        for left, right in variant.answer.items():
            data[f"match_{left}"] = right
        if not correct:
            left = next(iter(variant.answer))
            data[f"match_{left}"] = next(r["key"] for r in variant.public["rights"] if r["key"] != variant.answer[left])
    return data


def review_card_in_state(user, question, *, stability=10.0, days_ago=10):
    now = timezone.now()
    return Card.objects.create(
        user=user,
        question=question,
        state=Card.State.REVIEW,
        step=None,
        stability=stability,
        difficulty=5.0,
        due=now,
        last_review=now - timedelta(days=days_ago),
        reps=3,
    )


def show_and_answer(session, *, correct=True, seconds=5, now=None):
    now = now or timezone.now()
    showing = services.card_present(session=session, now=now - timedelta(seconds=seconds))
    outcome = services.card_answer(
        session=session, presentation=showing.card.presentation, data=answer_data(showing.variant, correct), now=now
    )
    return showing, outcome


def test_again_brings_a_card_back_within_minutes_and_good_pushes_it_out_by_days(quiz_content):
    question = quiz_content["alpha-single"]
    alice, bob = UserFactory(), UserFactory()
    for user in (alice, bob):
        review_card_in_state(user, question)
    now = timezone.now()
    _, wrong = show_and_answer(services.session_start_daily(user=alice, now=now), correct=False, now=now)
    assert wrong.retry  # a first wrong answer gets one more try
    session = services.session_start_daily(user=alice, now=now)
    showing = services.card_present(session=session)
    wrong = services.card_answer(
        session=session, presentation=showing.card.presentation, data=answer_data(showing.variant, False), now=now
    )
    _, good = show_and_answer(services.session_start_daily(user=bob, now=now), correct=True, seconds=12, now=now)
    again_card, good_card = Card.objects.get(user=alice), Card.objects.get(user=bob)
    assert wrong.log.rating == 1 and good.log.rating == 3
    assert again_card.due - now <= timedelta(minutes=10)
    assert again_card.state == Card.State.RELEARNING and again_card.lapses == 1
    assert good_card.due - now >= timedelta(days=5)
    assert good_card.stability > again_card.stability


def test_a_showing_is_reviewed_once_whatever_is_submitted_again(quiz_content):
    user = UserFactory()
    session = services.session_start_lesson_check(user=user, lesson=Lesson.objects.get(content_id="alpha-one"))
    showing = services.card_present(session=session)
    data = answer_data(showing.variant)
    first = services.card_answer(session=session, presentation=showing.card.presentation, data=data)
    second = services.card_answer(session=session, presentation=showing.card.presentation, data=data)
    assert not first.replayed and second.replayed
    assert second.log.pk == first.log.pk
    assert ReviewLog.objects.filter(user=user).count() == 1
    assert Card.objects.get(user=user, question=showing.question).reps == 1
    with pytest.raises(services.StaleShowing):
        services.card_answer(session=session, presentation=uuid.uuid4(), data=data)


def test_showing_again_before_answering_keeps_the_same_variant(quiz_content):
    session = services.session_start_practice(user=UserFactory(), module=Module.objects.get(content_id="alpha"))
    first = services.card_present(session=session)
    again = services.card_present(session=session)
    assert first.card.presentation == again.card.presentation
    assert first.variant.public == again.variant.public


def test_right_after_a_retry_is_hard(quiz_content):
    user = UserFactory()
    session = services.session_start_practice(user=user, module=Module.objects.get(content_id="alpha"))
    showing = services.card_present(session=session)
    token = showing.card.presentation
    retry = services.card_answer(session=session, presentation=token, data=answer_data(showing.variant, False))
    assert retry.retry and retry.log is None and not ReviewLog.objects.exists()
    done = services.card_answer(session=session, presentation=token, data=answer_data(showing.variant, True))
    assert done.log.rating == 2 and done.log.attempts == 2 and done.log.correct


def test_invalid_input_records_nothing(quiz_content):
    session = services.session_start_practice(user=UserFactory(), module=Module.objects.get(content_id="alpha"))
    showing = services.card_present(session=session)
    with pytest.raises(AnswerInvalid):
        services.card_answer(session=session, presentation=showing.card.presentation, data=QueryDict())
    assert not ReviewLog.objects.exists()
    assert Card.objects.get(pk=showing.card.pk).attempts == 0


def test_giving_up_is_again(quiz_content):
    session = services.session_start_practice(user=UserFactory(), module=Module.objects.get(content_id="alpha"))
    showing = services.card_present(session=session)
    outcome = services.card_answer(
        session=session, presentation=showing.card.presentation, data=QueryDict(), give_up=True
    )
    assert outcome.log.rating == 1 and not outcome.log.correct


def test_daily_review_puts_due_cards_first_then_new_cards_up_to_the_daily_allowance(quiz_content):
    user = UserFactory()
    settings = services.study_settings_for(user)
    settings.new_per_day = 2
    settings.save()
    module = Module.objects.get(content_id="alpha")
    assert services.deck_add_module(user=user, module=module) == 6
    assert services.deck_add_module(user=user, module=module) == 0
    due_card = Card.objects.get(user=user, question=quiz_content["alpha-order"])
    due_card.last_review = timezone.now() - timedelta(days=3)
    due_card.state, due_card.stability, due_card.difficulty, due_card.step = Card.State.REVIEW, 3.0, 5.0, None
    due_card.due = timezone.now() - timedelta(hours=1)
    due_card.save()
    session = services.session_start_daily(user=user)
    assert session.queue[0] == quiz_content["alpha-order"].pk
    assert len(session.queue) == 3  # one due + two new
    show_and_answer(session)  # the due card
    show_and_answer(session)  # first new card: introduced today
    later = services.session_start_daily(user=user)
    assert len(later.queue) == 1  # one new card left in today's allowance


def test_lesson_check_adds_its_questions_to_the_deck(quiz_content):
    user = UserFactory()
    lesson = Lesson.objects.get(content_id="alpha-two")
    session = services.session_start_lesson_check(user=user, lesson=lesson)
    assert sorted(session.queue) == sorted(q.pk for q in quiz_content.values() if q.lesson_id == lesson.pk)
    while session.remaining:
        show_and_answer(session)
    assert session.finished_at is not None
    assert Card.objects.filter(user=user, last_review__isnull=False).count() == len(session.queue)
    assert set(ReviewLog.objects.values_list("mode", flat=True)) == {"lesson"}


def test_practice_reviews_ahead_of_time(quiz_content):
    user = UserFactory()
    card = review_card_in_state(user, quiz_content["alpha-single"], stability=30.0, days_ago=1)
    card.due = timezone.now() + timedelta(days=29)
    card.save()
    session = services.session_start_practice(user=user, module=Module.objects.get(content_id="alpha"))
    assert session.queue[0] == quiz_content["alpha-single"].pk
    _, outcome = show_and_answer(session)
    assert outcome.log.mode == "practice"
    assert outcome.log.retrievability_before > 0.9
    card.refresh_from_db()
    assert card.reps == 4 and card.last_review > timezone.now() - timedelta(minutes=1)


def test_desired_retention_changes_the_interval(quiz_content):
    now = timezone.now() + timedelta(seconds=5)
    due = {}
    for retention in (0.80, 0.97):
        user = UserFactory()
        services.study_settings_update(user=user, desired_retention=retention, new_per_day=10)
        review_card_in_state(user, quiz_content["alpha-single"])
        _, outcome = show_and_answer(services.session_start_daily(user=user, now=now), seconds=12, now=now)
        due[retention] = outcome.log.due_after
    assert due[0.80] > due[0.97]


def test_settings_are_validated(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.study_settings_update(user=UserFactory(), desired_retention=0.99, new_per_day=10)
