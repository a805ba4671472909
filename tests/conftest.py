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


QUESTIONS = """\
- id: alpha-single
  type: single
  lesson: alpha-one#first-section
  domains: [clf-c02/d3]
  difficulty: 1
  prompt: Which one is right?
  options:
    - text: The right one
      correct: true
      feedback: Yes.
    - text: A wrong one
      feedback: No, because.
    - text: Another wrong one
      feedback: No, since.
  explanation: Because it is.
- id: alpha-multiple
  type: multiple
  lesson: alpha-one
  domains: [dva-c02/d1]
  difficulty: 2
  choose: 2
  prompt: Pick two.
  options:
    - {text: Right A, correct: true, feedback: Yes A.}
    - {text: Right B, correct: true, feedback: Yes B.}
    - {text: Wrong C, feedback: No C.}
    - {text: Wrong D, feedback: No D.}
  explanation: A and B.
- id: alpha-bill
  type: numeric
  lesson: alpha-two
  domains: [clf-c02/d4]
  difficulty: 2
  params:
    requests: {choice: [2000000, 5000000, 12000000]}
    price: {range: [10, 30], step: 5}
  let:
    millions: "requests / 1000000"
    cost: "millions * price"
  prompt: "{{ fmt(requests) }} requests at ${{ price }} per million cost how much?"
  answer: "cost"
  tolerance: 0.01
  unit: USD
  bounds: [0, 1000]
  mistakes:
    - answer: "requests * price"
      feedback: Per million, not per request.
  explanation: "{{ fmt(millions) }} million x {{ price }} = {{ money(millions * price) }}."
- id: alpha-order
  type: ordering
  lesson: alpha-two
  domains: [dva-c02/d3]
  difficulty: 1
  prompt: Put the steps in order.
  items:
    - text: First step
    - text: Second step
      feedback: It needs the first.
    - text: Third step
  explanation: One, two, three.
- id: alpha-match
  type: matching
  lesson: alpha-two
  domains: [clf-c02/d3]
  difficulty: 1
  prompt: Match each to its service.
  pairs:
    - {left: Containers without servers, right: Fargate}
    - {left: Functions, right: Lambda}
    - {left: Simple servers, right: Lightsail}
  distractors: [Batch]
  explanation: As taught.
- id: alpha-pick
  type: single
  lesson: alpha-one
  domains: [clf-c02/d3]
  difficulty: 3
  params:
    need: {choice: [1, 2, 4]}
  prompt: Which plan has at least {{ need }} GB of RAM and costs least?
  options:
    - {text: 1 GB plan, correct_when: "need <= 1", feedback: "1 GB."}
    - {text: 2 GB plan, correct_when: "need == 2", feedback: "2 GB."}
    - {text: 4 GB plan, correct_when: "need == 4", feedback: "4 GB."}
  explanation: The smallest plan with {{ need }} GB.
"""


def write_minimal_content(root: Path) -> Path:
    """A small valid content tree: one course, two modules, three lessons, six questions, one glossary entry."""
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
    (root / "modules" / "alpha" / "questions").mkdir()
    (root / "modules" / "alpha" / "questions" / "basics.yaml").write_text(QUESTIONS)
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


@pytest.fixture
def lab(db, content_dir, settings):
    """The minimal course plus a copy of the lambda-cost-calculator lab (in module alpha), synced."""
    import io
    import shutil

    from django.core.management import call_command

    from labs.models import Lab

    target = content_dir / "labs" / "lambda-cost-calculator"
    shutil.copytree(settings.BASE_DIR / "content" / "labs" / "lambda-cost-calculator", target)
    lab_md = target / "lab.md"
    lab_md.write_text(lab_md.read_text().replace("module: lambda", "module: alpha"))
    settings.CONTENT_DIR = content_dir
    call_command("sync_content", "--path", str(content_dir), stdout=io.StringIO())
    return Lab.objects.get(content_id="lambda-cost-calculator")


@pytest.fixture
def solution_files(settings):
    folder = settings.BASE_DIR / "content" / "labs" / "lambda-cost-calculator" / "solution"
    return {"pricing.py": (folder / "pricing.py").read_text()}
