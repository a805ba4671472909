"""Every malformed-content case names its file and line, and nothing is written."""

import io

import pytest
from django.core.management import CommandError, call_command

from courses.models import Course, GlossaryTerm, Lesson, Module

ALPHA_ONE = "modules/alpha/lessons/01-one.md"
BETA_ONE = "modules/beta/lessons/01-one.md"


def edit(root, rel, old, new):
    path = root / rel
    text = path.read_text()
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1))


CASES = [
    ("unknown key", lambda r: edit(r, ALPHA_ONE, "minutes: 5\n", "minutes: 5\ncolour: blue\n"), ALPHA_ONE, 6, "unknown key 'colour'"),
    ("missing key", lambda r: edit(r, ALPHA_ONE, "minutes: 5\n", ""), ALPHA_ONE, 2, "missing key 'minutes'"),
    ("duplicate id", lambda r: edit(r, BETA_ONE, "id: beta-one", "id: alpha-one"), BETA_ONE, 2, "duplicate id 'alpha-one'"),
    ("bad yaml", lambda r: edit(r, ALPHA_ONE, "title: Alpha one", 'title: "Alpha one'), ALPHA_ONE, 3, "bad YAML"),
    ("missing lesson link", lambda r: edit(r, ALPHA_ONE, "lesson:alpha-two#", "lesson:alpha-nine#"), ALPHA_ONE, 17,
     "link to a lesson that does not exist: 'alpha-nine'"),
    ("missing section link", lambda r: edit(r, ALPHA_ONE, "#first-section", "#no-such-section"), ALPHA_ONE, 17,
     "link to a section that does not exist: 'alpha-two#no-such-section'"),
    ("raw html", lambda r: edit(r, ALPHA_ONE, "Some words here.", "Some <div>words</div> here."), ALPHA_ONE, 15,
     "raw HTML <div> is not allowed"),
    ("raw script", lambda r: edit(r, BETA_ONE, "Some words here.", "Hello <script>alert(1)</script>"), BETA_ONE, 15,
     "raw HTML <script> is not allowed"),
    ("unsafe link", lambda r: edit(r, BETA_ONE, "Some words here.", "[x](javascript:alert(1))"), BETA_ONE, 15,
     "unknown link target 'javascript:alert(1'"),
    ("shallow nested list", lambda r: edit(r, BETA_ONE, "Some words here.", "1. First\n   - nested by three"), BETA_ONE, 16,
     "indent a nested list item by 4 spaces"),
    ("h1 in body", lambda r: edit(r, BETA_ONE, "## First section", "# First section"), BETA_ONE, 13, "no '#' headings"),
    ("unknown exam domain", lambda r: edit(r, ALPHA_ONE, "[clf-c02/d3]", "[clf-c02/d9]"), ALPHA_ONE, 8,
     "unknown exam domain 'clf-c02/d9'"),
    ("bad order", lambda r: edit(r, ALPHA_ONE, "order: 1", "order: first"), ALPHA_ONE, 4, "'order' must be a positive whole number"),
    ("duplicate order", lambda r: edit(r, "modules/alpha/lessons/02-two.md", "order: 2", "order: 1"),
     "modules/alpha/lessons/02-two.md", 2, "order 1 is already used"),
    ("no front matter", lambda r: (r / ALPHA_ONE).write_text("Just text.\n"), ALPHA_ONE, 1, "must start with YAML front matter"),
    ("unknown glossary link", lambda r: edit(r, BETA_ONE, "glossary:widget", "glossary:gadget"), BETA_ONE, 17,
     "glossary term that does not exist: 'gadget'"),
    ("glossary unknown lesson", lambda r: edit(r, "glossary.yaml", "[beta-one]", "[beta-nine]"), "glossary.yaml", 5,
     "link to a lesson that does not exist: 'beta-nine'"),
    ("glossary unknown key", lambda r: edit(r, "glossary.yaml", "  term: Widget\n", "  term: Widget\n  colour: red\n"),
     "glossary.yaml", 3, "unknown key 'colour'"),
    ("module id mismatch", lambda r: edit(r, "modules/alpha/module.yaml", "id: alpha", "id: gamma"), "modules/alpha/module.yaml", 1,
     "must match its folder name"),
    ("course lists missing module", lambda r: edit(r, "course.yaml", "[alpha, beta]", "[alpha, beta, gamma]"), "course.yaml", 4,
     "module 'gamma' has no folder"),
    ("course bad yaml", lambda r: edit(r, "course.yaml", "title: Test course", "title: [Test course"), "course.yaml", 2, "bad YAML"),
]  # fmt: skip


def run_sync(root, *extra):
    err = io.StringIO()
    call_command("sync_content", "--path", str(root), *extra, stderr=err, stdout=io.StringIO())
    return err.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "mutate", "rel", "line", "message"), CASES, ids=[c[0] for c in CASES])
