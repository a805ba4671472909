"""Review pages: login required, another learner's sessions are 404s, no answer in the HTML, constant queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import Lesson, Module
from quizzes import services
from quizzes.models import Card, Question, ReviewLog
from quizzes.variants import render_variant
from tests.courses.factories import UserFactory
from tests.quizzes.test_services import answer_data

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def start_practice(client, module="alpha"):
    response = client.post(reverse("quizzes:practice", args=[module]))
    assert response.status_code == 302
    return response.url


def token_of(html):
    return re.search(r'name="presentation" value="([0-9a-f-]+)"', html).group(1)


def current_variant(user):
    card = Card.objects.exclude(presentation=None).get(user=user)
    return card, render_variant(card.question.spec, card.variant_seed)


def right_answer(user):
    """The form fields of a right answer to the learner's current showing."""
    card, variant = current_variant(user)
    fields = {k: v if len(v) > 1 else v[0] for k, v in answer_data(variant).lists()}
    return {"presentation": str(card.presentation), **fields}


@pytest.mark.parametrize(
    "url",
    ["/review/", "/review/stats/", "/review/settings/", "/review/session/1/"],
)
def test_review_pages_need_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_posts_need_login(client, quiz_content):
    for url in ["/review/start/", "/modules/alpha/practice/", "/modules/alpha/deck/", "/lessons/alpha-one/check/"]:
        response = client.post(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url
    assert not Card.objects.exists()


def test_another_learners_session_is_not_found(client, quiz_content):
    alice, bob = UserFactory(), UserFactory()
    client.force_login(alice)
    session_url = start_practice(client)
    html = client.get(session_url).content.decode()
    token = token_of(html)
    client.force_login(bob)
    assert client.get(session_url).status_code == 404
    response = client.post(session_url + "answer/", {"presentation": token, "choice": "a"})
    assert response.status_code == 404
    assert not ReviewLog.objects.exists()


def test_the_answer_is_absent_from_the_page_before_grading(client, quiz_content):
    user = UserFactory()
    client.force_login(user)
    for question_id in ["alpha-bill", "alpha-single", "alpha-pick"]:
        question = Question.objects.get(content_id=question_id)
        session = services.session_start_practice(user=user, module=question.module)
        session.queue = [question.pk]
        session.save()
        html = client.get(session.get_absolute_url()).content.decode()
        card = Card.objects.get(user=user, question=question)
        variant = render_variant(question.spec, card.variant_seed)
        assert "correct" not in html.lower().replace("incorrect", "")
        for text in ["Yes.", "No, because.", "Because it is.", "Per million"]:
            assert text not in html
        if question.qtype == "numeric":
            assert f">{variant.answer}<" not in html and f'"{variant.answer}"' not in html
        assert str(card.variant_seed) not in html


def test_answering_with_htmx_returns_feedback_then_the_next_card(client, quiz_content):
    user = UserFactory()
    client.force_login(user)
    session_url = start_practice(client)
    client.get(session_url)
    response = client.post(session_url + "answer/", right_answer(user), headers=HX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="verdict">Right<' in html
    assert re.search(
        r'id="rating-name">(Good|Easy)</strong>: right[^.]*\. <span id="comes-back">Back in \d+ (minute|day)', html
    )
    assert 'id="next-link"' in html
    response = client.get(session_url, headers=HX)
    assert 'id="answer-form"' in response.content.decode()
    assert 'value="1" max="6"' in response.content.decode()


def test_double_submit_records_one_review_and_shows_the_first_result(client, quiz_content):
    user = UserFactory()
    client.force_login(user)
    session_url = start_practice(client)
    client.get(session_url)
    data = right_answer(user)
    first = client.post(session_url + "answer/", data, headers=HX)
    second = client.post(session_url + "answer/", data, headers=HX)
    assert first.status_code == second.status_code == 200
    assert "Already answered" in second.content.decode()
    assert ReviewLog.objects.filter(user=user).count() == 1


def test_a_broken_answer_gets_a_message_not_an_error(client, quiz_content):
    user = UserFactory()
    client.force_login(user)
    session_url = start_practice(client)
    html = client.get(session_url).content.decode()
    for bad in [{}, {"choice": "zz"}, {"answer": "lots"}, {"pos_a": "x"}]:
        response = client.post(session_url + "answer/", {"presentation": token_of(html), **bad}, headers=HX)
        assert response.status_code == 200
        assert 'id="answer-error"' in response.content.decode()
    response = client.post(session_url + "answer/", {"presentation": "not-a-uuid"}, headers=HX)
    assert response.status_code == 404
    assert not ReviewLog.objects.exists()


def test_without_js_the_answer_page_is_a_full_page(client, quiz_content):
    user = UserFactory()
    client.force_login(user)
    session_url = start_practice(client)
    client.get(session_url)
    data = right_answer(user)
    html = client.post(session_url + "answer/", data).content.decode()
    assert "<html" in html and 'id="verdict"' in html


def review_request_queries(client, user, session_url):
    client.get(session_url, headers=HX)
    data = right_answer(user)
    with CaptureQueriesContext(connection) as answer:
        client.post(session_url + "answer/", data, headers=HX)
    with CaptureQueriesContext(connection) as following:
        client.get(session_url, headers=HX)
    return len(answer), len(following)


def test_queries_per_review_request_do_not_grow_with_the_deck(client, quiz_content):
    from tests.courses.factories import LessonFactory

    user = UserFactory()
    services.study_settings_for(user)  # created on first use; not what this test measures
    services.deck_add_module(user=user, module=Module.objects.get(content_id="alpha"))
    client.force_login(user)
    small = review_request_queries(client, user, start_practice(client))
    # Grow the deck a hundredfold with cards on other questions.
    module = Module.objects.get(content_id="alpha")
    lesson = LessonFactory(module=module)
    spec = Question.objects.get(content_id="alpha-single").spec
    questions = Question.objects.bulk_create(
        [
            Question(content_id=f"extra-{i}", module=module, lesson=lesson, qtype="single", difficulty=1, spec=spec)
            for i in range(300)
        ]
    )
    from django.utils import timezone

    Card.objects.bulk_create([Card(user=user, question=q, due=timezone.now()) for q in questions])
    Card.objects.filter(user=user).update(presentation=None)
    large = review_request_queries(client, user, start_practice(client))
    assert small == large
    assert max(large) <= 20


def test_review_home_and_stats_reflect_reviews(client, quiz_content):
    user = UserFactory()
    client.force_login(user)
    html = client.get("/review/").content.decode()
    assert 'id="due-count">0<' in html and "Your deck is empty" in html
    client.post(reverse("quizzes:deck_add", args=["alpha"]))
    html = client.get("/review/").content.decode()
    assert 'id="new-count">6<' in html
    stats = client.get("/review/stats/").content.decode()
    assert 'id="reviews-total">0<' in stats
    session_url = client.post(reverse("quizzes:start")).url
    for _ in range(2):
        client.get(session_url)
        client.post(session_url + "answer/", right_answer(user))
    stats = client.get("/review/stats/").content.decode()
    assert 'id="reviews-total">2<' in stats
    assert 'id="streak">1<' in stats
    assert "<svg" in stats and 'class="heat heat-1"' in stats


def test_lesson_page_offers_the_check_once_complete(client, quiz_content):
    user = UserFactory()
    client.force_login(user)
    lesson = Lesson.objects.get(content_id="alpha-two")
    assert "start-check" not in client.get(lesson.get_absolute_url()).content.decode()
    response = client.post(reverse("courses:lesson_complete", args=[lesson.content_id]), headers=HX)
    assert "Take the lesson check" in response.content.decode()
    assert "3 quick questions" in response.content.decode()
    session_url = client.post(reverse("quizzes:lesson_check", args=[lesson.content_id])).url
    assert client.get(session_url).status_code == 200


def test_settings_form(client, db):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/review/settings/", {"desired_retention": "99", "new_per_day": "10"})
    assert response.status_code == 200 and 'aria-invalid="true"' in response.content.decode()
    response = client.post("/review/settings/", {"desired_retention": "85", "new_per_day": "5"})
    assert response.status_code == 302
    settings = services.study_settings_for(user)
    assert settings.desired_retention == 0.85 and settings.new_per_day == 5


# --- hardening: redirects, what an answer stores, one render per request ---------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/review/",
        "https://evil.example/",
        "http:/evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        " //evil.example",
        "",
    ],
)
def test_add_to_deck_never_redirects_off_site(client, quiz_content, target):
    client.force_login(UserFactory())
    response = client.post(reverse("quizzes:deck_add", args=["alpha"]), {"next": target})
    assert response.status_code == 302
    assert response.url == reverse("quizzes:home")
    assert Card.objects.count() == 6


