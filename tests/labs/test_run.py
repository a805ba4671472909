"""Run: the public examples in the sandbox, through the grading queue, shown but never an attempt or a score."""

import pytest
from django.urls import reverse

from labs import grading, sandbox, services
from labs.models import Submission
from tests.conftest import require
from tests.courses.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def any_sandbox():
    require(any(ok for ok, _ in sandbox.status().values()), "no sandbox backend is available")


def run_url(lab):
    return reverse("labs:run", args=[lab.content_id])


def test_run_shows_each_example_with_input_expected_and_got(
    client, lab, any_sandbox, django_capture_on_commit_callbacks
):
    user = UserFactory()
    client.force_login(user)
    broken = lab.starter_files["pricing.py"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(run_url(lab), {"file:pricing.py": broken})
    run = Submission.objects.get()
    assert run.kind == "run" and response.status_code == 302 and response.url == run.get_absolute_url()
    run.refresh_from_db()
    assert run.status == "graded" and run.verdict == "ran" and run.score is None
    html = client.get(response.url).content.decode()
    assert 'id="run-cases"' in html and "monthly_cost(500000, 100, 128)" in html
    assert "Not an attempt" in html and "hx-trigger" not in html
    rows = run.result["cases"]
    assert len(rows) == 5 and all(row["shown"] for row in rows)  # the statement's five examples, nothing else
    assert {row["expected"] for row in rows} == {"0.0", "0.4", "335.53", "0.8"}


def test_run_of_the_solution_gets_every_example_right_and_is_not_an_attempt(
    client, lab, solution_files, any_sandbox, django_capture_on_commit_callbacks
):
    user = UserFactory()
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(run_url(lab), {"file:pricing.py": solution_files["pricing.py"]})
    run = Submission.objects.get()
    assert run.result["message"] == "5 of 5 examples right."
    assert services.best_scores(user, [lab]) == {}
    html = client.get(lab.get_absolute_url()).content.decode()
    assert 'id="attempts"' not in html  # no history: a run is not an attempt
    assert client.get(reverse("labs:submission", args=[lab.content_id, run.pk])).status_code == 404
    # The next real submission is attempt 1.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("labs:submit", args=[lab.content_id]), {"file:pricing.py": solution_files["pricing.py"]})
    html = client.get(lab.get_absolute_url()).content.decode()
    assert ">Attempt 1<" in html and "Attempt 2" not in html
    assert services.best_scores(user, [lab]) == {lab.pk: 1.0}


def test_run_by_htmx_answers_the_polling_partial(client, lab):
    client.force_login(UserFactory())
    response = client.post(run_url(lab), {"file:pricing.py": "x = 1\n"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="run-status"')
    assert 'hx-trigger="every 1s"' in html and 'data-status="queued"' in html


def test_runs_have_their_own_budget_and_one_at_a_time(client, lab, settings):
    settings.LAB_SUBMISSIONS_PER_MINUTE = 2
    user = UserFactory()
    client.force_login(user)
    assert client.post(run_url(lab), {"file:pricing.py": "x = 1\n"}).status_code == 302
    response = client.post(run_url(lab), {"file:pricing.py": "x = 2\n"}, headers={"HX-Request": "true"})
    assert response.status_code == 400 and "still running" in response.content.decode()
    Submission.objects.update(status="graded")
    assert client.post(run_url(lab), {"file:pricing.py": "x = 3\n"}).status_code == 302
    Submission.objects.update(status="graded")
    response = client.post(run_url(lab), {"file:pricing.py": "x = 4\n"})
    assert response.status_code == 400 and "At most 2 runs a minute" in response.content.decode()
    assert "x = 4" in response.content.decode()  # the editor keeps the text
    # Submitting is a budget of its own: runs do not use it up.
    response = client.post(reverse("labs:submit", args=[lab.content_id]), {"file:pricing.py": "x = 5\n"})
    assert response.status_code == 302
    assert Submission.objects.filter(kind="run").count() == 2


def test_run_refuses_hostile_files_like_a_submission(client, lab):
    client.force_login(UserFactory())
    response = client.post(run_url(lab), {"file:../evil.py": "x"})
    assert response.status_code == 400 and "plain relative file names" in response.content.decode()
    response = client.post(run_url(lab), {})
    assert response.status_code == 400 and "no files" in response.content.decode()
    assert not Submission.objects.exists()


def test_run_pages_are_private(client, lab):
    owner = UserFactory()
    run = Submission.objects.create(user=owner, lab=lab, files={"pricing.py": "x"}, kind="run")
    response = client.get(run.get_absolute_url())
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    response = client.post(run_url(lab), {"file:pricing.py": "x"})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    client.force_login(UserFactory())
    assert client.get(run.get_absolute_url()).status_code == 404
    client.force_login(owner)
    assert client.get(run.get_absolute_url()).status_code == 200
    attempt = Submission.objects.create(user=owner, lab=lab, files={"pricing.py": "x"})
    assert client.get(reverse("labs:run_detail", args=[lab.content_id, attempt.pk])).status_code == 404


def test_every_lab_with_examples_keeps_held_back_data_out_of_them(settings):
    """examples(ctx) output is always shown: none of its runs may be one the grader hides."""
    root = grading.labs_root()
    with_examples = [path.name for path in sorted(root.iterdir()) if grading.has_examples(path.name)]
    assert "lambda-cost-calculator" in with_examples and "fargate-right-size" in with_examples
    for slug in with_examples:
        text = (root / slug / "grader.py").read_text()
        body = text[text.index("def examples(ctx):") :].split("\ndef ", 1)[0]
        assert "hidden" not in body and "held_back" not in body, slug
    assert not grading.has_examples("lambda-s3-thumbnail")  # its endpoint holds hidden objects


def test_a_verdict_shows_failing_shown_cases_with_values_and_held_back_ones_by_group_only(
    client, lab, solution_files, any_sandbox, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory())
    no_ceil = solution_files["pricing.py"].replace("math.ceil(duration_ms)", "duration_ms")
    assert no_ceil != solution_files["pricing.py"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("labs:submit", args=[lab.content_id]), {"file:pricing.py": no_ceil})
    submission = Submission.objects.get()
    rows = submission.result["cases"]
    shown = [row for row in rows if row["shown"]]
    held = [row for row in rows if not row["shown"]]
    assert shown and held and all(not row["passed"] for row in rows)
    example = shown[0]
    assert example["call"].startswith("monthly_cost(") and example["group"] == "1 ms rounding"
    assert example["got"] and example["expected"] and example["got"] != example["expected"]
    assert all(set(row) == {"group", "passed", "shown"} for row in held)  # never a value
    html = client.get(response.url).content.decode()
    assert 'id="failed-cases"' in html and f"<code>{example['call']}</code>" in html
    assert f"<code>{example['expected']}</code>" in html and f"<code>{example['got']}</code>" in html
    assert "a held-back case" in html and "not shown: held-back cases keep their values" in html


def test_a_run_whose_worker_died_is_reaped_and_finished_like_a_submission(
    lab, solution_files, any_sandbox, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    run = services.submission_create(
        user=UserFactory(), lab=lab, files={"pricing.py": solution_files["pricing.py"]}, kind=Submission.Kind.RUN
    )
    assert services.submission_claim(submission_id=run.pk, worker="dead-worker") is not None
    Submission.objects.filter(pk=run.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert run.pk in services.submissions_reap()
    run = services.submission_grade(submission_id=run.pk, worker="second-worker")
    assert run.status == "graded" and run.verdict == "ran" and run.score is None and run.attempts == 2
    assert run.result["message"] == "5 of 5 examples right."
