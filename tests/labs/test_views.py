"""Lab pages: login required, submissions are private, errors are messages, and the verdict page polls."""

import io
import zipfile

import pytest
from django.urls import reverse

from labs.models import Submission
from tests.courses.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_visitors_read_labs_but_submitting_and_verdicts_need_an_account(client, lab, solution_files):
    listing = client.get(reverse("labs:list"))
    assert listing.status_code == 200 and lab.title in listing.content.decode()
    page = client.get(lab.get_absolute_url(), {"from": "1"})  # a visitor has no attempts to load
    html = page.content.decode()
    assert page.status_code == 200 and "def monthly_cost" in html
    assert 'id="sign-up-to-submit"' in html and 'id="submit-lab"' not in html
    response = client.post(reverse("labs:submit", args=[lab.content_id]), {"file:pricing.py": "x"})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not Submission.objects.exists()
    owner = UserFactory()
    submission = Submission.objects.create(user=owner, lab=lab, files=solution_files)
    response = client.get(submission.get_absolute_url())
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    client.force_login(owner)
    html = client.get(lab.get_absolute_url()).content.decode()
    assert 'id="submit-lab"' in html and 'id="sign-up-to-submit"' not in html


def test_lab_page_shows_statement_editor_and_history(client, lab):
    client.force_login(UserFactory())
    html = client.get(lab.get_absolute_url()).content.decode()
    assert "Build a Lambda cost calculator" in html
    assert 'data-editor="pricing.py"' in html and "def monthly_cost" in html
    assert "vendor/codemirror6/editor.bundle.js" in html


def test_submit_then_the_verdict_page(client, lab, solution_files, django_capture_on_commit_callbacks):
    user = UserFactory()
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("labs:submit", args=[lab.content_id]), {"file:pricing.py": solution_files["pricing.py"]}
        )
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert response.url == submission.get_absolute_url()
    html = client.get(response.url).content.decode()
    assert 'data-verdict="passed"' in html and 'id="score">100%<' in html
    assert "hx-trigger" not in html  # final: polling stops
    assert "1 ms rounding" in html
    listing = client.get(reverse("labs:list")).content.decode()
    assert "100%" in listing


def test_a_pending_submission_polls(client, lab, solution_files):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("labs:submit", args=[lab.content_id]), {"file:pricing.py": solution_files["pricing.py"]})
    submission = Submission.objects.get()  # on_commit did not run: still queued
    response = client.get(submission.get_absolute_url(), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="submission-status"')
    assert 'hx-trigger="every 1s"' in html and 'data-status="queued"' in html


def test_another_students_submission_is_not_found(client, lab, solution_files):
    owner = UserFactory()
    client.force_login(owner)
    client.post(reverse("labs:submit", args=[lab.content_id]), {"file:pricing.py": solution_files["pricing.py"]})
    submission = Submission.objects.get()
    client.force_login(UserFactory())
    assert client.get(submission.get_absolute_url()).status_code == 404
    assert client.get(lab.get_absolute_url() + f"?from={submission.pk}").content.decode().count("return round(") == 0


def test_rejected_submissions_keep_the_text_and_explain(client, lab):
    client.force_login(UserFactory())
    client.post(reverse("labs:submit", args=[lab.content_id]), {"file:pricing.py": "first = 1"})
    response = client.post(reverse("labs:submit", args=[lab.content_id]), {"file:pricing.py": "second = 2"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "still being graded" in html and "second = 2" in html


def test_a_bad_archive_gets_a_message_not_a_500(client, lab):
    client.force_login(UserFactory())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../etc/passwd", "x")
    buffer.seek(0)
    buffer.name = "evil.zip"
    response = client.post(reverse("labs:submit", args=[lab.content_id]), {"archive": buffer})
    assert response.status_code == 400
    assert "Archive refused" in response.content.decode()
    not_zip = io.BytesIO(b"not a zip")
    not_zip.name = "x.zip"
    response = client.post(reverse("labs:submit", args=[lab.content_id]), {"archive": not_zip})
    assert response.status_code == 400 and "not a readable zip archive" in response.content.decode()
    assert not Submission.objects.exists()


def test_lambda_labs_show_billed_duration_and_cost_per_million(client, lab):
    user = UserFactory()
    client.force_login(user)
    lab.lambda_memory_mb = 512
    lab.save()
    submission = Submission.objects.create(
        user=user,
        lab=lab,
        files={},
        status="graded",
        verdict="passed",
        score=1.0,
        result={"extra": {"billed_ms": 50.5}, "checks": [], "runs": {}},
    )
    html = client.get(submission.get_absolute_url()).content.decode()
    # 1M x ($0.20/1M + 0.051 s x 0.5 GB x $0.0000166667) = $0.20 + $0.425 = $0.63
    assert "<strong>51 ms</strong> at 512 MB" in html
    assert "<strong>$0.63</strong>" in html