def test_add_to_deck_goes_back_to_a_page_of_this_site(client, quiz_content):
    client.force_login(UserFactory())
    response = client.post(reverse("quizzes:deck_add", args=["alpha"]), {"next": "/modules/alpha/"})
    assert response.status_code == 302 and response.url == "/modules/alpha/"


def test_login_next_is_checked_too(client, db):
    user = UserFactory()
    url = reverse("login") + "?next=//evil.example"
    response = client.post(url, {"username": user.username, "password": "correct-horse-battery"})
    assert response.status_code == 302 and response.url == reverse("home")


def test_an_answer_stores_only_the_fields_its_question_defines(client, quiz_content):
    import json

    user = UserFactory()
    client.force_login(user)
    for question_id in ["alpha-single", "alpha-multiple", "alpha-bill", "alpha-order", "alpha-match"]:
        question = Question.objects.get(content_id=question_id)
        session = services.session_start_practice(user=user, module=question.module)
        session.queue = [question.pk]
        session.save()
        client.get(session.get_absolute_url())
        data = right_answer(user)
        wanted = {k: v if isinstance(v, list) else [v] for k, v in data.items() if k != "presentation"}
        # 116 KB of junk: fields of other question types, unknown keys of the right type, oversized values.
        junk = {f"pos_{i}": "9" * 1000 for i in range(40)}
        junk |= {f"match_{i}": "x" * 1000 for i in range(40)}
        junk |= {f"extra_{i}": "y" * 1000 for i in range(40)}
        junk |= {"choice": ["zz" * 200, "q" * 500]}
        junk |= {"answer": wanted.get("answer", "1" * 500)}
        # the right answer's own fields, sent along with all that junk (and junk choices beside the right ones)
        payload = {**junk, **data}
        if "choice" in wanted:
            payload["choice"] = [*wanted["choice"], "zz" * 200, "q" * 500]
        response = client.post(session.get_absolute_url() + "answer/", payload)
        assert response.status_code == 200, question_id
        log = ReviewLog.objects.get(user=user, question=question)
        assert log.correct, question_id
        assert set(log.answer) == set(wanted), (question_id, sorted(log.answer)[:5])
        assert len(json.dumps(log.answer)) < 500


