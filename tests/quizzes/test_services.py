"""Scheduling with FSRS: ratings move due dates, one review per showing, sessions and the deck."""

import uuid
from datetime import UTC, date, datetime, timedelta

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


def review_card_in_state(user, question, *, stability=10.0, days_ago=10, now=None):
    now = now or timezone.now()
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


# --- the same card again the same day --------------------------------------------------------------------
# Fixed instants, so no test straddles a day boundary by accident. 15 January: no DST in either zone.
JAN15_NOON_UTC = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def practice_once(user, *, now, correct=True, seconds=2):
    session = services.session_start_practice(user=user, module=Module.objects.get(content_id="alpha"))
    _, outcome = show_and_answer(session, correct=correct, seconds=seconds, now=now)
    return outcome


def test_six_quick_right_answers_in_a_row_leave_the_due_date_where_one_review_would(quiz_content):
    user = UserFactory()
    now = JAN15_NOON_UTC
    card = review_card_in_state(user, quiz_content["alpha-single"], now=now)  # due today
    outcomes = [practice_once(user, now=now + timedelta(minutes=i)) for i in range(6)]
    assert [o.log.rating for o in outcomes] == [4] * 6  # all Easy: quick and right on a Review card
    card.refresh_from_db()
    first_due = outcomes[0].log.due_after
    assert first_due - now >= timedelta(days=5)
    assert card.due == first_due and [o.log.due_after for o in outcomes] == [first_due] * 6
    assert card.last_review == now and card.reps == 4  # one scheduling review on top of the three before
    assert ReviewLog.objects.filter(card=card).count() == 6  # every answer is still recorded


def test_a_wrong_answer_on_a_same_day_repeat_brings_the_card_back_sooner(quiz_content):
    user = UserFactory()
    now = JAN15_NOON_UTC
    card = review_card_in_state(user, quiz_content["alpha-single"], now=now)
    first = practice_once(user, now=now)
    later = now + timedelta(hours=2)
    session = services.session_start_practice(user=user, module=Module.objects.get(content_id="alpha"))
    showing = services.card_present(session=session, now=later - timedelta(seconds=3))
    for _ in range(2):  # wrong, then wrong again after the retry: Again
        outcome = services.card_answer(
            session=session, presentation=showing.card.presentation, data=answer_data(showing.variant, False), now=later
        )
    assert outcome.log.rating == 1
    card.refresh_from_db()
    assert card.due < first.log.due_after and card.due - later <= timedelta(minutes=10)
    assert card.state == Card.State.RELEARNING and card.lapses == 1


def test_a_new_card_still_graduates_through_its_learning_steps_the_same_day(quiz_content):
    user = UserFactory()
    now = JAN15_NOON_UTC
    services.deck_add_module(user=user, module=Module.objects.get(content_id="alpha"))
    first = show_and_answer(services.session_start_daily(user=user, now=now), seconds=10, now=now)[1]
    card = first.log.card
    card.refresh_from_db()
    assert card.state == Card.State.LEARNING and card.due - now <= timedelta(minutes=10)
    # Due again (its learning step is over): the same day, it is scheduled as FSRS says and graduates.
    later = card.due + timedelta(minutes=1)
    session = services.session_start_daily(user=user, now=later)
    assert session.queue[0] == card.question_id
    second = show_and_answer(session, seconds=10, now=later)[1]
    card.refresh_from_db()
    assert second.log.card_id == card.pk and card.state == Card.State.REVIEW
    assert card.due - later >= timedelta(days=1)


@pytest.mark.parametrize(
    ("zone", "first_utc", "same_day_utc", "next_day_utc"),
    [
        # 23:00 on the 14th in Los Angeles; 03:30 (before the 4 am day start) is still the 14th; 04:30 is the 15th.
        (
            "America/Los_Angeles",
            datetime(2026, 1, 15, 7, 0),
            datetime(2026, 1, 15, 11, 30),
            datetime(2026, 1, 15, 12, 30),
        ),
        # 23:00 on the 15th in Tokyo; 03:30 is still the 15th; 04:30 is the 16th.
        ("Asia/Tokyo", datetime(2026, 1, 15, 14, 0), datetime(2026, 1, 15, 18, 30), datetime(2026, 1, 15, 19, 30)),
    ],
)
def test_a_repeat_counts_as_same_day_by_the_learners_day(quiz_content, zone, first_utc, same_day_utc, next_day_utc):
    first_utc, same_day_utc, next_day_utc = (t.replace(tzinfo=UTC) for t in (first_utc, same_day_utc, next_day_utc))
    due_after = {}
    for label, second in (("same day", same_day_utc), ("next day", next_day_utc)):
        user = UserFactory()
        services.study_settings_update(user=user, desired_retention=0.9, new_per_day=10, time_zone=zone)
        card = review_card_in_state(user, quiz_content["alpha-single"], now=first_utc)
        practice_once(user, now=first_utc)
        card.refresh_from_db()
        before = card.due
        practice_once(user, now=second)
        card.refresh_from_db()
        due_after[label] = (before, card.due, card.last_review)
    before, after, last_review = due_after["same day"]
    assert after == before and last_review == first_utc  # 03:30 local: still the day of the first review
    before, after, last_review = due_after["next day"]
    assert last_review == next_day_utc  # 04:30 local: a new day, so FSRS schedules the review ahead of time


