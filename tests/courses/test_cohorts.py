"""Cohorts: instructors create them and see only their own; students join by code or invite link; the
gradebook against a hand count, sortable, as CSV safe from formula injection, in constant queries."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses import cohorts
from courses.models import Cohort, CohortMembership, Lesson
from courses.roles import make_instructor
from courses.services import lesson_set_complete
from tests.courses.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def teacher(curriculum):
    user = UserFactory(username="teacher")
    make_instructor(user)
    return user


@pytest.fixture
def cohort(teacher, curriculum):
    today = timezone.localdate()
    return cohorts.cohort_create(
        course=curriculum, instructor=teacher, name="Spring bootcamp", starts_on=today, ends_on=today + timedelta(30)
    )


def urls(cohort):
    return [
        ("get", reverse("courses:cohorts")),
        ("post", reverse("courses:cohorts")),
        ("get", reverse("courses:cohort", args=[cohort.pk])),
        ("get", reverse("courses:cohort_csv", args=[cohort.pk])),
    ]


def test_only_the_cohorts_own_instructor_sees_it(client, cohort, teacher):
    for method, url in urls(cohort):  # anonymous: to the log-in page
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url
    client.force_login(UserFactory())  # a student: forbidden everywhere
    for method, url in urls(cohort):
        assert getattr(client, method)(url).status_code == 403, url
    other = UserFactory()
    make_instructor(other)
    client.force_login(other)  # another instructor: their list lacks it, and its pages are not found
    assert cohort.name not in client.get(reverse("courses:cohorts")).content.decode()
    assert client.get(reverse("courses:cohort", args=[cohort.pk])).status_code == 404
    assert client.get(reverse("courses:cohort_csv", args=[cohort.pk])).status_code == 404
    client.force_login(teacher)
    assert cohort.name in client.get(reverse("courses:cohorts")).content.decode()
    assert client.get(reverse("courses:cohort", args=[cohort.pk])).status_code == 200
    assert client.get(reverse("courses:cohort_csv", args=[cohort.pk])).status_code == 200


def test_an_instructor_creates_a_cohort_and_bad_dates_are_refused(client, teacher):
    client.force_login(teacher)
    bad = client.post(reverse("courses:cohorts"), {"name": "X", "starts_on": "2027-03-01", "ends_on": "2027-02-01"})
    assert bad.status_code == 400 and "must end on or after" in bad.content.decode()
    response = client.post(
        reverse("courses:cohorts"), {"name": "Autumn class", "starts_on": "2027-03-01", "ends_on": "2027-05-01"}
    )
    made = Cohort.objects.get(name="Autumn class")
    assert response.url == made.get_absolute_url()
    assert list(made.instructors.all()) == [teacher]
    assert cohorts.normalize_code(made.join_code) == made.join_code
    hostile = client.post(reverse("courses:cohorts"), {"name": "x" * 5000, "starts_on": "[]", "ends_on": "1e309"})
    assert hostile.status_code == 400


def test_a_student_joins_by_code_or_invite_link_once(client, cohort):
    student = UserFactory()
    client.force_login(student)
    typed = f"{cohort.join_code[:4].lower()}-{cohort.join_code[4:].lower()}"  # as read off a slide
    response = client.post(reverse("courses:join"), {"code": typed})
    assert response.url == reverse("home")
    assert client.post(reverse("courses:join"), {"code": cohort.join_code}).status_code == 302  # again: no error
    assert CohortMembership.objects.filter(cohort=cohort, user=student).count() == 1
    assert cohort.name in client.get("/").content.decode()
    other = UserFactory()
    client.force_login(other)
    preview = client.get(reverse("courses:join_code", args=[cohort.join_code]))
    assert preview.status_code == 200 and "You are invited to <strong>Spring bootcamp" in preview.content.decode()
    assert not CohortMembership.objects.filter(user=other).exists()  # a GET never joins
    client.post(reverse("courses:join_code", args=[cohort.join_code]), {"code": cohort.join_code})
    assert CohortMembership.objects.filter(user=other, cohort=cohort).exists()


@pytest.mark.parametrize("code", ["WRONG123", "", "\u00e9" * 8, "A" * 5000, "ABCD'--;"])
def test_a_wrong_code_is_a_clear_400(client, cohort, code):
    client.force_login(UserFactory())
    response = client.post(reverse("courses:join"), {"code": code})
    assert response.status_code == 400
    assert not CohortMembership.objects.exists()


def test_an_ended_cohort_cannot_be_joined(client, cohort):
    Cohort.objects.filter(pk=cohort.pk).update(starts_on=date(2020, 1, 1), ends_on=date(2020, 2, 1))
    client.force_login(UserFactory())
    response = client.post(reverse("courses:join"), {"code": cohort.join_code})
    assert response.status_code == 400 and "can no longer be joined" in response.content.decode()


def reviewed(user, question, *, days_ago, state_before, correct, attempts=1):
    from quizzes.models import Card, ReviewLog

    card, _ = Card.objects.get_or_create(user=user, question=question, defaults={"due": timezone.now()})
    ReviewLog.objects.create(
        card=card,
        user=user,
        question=question,
        rating=3 if correct else 1,
        correct=correct,
        attempts=attempts,
        duration_ms=5000,
        reviewed_at=timezone.now() - timedelta(days=days_ago),
        variant_seed=1,
        state_before=state_before,
        due_after=timezone.now(),
        mode="review",
    )


def test_the_gradebook_against_a_hand_count(client, cohort, teacher):
    from labs.models import Lab, Submission
    from quizzes import exams
    from quizzes.models import ExamAttempt, ExamBlueprint, Question

    ada = UserFactory(username="ada")
    cohorts.cohort_join(user=ada, code=cohort.join_code)
    for lesson in Lesson.objects.published().order_by("pk")[:2]:
        lesson_set_complete(user=ada, lesson=lesson)
    q = list(Question.objects.published().order_by("pk")[:6])
    # 7 days: 3 reviews of Review cards, 2 right at the first try (one more right only at the second) -> 2/3.
    reviewed(ada, q[0], days_ago=1, state_before=2, correct=True)
    reviewed(ada, q[1], days_ago=2, state_before=2, correct=True)
    reviewed(ada, q[2], days_ago=3, state_before=2, correct=True, attempts=2)
    reviewed(ada, q[3], days_ago=3, state_before=0, correct=True)  # a new card: not retention
    # 8-30 days: 1 Review card missed -> 30 days: 2 of 4.
    reviewed(ada, q[4], days_ago=20, state_before=2, correct=False)
    reviewed(ada, q[5], days_ago=40, state_before=2, correct=False)  # outside both windows
    labs = list(Lab.objects.order_by("pk")[:2])
    for lab, score in ((labs[0], 1.0), (labs[0], 0.4), (labs[1], 0.5)):
        Submission.objects.create(
            user=ada, lab=lab, files={}, status="graded", verdict="passed" if score == 1 else "failed", score=score
        )
    blueprint = ExamBlueprint.objects.get(content_id="dva-c02-compute")
    for _ in range(2):
        exams.attempt_submit(attempt=exams.exam_start(user=ada, blueprint=blueprint))
    first, last = ExamAttempt.objects.filter(user=ada).order_by("pk")
    ExamAttempt.objects.filter(pk=first.pk).update(scaled_score=760)
    ExamAttempt.objects.filter(pk=last.pk).update(scaled_score=640)
    (row,) = cohorts.gradebook(cohort)
    assert row.username == "ada" and row.lessons_done == 2
    c = row.columns
    assert (c["reviews_7"], c["reviews_30"]) == (4 + 65 + 65, 5 + 65 + 65)  # with the two exams' lapses
    assert c["retention_7"] == pytest.approx(2 / 3) and c["retention_30"] == pytest.approx(2 / 4)
    assert (c["labs_passed"], c["labs_mean"]) == (1, pytest.approx(0.75))
    assert (c["exam_best"], c["exam_last"]) == (760, 640)
    client.force_login(teacher)
    page = client.get(reverse("courses:cohort", args=[cohort.pk])).content.decode()
    assert "<td>ada</td>" in page and "67%" in page and "760 (640)" in page


def test_the_csv_is_utf8_one_row_per_student_and_safe_in_spreadsheets(client, cohort, teacher):
    for name in ("-2+3", "@SUM(A1)", "zoë", "+cmd"):
        cohorts.cohort_join(user=UserFactory(username=name), code=cohort.join_code)
    client.force_login(teacher)
    response = client.get(reverse("courses:cohort_csv", args=[cohort.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == cohorts.CSV_HEADER
    names = sorted(row[0] for row in rows[1:])
    assert names == sorted(["'-2+3", "'@SUM(A1)", "zoë", "'+cmd"])
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows[1:] for cell in row)


def test_the_gradebook_sorts_by_any_column_and_ignores_unknown_ones(client, cohort, teacher):
    for name, lessons in (("bea", 3), ("cal", 1), ("abe", 2)):
        user = UserFactory(username=name)
        cohorts.cohort_join(user=user, code=cohort.join_code)
        for lesson in Lesson.objects.published().order_by("pk")[:lessons]:
            lesson_set_complete(user=user, lesson=lesson)
    client.force_login(teacher)

    def order(sort):
        page = client.get(reverse("courses:cohort", args=[cohort.pk]), {"sort": sort}).content.decode()
        return sorted(("abe", "bea", "cal"), key=lambda name: page.index(f"<td>{name}</td>"))

    assert order("student") == ["abe", "bea", "cal"]
    assert order("-lessons") == ["bea", "abe", "cal"]
    assert order("lessons") == ["cal", "abe", "bea"]
    assert order("nonsense") == order("x" * 5000) == ["abe", "bea", "cal"]
    assert client.get(reverse("courses:cohort", args=[cohort.pk]), {"sort": "\x00"}).status_code == 400


def test_the_cohort_page_keeps_its_query_count_as_students_grow(client, cohort, teacher):
    from quizzes.models import Question

    client.force_login(teacher)
    question = Question.objects.published().first()

    def add(n):
        for _ in range(n):
            user = UserFactory()
            cohorts.cohort_join(user=user, code=cohort.join_code)
            reviewed(user, question, days_ago=1, state_before=2, correct=True)
            lesson_set_complete(user=user, lesson=Lesson.objects.published().first())

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("courses:cohort", args=[cohort.pk])).status_code == 200
        return len(queries)

    add(2)
    client.get(reverse("courses:cohort", args=[cohort.pk]))
    few = count()
    add(8)
    assert count() == few
    assert few <= 16  # the gradebook (4), its hooks (3), due dates and their choices (4), session and user


# --- due dates ----------------------------------------------------------------------------------------------


def test_due_dates_are_set_by_the_instructor_and_shown_to_students_with_what_is_done(client, cohort, teacher):
    from labs.models import Lab, Submission

    lesson = Lesson.objects.published().order_by("pk").first()
    lab = Lab.objects.published().order_by("pk").first()
    client.force_login(teacher)
    today = timezone.localdate()
    for item, due_on in (
        (f"lesson:{lesson.content_id}", today + timedelta(3)),
        (f"lab:{lab.content_id}", today - timedelta(2)),
        ("exam:dva-c02-compute", today + timedelta(20)),
    ):
        response = client.post(reverse("courses:cohort_due", args=[cohort.pk]), {"item": item, "due_on": due_on})
        assert response.status_code == 302, response.content[:500]
    bad = client.post(reverse("courses:cohort_due", args=[cohort.pk]), {"item": "lab:no-such-lab", "due_on": today})
    assert bad.status_code == 400
    assert cohort.due_dates.count() == 3
    page = client.get(reverse("courses:cohort", args=[cohort.pk])).content.decode()
    assert lesson.title in page and lab.title in page
    # A student of the cohort sees them, soonest first, with the lesson done and the lab overdue.
    student = UserFactory()
    cohorts.cohort_join(user=student, code=cohort.join_code)
    lesson_set_complete(user=student, lesson=lesson)
    Submission.objects.create(user=student, lab=lab, files={}, status="graded", verdict="failed", score=0.5)
    items = cohorts.student_due_items(student, today=today)
    assert [row["due"].kind for row in items] == ["lab", "lesson", "exam"]
    assert [row["title"] for row in items][:2] == [lab.title, lesson.title]
    assert [(row["done"], row["overdue"]) for row in items] == [(False, True), (True, False), (False, False)]
    client.force_login(student)
    dashboard = client.get("/").content.decode()
    assert 'id="dashboard-due-dates"' in dashboard and "overdue" in dashboard and "done ✓" in dashboard
    # Someone outside the cohort sees none; another instructor cannot set or remove its due dates.
    assert cohorts.student_due_items(UserFactory(), today=today) == []
    other = UserFactory()
    make_instructor(other)
    client.force_login(other)
    due = cohort.due_dates.first()
    assert client.post(reverse("courses:cohort_due_remove", args=[cohort.pk, due.pk])).status_code == 404
    assert (
        client.post(reverse("courses:cohort_due", args=[cohort.pk]), {"item": "exam:dva-c02-compute"}).status_code
        == 404
    )
    client.force_login(teacher)
    assert client.post(reverse("courses:cohort_due_remove", args=[cohort.pk, due.pk])).status_code == 302
    assert cohort.due_dates.count() == 2
