"""Item analysis against small hand-computed cases, the database path, who may see it, and its query count."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses import cohorts
from courses.roles import make_instructor
from quizzes import analytics, variants
from quizzes.analytics import Response
from quizzes.models import Card, ExamAttempt, ExamBlueprint, Question, ReviewLog
from tests.courses.factories import UserFactory


def test_point_biserial_against_a_hand_count():
    # Totals 0.9, 0.8 (right) and 0.4, 0.5 (wrong): mean 0.65, population sd sqrt(0.17 / 4) = 0.20616,
    # M1 - M0 = 0.85 - 0.45 = 0.4, p = q = 0.5: r = 0.4 / 0.20616 x 0.5 = 0.9701.
    r = analytics.point_biserial([(True, 0.9), (True, 0.8), (False, 0.4), (False, 0.5)])
    assert r == pytest.approx(0.9701, abs=1e-4)
    # Reversed, it is as strong the other way.
    assert analytics.point_biserial([(False, 0.9), (False, 0.8), (True, 0.4), (True, 0.5)]) == pytest.approx(
        -0.9701, abs=1e-4
    )
    assert analytics.point_biserial([(True, 0.9), (True, 0.1)]) is None  # nobody wrong: undefined
    assert analytics.point_biserial([(True, 0.5), (False, 0.5)]) is None  # no spread in the totals
    assert analytics.point_biserial([(True, 0.5)]) is None


class Q:
    """A question as analyse() reads it."""

    def __init__(self, qtype="single", pk=1, options=4):
        self.qtype, self.pk = qtype, pk
        self.spec = {"options": [{"text": f"o{i}", "correct": i == 0} for i in range(options)]}


def test_shares_flags_and_the_top_third_against_hand_counts():
    # 12 learners, totals 0.1 .. 1.2: the top four (9-12) all chose distractor 2; the rest chose the key 0.
    exam_total = {u: u / 10 for u in range(1, 13)}
    responses = [Response(u, right=u <= 8, options=(0,) if u <= 8 else (2,), seconds=20) for u in range(1, 13)]
    item = analytics.analyse(Q(), responses, exam_total=exam_total, recall={})
    assert item.attempts == 12 and item.first_right == pytest.approx(8 / 12)
    assert [round(o["share"], 3) for o in item.option_shares] == [round(8 / 12, 3), 0, round(4 / 12, 3), 0]
    assert item.basis == "exam" and item.discrimination < 0
    assert "negative discrimination" in item.flags and "top third prefer a distractor" in item.flags
    # A good item: the able are right.
    good = [Response(u, right=u > 4, options=(0,) if u > 4 else (1,), seconds=20) for u in range(1, 13)]
    item = analytics.analyse(Q(), good, exam_total=exam_total, recall={})
    assert item.discrimination > 0.5 and item.flags == []
    # Too few answers: numbers, no flags.
    few = analytics.analyse(Q(), responses[:5], exam_total=exam_total, recall={})
    assert few.attempts == 5 and few.flags == []
    # Few learners with an exam: discrimination against their recall instead.
    by_recall = analytics.analyse(Q(), good, exam_total={}, recall=exam_total)
    assert by_recall.basis == "recall" and by_recall.discrimination == pytest.approx(item.discrimination)


def test_medians_far_from_their_type_norm_are_flagged():
    def item(pk, seconds):
        return analytics.analyse(
            Q(pk=pk), [Response(u, True, (0,), seconds) for u in range(12)], exam_total={}, recall={}
        )

    items = [item(1, 20), item(2, 22), item(3, 18), item(4, 90), item(5, 5)]
    analytics.flag_times(items)  # norm: the median of 20, 22, 18, 90, 5 = 20 s; far is over 50 s or under 8 s
    assert [bool(i.flags) for i in items] == [False, False, False, True, True]
    assert items[3].flags[0].startswith("slow: median 90 s") and items[4].flags[0].startswith("quick: median 5 s")


def test_chosen_keys_map_back_to_the_options_as_written():
    spec = {
        "type": "single",
        "prompt": "p",
        "explanation": "e",
        "options": [{"text": f"opt {i}", "correct": i == 2} for i in range(4)],
    }
    for seed in range(20):
        variant = variants.render_variant(spec, seed)
        (key,) = variant.answer
        assert analytics.original_options(spec, seed, [key]) == (2,)


def first_showing(user, question, *, key_index, right, seconds=20, seed=7):
    """A first review of a card, choosing the option written at key_index (through the variant's shuffle)."""
    order = variants.option_order(question.spec, seed)
    key = variants.KEYS[order.index(key_index)]
    card = Card.objects.create(user=user, question=question, due=timezone.now(), difficulty=5.0)
    ReviewLog.objects.create(
        card=card,
        user=user,
        question=question,
        rating=3 if right else 1,
        correct=right,
        attempts=1,
        duration_ms=seconds * 1000,
        reviewed_at=timezone.now() - timedelta(days=1),
        variant_seed=seed,
        answer={"choice": [key]},
        options_chosen=1 << key_index,  # as card_answer stores it
        state_before=ReviewLog.NEW,
        due_after=timezone.now(),
        mode="review",
        retrievability_before=None,
    )


@pytest.mark.django_db
def test_the_database_path_over_a_cohort_and_everyone(curriculum):
    question = Question.objects.published().filter(qtype="single").order_by("pk").first()
    key = next(i for i, o in enumerate(question.spec["options"]) if o.get("correct"))
    distractor = next(i for i, o in enumerate(question.spec["options"]) if not o.get("correct"))
    teacher = UserFactory()
    make_instructor(teacher)
    today = timezone.localdate()
    cohort = cohorts.cohort_create(
        course=curriculum, instructor=teacher, name="C", starts_on=today, ends_on=today + timedelta(days=9)
    )
    inside = [UserFactory() for _ in range(3)]
    for user in inside:
        cohorts.cohort_join(user=user, code=cohort.join_code)
    first_showing(inside[0], question, key_index=key, right=True, seconds=10)
    first_showing(inside[1], question, key_index=key, right=True, seconds=30)
    first_showing(inside[2], question, key_index=distractor, right=False, seconds=50)
    outsider = UserFactory()
    first_showing(outsider, question, key_index=distractor, right=False)
    blueprint = ExamBlueprint.objects.get(content_id="dva-c02-compute")
    for user, right in zip(inside, (60, 50, 20), strict=True):
        ExamAttempt.objects.create(
            user=user,
            blueprint=blueprint,
            kind="exam",
            started_at=timezone.now(),
            submitted_at=timezone.now(),
            question_count=65,
            passing_score=720,
            correct_count=right,
            scaled_score=100 + 900 * right // 65,
        )
    row = next(i for i in analytics.item_analysis(user_ids=[u.pk for u in inside]) if i.question.pk == question.pk)
    assert (row.attempts, row.first_right, row.median_seconds) == (3, pytest.approx(2 / 3), 30)
    shares = {o["index"]: o["share"] for o in row.option_shares}
    assert shares[key] == pytest.approx(2 / 3) and shares[distractor] == pytest.approx(1 / 3)
    assert row.fsrs_difficulty == pytest.approx(5.0)
    everyone = next(i for i in analytics.item_analysis() if i.question.pk == question.pk)
    assert everyone.attempts == 4 and everyone.first_right == pytest.approx(2 / 4)


@pytest.mark.django_db
def test_only_instructors_see_it_and_only_their_own_cohorts(client, curriculum):
    url = reverse("quizzes:item_analysis")
    assert "/accounts/login/" in client.get(url).url
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    owner, other = UserFactory(), UserFactory()
    make_instructor(owner)
    make_instructor(other)
    today = timezone.localdate()
    cohort = cohorts.cohort_create(course=curriculum, instructor=owner, name="Mine", starts_on=today, ends_on=today)
    client.force_login(other)
    assert client.get(url).status_code == 200
    assert client.get(url, {"cohort": cohort.pk}).status_code == 404
    assert client.get(url, {"cohort": "1e309"}).status_code == 400
    client.force_login(owner)
    page = client.get(url, {"cohort": cohort.pk, "flagged": "1"})
    assert page.status_code == 200 and "Mine" in page.content.decode()


@pytest.mark.django_db
def test_the_page_keeps_its_query_count_as_learners_and_answers_grow(client, curriculum):
    teacher = UserFactory()
    make_instructor(teacher)
    client.force_login(teacher)
    questions = list(Question.objects.published().filter(qtype="single").order_by("pk")[:30])

    def add(learners, items):
        for _ in range(learners):
            user = UserFactory()
            for question in questions[:items]:
                first_showing(user, question, key_index=0, right=True)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("quizzes:item_analysis")).status_code == 200
        return len(queries)

    add(2, 5)
    client.get(reverse("quizzes:item_analysis"))
    few = count()
    add(6, 30)
    assert count() == few
    assert few <= 12