# --- the learner's day ---------------------------------------------------------------------------------


def day_settings(zone, hour=4):
    return services.StudySettings(time_zone=zone, day_starts_at=hour)


@pytest.mark.parametrize(
    ("zone", "hour", "moment", "day"),
    [
        # Los Angeles in January is UTC-8: its 4 am is 12:00 UTC.
        ("America/Los_Angeles", 4, datetime(2026, 1, 15, 11, 59, 59), date(2026, 1, 14)),
        ("America/Los_Angeles", 4, datetime(2026, 1, 15, 12, 0), date(2026, 1, 15)),
        # 4 pm in California is UTC midnight: still the same learner day.
        ("America/Los_Angeles", 4, datetime(2026, 1, 16, 0, 30), date(2026, 1, 15)),
        # Tokyo is UTC+9: its 4 am on the 16th is 19:00 UTC on the 15th.
        ("Asia/Tokyo", 4, datetime(2026, 1, 15, 18, 59, 59), date(2026, 1, 15)),
        ("Asia/Tokyo", 4, datetime(2026, 1, 15, 19, 0), date(2026, 1, 16)),
        ("Asia/Tokyo", 0, datetime(2026, 1, 15, 15, 0), date(2026, 1, 16)),  # day starting at midnight
        # Los Angeles springs forward at 2 am on 8 March: 4 am PDT is 11:00 UTC, an hour earlier than in winter.
        ("America/Los_Angeles", 4, datetime(2026, 3, 8, 10, 59), date(2026, 3, 7)),
        ("America/Los_Angeles", 4, datetime(2026, 3, 8, 11, 0), date(2026, 3, 8)),
        # India is UTC+5:30: its 4 am is 22:30 UTC the day before.
        ("Asia/Kolkata", 4, datetime(2026, 1, 14, 22, 29), date(2026, 1, 14)),
        ("Asia/Kolkata", 4, datetime(2026, 1, 14, 22, 30), date(2026, 1, 15)),
        ("UTC", 4, datetime(2026, 1, 15, 3, 59), date(2026, 1, 14)),
    ],
)
def test_learner_day_follows_the_time_zone_and_the_day_start_hour(zone, hour, moment, day):
    settings = day_settings(zone, hour)
    moment = moment.replace(tzinfo=UTC)
    assert services.learner_day(settings, moment) == day
    start = services.learner_day_start(settings, day)
    assert start <= moment < services.learner_day_start(settings, day + timedelta(days=1))
    assert services.learner_day(settings, start) == day


def test_a_day_start_skipped_by_dst_begins_the_day_at_the_jump():
    # Chile springs forward from midnight to 1 am on 6 September 2026: there is no 00:00 that day.
    settings = day_settings("America/Santiago", 0)
    start = services.learner_day_start(settings, date(2026, 9, 6))
    assert services.learner_day(settings, start) == date(2026, 9, 6)
    assert services.learner_day(settings, start - timedelta(seconds=1)) == date(2026, 9, 5)


def new_cards_in_daily_session(user, now):
    session = services.session_start_daily(user=user, now=now)
    return [pk for pk in session.queue if not Card.objects.get(user=user, question_id=pk).last_review]


