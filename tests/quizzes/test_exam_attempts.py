"""Taking a practice exam: the server's clock, saves on every change, resume, scoring and scaling, the deck,
review runs, drills, and what the pages never show before submission."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from quizzes import exams
from quizzes.models import Card, ExamAttempt, ExamBlueprint, ExamItem, ReviewLog
from quizzes.variants import render_variant
from tests.courses.factories import UserFactory

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
DVA = "dva-c02-compute"
CLF = "clf-c02-other-compute"


@pytest.fixture
def learner(client, curriculum):
    user = UserFactory()
    client.force_login(user)
    return user


def start(client, blueprint=DVA):
    response = client.post(reverse("quizzes:exam_start", args=[blueprint]))
    assert response.status_code == 302, response.content[:300]
    attempt = ExamAttempt.objects.latest("pk")
    assert response.url == attempt.get_absolute_url()  # question 1, or where a running attempt was left
    return attempt


def variant_of(item):
    return render_variant(item.question.spec, item.variant_seed)


def right_keys(item):
    return sorted(variant_of(item).answer)


def wrong_keys(item):
    variant = variant_of(item)
    options = [o["key"] for o in variant.public["options"]]
    wrong = [key for key in options if key not in variant.answer]
    return wrong[: len(variant.answer)]


def answer(client, attempt, position, keys, **extra):
    url = reverse("quizzes:attempt_answer", args=[attempt.pk, position])
    return client.post(url, {"choice": keys, **extra}, headers=HX)


# --- scaling --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("right", "asked", "scaled"),
    [(0, 65, 100), (65, 65, 1000), (45, 65, 723), (44, 65, 709), (43, 65, 695), (5, 10, 550), (1, 3, 400)],
)
def test_the_scaled_score_maps_the_share_right_onto_100_to_1000(right, asked, scaled):
    # 100 + 900 x 45/65 = 723.08; 44/65 -> 709.23; 43/65 -> 695.38; 1/3 -> 400.
    assert exams.scaled_score(right, asked) == scaled


def test_scoring_a_submitted_exam_against_a_hand_count(client, learner):
    attempt = start(client)
    items = list(attempt.items.select_related("question__module").order_by("position"))
    assert len(items) == 65
    # 45 right, 10 wrong, 10 unanswered: 45/65 -> 723, a pass at 720.
    for item in items[:45]:
        assert answer(client, attempt, item.position, right_keys(item)).status_code == 200
    for item in items[45:55]:
        answer(client, attempt, item.position, wrong_keys(item))
    response = client.post(reverse("quizzes:attempt_submit", args=[attempt.pk]))
    assert response.url == reverse("quizzes:attempt_results", args=[attempt.pk])
    attempt.refresh_from_db()
    assert (attempt.correct_count, attempt.scaled_score, attempt.passed) == (45, 723, True)
    assert attempt.finished_by == "learner"
    by_domain = {}
    for item in items[:45]:
        by_domain[item.domain] = by_domain.get(item.domain, 0) + 1
    assert {d: row[0] for d, row in attempt.breakdown["domains"].items() if row[0]} == by_domain
    assert sum(row[1] for row in attempt.breakdown["domains"].values()) == 65
    assert sum(row[1] for row in attempt.breakdown["services"].values()) == 65
    # One more wrong would fail it: 44/65 -> 709.
    assert exams.scaled_score(44, 65) < attempt.passing_score


def test_multiple_response_needs_exactly_the_right_options(client, learner):
    attempt = start(client)
    item = next(i for i in attempt.items.select_related("question") if variant_of(i).public["type"] == "multiple")
    keys = right_keys(item)
    answer(client, attempt, item.position, keys[:1])  # half right is wrong: no partial credit
    exams.attempt_submit(attempt=attempt)
    item.refresh_from_db()
    assert item.correct is False


# --- the clock --------------------------------------------------------------------------------------------


def test_the_clock_is_fixed_at_the_start_and_nothing_from_the_client_moves_it(client, learner):
    attempt = start(client)
    assert attempt.ends_at - attempt.started_at == timedelta(minutes=130)
    ends_at = attempt.ends_at
    item = attempt.items.select_related("question").get(position=1)
    forged = {"ends_at": "2099-01-01T00:00:00Z", "remaining": "99999", "minutes": "999", "started_at": "2099-01-01"}
    answer(client, attempt, 1, right_keys(item), **forged)
    client.get(reverse("quizzes:attempt_question", args=[attempt.pk, 2]), {"remaining": "99999"})
    client.post(reverse("quizzes:attempt_flag", args=[attempt.pk, 2]), {"flagged": "1", **forged})
    # A second tab pressing Start resumes the same attempt: a new one would bring a new clock.
    assert start(client).pk == attempt.pk
    attempt.refresh_from_db()
    assert attempt.ends_at == ends_at


def test_at_zero_the_attempt_is_submitted_as_it_stands_and_late_answers_are_refused(client, learner):
    attempt = start(client)
    items = list(attempt.items.select_related("question").order_by("position"))
    answer(client, attempt, 1, right_keys(items[0]))
    answer(client, attempt, 2, wrong_keys(items[1]))
    ExamAttempt.objects.filter(pk=attempt.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    late = answer(client, attempt, 3, right_keys(items[2]))
    results = reverse("quizzes:attempt_results", args=[attempt.pk])
    assert late.status_code == 200 and late.headers["HX-Redirect"] == results
    attempt.refresh_from_db()
    assert attempt.submitted_at == attempt.ends_at
    assert attempt.finished_by == "clock"
    assert attempt.correct_count == 1  # the answer after zero was not counted
    assert ExamItem.objects.get(attempt=attempt, position=3).choice == []
    # The question pages now lead to the results; the results page shows the score.
    response = client.get(reverse("quizzes:attempt_question", args=[attempt.pk, 3]))
    assert response.url == results
    page = client.get(results).content.decode()
    assert re.search(rf'id="scaled-score">\s*{attempt.scaled_score}<', page)
    assert "submitted when the time ran out" in page


def test_an_attempt_nobody_looks_at_is_submitted_by_the_reaper_at_its_end(client, learner):
    attempt = start(client)
    ended = timezone.now() - timedelta(minutes=5)
    ExamAttempt.objects.filter(pk=attempt.pk).update(ends_at=ended)
    assert exams.finish_overdue() == 1
    attempt.refresh_from_db()
    assert attempt.submitted_at == ended and attempt.scaled_score == 100
    assert exams.finish_overdue() == 0


def test_a_short_clock_from_the_test_setting_runs_out(client, learner, settings):
    settings.EXAM_TIME_SCALE = 0.0001  # 130 minutes -> under a second
    attempt = start(client)
    assert (attempt.ends_at - attempt.started_at).total_seconds() < 1


# --- saving, resuming, time per question ------------------------------------------------------------------


def test_every_change_is_saved_and_a_reload_shows_answers_flags_and_less_time(client, learner):
    attempt = start(client)
    first = client.get(reverse("quizzes:attempt_question", args=[attempt.pk, 1])).content.decode()
    remaining_before = int(re.search(r'data-remaining="(\d+)"', first).group(1))
    item = attempt.items.select_related("question").get(position=1)
    keys = right_keys(item)
    other = wrong_keys(item)
    saved = answer(client, attempt, 1, other)
    assert "Answer saved" in saved.content.decode()
    answer(client, attempt, 1, keys)  # changed: the last one counts
    flag = client.post(reverse("quizzes:attempt_flag", args=[attempt.pk, 1]), {"flagged": "1"}, headers=HX)
    # The flag's fragment updates the grid cell and the counts beside the clock (out of band).
    assert 'id="flagged-count">1<' in flag.content.decode() and 'id="nav-1" hx-swap-oob="true"' in flag.content.decode()
    ExamAttempt.objects.filter(pk=attempt.pk).update(ends_at=attempt.ends_at - timedelta(minutes=10))
    page = client.get(reverse("quizzes:attempt_question", args=[attempt.pk, 1])).content.decode()
    for key in keys:
        assert re.search(rf'value="{key}" checked', page)
    assert "Flagged for review" in page and 'aria-pressed="true"' in page
    assert int(re.search(r'data-remaining="(\d+)"', page).group(1)) <= remaining_before - 600
    saved_item = ExamItem.objects.get(attempt=attempt, position=1)
    assert saved_item.choice == keys and saved_item.changes == 2 and saved_item.flagged


def test_time_per_question_is_counted_on_the_server(learner):
    blueprint = ExamBlueprint.objects.get(content_id=DVA)
    t0 = timezone.now()
    attempt = exams.exam_start(user=learner, blueprint=blueprint, now=t0)
    exams.attempt_visit(attempt=attempt, position=2, now=t0 + timedelta(seconds=30))
    exams.attempt_visit(attempt=attempt, position=1, now=t0 + timedelta(seconds=45))
    exams.attempt_submit(attempt=attempt, now=t0 + timedelta(seconds=65))
    times = dict(attempt.items.values_list("position", "time_ms"))
    assert times[1] == 30_000 + 20_000 and times[2] == 15_000 and times[3] == 0


def test_without_javascript_the_buttons_save_and_move_on(client, learner):
    attempt = start(client)
    item = attempt.items.select_related("question").get(position=1)
    url = reverse("quizzes:attempt_answer", args=[attempt.pk, 1])
    response = client.post(url, {"choice": right_keys(item), "go": "next"})
    assert response.url == reverse("quizzes:attempt_question", args=[attempt.pk, 2])
    assert ExamItem.objects.get(attempt=attempt, position=1).choice == right_keys(item)


# --- nothing to read before submission --------------------------------------------------------------------


def test_no_page_or_fragment_carries_the_answers_before_submission(client, learner):
    attempt = start(client)
    items = list(attempt.items.select_related("question").order_by("position"))
    secrets = set()
    for item in items:
        variant = variant_of(item)
        secrets.add(variant.explanation_html)
        secrets.update(text for text in variant.feedback.values() if len(text) > 12)
    pages = []
    for item in items[:20]:
        pages.append(client.get(reverse("quizzes:attempt_question", args=[attempt.pk, item.position])))
        pages.append(answer(client, attempt, item.position, wrong_keys(item)))
        pages.append(
            client.post(reverse("quizzes:attempt_flag", args=[attempt.pk, item.position]), {"flagged": "1"}, headers=HX)
        )
    pages.append(client.get(reverse("quizzes:attempt_summary", args=[attempt.pk])))
    pages.append(client.get(reverse("quizzes:attempt_results", args=[attempt.pk])))  # not yet: back to the exam
    pages.append(client.post(reverse("quizzes:attempt_check", args=[attempt.pk, 1]), {"choice": ["a"]}))
    for response in pages:
        html = response.content.decode()
        assert response.status_code in (200, 302, 404), response.status_code
        assert not [s for s in secrets if s and s in html]
        assert "is-correct" not in html and "✓" not in html and 'class="explanation"' not in html
    # After submitting, the results carry them all.
    client.post(reverse("quizzes:attempt_submit", args=[attempt.pk]))
    results = client.get(reverse("quizzes:attempt_results", args=[attempt.pk])).content.decode()
    assert variant_of(items[0]).explanation_html in results


# --- the deck, review runs, drills ------------------------------------------------------------------------


def test_missed_questions_enter_the_deck_as_lapses_and_the_score_stays(client, learner):
    attempt = start(client)
    items = list(attempt.items.select_related("question").order_by("position"))
    for item in items[:40]:
        answer(client, attempt, item.position, right_keys(item))
    # One missed question was already a Review card: missing it is a lapse.
    reviewed = items[50].question
    Card.objects.create(
        user=learner,
        question=reviewed,
        state=Card.State.REVIEW,
        step=None,
        stability=20.0,
        difficulty=5.0,
        due=timezone.now() + timedelta(days=10),
        last_review=timezone.now() - timedelta(days=10),
        reps=3,
    )
    client.post(reverse("quizzes:attempt_submit", args=[attempt.pk]))
    attempt.refresh_from_db()
    score = (attempt.correct_count, attempt.scaled_score, attempt.passed)
    assert score == (40, exams.scaled_score(40, 65), False)
    missed = {item.question_id for item in items[40:]}
    cards = Card.objects.filter(user=learner, question_id__in=missed)
    assert cards.count() == 25
    assert all(card.due <= timezone.now() + timedelta(minutes=15) for card in cards)
    lapsed = Card.objects.get(user=learner, question=reviewed)
    assert lapsed.lapses == 1 and lapsed.state == Card.State.RELEARNING
    logs = ReviewLog.objects.filter(user=learner, mode="exam")
    assert logs.count() == 25 and set(logs.values_list("rating", flat=True)) == {1}
    assert not Card.objects.filter(user=learner, question_id__in=[i.question_id for i in items[:40]]).exists()
    # Submitting again changes nothing: no second lapse, same score.
    client.post(reverse("quizzes:attempt_submit", args=[attempt.pk]))
    attempt.refresh_from_db()
    assert (attempt.correct_count, attempt.scaled_score, attempt.passed) == score
    assert ReviewLog.objects.filter(user=learner, mode="exam").count() == 25


def test_a_review_run_gives_feedback_at_once_and_never_touches_the_score(client, learner):
    attempt = start(client, CLF)
    client.post(reverse("quizzes:attempt_submit", args=[attempt.pk]))
    attempt.refresh_from_db()
    before = (attempt.correct_count, attempt.scaled_score, attempt.passed, attempt.breakdown)
    response = client.post(reverse("quizzes:attempt_review", args=[attempt.pk]))
    review = ExamAttempt.objects.get(review_of=attempt)
    assert review.kind == "review" and review.ends_at is None
    assert response.url == reverse("quizzes:attempt_question", args=[review.pk, 1])
    assert list(review.items.values_list("question_id", "variant_seed")) == list(
        attempt.items.values_list("question_id", "variant_seed")
    )
    item = review.items.select_related("question").get(position=1)
    client.post(reverse("quizzes:attempt_check", args=[review.pk, 1]), {"choice": right_keys(item)})
    page = client.get(reverse("quizzes:attempt_question", args=[review.pk, 1])).content.decode()
    assert 'id="review-verdict">Right<' in page and variant_of(item).explanation_html in page
    for other in review.items.select_related("question").order_by("position")[1:]:
        client.post(reverse("quizzes:attempt_check", args=[review.pk, other.position]), {"choice": right_keys(other)})
    client.post(reverse("quizzes:attempt_submit", args=[review.pk]))
    attempt.refresh_from_db()
    review.refresh_from_db()
    assert (attempt.correct_count, attempt.scaled_score, attempt.passed, attempt.breakdown) == before
    assert review.submitted_at is not None and review.scaled_score is None
    history = client.get(reverse("quizzes:exam", args=[CLF])).content.decode()
    assert history.count(reverse("quizzes:attempt_results", args=[attempt.pk])) == 1
    assert reverse("quizzes:attempt_results", args=[review.pk]) not in history


def test_a_domain_drill_is_ten_questions_of_one_domain_at_the_exams_pace(client, learner):
    response = client.post(reverse("quizzes:drill_start", args=[DVA]), {"domain": "dva-c02/d3"})
    drill = ExamAttempt.objects.get(kind="drill")
    assert response.url == drill.get_absolute_url()
    assert drill.question_count == 10 and set(drill.items.values_list("domain", flat=True)) == {"dva-c02/d3"}
    assert drill.ends_at - drill.started_at == timedelta(minutes=20)  # 130 min / 65 questions x 10
    assert client.post(reverse("quizzes:drill_start", args=[DVA]), {"domain": "clf-c02/d1"}).status_code == 400
    assert client.post(reverse("quizzes:drill_start", args=[DVA]), {"domain": "x\x00" * 5000}).status_code == 400


def test_three_attempts_in_a_row_share_under_a_fifth_of_their_questions(learner):
    blueprint = ExamBlueprint.objects.get(content_id=DVA)
    drawn = []
    for _ in range(3):
        attempt = exams.exam_start(user=learner, blueprint=blueprint)
        drawn.append(set(attempt.items.values_list("question_id", flat=True)))
        exams.attempt_submit(attempt=attempt)
    assert max(len(a & b) for i, a in enumerate(drawn) for b in drawn[i + 1 :]) < 0.2 * 65


# --- who may see what, and hostile input ------------------------------------------------------------------


def attempt_urls(attempt):
    return [
        ("get", reverse("quizzes:attempt_question", args=[attempt.pk, 1])),
        ("post", reverse("quizzes:attempt_answer", args=[attempt.pk, 1])),
        ("post", reverse("quizzes:attempt_flag", args=[attempt.pk, 1])),
        ("post", reverse("quizzes:attempt_check", args=[attempt.pk, 1])),
        ("get", reverse("quizzes:attempt_summary", args=[attempt.pk])),
        ("post", reverse("quizzes:attempt_submit", args=[attempt.pk])),
        ("post", reverse("quizzes:attempt_review", args=[attempt.pk])),
        ("get", reverse("quizzes:attempt_results", args=[attempt.pk])),
    ]


def test_another_learners_attempt_is_not_found_and_visitors_must_log_in(client, learner):
    attempt = start(client)
    intruder = UserFactory()
    client.force_login(intruder)
    for method, url in attempt_urls(attempt):
        assert getattr(client, method)(url).status_code == 404, url
    client.logout()
    for method, url in attempt_urls(attempt):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url, url
    for url in (reverse("quizzes:exams"), reverse("quizzes:exam", args=[DVA])):
        assert "/accounts/login/" in client.get(url).url
    attempt.refresh_from_db()
    assert attempt.submitted_at is None  # the intruder's submit did nothing
    # The owner still can.
    client.force_login(learner)
    assert client.get(reverse("quizzes:attempt_question", args=[attempt.pk, 1])).status_code == 200


@pytest.mark.parametrize(
    "choice",
    [["z"], ["a" * 100_000], ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"], [], ["a\x00"]],
)
def test_hostile_answers_are_ignored_not_500s(client, learner, choice):
    attempt = start(client)
    response = answer(client, attempt, 1, choice)
    # NUL bytes are refused with a 400 before any view runs (config/middleware); the rest are ignored keys.
    assert response.status_code == (400 if "\x00" in "".join(choice) else 200)
    item = ExamItem.objects.select_related("question").get(attempt=attempt, position=1)
    keys = [o["key"] for o in variant_of(item).public["options"]]
    assert set(item.choice) <= set(keys)
    if variant_of(item).public["type"] == "single":
        assert len(item.choice) <= 1


def test_positions_outside_the_attempt_and_unknown_exams_are_404s(client, learner):
    attempt = start(client)
    assert client.get(reverse("quizzes:attempt_question", args=[attempt.pk, 66])).status_code == 404
    assert client.get(reverse("quizzes:attempt_question", args=[attempt.pk, 0])).status_code == 404
    assert answer(client, attempt, 99, ["a"]).status_code == 404
    assert client.post(reverse("quizzes:attempt_flag", args=[attempt.pk, 99]), {"flagged": "1"}).status_code == 404
    assert client.get(reverse("quizzes:exam", args=["no-such-exam"])).status_code == 404
    assert client.post(reverse("quizzes:exam_start", args=["no-such-exam"])).status_code == 404


def test_the_exam_pages_render_with_history_and_the_trend_chart(client, learner):
    assert client.get(reverse("quizzes:exams")).status_code == 200
    page = client.get(reverse("quizzes:exam", args=[DVA])).content.decode()
    assert 'id="no-attempts"' in page and 'id="start-exam"' in page
    # A new learner gets no confident number: the band is shown as too wide to go by, with its domains.
    assert 'id="readiness-wide"' in page and "Not enough evidence yet" in page
    assert page.count("<tr><td>DVA-C02 Domain") == 4 + 4  # the readiness table and the drill table
    for _ in range(2):
        attempt = start(client)
        client.post(reverse("quizzes:attempt_submit", args=[attempt.pk]))
    page = client.get(reverse("quizzes:exam", args=[DVA])).content.decode()
    assert 'id="trend-chart"' in page and page.count('class="trend-point') == 2
    results = client.get(reverse("quizzes:attempt_results", args=[attempt.pk])).content.decode()
    assert 'id="domain-breakdown"' in results and 'id="service-breakdown"' in results
    assert results.count('class="exam-review-item') == 65


def test_the_finish_exams_command_submits_what_ran_out(client, learner):
    import io

    from django.core.management import call_command

    attempt = start(client)
    ExamAttempt.objects.filter(pk=attempt.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    out = io.StringIO()
    call_command("finish_exams", stdout=out)
    assert "Submitted 1 attempt(s)" in out.getvalue()
    attempt.refresh_from_db()
    assert attempt.finished_by == "clock" and attempt.scaled_score == 100


def test_sync_check_counts_exam_format_items_per_blueprint_domain(db):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("sync_content", "--check", stdout=out)
    lines = [line for line in out.getvalue().splitlines() if line.startswith("Exam dva-c02-compute:")]
    assert len(lines) == 1
    counts = dict(re.findall(r"(dva-c02/d\d) (\d+) for \d+", lines[0]))
    assert set(counts) == {"dva-c02/d1", "dva-c02/d2", "dva-c02/d3", "dva-c02/d4"}
    assert all(int(n) >= 15 for n in counts.values())


def test_the_question_page_and_a_save_take_a_few_queries_whatever_the_history(client, learner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    blueprint = ExamBlueprint.objects.get(content_id=DVA)

    def counts():
        attempt = start(client)
        item = attempt.items.select_related("question").get(position=5)
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("quizzes:attempt_question", args=[attempt.pk, 5])).status_code == 200
        with CaptureQueriesContext(connection) as save:
            assert answer(client, attempt, 5, right_keys(item)).status_code == 200
        exams.attempt_submit(attempt=attempt)
        return len(page), len(save)

    first = counts()
    for _ in range(3):
        exams.attempt_submit(attempt=exams.exam_start(user=learner, blueprint=blueprint))
    assert counts() == first
    assert first[0] <= 12 and first[1] <= 10, first


# --- closed book while a timed attempt runs ---------------------------------------------------------------


def test_while_an_exam_runs_nothing_shows_an_answer_or_starts_another_attempt(client, learner):
    from courses.models import Lesson
    from quizzes.models import ReviewSession

    # An older exam with results, and a practice session left open, both from before this exam.
    old = start(client, CLF)
    client.post(reverse("quizzes:attempt_submit", args=[old.pk]))
    practice = ReviewSession.objects.create(user=learner, mode="practice", queue=[old.items.first().question_id])
    attempt = start(client)
    exam_page = attempt.get_absolute_url()
    lesson = Lesson.objects.published().filter(questions__isnull=False).first()
    shown = client.get(reverse("quizzes:session", args=[practice.pk]))
    blocked = [
        client.post(reverse("quizzes:drill_start", args=[DVA]), {"domain": "dva-c02/d1"}),
        client.post(reverse("quizzes:drill_start", args=[CLF]), {"domain": "clf-c02/d1"}),
        client.post(reverse("quizzes:exam_start", args=[CLF])),
        client.post(reverse("quizzes:practice", args=["lambda"])),
        client.post(reverse("quizzes:start")),
        client.post(reverse("quizzes:lesson_check", args=[lesson.content_id])),
        shown,
        client.post(reverse("quizzes:answer", args=[practice.pk]), {"presentation": "x", "give_up": "1"}),
        client.get(reverse("quizzes:attempt_results", args=[old.pk])),
        client.post(reverse("quizzes:attempt_review", args=[old.pk])),
    ]
    for response in blocked:
        assert response.status_code == 302 and response.url == exam_page, response
    htmx = client.post(reverse("quizzes:answer", args=[practice.pk]), {"give_up": "1"}, headers=HX)
    assert htmx.headers["HX-Redirect"] == exam_page
    assert ExamAttempt.objects.filter(user=learner).count() == 2  # no drill, no second exam
    assert not ReviewLog.objects.filter(user=learner, session=practice).exists()
    assert ReviewSession.objects.filter(user=learner).count() == 1
    assert "Your practice exam is running" in client.get(exam_page).content.decode()
    # Submitted, the site opens again.
    client.post(reverse("quizzes:attempt_submit", args=[attempt.pk]))
    assert client.get(reverse("quizzes:attempt_results", args=[old.pk])).status_code == 200
    assert client.get(reverse("quizzes:session", args=[practice.pk])).status_code == 200
    assert client.post(reverse("quizzes:drill_start", args=[DVA]), {"domain": "dva-c02/d1"}).status_code == 302
    assert ExamAttempt.objects.filter(user=learner, kind="drill").count() == 1


def test_a_review_run_waits_while_a_drill_runs(client, learner):
    old = start(client, CLF)
    client.post(reverse("quizzes:attempt_submit", args=[old.pk]))
    client.post(reverse("quizzes:attempt_review", args=[old.pk]))
    review = ExamAttempt.objects.get(kind="review")
    client.post(reverse("quizzes:drill_start", args=[DVA]), {"domain": "dva-c02/d2"})
    drill = ExamAttempt.objects.get(kind="drill")
    for response in (
        client.get(reverse("quizzes:attempt_question", args=[review.pk, 1])),
        client.post(reverse("quizzes:attempt_check", args=[review.pk, 1]), {"choice": ["a"]}),
    ):
        assert response.status_code == 302 and response.url == drill.get_absolute_url()
    assert not review.items.filter(correct__isnull=False).exists()


def test_previous_on_the_first_question_stays_on_it(client, learner):
    attempt = start(client)
    url = reverse("quizzes:attempt_answer", args=[attempt.pk, 1])
    assert client.post(url, {"go": "previous"}).url == reverse("quizzes:attempt_question", args=[attempt.pk, 1])
