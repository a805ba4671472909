"""Pages: who may see what (anonymous, wrong user, right user), htmx fragments, and query counts."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import Lesson, LessonProgress
from courses.roles import make_instructor
from courses.services import lesson_set_complete
from tests.courses.factories import LessonFactory, ModuleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson(curriculum):
    return Lesson.objects.get(content_id="lambda-pricing")


def complete_url(lesson):
    return reverse("courses:lesson_complete", args=[lesson.content_id])


# --- anonymous -----------------------------------------------------------------------------------------


def test_visitor_home_explains_spinup_and_lists_modules(client, curriculum):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Learn AWS containers and serverless by doing" in html
    for title in ("AWS Lambda", "Amazon ECS", "AWS Fargate", "Amazon Lightsail"):
        assert title in html


def test_visitor_can_read_a_lesson_but_not_track_it(client, lesson):
    response = client.get(lesson.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert lesson.title in html
    assert 'id="mark-complete"' not in html
    assert "to track your progress" in html
    assert LessonProgress.objects.count() == 0


def test_visitor_cannot_mark_complete(client, lesson):
    response = client.post(complete_url(lesson))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert LessonProgress.objects.count() == 0


@pytest.mark.parametrize("name", ["courses:instructor_overview", "password_change"])
def test_private_pages_send_visitors_to_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_unknown_and_retired_lessons_are_404(client, lesson):
    assert client.get("/lessons/no-such-lesson/").status_code == 404
    Lesson.objects.filter(pk=lesson.pk).update(retired_at="2026-01-01T00:00:00Z")
    assert client.get(lesson.get_absolute_url()).status_code == 404


def test_complete_needs_post(client, lesson):
    client.force_login(UserFactory())
    assert client.get(complete_url(lesson)).status_code == 405


# --- the right user ------------------------------------------------------------------------------------


def test_opening_a_lesson_records_a_view_for_that_user(client, lesson):
    user = UserFactory()
    client.force_login(user)
    client.get(lesson.get_absolute_url())
    progress = LessonProgress.objects.get()
    assert progress.user == user and progress.lesson == lesson and progress.completed_at is None
    assert user.enrollments.get().course == lesson.module.course


def test_mark_complete_without_js_redirects_back(client, lesson):
    user = UserFactory()
    client.force_login(user)
    response = client.post(complete_url(lesson), {"complete": "1"})
    assert response.status_code == 302 and response.url == lesson.get_absolute_url()
    assert LessonProgress.objects.get(user=user, lesson=lesson).completed_at is not None
    html = client.get(lesson.get_absolute_url()).content.decode()
    assert "You completed this lesson" in html


def test_mark_complete_with_htmx_returns_the_progress_fragment(client, lesson):
    user = UserFactory()
    client.force_login(user)
    total = lesson.module.lessons.published().count()
    response = client.post(complete_url(lesson), {"complete": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="lesson-progress"')
    assert "<html" not in html
    assert f'value="1" max="{total}"' in html
    assert "You completed this lesson" in html
    # and undo
    response = client.post(complete_url(lesson), {"complete": "0"}, headers={"HX-Request": "true"})
    assert f'value="0" max="{total}"' in response.content.decode()
    assert LessonProgress.objects.get(user=user).completed_at is None


def test_marking_complete_twice_keeps_one_row(client, lesson):
    user = UserFactory()
    client.force_login(user)
    client.post(complete_url(lesson))
    first = LessonProgress.objects.get(user=user).completed_at
    client.post(complete_url(lesson))
    assert LessonProgress.objects.filter(user=user).count() == 1
    assert LessonProgress.objects.get(user=user).completed_at == first


def test_dashboard_shows_progress_and_where_to_continue(client, curriculum):
    user = UserFactory()
    client.force_login(user)
    lessons = list(Lesson.objects.published().in_course_order())
    lesson_set_complete(user=user, lesson=lessons[0])
    client.get(lessons[5].get_absolute_url())
    html = client.get("/").content.decode()
    assert f'id="course-progress" value="1" max="{len(lessons)}"' in html
    continue_link = re.search(r'href="([^"]+)" role="button" id="continue-link"', html).group(1)
    assert continue_link == lessons[5].get_absolute_url()


def test_dashboard_suggests_the_first_unfinished_lesson_for_a_new_learner(client, curriculum):
    client.force_login(UserFactory())
    html = client.get("/").content.decode()
    first = Lesson.objects.published().in_course_order().first()
    assert f'href="{first.get_absolute_url()}" role="button" id="continue-link"' in html


# --- the dashboard's due numbers (one definition: quizzes.services.review_counts) ----------------------


def dashboard_number(html, element_id):
    return int(re.search(rf'id="{element_id}">(\d+)<', html).group(1))


def test_dashboard_due_after_a_lesson_check_answered_0_of_5_matches_review_home_and_stats(client, lesson):
    from datetime import timedelta

    from django.utils import timezone

    from quizzes import services
    from tests.quizzes.test_due import answer_all_wrong

    user, other = UserFactory(), UserFactory()
    session = services.session_start_lesson_check(user=user, lesson=lesson)
    answer_all_wrong(session, now=timezone.now() - timedelta(minutes=2))  # every card back after a minute
    answered = len(session.queue)
    services.session_start_lesson_check(user=other, lesson=lesson)  # another learner's cards, never counted
    client.force_login(user)
    dashboard = client.get("/").content.decode()
    assert dashboard_number(dashboard, "dashboard-due") == answered >= 3
    assert dashboard_number(client.get(reverse("quizzes:home")).content.decode(), "due-count") == answered
    stats = client.get(reverse("quizzes:stats")).content.decode()
    assert dashboard_number(stats, "stats-due") == answered
    lambda_row = re.search(rf'<tr id="mastery-{lesson.module.content_id}">.*?</tr>', stats, re.S).group(0)
    assert ">0%<" in lambda_row and f"0 of {answered} cards" in lambda_row  # it used to say 100%


def test_dashboard_says_when_the_next_card_is_due_never_in_0_minutes(client, lesson):
    from datetime import timedelta

    from django.utils import timezone

    from quizzes import services
    from tests.quizzes.test_due import answer_all_wrong

    user = UserFactory()
    session = services.session_start_lesson_check(user=user, lesson=lesson)
    answer_all_wrong(session, now=timezone.now() - timedelta(seconds=30))
    client.force_login(user)
    html = client.get("/").content.decode()
    assert dashboard_number(html, "dashboard-due") == 0
    assert re.search(r'id="dashboard-next-due" datetime="[^"]+">in 1 minute<', html)
    client.force_login(UserFactory())  # the wrong user sees none of it
    html = client.get("/").content.decode()
    assert dashboard_number(html, "dashboard-due") == 0 and "dashboard-next-due" not in html


# --- the wrong user ------------------------------------------------------------------------------------


def test_another_learners_progress_never_shows(client, lesson):
    alice, bob = UserFactory(), UserFactory()
    lesson_set_complete(user=alice, lesson=lesson)
    client.force_login(bob)
    html = client.get("/").content.decode()
    assert 'id="course-progress" value="0"' in html
    html = client.get(lesson.module.get_absolute_url()).content.decode()
    assert 'id="module-progress" value="0"' in html
    assert "✓ done" not in html
    html = client.get(lesson.get_absolute_url()).content.decode()
    assert "You completed this lesson" not in html


def test_a_learner_only_changes_their_own_progress(client, lesson):
    alice, bob = UserFactory(), UserFactory()
    lesson_set_complete(user=alice, lesson=lesson)
    client.force_login(bob)
    client.post(complete_url(lesson), {"complete": "0"})
    assert LessonProgress.objects.get(user=alice).completed_at is not None
    assert LessonProgress.objects.get(user=bob).completed_at is None


def test_instructor_overview_is_for_instructors_only(client, lesson):
    student, instructor = UserFactory(), UserFactory()
    make_instructor(instructor)
    lesson_set_complete(user=student, lesson=lesson)
    client.force_login(student)
    assert client.get(reverse("courses:instructor_overview")).status_code == 403
    assert "Instructor</a>" not in client.get("/").content.decode()
    client.force_login(instructor)
    response = client.get(reverse("courses:instructor_overview"))
    assert response.status_code == 200
    row = re.search(
        rf"{re.escape(lesson.title)}</a></td>\s*<td>\d+</td>\s*<td>(\d+)</td>\s*<td>(\d+)</td>",
        response.content.decode(),
    )
    assert row.groups() == ("1", "1")


# --- pages, search, glossary ---------------------------------------------------------------------------


def test_lesson_page_has_toc_highlighted_code_and_neighbours(client, curriculum):
    lessons = list(Lesson.objects.published().in_course_order())
    middle = next(lesson for lesson in lessons[1:-1] if "```" in lesson.body_markdown and lesson.toc)
    index = lessons.index(middle)
    html = client.get(middle.get_absolute_url()).content.decode()
    assert 'aria-label="On this page"' in html
    assert f'href="#{middle.toc[0]["id"]}"' in html
    assert 'class="highlight"' in html
    assert f'href="{lessons[index - 1].get_absolute_url()}" rel="prev"' in html
    assert f'href="{lessons[index + 1].get_absolute_url()}" rel="next"' in html


def test_search_finds_lessons_and_escapes_the_query(client, curriculum):
    response = client.get(reverse("courses:search"), {"q": "cold start"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "lambda-" in html
    assert "<mark>" in html
    response = client.get(reverse("courses:search"), {"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_search_with_htmx_returns_only_results(client, curriculum):
    response = client.get(reverse("courses:search"), {"q": "lifecycle"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="search-results"')
    assert "ecr-" in html


def test_glossary_lists_terms_with_anchors(client, curriculum, real_bundle):
    html = client.get(reverse("courses:glossary")).content.decode()
    for entry in real_bundle.glossary[:5]:
        assert f'id="{entry.content_id}"' in html


def test_pages_carry_a_strict_csp_with_a_nonce_on_every_script(client, lesson):
    response = client.get(lesson.get_absolute_url())
    csp = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert "script-src 'self' 'nonce-" in csp
    assert "unsafe-inline" not in csp
    html = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert " style=" not in html and "<style" not in html


# --- query counts --------------------------------------------------------------------------------------


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def add_lessons_and_learners(module, lessons, learners):
    for _ in range(lessons):
        lesson = LessonFactory(module=module)
        for _ in range(learners):
            lesson_set_complete(user=UserFactory(), lesson=lesson)


def test_dashboard_and_module_queries_do_not_grow(client, curriculum):
    user = UserFactory()
    client.force_login(user)
    module = ModuleFactory(course=curriculum, position=99)
    add_lessons_and_learners(module, 2, 1)
    lesson_set_complete(user=user, lesson=module.lessons.first())
    urls = ["/", module.get_absolute_url(), curriculum.get_absolute_url(), module.lessons.first().get_absolute_url()]
    for url in urls:  # first visits create per-learner rows (study settings); measure steady state
        client.get(url)
    small = [count_queries(client, url) for url in urls]
    add_lessons_and_learners(module, 10, 3)
    for lesson in module.lessons.all()[:5]:
        lesson_set_complete(user=user, lesson=lesson)
    large = [count_queries(client, url) for url in urls]
    assert small == large
    assert (
        max(large) <= 15
    )  # the dashboard: lessons, review counts (2), goal and streak (1), cohorts and due dates (2), ...


# --- search highlighting -------------------------------------------------------------------------------

HOSTILE_TEXT = 'Say "quoted" words & mark the <b>spot</b>; a remark about amp & ampere, <script>x</script>.'


def _excerpts(html: str) -> list[str]:
    return re.findall(r'<article class="search-result">.*?<p>(?!<small>)(.*?)</p>\s*</article>', html, re.S)


@pytest.mark.parametrize("query", ["mark", "mark a", "quot", "amp", "quot amp mark", "<script>", "script b"])
def test_search_highlight_keeps_the_markup_intact(client, db, query):
    LessonFactory(title="Hostile", body_text=HOSTILE_TEXT)
    response = client.get(reverse("courses:search"), {"q": query})
    assert response.status_code == 200
    [excerpt] = _excerpts(response.content.decode())
    # The only tags are well-formed <mark> pairs around text; removing them and unescaping gives the text back.
    assert re.fullmatch(r"(?:[^<>]|<mark>[^<>]+</mark>)*", excerpt), excerpt
    import html as html_lib

    # Each piece between tags unescapes on its own (no <mark> inside an entity like &quot;).
    plain = "".join(html_lib.unescape(piece) for piece in re.split(r"</?mark>", excerpt)).strip(" …")
    assert plain == HOSTILE_TEXT
    marked = [html_lib.unescape(m).lower() for m in re.findall(r"<mark>([^<>]+)</mark>", excerpt)]
    terms = re.findall(r"[\w.+-]+", query.lower())
    assert marked and all(m in terms for m in marked)


def test_search_with_a_nul_byte_gets_a_clear_400(client, db):
    LessonFactory(title="Hostile", body_text=HOSTILE_TEXT)
    response = client.get(reverse("courses:search"), {"q": "mark\x00"})
    assert response.status_code == 400 and b"NUL" in response.content


def test_highlight_escapes_a_nul_byte_in_the_text():
    from courses.views import _highlight

    assert str(_highlight("a\x00 <mark> & quot", ["mark", "quot", "a"])) == (
        "<mark>a</mark>\x00 &lt;<mark>mark</mark>&gt; &amp; <mark>quot</mark> …"
    )


def test_a_new_account_sees_a_first_run_dashboard_until_it_opens_a_lesson(client, curriculum):
    client.force_login(UserFactory(username="fresh"))
    first = Lesson.objects.published().in_course_order().first()
    html = client.get("/").content.decode()
    assert "Welcome to Spinup, fresh" in html and "Start here" in html and "Welcome back" not in html
    assert f"Start with {first.title}" in html
    client.get(first.get_absolute_url())  # opened: no longer a first run
    html = client.get("/").content.decode()
    assert "Welcome back, fresh" in html and "Continue where you left off" in html and "Start here" not in html