@pytest.mark.parametrize(
    ("zone", "spent_at", "same_day", "next_day"),
    [
        # 3:30 pm in Los Angeles; 4:30 pm is past UTC midnight but the same learner day; 4:30 am is the next.
        (
            "America/Los_Angeles",
            datetime(2026, 1, 15, 23, 30),
            datetime(2026, 1, 16, 0, 30),
            datetime(2026, 1, 16, 12, 30),
        ),
        # 3:30 am on the 16th in Tokyo counts for the 15th; UTC's new day (9 am there) is not Tokyo's either.
        ("Asia/Tokyo", datetime(2026, 1, 15, 18, 30), datetime(2026, 1, 15, 18, 50), datetime(2026, 1, 15, 19, 30)),
        ("Asia/Tokyo", datetime(2026, 1, 15, 23, 30), datetime(2026, 1, 16, 0, 30), datetime(2026, 1, 16, 19, 30)),
    ],
)
def test_the_new_card_allowance_renews_when_the_learners_day_does(quiz_content, zone, spent_at, same_day, next_day):
    spent_at, same_day, next_day = (t.replace(tzinfo=UTC) for t in (spent_at, same_day, next_day))
    user = UserFactory()
    services.study_settings_update(user=user, desired_retention=0.9, new_per_day=2, time_zone=zone)
    services.deck_add_module(user=user, module=Module.objects.get(content_id="alpha"))
    session = services.session_start_daily(user=user, now=spent_at)
    assert len(session.queue) == 2
    show_and_answer(session, now=spent_at)
    show_and_answer(session, now=spent_at + timedelta(minutes=1))
    assert services.new_cards_introduced_today(user, same_day) == 2
    assert new_cards_in_daily_session(user, same_day) == []
    assert services.review_counts(user, same_day)["new"] == 0
    assert services.new_cards_introduced_today(user, next_day) == 0
    assert len(new_cards_in_daily_session(user, next_day)) == 2
    assert services.review_counts(user, next_day)["new"] == 2


def test_the_day_start_hour_moves_the_boundary(quiz_content):
    user = UserFactory()
    services.study_settings_update(
        user=user, desired_retention=0.9, new_per_day=1, time_zone="Asia/Tokyo", day_starts_at=0
    )
    services.deck_add_module(user=user, module=Module.objects.get(content_id="alpha"))
    evening = datetime(2026, 1, 15, 14, 30, tzinfo=UTC)  # 23:30 in Tokyo
    show_and_answer(services.session_start_daily(user=user, now=evening), now=evening)
    after_midnight = datetime(2026, 1, 15, 15, 30, tzinfo=UTC)  # 00:30: a new day when it starts at midnight
    assert services.new_cards_introduced_today(user, after_midnight) == 0
    services.study_settings_update(user=user, desired_retention=0.9, new_per_day=1, day_starts_at=4)
    assert services.new_cards_introduced_today(user, after_midnight) == 1  # with 4 am, still the 15th


# --- study settings --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus_Mons", "Europe/Paris\x00", "../../etc/passwd", "/etc/localtime", "x" * 10_000, "", "utc"]
)
def test_an_unknown_time_zone_is_a_validation_error(db, zone):
    from django.core.exceptions import ValidationError

    user = UserFactory()
    with pytest.raises(ValidationError) as error:
        services.study_settings_update(user=user, desired_retention=0.9, new_per_day=10, time_zone=zone)
    assert "time_zone" in error.value.message_dict
    assert services.study_settings_for(user).time_zone == "UTC"


@pytest.mark.parametrize("hour", [24, 1000, -1])
def test_the_day_start_hour_is_validated(db, hour):
    from django.core.exceptions import ValidationError

    user = UserFactory()
    with pytest.raises(ValidationError):
        services.study_settings_update(user=user, desired_retention=0.9, new_per_day=10, day_starts_at=hour)
    assert services.study_settings_for(user).day_starts_at == 4


def test_settings_start_in_utc_with_the_day_starting_at_4_am(db):
    settings = services.study_settings_for(UserFactory())
    assert (settings.time_zone, settings.day_starts_at) == ("UTC", 4)


@pytest.mark.parametrize(
    ("reported", "stored"),
    [
        ("America/Los_Angeles", "America/Los_Angeles"),
        ("Asia/Tokyo", "Asia/Tokyo"),
        (None, "UTC"),
        ("", "UTC"),
        ("Not/A_Zone", "UTC"),
        ("Asia/Tokyo\x00", "UTC"),
        ("y" * 100_000, "UTC"),
    ],
)
def test_a_new_learner_gets_the_browsers_time_zone_or_utc(db, reported, stored):
    user = UserFactory()
    settings = services.study_settings_create_for_new_user(user, time_zone=reported)
    assert settings.time_zone == stored and settings.day_starts_at == 4
    from quizzes.models import StudySettings

    assert StudySettings.objects.get(user=user).time_zone == stored
    assert services.study_settings_for(user).pk == settings.pk