@pytest.mark.django_db
def test_grading_stores_the_options_chosen_as_written(client, curriculum):
    from quizzes import services
    from quizzes.models import ReviewSession

    user = UserFactory()
    question = Question.objects.published().filter(qtype="multiple").order_by("pk").first()
    session = ReviewSession.objects.create(user=user, mode="practice", module=question.module, queue=[question.pk])
    showing = services.card_present(session=session)
    variant = showing.variant
    keys = sorted(variant.answer)
    services.card_answer(session=session, presentation=showing.card.presentation, data={"choice": keys})
    log = ReviewLog.objects.get(user=user)
    written = {i for i, o in enumerate(question.spec["options"]) if o.get("correct")}
    assert set(variants.mask_indices(log.options_chosen)) == written
    assert analytics.original_options(question.spec, log.variant_seed, keys) == tuple(sorted(written))


@pytest.mark.django_db
def test_the_migration_backfills_options_chosen_from_recorded_answers(curriculum):
    import importlib

    from django.apps import apps

    backfill = importlib.import_module("quizzes.migrations.0006_review_log_options_chosen").backfill
    question = Question.objects.published().filter(qtype="single").order_by("pk").first()
    user = UserFactory()
    first_showing(user, question, key_index=2, right=False, seed=11)
    ReviewLog.objects.update(options_chosen=None)  # as recorded before the column
    backfill(apps, None)
    assert ReviewLog.objects.get(user=user).options_chosen == 1 << 2
