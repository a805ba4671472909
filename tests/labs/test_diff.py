"""Comparing two of a learner's attempts: own attempts only, numbers validated, the diff escaped and marked."""

import pytest
from django.urls import reverse

from labs.models import Submission
from tests.courses.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempts(lab):
    user = UserFactory()
    one = Submission.objects.create(user=user, lab=lab, files={"pricing.py": "a = 1\nb = 2\nc = 3\n"}, status="graded")
    Submission.objects.create(user=user, lab=lab, files={"pricing.py": "run only\n"}, kind="run", status="graded")
    two = Submission.objects.create(
        user=user, lab=lab, files={"pricing.py": "a = 1\nb = '<script>x</script>'\nc = 3\n", "notes.md": "new\n"}
    )
    return user, one, two


def diff_url(lab, **params):
    return reverse("labs:diff", args=[lab.content_id]), params


def test_the_diff_of_two_attempts_marks_added_and_removed_lines(client, lab, attempts):
    user, _, _ = attempts
    client.force_login(user)
    url, params = diff_url(lab, a="1", b="2")
    response = client.get(url, params)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Attempt 1 → attempt 2" in html
    assert (
        '<del class="diff-del"><span class="visually-hidden">removed: </span><span aria-hidden="true">- </span>b = 2</del>'
        in html
    )
    assert '<span class="visually-hidden">added: </span><span aria-hidden="true">+ </span>' in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x</script>" not in html  # escaped
    assert "notes.md" in html and "new in attempt 2" in html
    assert "run only" not in html  # a run is not an attempt: attempt 2 is the second submission


def test_the_history_links_to_compare_with_the_previous_attempt(client, lab, attempts):
    user, _, _ = attempts
    client.force_login(user)
    html = client.get(lab.get_absolute_url()).content.decode()
    assert f'href="{reverse("labs:diff", args=[lab.content_id])}?a=1&amp;b=2">compare with attempt 1<' in html


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"a": "1"},
        {"a": "x", "b": "1"},
        {"a": "0", "b": "1"},
        {"a": "-1", "b": "2"},
        {"a": "\u0661", "b": "2"},
        {"a": "9" * 30, "b": "1"},
    ],
)
def test_malformed_attempt_numbers_are_a_400_with_a_message(client, lab, attempts, params):
    client.force_login(attempts[0])
    response = client.get(reverse("labs:diff", args=[lab.content_id]), params)
    assert response.status_code == 400
    assert "must be an attempt number" in response.content.decode()


def test_another_learners_attempts_are_not_found(client, lab, attempts):
    client.force_login(UserFactory())
    response = client.get(reverse("labs:diff", args=[lab.content_id]), {"a": "1", "b": "2"})
    assert response.status_code == 404
    client.force_login(attempts[0])
    assert client.get(reverse("labs:diff", args=[lab.content_id]), {"a": "1", "b": "3"}).status_code == 404


def test_visitors_are_sent_to_log_in(client, lab, attempts):
    response = client.get(reverse("labs:diff", args=[lab.content_id]), {"a": "1", "b": "2"})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
