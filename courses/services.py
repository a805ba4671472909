"""Writes with business rules: syncing the curriculum, enrolment and lesson progress."""

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from .content.loader import ContentBundle
from .models import Course, Enrollment, GlossaryTerm, Lesson, LessonProgress, Module


class ContentInvalidError(Exception):
    def __init__(self, errors):
        super().__init__(f"{len(errors)} problem(s) in content")
        self.errors = errors


@dataclass
class SyncReport:
    counts: Counter = field(default_factory=Counter)

    def add(self, kind: str, outcome: str):
        self.counts[(kind, outcome)] += 1

    @property
    def changed(self) -> int:
        return sum(n for (_, outcome), n in self.counts.items() if outcome != "unchanged")

    def summary(self) -> str:
        parts = []
        for kind in ("course", "module", "lesson", "question", "lab", "glossary term", "exam blueprint"):
            outcome_counts = {o: n for (k, o), n in self.counts.items() if k == kind}
            if outcome_counts:
                inner = ", ".join(f"{n} {o}" for o, n in sorted(outcome_counts.items()))
                parts.append(f"{kind}s: {inner}")
        return "; ".join(parts) or "nothing to sync"


def _digest(fields: dict) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def _upsert(model, *, content_id, fields, existing, report, kind, extra=None):
    """Create or update one item by stable id; an unchanged item is not written at all."""
    digest = _digest({**{k: (v.pk if hasattr(v, "pk") else v) for k, v in fields.items()}, "_extra": extra})
    item = existing.get(content_id)
    if item is None:
        item = model.objects.create(content_id=content_id, content_hash=digest, **fields)
        outcome = "created"
    elif item.content_hash == digest and item.retired_at is None:
        outcome = "unchanged"
    else:
        outcome = "restored" if item.retired_at else "updated"
        for name, value in fields.items():
            setattr(item, name, value)
        item.content_hash = digest
        item.retired_at = None
        item.save()
    report.add(kind, outcome)
    return item, outcome


def _retire(model, *, keep: set, report: SyncReport, kind: str, now):
    stale = model.objects.filter(retired_at__isnull=True).exclude(content_id__in=keep)
    for _ in range(stale.update(retired_at=now)):
        report.add(kind, "retired")


