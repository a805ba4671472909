"""Every page and form of the site meets hostile input (NUL bytes, huge values, wrong types, odd names) as
a visitor and as a student: the answer is never a 500."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.courses.factories import UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = [
    {"q": "\x00"},
    {"q": "x" * 200_000},
    {"from": "abc", "next": "//evil.example", "page": "-1"},
    {"answer": ["a", "b", "c"], "choice": "\x00", "token": "{}", "value": "1e309"},
    {"desired_retention": "NaN", "new_cards_per_day": "-99999999999999999999", "time_zone": "Mars/Olympus"},
    {"file:../../etc/passwd": "x", "file:a\x00b": "y", "username": "a" * 10_000, "password": "é" * 5000},
    {"\x00": "\x00", "email": "not-an-email\x00", "rating": "[]"},
    {"card": "1\x00", "action": ["suspend", "bury"], "daily_goal": "1e309", "state": "x" * 5000, "due": "[]"},
    {"module": "../..", "a": "-1", "b": "99999999999999999999", "starter": "\x00"},
]

RAW = [  # bodies no well-behaved client sends: invalid UTF-8, a broken multipart, JSON where a form goes
    (b"q=%ED%A0%80&answer=%FF%FE&file%3Apricing.py=%C0%AF", "application/x-www-form-urlencoded"),
    (
        b'--x\r\nContent-Disposition: form-data; name="archive"; filename="a.zip"\r\n\r\nPK',
        "multipart/form-data; boundary=x",
    ),
    (b"--nope", "multipart/form-data"),
    (b'{"answer": [1, 2]}', "application/json"),
]


def patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith("admin"):
                continue
            yield from patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route


def fill(route, ids):
    """The route with each converter replaced by a real id of that kind, or a bogus one."""
    import re

    def value(match):
        kind, name = match.group(1) or "str", match.group(2)
        if kind == "int":
            return str(ids.get(name, 999999))
        return ids.get(name, "no-such-thing")

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


@pytest.fixture
def real_ids(curriculum):
    from courses.models import Lesson, Module
    from labs.models import Lab

    lesson = Lesson.objects.published().first()
    return {
        "course_id": curriculum.content_id,
        "module_id": Module.objects.first().content_id,
        "lesson_id": lesson.content_id,
        "lab_id": Lab.objects.first().content_id,
        "blueprint_id": "dva-c02-compute",
    }


@pytest.mark.parametrize("as_student", [False, True], ids=["visitor", "student"])
def test_no_page_or_form_answers_hostile_input_with_a_500(client, real_ids, as_student):
    ids = dict(real_ids)
    if as_student:
        student = UserFactory()
        client.force_login(student)
        # A running practice exam of the student's own, so its pages meet the payloads too (not only 404s).
        from quizzes import exams
        from quizzes.models import ExamBlueprint

        blueprint = ExamBlueprint.objects.get(content_id=ids["blueprint_id"])
        ids["attempt_id"] = str(exams.exam_start(user=student, blueprint=blueprint).pk)
        ids["position"] = "1"
    client.raise_request_exception = False
    routes = sorted(set(patterns()))
    assert len(routes) > 20
    failures = []
    for route in routes:
        url = fill(route, ids)
        for payload in HOSTILE:
            for method in ("get", "post"):
                response = getattr(client, method)(url, payload)
                if response.status_code >= 500:
                    failures.append(f"{method.upper()} {url} {list(payload)[:3]} -> {response.status_code}")
        for body, kind in RAW:
            response = client.generic("POST", url, body, content_type=kind)
            if response.status_code >= 500:
                failures.append(f"POST {url} raw {body[:30]!r} -> {response.status_code}")
    assert not failures, "\n".join(failures[:30])


def test_a_nul_byte_in_any_form_is_a_clear_400_before_any_view(client, real_ids):
    """On PostgreSQL a NUL in a quiz answer or a lab file used to be a 500; now nothing stores one."""
    client.force_login(UserFactory())
    for url in ["/review/session/1/answer/", f"/labs/{real_ids['lab_id']}/submit/", "/review/settings/"]:
        response = client.post(url, {"answer": "a\x00b", "file:pricing.py": "x"})
        assert response.status_code == 400
        assert b"NUL bytes are not accepted in form fields" in response.content
    assert client.get("/search/", {"q": "x\x00"}).status_code == 400