def test_malformed_content_names_file_and_line_and_writes_nothing(content_dir, name, mutate, rel, line, message):
    mutate(content_dir)
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("sync_content", "--path", str(content_dir), stderr=err, stdout=io.StringIO())
    expected_prefix = f"{content_dir / rel}:{line}: "
    reported = err.getvalue().splitlines()
    assert any(row.startswith(expected_prefix) and message in row for row in reported), reported
    assert (
        Course.objects.count() == Module.objects.count() == Lesson.objects.count() == GlossaryTerm.objects.count() == 0
    )


@pytest.mark.django_db
def test_a_failed_sync_leaves_the_previous_content_untouched(content_dir):
    run_sync(content_dir)
    before = {lesson.content_id: (lesson.title, lesson.updated_at) for lesson in Lesson.objects.all()}
    edit(content_dir, "modules/alpha/lessons/02-two.md", "title: Alpha two", "title: Alpha two, renamed")
    edit(content_dir, BETA_ONE, "minutes: 5\n", "minutes: 5\nbogus: 1\n")
    with pytest.raises(CommandError):
        run_sync(content_dir)
    after = {lesson.content_id: (lesson.title, lesson.updated_at) for lesson in Lesson.objects.all()}
    assert after == before


@pytest.mark.django_db
def test_check_validates_without_writing(content_dir):
    out = io.StringIO()
    call_command("sync_content", "--path", str(content_dir), "--check", stdout=out)
    assert (
        "Content OK: 2 modules, 3 lessons, 6 questions (2 with variants, each rendered 50 times), 0 labs, 1 glossary terms"
        in out.getvalue()
    )
    assert Lesson.objects.count() == 0


def test_check_reports_all_problems_at_once(content_dir):
    edit(content_dir, ALPHA_ONE, "minutes: 5\n", "minutes: 5\ncolour: blue\n")
    edit(content_dir, BETA_ONE, "Some words here.", "<b>bold</b>")
    with pytest.raises(CommandError, match="2 problem"):
        run_sync(content_dir, "--check")


QUESTIONS_FILE = "modules/alpha/questions/basics.yaml"


def line_of(root, rel, needle, nth=1):
    lines = (root / rel).read_text().splitlines()
    found = [number for number, line in enumerate(lines, start=1) if needle in line]
    return found[nth - 1]


QUESTION_CASES = [
    ("unknown type", "type: single\n  lesson: alpha-one#first", "type: essay\n  lesson: alpha-one#first", "type: essay", "'type' must be one of"),
    ("missing section", "lesson: alpha-one#first-section", "lesson: alpha-one#nowhere", "lesson: alpha-one#nowhere",
     "link to a section that does not exist: 'alpha-one#nowhere'"),
    ("two correct in a single", "      feedback: No, because.", "      correct: true\n      feedback: No, because.", "  options:",
     "2 correct option(s); needs exactly 1"),
    ("unsafe expression", 'answer: "cost"', "answer: \"__import__('os')\"", "answer: \"__import__", "only these functions may be called"),
    ("answer outside bounds", "bounds: [0, 1000]", "bounds: [0, 10]", 'answer: "cost"', "outside bounds [0, 10]"),
    ("rule picks two", 'correct_when: "need == 2"', 'correct_when: "need >= 2"', "need >= 2", "correct option(s) (variant seed"),
    ("unknown name", 'millions: "requests / 1000000"', 'millions: "requets / 1000000"', "millions:", "unknown name(s): requets"),
    ("all of the above", "- text: Another wrong one", "- text: All of the above", "All of the above", "no 'all of the above'"),
    ("missing feedback", "      feedback: No, since.\n", "", "- text: Another wrong one", "missing key 'feedback'"),
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "old", "new", "needle", "message"), QUESTION_CASES, ids=[c[0] for c in QUESTION_CASES]
)
def test_malformed_questions_name_file_and_line(content_dir, name, old, new, needle, message):
    edit(content_dir, QUESTIONS_FILE, old, new)
    line = line_of(content_dir, QUESTIONS_FILE, needle)
    if name == "rule picks two":  # reported at the options of that question
        line = next(
            n
            for n in range(line, 0, -1)
            if (content_dir / QUESTIONS_FILE).read_text().splitlines()[n - 1] == "  options:"
        )
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("sync_content", "--path", str(content_dir), stderr=err, stdout=io.StringIO())
    expected_prefix = f"{content_dir / QUESTIONS_FILE}:{line}: "
    reported = err.getvalue().splitlines()
    assert any(row.startswith(expected_prefix) and message in row for row in reported), (expected_prefix, reported)
    assert Lesson.objects.count() == 0