def test_a_long_typed_number_is_stored_short_and_still_regrades(client, quiz_content):
    user = UserFactory()
    client.force_login(user)
    question = Question.objects.get(content_id="alpha-bill")
    session = services.session_start_practice(user=user, module=question.module)
    session.queue = [question.pk]
    session.save()
    client.get(session.get_absolute_url())
    data = right_answer(user)
    data["answer"] = " " * 5000 + str(data["answer"]) + " " * 5000  # spaces are ignored when grading
    first = client.post(session.get_absolute_url() + "answer/", data, headers=HX)
    assert 'id="verdict">Right<' in first.content.decode()
    log = ReviewLog.objects.get(user=user)
    assert len(log.answer["answer"][0]) <= 64
    again = client.post(session.get_absolute_url() + "answer/", data, headers=HX)  # replay re-grades the log
    assert "Already answered" in again.content.decode() and 'id="verdict">Right<' in again.content.decode()


def test_an_invalid_answer_without_htmx_renders_the_page_once(client, quiz_content):
    user = UserFactory()
    client.force_login(user)
    session_url = start_practice(client)
    html = client.get(session_url).content.decode()
    with CaptureQueriesContext(connection) as invalid:
        response = client.post(session_url + "answer/", {"presentation": token_of(html)})
    page = response.content.decode()
    assert response.status_code == 200 and "<html" in page and page.count('id="answer-form"') == 1
    assert 'id="answer-error"' in page
    renders = [t.name for t in response.templates if t.name and t.name.startswith("quizzes/review_session.html")]
    assert len(renders) == 1, renders
    # the current question is looked up once, as for a plain GET
    questions = [q["sql"] for q in invalid.captured_queries if 'FROM "quizzes_question"' in q["sql"]]
    assert len(questions) == 1, questions


def test_a_finished_lesson_check_leads_to_the_next_lesson(client, quiz_content):
    user = UserFactory()
    client.force_login(user)
    lesson = Lesson.objects.get(content_id="alpha-one")
    following = Lesson.objects.published().after(lesson).first()
    assert following is not None and following.pk != lesson.pk
    session_url = client.post(reverse("quizzes:lesson_check", args=[lesson.content_id])).url
    for _ in range(10):
        html = client.get(session_url).content.decode()
        if 'id="session-done"' in html:
            break
        client.post(session_url + "answer/", right_answer(user))
    assert 'id="session-done"' in html
    assert (
        f'href="{following.get_absolute_url()}" role="button" id="next-lesson">Next lesson: {following.title}' in html
    )
    last = Lesson.objects.published().in_course_order().last()
    assert not Lesson.objects.published().after(last).exists()  # the course's last lesson has no next one
