"""Shared fixtures. A test whose component is missing skips locally and fails when CI is set."""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from courses.content.loader import load_content
from courses.services import content_sync

REPO = Path(__file__).resolve().parent.parent


def require(available: bool, reason: str):
    """Skip a test whose component is missing; in CI (CI set) fail instead, as nothing may be skipped."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI needs this component: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def real_bundle():
    """The real curriculum, parsed and validated once per run."""
    bundle = load_content(settings.CONTENT_DIR, display_root=REPO)
    assert not bundle.errors, "\n".join(map(str, bundle.errors))
    return bundle


@pytest.fixture
def curriculum(db, real_bundle):
    """The real curriculum loaded into the test database."""
    content_sync(bundle=real_bundle)
    from courses.models import Course

    return Course.objects.get()


MINIMAL_LESSON = """---
id: {id}
title: {title}
order: {order}
minutes: 5
objectives:
  - Explain the thing
exam_domains: [clf-c02/d3]
---

Intro paragraph for {title}.

## First section

Some words here.{extra}
"""


def write_minimal_content(root: Path) -> Path:
    """A small valid content tree: one course, two modules, three lessons, one glossary entry."""
    (root / "modules" / "alpha" / "lessons").mkdir(parents=True)
    (root / "modules" / "beta" / "lessons").mkdir(parents=True)
    (root / "course.yaml").write_text(
        "id: test-course\ntitle: Test course\nsummary: A course for tests.\nmodules: [alpha, beta]\n"
    )
    for module in ("alpha", "beta"):
        (root / "modules" / module / "module.yaml").write_text(
            f"id: {module}\ntitle: Module {module}\nservice: true\nsummary: About {module}.\n"
        )
    lessons = [
        ("alpha", "01-one.md", "alpha-one", "Alpha one", 1, "\n\nSee [two](lesson:alpha-two#first-section)."),
        ("alpha", "02-two.md", "alpha-two", "Alpha two", 2, ""),
        ("beta", "01-one.md", "beta-one", "Beta one", 1, "\n\nA [term](glossary:widget)."),
    ]
    for module, name, lesson_id, title, order, extra in lessons:
        (root / "modules" / module / "lessons" / name).write_text(
            MINIMAL_LESSON.format(id=lesson_id, title=title, order=order, extra=extra)
        )
    (root / "glossary.yaml").write_text(
        "- id: widget\n  term: Widget\n  module: beta\n  definition: A thing.\n  lessons: [beta-one]\n"
    )
    return root


@pytest.fixture
def content_dir(tmp_path):
    return write_minimal_content(tmp_path / "content")


@pytest.fixture
def chromium_path():
    path = shutil.which("chromium") or "/usr/bin/chromium"
    require(Path(path).exists(), "Debian's chromium is not installed (apt-get install chromium)")
    return path
