"""The admin shows synced content but edits none of it: rendered HTML (lessons, glossary, questions, labs) is
shown unsanitized on the site, so no staff form may change it."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from courses.models import GlossaryTerm, Lesson
from quizzes.models import Question

pytestmark = pytest.mark.django_db
HOSTILE = '<img src=x onerror="alert(document.cookie)"><script>alert(1)</script>'


@pytest.fixture
def admin_client(client, db):
    client.force_login(User.objects.create_superuser("boss", "boss@example.com", "a-long-admin-phrase-1"))
    return client


def _objects(lab):
    return [
        (Lesson.objects.first(), "body_html"),
        (GlossaryTerm.objects.first(), "definition_html"),
        (Question.objects.first(), "spec"),
        (lab, "statement_html"),
    ]


def test_rendered_html_is_shown_read_only(admin_client, lab):
    for obj, field in _objects(lab):
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
        response = admin_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert f'name="{field}"' not in html, url
        assert 'name="_save"' not in html, url


def test_the_read_only_view_escapes_what_it_shows(admin_client, lab):
    lesson = Lesson.objects.first()
    Lesson.objects.filter(pk=lesson.pk).update(body_html=HOSTILE)
    html = admin_client.get(reverse("admin:courses_lesson_change", args=[lesson.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_posting_an_edit_is_refused_and_changes_nothing(admin_client, lab):
    for obj, field in _objects(lab):
        before = getattr(obj, field)
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
        value = HOSTILE if field != "spec" else '{"type": "single", "prompt": "' + HOSTILE.replace('"', "'") + '"}'
        response = admin_client.post(url, {field: value, "title": "Hacked", "_save": "Save"})
        assert response.status_code == 403, url
        obj.refresh_from_db()
        assert getattr(obj, field) == before, url


def test_content_cannot_be_added_or_deleted_in_the_admin(admin_client, lab):
    for obj, _ in _objects(lab):
        add = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_add")
        delete = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_delete", args=[obj.pk])
        assert admin_client.get(add).status_code == 403, add
        assert admin_client.post(delete, {"post": "yes"}).status_code == 403, delete
        assert type(obj).objects.filter(pk=obj.pk).exists()


def test_staff_without_permissions_see_no_content(client, lab):
    staff = User.objects.create_user("helper", "helper@example.com", "a-long-helper-phrase-1", is_staff=True)
    client.force_login(staff)
    lesson = Lesson.objects.first()
    response = client.get(reverse("admin:courses_lesson_change", args=[lesson.pk]))
    assert response.status_code == 403
