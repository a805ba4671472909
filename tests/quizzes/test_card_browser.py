"""The card browser lists the learner's own cards only, filters by text, module, state and due, and opens a history."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import Lesson
from quizzes import services
from quizzes.models import Card
from tests.courses.factories import UserFactory
from tests.quizzes.test_relearning import answer
from tests.quizzes.test_services import review_card_in_state

pytestmark = pytest.mark.django_db


def listed(client, **params) -> set[str]:
    response = client.get(reverse("quizzes:cards"), params)
    assert response.status_code == 200, response.content.decode()[:500]
    return {card.question.content_id for card in response.context["page"]}


@pytest.fixture
def deck(quiz_content):
    """Alice: a due review card, one due in 3 days, a new card, a suspended one; Bob: a card of his own."""
    alice, bob = UserFactory(), UserFactory()
    now = timezone.now()
    review_card_in_state(alice, quiz_content["alpha-single"], now=now - timedelta(hours=1))
    later = review_card_in_state(alice, quiz_content["alpha-multiple"], now=now)
    later.due = now + timedelta(days=3)
    later.save()
    Card.objects.create(user=alice, question=quiz_content["alpha-bill"], due=now)
    suspended = review_card_in_state(alice, quiz_content["alpha-order"], now=now)
    services.card_set_aside(user=alice, card=suspended, action="suspend")
    review_card_in_state(bob, quiz_content["alpha-pick"], now=now)
    return alice, bob


def test_the_browser_lists_only_my_cards_and_each_filter_narrows_them(client, deck):
    alice, _ = deck
    client.force_login(alice)
    mine = {"alpha-single", "alpha-multiple", "alpha-bill", "alpha-order"}
    assert listed(client) == mine
    assert listed(client, q="pick two") == {"alpha-multiple"}  # prompt text, any case
    assert listed(client, q="requests at") == {"alpha-bill"}
    assert listed(client, q="ALPHA TWO") == {"alpha-bill", "alpha-order"}  # the lesson's title
    assert listed(client, q="alpha-sing") == {"alpha-single"}  # the question's id
    assert listed(client, state="new") == {"alpha-bill"}
    assert listed(client, state="review") == {"alpha-single", "alpha-multiple", "alpha-order"}
    assert listed(client, state="suspended") == {"alpha-order"}
    assert listed(client, due="now") == {"alpha-single", "alpha-order"}
    assert listed(client, due="week") == {"alpha-single", "alpha-multiple", "alpha-order"}
    assert listed(client, module="beta") == set()
    assert listed(client, module="alpha", state="review", due="now") == {"alpha-single", "alpha-order"}


def test_bad_filters_get_a_400_with_the_reason_never_a_500(client, deck):
    alice, _ = deck
    client.force_login(alice)
    url = reverse("quizzes:cards")
    for params, reason in (
        ({"state": "mastered"}, "Choose one of the listed values."),
        ({"due": ["now", "x"]}, "Choose one of the listed values."),
        ({"module": "../../etc"}, "Choose a module from the list."),
        ({"q": "x" * 101}, "at most 100 characters"),
    ):
        response = client.get(url, params)
        assert response.status_code == 400 and reason in response.content.decode(), params
    # Page numbers out of range or not numbers fall back to a real page.
    assert client.get(url, {"page": "999"}).status_code == 200
    assert client.get(url, {"page": "-1e9"}).status_code == 200


def test_a_cards_history_lists_its_answers_and_is_mine_alone(client, quiz_content):
    alice, bob = UserFactory(), UserFactory()
    now = timezone.now()
    session = services.session_start_lesson_check(user=alice, lesson=Lesson.objects.get(content_id="alpha-one"))
    answer(session, correct=False, now=now)
    card = Card.objects.get(user=alice, question=quiz_content["alpha-single"])
    client.force_login(alice)
    html = client.get(reverse("quizzes:card", args=[card.pk])).content.decode()
    assert 'id="card-history"' in html and "Lesson check" in html and "<td>Again</td>" in html
    assert "Which one is right?" in html and 'id="card-state">Learning<' in html
    client.force_login(bob)
    assert client.get(reverse("quizzes:card", args=[card.pk])).status_code == 404
    assert client.post(reverse("quizzes:card_set_aside", args=[card.pk]), {"action": "suspend"}).status_code == 404
    assert listed(client) == set()
    client.logout()
    assert client.get(reverse("quizzes:cards")).status_code == 302


def test_the_browser_takes_a_constant_number_of_queries(client, quiz_content):
    user = UserFactory()
    client.force_login(user)
    url = reverse("quizzes:cards")
    review_card_in_state(user, quiz_content["alpha-single"])
    client.get(url, {"state": "review"})
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url, {"state": "review"}).context["page"]) == 1
    for key in ("alpha-multiple", "alpha-bill", "alpha-order", "alpha-pick"):
        review_card_in_state(user, quiz_content[key])
    with CaptureQueriesContext(connection) as more:
        assert len(client.get(url, {"state": "review"}).context["page"]) == 5
    assert len(more) == len(few), [q["sql"] for q in more.captured_queries]
