"""Syncing is idempotent and keyed by stable ids: renames and reorders keep progress; removals retire."""

import io

import pytest
from django.core.management import call_command

from courses.models import GlossaryTerm, Lesson, LessonProgress
from tests.courses.factories import UserFactory

pytestmark = pytest.mark.django_db


def sync(root) -> str:
    out = io.StringIO()
    call_command("sync_content", "--path", str(root), stdout=out)
    return out.getvalue()


def test_first_sync_creates_everything(content_dir):
    out = sync(content_dir)
    assert "lessons: 3 created" in out
    lesson = Lesson.objects.get(content_id="alpha-one")
    assert lesson.module.content_id == "alpha"
    assert lesson.toc == [{"id": "first-section", "title": "First section", "level": 2}]
    assert 'href="/lessons/alpha-two/#first-section"' in lesson.body_html
    assert GlossaryTerm.objects.get().lessons.get().content_id == "beta-one"


def test_second_sync_changes_nothing(content_dir):
    sync(content_dir)
    stamps = dict(Lesson.objects.values_list("content_id", "updated_at"))
    out = sync(content_dir)
    assert "created" not in out and "updated" not in out and "retired" not in out
    assert "lessons: 3 unchanged" in out
    assert dict(Lesson.objects.values_list("content_id", "updated_at")) == stamps


def test_renaming_a_lesson_file_keeps_progress(content_dir):
    sync(content_dir)
    user = UserFactory()
    lesson = Lesson.objects.get(content_id="alpha-two")
    from courses.services import lesson_set_complete

    lesson_set_complete(user=user, lesson=lesson)
    old = content_dir / "modules/alpha/lessons/02-two.md"
    old.rename(content_dir / "modules/alpha/lessons/09-renamed-file.md")
    out = sync(content_dir)
    assert "retired" not in out
    lesson.refresh_from_db()
    assert lesson.source_path.endswith("09-renamed-file.md")
    assert LessonProgress.objects.get(user=user).lesson_id == lesson.pk
    assert LessonProgress.objects.get(user=user).completed_at is not None


def test_reordering_updates_position_and_keeps_the_row(content_dir):
    sync(content_dir)
    pk = Lesson.objects.get(content_id="alpha-one").pk
    path = content_dir / "modules/alpha/lessons/01-one.md"
    path.write_text(path.read_text().replace("order: 1", "order: 3"))
    out = sync(content_dir)
    assert "lessons: 2 unchanged, 1 updated" in out
    assert Lesson.objects.get(content_id="alpha-one").pk == pk
    assert Lesson.objects.get(content_id="alpha-one").position == 3


def test_removed_lesson_is_retired_with_its_history_and_restored_when_back(content_dir):
    sync(content_dir)
    user = UserFactory()
    lesson = Lesson.objects.get(content_id="alpha-two")
    from courses.services import lesson_set_complete

    lesson_set_complete(user=user, lesson=lesson)
    path = content_dir / "modules/alpha/lessons/02-two.md"
    text = path.read_text()
    path.unlink()
    questions = content_dir / "modules/alpha/questions/basics.yaml"
    questions_text = questions.read_text()
    questions.unlink()
    (content_dir / "modules/alpha/lessons/01-one.md").write_text(
        (content_dir / "modules/alpha/lessons/01-one.md")
        .read_text()
        .replace("\n\nSee [two](lesson:alpha-two#first-section).", "")
    )
    out = sync(content_dir)
    assert "lessons: 1 retired" in out
    assert "questions: 6 retired" in out
    lesson.refresh_from_db()
    assert lesson.retired_at is not None
    assert not Lesson.objects.published().filter(pk=lesson.pk).exists()
    assert LessonProgress.objects.filter(user=user, lesson=lesson).exists()
    path.write_text(text)
    questions.write_text(questions_text)
    out = sync(content_dir)
    assert "lessons: 1 restored" in out
    lesson.refresh_from_db()
    assert lesson.retired_at is None


def test_glossary_lesson_links_follow_the_files(content_dir):
    sync(content_dir)
    glossary = content_dir / "glossary.yaml"
    glossary.write_text(glossary.read_text().replace("[beta-one]", "[beta-one, alpha-one]"))
    out = sync(content_dir)
    assert "glossary terms: 1 updated" in out
    assert set(GlossaryTerm.objects.get().lessons.values_list("content_id", flat=True)) == {"alpha-one", "beta-one"}