@transaction.atomic
def content_sync(*, bundle: ContentBundle) -> SyncReport:
    """Write a validated bundle to the database by stable id; retire what the files no longer have."""
    if bundle.errors:
        raise ContentInvalidError(bundle.errors)
    report = SyncReport()
    now = timezone.now()
    spec = bundle.course
    course, _ = _upsert(
        Course,
        content_id=spec.content_id,
        fields={"title": spec.title, "summary": spec.summary, "source_path": spec.path},
        existing={c.content_id: c for c in Course.objects.filter(content_id=spec.content_id)},
        report=report,
        kind="course",
    )
    _retire(Course, keep={spec.content_id}, report=report, kind="course", now=now)

    existing_modules = {m.content_id: m for m in Module.objects.all()}
    modules = {}
    for module in bundle.modules:
        modules[module.content_id], _ = _upsert(
            Module,
            content_id=module.content_id,
            fields={
                "course": course,
                "title": module.title,
                "summary": module.summary,
                "is_service": module.is_service,
                "position": module.position,
                "source_path": module.path,
            },
            existing=existing_modules,
            report=report,
            kind="module",
        )
    _retire(Module, keep=set(modules), report=report, kind="module", now=now)

    existing_lessons = {lesson.content_id: lesson for lesson in Lesson.objects.all()}
    lessons = {}
    for lesson in bundle.lessons:
        rendered = lesson.rendered
        lessons[lesson.content_id], _ = _upsert(
            Lesson,
            content_id=lesson.content_id,
            fields={
                "module": modules[lesson.module_id],
                "title": lesson.title,
                "position": lesson.position,
                "minutes": lesson.minutes,
                "objectives": lesson.objectives,
                "exam_domains": lesson.exam_domains,
                "body_markdown": lesson.body_markdown,
                "body_html": rendered.html,
                "toc": rendered.toc,
                "body_text": rendered.text,
                "word_count": rendered.word_count,
                "source_path": lesson.path,
            },
            existing=existing_lessons,
            report=report,
            kind="lesson",
        )
    _retire(Lesson, keep=set(lessons), report=report, kind="lesson", now=now)

    from quizzes.exams import is_exam_format
    from quizzes.models import Question

    existing_questions = {question.content_id: question for question in Question.objects.all()}
    for question in bundle.questions:
        _upsert(
            Question,
            content_id=question.content_id,
            fields={
                "module": modules[question.module_id],
                "lesson": lessons[question.lesson_id],
                "lesson_anchor": question.lesson_anchor,
                "qtype": question.qtype,
                "difficulty": question.difficulty,
                "domains": question.domains,
                "spec": question.spec,
                "has_variants": question.has_variants,
                "exam_format": is_exam_format(question),
                "source_path": question.path,
            },
            existing=existing_questions,
            report=report,
            kind="question",
        )
    _retire(Question, keep={q.content_id for q in bundle.questions}, report=report, kind="question", now=now)

    from labs.models import Lab

    existing_labs = {lab.content_id: lab for lab in Lab.objects.all()}
    for lab in bundle.labs:
        _upsert(
            Lab,
            content_id=lab.content_id,
            fields={
                "module": modules[lab.module_id],
                "title": lab.title,
                "difficulty": lab.difficulty,
                "minutes": lab.minutes,
                "points": lab.points,
                "statement_html": lab.statement_html,
                "limits": lab.limits,
                "starter_files": lab.starter_files,
                "lambda_memory_mb": lab.lambda_memory_mb,
                "source_path": lab.path,
            },
            existing=existing_labs,
            report=report,
            kind="lab",
        )
    _retire(Lab, keep={lab.content_id for lab in bundle.labs}, report=report, kind="lab", now=now)

    existing_terms = {term.content_id: term for term in GlossaryTerm.objects.all()}
    for entry in bundle.glossary:
        term, outcome = _upsert(
            GlossaryTerm,
            content_id=entry.content_id,
            fields={
                "term": entry.term,
                "module": modules[entry.module_id],
                "definition_html": entry.definition_html,
                "source_path": entry.path,
            },
            extra={"lessons": sorted(entry.lesson_ids)},
            existing=existing_terms,
            report=report,
            kind="glossary term",
        )
        if outcome != "unchanged":
            term.lessons.set([lessons[lesson_id] for lesson_id in entry.lesson_ids])
    _retire(GlossaryTerm, keep={e.content_id for e in bundle.glossary}, report=report, kind="glossary term", now=now)

    from quizzes.models import ExamBlueprint

    existing_blueprints = {blueprint.content_id: blueprint for blueprint in ExamBlueprint.objects.all()}
    for blueprint in bundle.blueprints:
        _upsert(
            ExamBlueprint,
            content_id=blueprint.content_id,
            fields={
                "title": blueprint.title,
                "exam": blueprint.exam,
                "questions": blueprint.questions,
                "minutes": blueprint.minutes,
                "passing_score": blueprint.passing_score,
                "domains": blueprint.domains,
                "services": blueprint.services,
                "source_path": blueprint.path,
            },
            existing=existing_blueprints,
            report=report,
            kind="exam blueprint",
        )
    _retire(
        ExamBlueprint, keep={b.content_id for b in bundle.blueprints}, report=report, kind="exam blueprint", now=now
    )
    return report


def course_enroll(*, user: AbstractBaseUser, course: Course) -> Enrollment:
    enrollment, _ = Enrollment.objects.get_or_create(user=user, course=course)
    return enrollment


@transaction.atomic
def lesson_record_view(*, user: AbstractBaseUser, lesson: Lesson) -> LessonProgress:
    """Remember that a learner opened a lesson (drives "continue where you left off")."""
    now = timezone.now()
    progress, created = LessonProgress.objects.get_or_create(user=user, lesson=lesson, defaults={"last_viewed_at": now})
    if created:
        course_enroll(user=user, course=lesson.module.course)
    else:
        LessonProgress.objects.filter(pk=progress.pk).update(last_viewed_at=now)
        progress.last_viewed_at = now
    return progress


@transaction.atomic
def lesson_set_complete(*, user: AbstractBaseUser, lesson: Lesson, complete: bool = True) -> LessonProgress:
    """Mark a lesson complete (or not) for one learner; repeating it changes nothing."""
    now = timezone.now()
    progress, _ = LessonProgress.objects.select_for_update().get_or_create(
        user=user, lesson=lesson, defaults={"last_viewed_at": now}
    )
    if complete and progress.completed_at is None:
        progress.completed_at = now
        progress.save(update_fields=["completed_at"])
    elif not complete and progress.completed_at is not None:
        progress.completed_at = None
        progress.save(update_fields=["completed_at"])
    course_enroll(user=user, course=lesson.module.course)
    return progress
