"""Course pages: home and dashboard, course, module, lesson, search, glossary and the instructor overview.

Reading the curriculum is open to visitors (marked @login_not_required); everything that reads or writes a
learner's own progress requires login and only ever touches request.user's rows.
"""

import re

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from . import hooks
from .cohorts import student_due_items
from .content.loader import EXAM_DOMAINS
from .models import Course, GlossaryTerm, Lesson, LessonProgress, Module
from .roles import is_instructor
from .services import lesson_record_view, lesson_set_complete

SEARCH_MAX_TERMS = 8
SEARCH_MAX_RESULTS = 30


def _percent(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


def _course_progress(user):
    """Modules of the live course with lesson counts and this user's completions (2 queries)."""
    course = Course.objects.published().order_by("pk").first()
    if course is None:
        return None, []
    modules = list(Module.objects.published().filter(course=course).with_lesson_counts(user).order_by("position"))
    for module in modules:
        module.done = getattr(module, "completed_count", 0)
        module.percent = _percent(module.done, module.lesson_count)
    return course, modules


def _next_lesson(user):
    """Where to continue: the lesson last opened and not finished, else the first unfinished one."""
    recent = (
        LessonProgress.objects.filter(user=user, completed_at__isnull=True, lesson__retired_at__isnull=True)
        .select_related("lesson__module")
        .order_by("-last_viewed_at")
        .first()
    )
    if recent:
        return recent.lesson
    return Lesson.objects.published().in_course_order().with_progress(user).filter(is_completed=False).first()


@login_not_required
@require_GET
def home(request):
    course, modules = _course_progress(request.user)
    context = {"course": course, "modules": modules}
    if not request.user.is_authenticated:
        context["lesson_total"] = sum(m.lesson_count for m in modules)
        return render(request, "courses/home_visitor.html", context)
    done = sum(m.done for m in modules)
    total = sum(m.lesson_count for m in modules)
    context.update(
        **hooks.dashboard_context(request.user),  # e.g. quizzes' review counts
        done=done,
        total=total,
        percent=_percent(done, total),
        next_lesson=_next_lesson(request.user),
        first_run=not LessonProgress.objects.filter(user=request.user).exists(),
        cohorts=list(request.user.cohorts_joined.only("name", "ends_on")),
        due_items=student_due_items(request.user, today=timezone.localdate()),
        recent=LessonProgress.objects.filter(user=request.user, completed_at__isnull=False)
        .select_related("lesson__module")
        .order_by("-completed_at")[:5],
    )
    return render(request, "courses/home_dashboard.html", context)


@login_not_required
@require_GET
def course_detail(request, course_id):
    course = get_object_or_404(Course.objects.published(), content_id=course_id)
    modules = list(Module.objects.published().filter(course=course).with_lesson_counts(request.user))
    for module in modules:
        module.done = getattr(module, "completed_count", 0)
        module.percent = _percent(module.done, module.lesson_count)
    return render(request, "courses/course_detail.html", {"course": course, "modules": modules})


@login_not_required
@require_GET
def module_detail(request, module_id):
    module = get_object_or_404(Module.objects.published().select_related("course"), content_id=module_id)
    lessons = list(module.lessons.published().with_progress(request.user).order_by("position"))
    done = sum(1 for lesson in lessons if lesson.is_completed)
    context = {
        **hooks.module_page_context(module),  # labs' labs, quizzes' question count
        "module": module,
        "lessons": lessons,
        "done": done,
        "percent": _percent(done, len(lessons)),
    }
    return render(request, "courses/module_detail.html", context)


def _lesson_context(request, lesson):
    """The parts of a lesson page that change when its progress does."""
    siblings = list(
        Lesson.objects.published()
        .filter(module=lesson.module)
        .with_progress(request.user)
        .values_list("pk", "is_completed")
    )
    done = sum(1 for _, completed in siblings if completed)
    completed = next((c for pk, c in siblings if pk == lesson.pk), False)
    return {
        "lesson": lesson,
        "check_questions": 0,
        **hooks.lesson_page_context(lesson),  # quizzes: how many questions the lesson's check asks
        "is_completed": completed,
        "module_done": done,
        "module_total": len(siblings),
        "module_percent": _percent(done, len(siblings)),
    }


@login_not_required
@require_GET
def lesson_detail(request, lesson_id):
    lesson = get_object_or_404(Lesson.objects.published().select_related("module__course"), content_id=lesson_id)
    order = list(Lesson.objects.published().in_course_order().values_list("content_id", "title"))
    index = next(i for i, (content_id, _) in enumerate(order) if content_id == lesson.content_id)
    if request.user.is_authenticated:
        lesson_record_view(user=request.user, lesson=lesson)
    context = _lesson_context(request, lesson)
    context.update(
        previous=order[index - 1] if index > 0 else None,
        next=order[index + 1] if index + 1 < len(order) else None,
        domains=[EXAM_DOMAINS[d] for d in lesson.exam_domains if d in EXAM_DOMAINS],
    )
    return render(request, "courses/lesson_detail.html", context)


@require_POST
def lesson_complete(request, lesson_id):
    lesson = get_object_or_404(Lesson.objects.published().select_related("module__course"), content_id=lesson_id)
    lesson_set_complete(user=request.user, lesson=lesson, complete=request.POST.get("complete", "1") != "0")
    if request.htmx:
        return render(request, "courses/lesson_detail.html#progress", _lesson_context(request, lesson))
    return redirect(lesson)


def _highlight(text: str, terms: list[str], width: int = 90) -> str:
    """A short, escaped excerpt of text around the first term, with the terms marked.

    Terms are found in the raw text and each piece is escaped on its own, so a term can never match inside
    markup we added (`mark`) or an entity escaping made (`quot`, `amp`).
    """
    lowered = text.lower()
    positions = [lowered.find(term) for term in terms if lowered.find(term) >= 0]
    start = max(min(positions) - width, 0) if positions else 0
    excerpt = text[start : start + 2 * width + 40]
    pieces, last = [], 0
    if terms:
        pattern = re.compile(
            "|".join(re.escape(term) for term in sorted(set(terms), key=len, reverse=True)), re.IGNORECASE
        )
        for match in pattern.finditer(excerpt):
            pieces.append(escape(excerpt[last : match.start()]))
            pieces.append(format_html("<mark>{}</mark>", match.group()))
            last = match.end()
    pieces.append(escape(excerpt[last:]))
    return mark_safe(("… " if start else "") + "".join(pieces) + " …")  # noqa: S308 (each piece escaped)


@login_not_required
@require_GET
def search(request):
    query = request.GET.get("q", "").strip()[:200]
    terms = [term.lower() for term in re.findall(r"[\w.+-]+", query)][:SEARCH_MAX_TERMS]
    results = []
    if terms:
        condition = Q()
        for term in terms:
            condition &= Q(title__icontains=term) | Q(body_text__icontains=term) | Q(module__title__icontains=term)
        found = (
            Lesson.objects.published()
            .filter(condition)
            .select_related("module")
            .only(
                "content_id",
                "title",
                "body_text",
                "module__title",
                "module__content_id",
                "module__position",
                "position",
            )
        )
        for lesson in found:
            title = lesson.title.lower()
            text = lesson.body_text.lower()
            lesson.score = sum(10 * title.count(t) + min(text.count(t), 10) for t in terms)
            lesson.excerpt = _highlight(lesson.body_text, terms)
            results.append(lesson)
        results.sort(key=lambda item: (-item.score, item.module.position, item.position))
        results = results[:SEARCH_MAX_RESULTS]
    template = "courses/search.html#results" if request.htmx else "courses/search.html"
    return render(request, template, {"query": query, "results": results, "searched": bool(terms)})


@login_not_required
@require_GET
def glossary(request):
    terms = GlossaryTerm.objects.published().select_related("module").prefetch_related("lessons").order_by("term")
    groups = {}
    for term in terms:
        letter = term.term[0].upper() if term.term[0].isalpha() else "#"
        groups.setdefault(letter, []).append(term)
    return render(request, "courses/glossary.html", {"groups": sorted(groups.items())})


@require_GET
def instructor_overview(request):
    if not is_instructor(request.user):
        raise PermissionDenied("Instructors only.")
    lessons = (
        Lesson.objects.in_course_order()
        .annotate(
            viewers=Count("progress", distinct=True),
            completions=Count("progress", filter=Q(progress__completed_at__isnull=False), distinct=True),
        )
        .order_by("retired_at", "module__position", "position")
    )
    rows = list(lessons)
    for row in rows:
        row.completion_rate = _percent(row.completions, row.viewers)
    return render(request, "courses/instructor_overview.html", {"lessons": rows})
