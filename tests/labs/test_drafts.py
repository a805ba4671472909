"""Drafts: saved as JSON by the editor, validated like submissions, private, restored in order, reset."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from labs import limits, services
from labs.models import Draft, Submission
from tests.courses.factories import UserFactory

pytestmark = pytest.mark.django_db


def post_draft(client, lab, body, *, content_type="application/json"):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(reverse("labs:draft", args=[lab.content_id]), data, content_type=content_type)


def test_a_draft_is_saved_and_restored_on_the_next_visit(client, lab):
    user = UserFactory()
    client.force_login(user)
    response = post_draft(client, lab, {"files": {"pricing.py": "# my draft\n"}})
    assert response.status_code == 200
    assert response.json()["label"].startswith("Draft saved ")
    draft = Draft.objects.get(user=user, lab=lab)
    assert draft.files == {"pricing.py": "# my draft\n"}
    post_draft(client, lab, {"files": {"pricing.py": "# second\n"}})  # the latest write wins, one row
    assert Draft.objects.filter(user=user, lab=lab).count() == 1
    html = client.get(lab.get_absolute_url()).content.decode()
    assert "# second" in html and "Restored your draft from" in html
    assert 'data-draft-url="/labs/lambda-cost-calculator/draft/"' in html


def test_visitors_cannot_save_drafts(client, lab):
    response = post_draft(client, lab, {"files": {"pricing.py": "x"}})
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response.url.startswith(reverse("login"))
    assert not Draft.objects.exists()
    assert "data-draft-url" not in client.get(lab.get_absolute_url()).content.decode()


def test_a_draft_never_shows_to_another_learner(client, lab):
    owner = UserFactory()
    client.force_login(owner)
    post_draft(client, lab, {"files": {"pricing.py": "# owner's secret draft\n"}})
    client.force_login(UserFactory())
    html = client.get(lab.get_absolute_url()).content.decode()
    assert "secret draft" not in html and "Restored your draft" not in html
    post_draft(client, lab, {"files": {"pricing.py": "# mine\n"}})
    assert Draft.objects.get(user=owner).files == {"pricing.py": "# owner's secret draft\n"}


@pytest.mark.parametrize(
    "body, content_type, expected",
    [
        ({"files": {"pricing.py": "a\x00b"}}, "application/json", "NUL byte"),
        ({"files": {"other.py": "x"}}, "application/json", "only this lab's own files"),
        ({"files": {"../pricing.py": "x"}}, "application/json", "only this lab's own files"),
        ({"files": {"pricing.py": 42}}, "application/json", "not text"),
        ({"files": {"pricing.py": ["x"]}}, "application/json", "not text"),
        ({"files": ["pricing.py"]}, "application/json", "object of file names"),
        ({"files": {}}, "application/json", "no files"),
        ([{"files": {}}], "application/json", "one key"),
        ({"files": {"pricing.py": "x"}, "extra": 1}, "application/json", "one key"),
        ("not json {", "application/json", "not JSON"),
        (b"\xff\xfe", "application/json", "not JSON"),
        ("[" * 100_000, "application/json", "not JSON"),
        ("files=x", "application/x-www-form-urlencoded", "as JSON"),
        ('{"files": {"pricing.py": "\\ud800"}}', "application/json", "UTF-8"),
    ],
)
def test_hostile_drafts_get_a_400_with_a_reason(client, lab, body, content_type, expected):
    client.force_login(UserFactory())
    response = post_draft(client, lab, body, content_type=content_type)
    assert response.status_code == 400
    assert expected in response.json()["error"]
    assert not Draft.objects.exists()


def test_a_draft_obeys_the_submission_size_limits(client, lab):
    client.force_login(UserFactory())
    big = "x" * (limits.MAX_FILE_BYTES + 1)
    response = post_draft(client, lab, {"files": {"pricing.py": big}})
    assert response.status_code == 400 and "larger than" in response.json()["error"]
    huge = "x" * (4 * limits.MiB)
    response = post_draft(client, lab, {"files": {"pricing.py": huge}})
    assert response.status_code == 413
    assert not Draft.objects.exists()


def test_unknown_lab_is_a_404_and_get_is_refused(client, lab):
    client.force_login(UserFactory())
    response = client.post("/labs/no-such-lab/draft/", "{}", content_type="application/json")
    assert response.status_code == 404
    assert client.get(reverse("labs:draft", args=[lab.content_id])).status_code == 405


def test_restore_order_draft_then_last_attempt_then_starter(client, lab):
    user = UserFactory()
    client.force_login(user)
    html = client.get(lab.get_absolute_url()).content.decode()
    assert "def monthly_cost" in html and 'id="loaded-from"' not in html  # the starter, nothing to say
    first = Submission.objects.create(user=user, lab=lab, files={"pricing.py": "# attempt one\n"}, status="graded")
    Submission.objects.create(user=user, lab=lab, files={"pricing.py": "# attempt two\n"}, status="graded")
    Submission.objects.create(user=user, lab=lab, files={"pricing.py": "# a run\n"}, kind="run", status="graded")
    html = client.get(lab.get_absolute_url()).content.decode()
    assert "# attempt two" in html and "Loaded attempt 2, your latest." in html
    services.draft_save(user=user, lab=lab, files={"pricing.py": "# newer draft\n"})
    html = client.get(lab.get_absolute_url()).content.decode()
    assert "# newer draft" in html and "Restored your draft" in html
    Draft.objects.filter(user=user).update(updated_at=timezone.now() - timedelta(days=1))  # older than attempt 2
    html = client.get(lab.get_absolute_url()).content.decode()
    assert "# attempt two" in html and "# newer draft" not in html
    html = client.get(lab.get_absolute_url(), {"from": first.pk}).content.decode()
    assert "# attempt one" in html and "Loaded attempt 1." in html
    # Numbered per learner and lab, runs left out: attempt numbers, never raw keys.
    assert ">Attempt 1<" in html and ">Attempt 2<" in html and "Attempt 3" not in html


def test_from_keeps_its_validation(client, lab):
    user = UserFactory()
    client.force_login(user)
    response = client.get(lab.get_absolute_url(), {"from": "1x"})
    assert response.status_code == 400 and "must be an attempt number" in response.content.decode()
    other = Submission.objects.create(user=UserFactory(), lab=lab, files={"pricing.py": "# theirs\n"})
    assert client.get(lab.get_absolute_url(), {"from": other.pk}).status_code == 404
    run = Submission.objects.create(user=user, lab=lab, files={"pricing.py": "# run\n"}, kind="run")
    assert client.get(lab.get_absolute_url(), {"from": run.pk}).status_code == 404  # a run is not an attempt


def test_a_submit_supersedes_the_draft(client, lab, solution_files):
    user = UserFactory()
    client.force_login(user)
    post_draft(client, lab, {"files": {"pricing.py": "# draft\n"}})
    client.post(reverse("labs:submit", args=[lab.content_id]), {"file:pricing.py": solution_files["pricing.py"]})
    assert not Draft.objects.filter(user=user).exists()
    html = client.get(lab.get_absolute_url()).content.decode()
    assert "Loaded attempt 1, your latest." in html and "# draft" not in html


def test_reset_to_starter_forgets_the_draft(client, lab):
    user = UserFactory()
    client.force_login(user)
    Submission.objects.create(user=user, lab=lab, files={"pricing.py": "# attempt one\n"}, status="graded")
    post_draft(client, lab, {"files": {"pricing.py": "# draft\n"}})
    html = client.get(lab.get_absolute_url()).content.decode()
    assert 'action="/labs/lambda-cost-calculator/reset/"' in html and 'id="reset-starter"' in html
    assert client.get(reverse("labs:reset", args=[lab.content_id])).status_code == 405
    response = client.post(reverse("labs:reset", args=[lab.content_id]))
    assert response.status_code == 302 and response.url == lab.get_absolute_url() + "?starter=1"
    assert not Draft.objects.filter(user=user).exists()
    html = client.get(response.url).content.decode()
    assert "Loaded the starter files." in html and "# attempt one" not in html and "# draft" not in html
    assert "def monthly_cost" in html
    assert Submission.objects.filter(user=user).count() == 1  # attempts are kept


def test_reset_needs_a_login(client, lab):
    response = client.post(reverse("labs:reset", args=[lab.content_id]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_lab_page_queries_do_not_grow_with_history(client, lab, django_assert_max_num_queries):
    user = UserFactory()
    client.force_login(user)
    Submission.objects.bulk_create(
        [Submission(user=user, lab=lab, files={"pricing.py": f"# {n}\n"}, status="graded", score=0.5) for n in range(3)]
    )
    with django_assert_max_num_queries(20) as few:
        client.get(lab.get_absolute_url())
    Submission.objects.bulk_create(
        [
            Submission(user=user, lab=lab, files={"pricing.py": f"# {n}\n"}, status="graded", score=0.5)
            for n in range(30)
        ]
    )
    services.draft_save(user=user, lab=lab, files={"pricing.py": "# d\n"})
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(lab.get_absolute_url()).content.decode()
    assert ">Attempt 33<" in html and ">Attempt 14<" in html and ">Attempt 13<" not in html  # the latest 20
