"""Reads content/ into plain specs and validates all of it, reporting each problem as path:line: message.

Nothing here touches the database: `courses.services.content_sync` writes a bundle only when it has no errors.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from . import markdown as md
from . import yamlines

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EXAM_DOMAINS = {
    "clf-c02/d1": "CLF-C02 Domain 1: Cloud Concepts",
    "clf-c02/d2": "CLF-C02 Domain 2: Security and Compliance",
    "clf-c02/d3": "CLF-C02 Domain 3: Cloud Technology and Services",
    "clf-c02/d4": "CLF-C02 Domain 4: Billing, Pricing, and Support",
    "dva-c02/d1": "DVA-C02 Domain 1: Development with AWS Services",
    "dva-c02/d2": "DVA-C02 Domain 2: Security",
    "dva-c02/d3": "DVA-C02 Domain 3: Deployment",
    "dva-c02/d4": "DVA-C02 Domain 4: Troubleshooting and Optimization",
}

COURSE_KEYS = {"id", "title", "summary", "modules"}
MODULE_KEYS = {"id", "title", "service", "summary"}
LESSON_KEYS = {"id", "title", "order", "minutes", "objectives", "exam_domains"}
GLOSSARY_REQUIRED = {"id", "term", "module", "definition"}
GLOSSARY_KEYS = GLOSSARY_REQUIRED | {"lessons"}
# A test-wise learner picks the longest option. Warn when, in a module's fixed single-answer questions, the
# key is the longest option (strictly longer than every distractor) in more than this share of them.
LONGEST_KEY_LIMIT = 0.35


SHALLOW_LIST = "indent a nested list item by 4 spaces (with fewer it renders as text inside the item above)"


@dataclass(frozen=True)
class ContentError:
    path: str
    line: int
    message: str

    def __str__(self):
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class ContentWarning:
    """Worth an author's look, but the content still loads."""

    path: str
    line: int
    message: str

    def __str__(self):
        return f"{self.path}:{self.line}: warning: {self.message}"


@dataclass
class CourseSpec:
    content_id: str
    title: str
    summary: str
    module_ids: list
    path: str


@dataclass
class ModuleSpec:
    content_id: str
    title: str
    summary: str
    is_service: bool
    position: int
    path: str


@dataclass
class LessonSpec:
    content_id: str
    module_id: str
    title: str
    position: int
    minutes: int
    objectives: list
    exam_domains: list
    body_markdown: str
    path: str
    line: int
    body_line_offset: int
    rendered: md.Rendered | None = None


@dataclass
class GlossarySpec:
    content_id: str
    term: str
    module_id: str
    definition_html: str
    lesson_ids: list
    path: str
    line: int


@dataclass
class ContentBundle:
    root: Path
    course: CourseSpec | None = None
    modules: list = field(default_factory=list)
    lessons: list = field(default_factory=list)
    glossary: list = field(default_factory=list)
    questions: list = field(default_factory=list)
    labs: list = field(default_factory=list)
    blueprints: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Reader:
    def __init__(self, root: Path, display_root: Path):
        self.root = root
        self.display_root = display_root
        self.bundle = ContentBundle(root=root)
        self.course_modules_line = 1
        self.glossary_lines = {}

    # -- helpers ------------------------------------------------------------------------------------------

    def rel(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.display_root.resolve()))
        except ValueError:
            return str(path)

    def error(self, path, line, message):
        shown = path if isinstance(path, str) else self.rel(path)
        self.bundle.errors.append(ContentError(shown, line, message))

    def read_text(self, path: Path) -> str | None:
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            line = path.read_bytes()[: exc.start].count(b"\n") + 1
            self.error(path, line, "not valid UTF-8")
        except OSError as exc:
            self.error(path, 1, f"cannot read: {exc.strerror}")
        return None

    def load_yaml(self, path: Path, text: str, *, line_offset: int = 0):
        try:
            return yamlines.load(text, line_offset=line_offset)
        except yamlines.ContentYAMLError as exc:
            self.error(path, exc.line, exc.message)
            return None

    def check_keys(self, path, data, *, required, allowed, what):
        ok = True
        for key in data:
            if key not in allowed:
                self.error(
                    path, data.line_of(key), f"unknown key '{key}' in {what} (allowed: {', '.join(sorted(allowed))})"
                )
                ok = False
        for key in sorted(required - set(data)):
            self.error(path, data.line, f"missing key '{key}' in {what}")
            ok = False
        return ok

    def string(self, path, data, key, *, multiline=False):
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            self.error(path, data.line_of(key), f"'{key}' must be a non-empty string")
            return None
        value = value.strip()
        if not multiline and "\n" in value:
            self.error(path, data.line_of(key), f"'{key}' must be one line")
        return value

    def identifier(self, path, data, key="id"):
        value = data.get(key)
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            self.error(
                path, data.line_of(key), f"'{key}' must be lowercase letters, digits and hyphens (got {value!r})"
            )
            return None
        return value

    def positive_int(self, path, data, key):
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.error(path, data.line_of(key), f"'{key}' must be a positive whole number (got {value!r})")
            return None
        return value

    # -- files --------------------------------------------------------------------------------------------

    def read_course(self):
        path = self.root / "course.yaml"
        if not path.is_file():
            self.error(path, 1, "missing course file")
            return
        text = self.read_text(path)
        data = self.load_yaml(path, text) if text is not None else None
        if data is None:
            return
        if not isinstance(data, yamlines.LineDict):
            self.error(path, 1, "the course file must be a mapping of keys")
            return
        self.check_keys(path, data, required=COURSE_KEYS, allowed=COURSE_KEYS, what="course")
        modules = data.get("modules")
        module_ids = []
        if not isinstance(modules, yamlines.LineList) or not modules:
            self.error(path, data.line_of("modules"), "'modules' must be a list of module ids")
        else:
            for item, line in zip(modules, modules.item_lines, strict=True):
                if not isinstance(item, str) or not ID_PATTERN.match(item):
                    self.error(path, line, f"module id {item!r} must be lowercase letters, digits and hyphens")
                elif item in module_ids:
                    self.error(path, line, f"module '{item}' is listed twice")
                else:
                    module_ids.append(item)
        content_id = self.identifier(path, data)
        title = self.string(path, data, "title")
        summary = self.string(path, data, "summary", multiline=True)
        self.course_modules_line = data.line_of("modules")
        if content_id and title and summary is not None:
            self.bundle.course = CourseSpec(content_id, title, summary, module_ids, self.rel(path))

    def read_modules(self):
        modules_dir = self.root / "modules"
        listed = self.bundle.course.module_ids if self.bundle.course else []
        present = sorted(p.name for p in modules_dir.iterdir() if p.is_dir()) if modules_dir.is_dir() else []
        course_path = self.root / "course.yaml"
        for name in present:
            if name not in listed and self.bundle.course:
                self.error(
                    course_path, self.course_modules_line, f"module folder 'modules/{name}' is not listed in 'modules'"
                )
        for position, module_id in enumerate(listed, start=1):
            folder = modules_dir / module_id
            if not folder.is_dir():
                self.error(
                    course_path, self.course_modules_line, f"module '{module_id}' has no folder modules/{module_id}/"
                )
                continue
            self.read_module(folder, module_id, position)

    def read_module(self, folder: Path, module_id: str, position: int):
        path = folder / "module.yaml"
        if not path.is_file():
            self.error(path, 1, "missing module file")
            return
        text = self.read_text(path)
        data = self.load_yaml(path, text) if text is not None else None
        if data is None:
            return
        if not isinstance(data, yamlines.LineDict):
            self.error(path, 1, "the module file must be a mapping of keys")
            return
        self.check_keys(path, data, required=MODULE_KEYS, allowed=MODULE_KEYS, what="module")
        content_id = self.identifier(path, data)
        if content_id and content_id != module_id:
            self.error(path, data.line_of("id"), f"module id '{content_id}' must match its folder name '{module_id}'")
            return
        title = self.string(path, data, "title")
        summary = self.string(path, data, "summary", multiline=True)
        service = data.get("service")
        if not isinstance(service, bool):
            self.error(path, data.line_of("service"), "'service' must be true or false")
        if content_id and title and summary and isinstance(service, bool):
            self.bundle.modules.append(ModuleSpec(content_id, title, summary, service, position, self.rel(path)))
        lessons_dir = folder / "lessons"
        if not lessons_dir.is_dir():
            self.error(path, 1, f"module '{module_id}' has no lessons/ folder")
            return
        for lesson_path in sorted(lessons_dir.iterdir()):
            if lesson_path.is_file() and lesson_path.suffix == ".md":
                self.read_lesson(lesson_path, module_id)
            elif not lesson_path.name.startswith("."):
                self.error(lesson_path, 1, "unexpected file in lessons/ (lessons are .md files)")
        questions_dir = folder / "questions"
        if questions_dir.is_dir():
            from quizzes.questions import read_question_file

            for question_path in sorted(questions_dir.iterdir()):
                if question_path.is_file() and question_path.suffix in (".yaml", ".yml"):
                    self.bundle.questions += read_question_file(self, question_path, module_id, EXAM_DOMAINS)
                elif not question_path.name.startswith("."):
                    self.error(question_path, 1, "unexpected file in questions/ (question files are .yaml lists)")

    def read_lesson(self, path: Path, module_id: str):
        text = self.read_text(path)
        if text is None:
            return
        lines = text.splitlines()
        if not lines or lines[0].strip() != "---":
            self.error(path, 1, "a lesson must start with YAML front matter between '---' lines")
            return
        end = next((i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---"), None)
        if end is None:
            self.error(path, 1, "front matter is not closed with a '---' line")
            return
        data = self.load_yaml(path, "\n".join(lines[1:end]), line_offset=1)
        if data is None:
            return
        if not isinstance(data, yamlines.LineDict):
            self.error(path, 2, "front matter must be a mapping of keys")
            return
        self.check_keys(path, data, required=LESSON_KEYS, allowed=LESSON_KEYS, what="lesson front matter")
        content_id = self.identifier(path, data)
        title = self.string(path, data, "title")
        order = self.positive_int(path, data, "order")
        minutes = self.positive_int(path, data, "minutes")
        objectives = self.string_list(path, data, "objectives")
        domains = self.string_list(path, data, "exam_domains")
        for domain in domains or []:
            if domain not in EXAM_DOMAINS:
                self.error(
                    path,
                    data.line_of("exam_domains"),
                    f"unknown exam domain '{domain}' (known: {', '.join(EXAM_DOMAINS)})",
                )
                domains = None
        rest = lines[end + 1 :]
        leading = next((i for i, line in enumerate(rest) if line.strip()), len(rest))
        body = "\n".join(rest[leading:]).rstrip()
        body_offset = end + 1 + leading  # body line n is file line body_offset + n
        if not body.strip():
            self.error(path, end + 1, "the lesson has no body")
            return
        for number in md.find_h1(body):
            self.error(
                path,
                body_offset + number,
                "no '#' headings in a lesson body: the title comes from front matter; use '##'",
            )
        for number, tag in md.find_raw_html(body):
            self.error(
                path, body_offset + number, f"raw HTML {tag} is not allowed (the sanitizer would drop it); use Markdown"
            )
        for number in md.find_shallow_list_items(body):
            self.error(path, body_offset + number, SHALLOW_LIST)
        if content_id is None:
            return
        # A lesson with problems is still recorded (the bundle is refused anyway) so that links to it
        # do not cascade into more errors.
        self.bundle.lessons.append(
            LessonSpec(
                content_id=content_id,
                module_id=module_id,
                title=title or "",
                position=order or 0,
                minutes=minutes or 0,
                objectives=objectives or [],
                exam_domains=domains or [],
                body_markdown=body,
                path=self.rel(path),
                line=data.line_of("id"),
                body_line_offset=body_offset,
                rendered=md.render(body),
            )
        )

    def string_list(self, path, data, key):
        value = data.get(key)
        if not isinstance(value, list) or not value:
            self.error(path, data.line_of(key), f"'{key}' must be a non-empty list")
            return None
        if not all(isinstance(item, str) and item.strip() for item in value):
            self.error(path, data.line_of(key), f"every item of '{key}' must be a non-empty string")
            return None
        return [item.strip() for item in value]

    def read_glossary(self):
        path = self.root / "glossary.yaml"
        if not path.is_file():
            return
        text = self.read_text(path)
        data = self.load_yaml(path, text) if text is not None else None
        if data is None:
            return
        if not isinstance(data, yamlines.LineList):
            self.error(path, 1, "the glossary must be a list of entries")
            return
        for entry in data:
            if not isinstance(entry, yamlines.LineDict):
                self.error(path, getattr(entry, "line", data.line), "each glossary entry must be a mapping")
                continue
            self.check_keys(path, entry, required=GLOSSARY_REQUIRED, allowed=GLOSSARY_KEYS, what="glossary entry")
            content_id = self.identifier(path, entry)
            term = self.string(path, entry, "term")
            module_id = self.identifier(path, entry, "module")
            definition = self.string(path, entry, "definition", multiline=True)
            lessons = entry.get("lessons", [])
            if not isinstance(lessons, list) or not all(isinstance(item, str) for item in lessons):
                self.error(path, entry.line_of("lessons"), "'lessons' must be a list of lesson ids")
                continue
            if None in (content_id, term, module_id, definition):
                continue
            for _number, tag in md.find_raw_html(definition):
                self.error(
                    path, entry.line_of("definition"), f"raw HTML {tag} is not allowed (the sanitizer would drop it)"
                )
            self.bundle.glossary.append(
                GlossarySpec(
                    content_id,
                    term,
                    module_id,
                    md.render_inline(definition),
                    lessons,
                    self.rel(path),
                    entry.line_of("id"),
                )
            )
            self.glossary_lines[content_id] = {key: entry.line_of(key) for key in ("module", "lessons")}

    def read_labs(self):
        labs_dir = self.root / "labs"
        if not labs_dir.is_dir():
            return
        from labs.content import read_lab

        module_ids = {module.content_id for module in self.bundle.modules}
        for folder in sorted(p for p in labs_dir.iterdir() if p.is_dir()):
            spec = read_lab(self, folder)
            if spec and spec.module_id not in module_ids:
                self.error(folder / "lab.md", spec.line, f"unknown module '{spec.module_id}'")
            elif spec:
                self.bundle.labs.append(spec)

    def read_exams(self):
        """Practice-exam blueprints, content/exams/*.yaml (quizzes/exams.py reads and checks each)."""
        exams_dir = self.root / "exams"
        if not exams_dir.is_dir():
            return
        from quizzes.exams import overlap_problems, read_blueprint

        module_ids = {module.content_id for module in self.bundle.modules}
        seen = {}
        for path in sorted(exams_dir.iterdir()):
            if not (path.is_file() and path.suffix in (".yaml", ".yml")):
                if not path.name.startswith("."):
                    self.error(path, 1, "unexpected file in exams/ (blueprints are .yaml files)")
                continue
            spec = read_blueprint(self, path, domains_known=EXAM_DOMAINS, module_ids=module_ids)
            if spec is None:
                continue
            if spec.content_id in seen:
                self.error(path, spec.line, f"duplicate blueprint id '{spec.content_id}' (first in {seen[spec.content_id]})")
                continue
            seen[spec.content_id] = spec.path
            for problem in overlap_problems(spec, self.bundle.questions):
                self.error(path, spec.line, f"blueprint '{spec.content_id}': {problem}")
            self.bundle.blueprints.append(spec)

    # -- warnings -----------------------------------------------------------------------------------------

    def check_longest_keys(self):
        paths = {module.content_id: module.path for module in self.bundle.modules}
        for module_id, (longest, total) in sorted(longest_key_shares(self.bundle).items()):
            if total and longest / total > LONGEST_KEY_LIMIT:
                self.bundle.warnings.append(
                    ContentWarning(
                        paths.get(module_id, self.rel(self.root / "modules" / module_id / "module.yaml")),
                        1,
                        f"module '{module_id}': the correct option is the longest in {longest} of {total} "
                        f"single-answer questions ({longest / total:.0%}, more than {LONGEST_KEY_LIMIT:.0%}); "
                        "a learner who picks the longest option guesses them. Shorten keys or lengthen distractors.",
                    )
                )

    # -- cross-file checks --------------------------------------------------------------------------------

    def check_references(self):
        bundle = self.bundle
        module_ids = {module.content_id for module in bundle.modules}
        lessons_by_id = {}
        for lesson in bundle.lessons:
            first = lessons_by_id.get(lesson.content_id)
            if first:
                self.error(
                    lesson.path,
                    lesson.line,
                    f"duplicate id '{lesson.content_id}' (first used in {first.path}:{first.line})",
                )
            else:
                lessons_by_id[lesson.content_id] = lesson
        orders = {}
        for lesson in bundle.lessons:
            first = orders.setdefault((lesson.module_id, lesson.position), lesson)
            if first is not lesson and lesson.position:
                self.error(lesson.path, lesson.line, f"order {lesson.position} is already used by {first.path}")
        glossary_ids = {}
        glossary_lines = self.glossary_lines
        for entry in bundle.glossary:
            if entry.content_id in glossary_ids:
                first = glossary_ids[entry.content_id]
                self.error(
                    entry.path,
                    entry.line,
                    f"duplicate glossary id '{entry.content_id}' (first used at line {first.line})",
                )
            glossary_ids.setdefault(entry.content_id, entry)
            lines = glossary_lines.get(entry.content_id, {})
            if entry.module_id not in module_ids:
                self.error(entry.path, lines.get("module", entry.line), f"unknown module '{entry.module_id}'")
            for lesson_id in entry.lesson_ids:
                if lesson_id not in lessons_by_id:
                    self.error(
                        entry.path,
                        lines.get("lessons", entry.line),
                        f"link to a lesson that does not exist: '{lesson_id}'",
                    )
        question_ids = {}
        for question in bundle.questions:
            first = question_ids.setdefault(question.content_id, question)
            if first is not question:
                self.error(
                    question.path,
                    question.line,
                    f"duplicate question id '{question.content_id}' (first used in {first.path}:{first.line})",
                )
            target = lessons_by_id.get(question.lesson_id)
            if target is None:
                self.error(
                    question.path, question.lesson_line, f"link to a lesson that does not exist: '{question.lesson_id}'"
                )
            elif question.lesson_anchor and question.lesson_anchor not in target.rendered.anchors:
                self.error(
                    question.path,
                    question.lesson_line,
                    f"link to a section that does not exist: '{question.lesson_id}#{question.lesson_anchor}' "
                    f"(sections: {', '.join(sorted(target.rendered.anchors))})",
                )
        for lesson in bundle.lessons:
            for number, target in md.find_links(lesson.body_markdown):
                problem = self.check_link(target, lesson, lessons_by_id, glossary_ids)
                if problem:
                    self.error(lesson.path, lesson.body_line_offset + number, problem)

    def check_link(self, target, lesson, lessons_by_id, glossary_ids):
        if target.startswith(md.LESSON_SCHEME):
            lesson_id, _, anchor = target[len(md.LESSON_SCHEME) :].partition("#")
            other = lessons_by_id.get(lesson_id)
            if other is None:
                return f"link to a lesson that does not exist: '{lesson_id}'"
            if anchor and anchor not in other.rendered.anchors:
                return f"link to a section that does not exist: '{lesson_id}#{anchor}' (sections: {', '.join(sorted(other.rendered.anchors)) or 'none'})"
            return None
        if target.startswith(md.GLOSSARY_SCHEME):
            term = target[len(md.GLOSSARY_SCHEME) :]
            if term not in glossary_ids:
                return f"link to a glossary term that does not exist: '{term}'"
            return None
        if target.startswith("#"):
            if target[1:] not in lesson.rendered.anchors:
                return f"link to a section of this lesson that does not exist: '{target}'"
            return None
        if target.startswith("https://"):
            return None
        if target.startswith("http://"):
            return f"use https:// for external links: '{target}'"
        return f"unknown link target '{target}' (use lesson:ID, lesson:ID#section, glossary:ID or https://)"


def longest_key_shares(bundle: ContentBundle) -> dict:
    """module id -> (questions whose key is the longest option, fixed single-answer questions in the module).

    Counted: `single` questions without params whose key is marked `correct: true` (a `correct_when` key
    changes with the variant). A key tied with a distractor for length is not the longest.
    """
    shares = {}
    for question in bundle.questions:
        spec = question.spec
        options = spec.get("options") or []
        if question.qtype != "single" or spec.get("params") or any("correct_when" in o for o in options):
            continue
        keys = [o for o in options if o.get("correct")]
        distractors = [len(o["text"]) for o in options if not o.get("correct")]
        if len(keys) != 1 or not distractors:
            continue
        longest, total = shares.get(question.module_id, (0, 0))
        shares[question.module_id] = (longest + (len(keys[0]["text"]) > max(distractors)), total + 1)
    return shares


def load_content(root: Path, *, display_root: Path | None = None) -> ContentBundle:
    """Read and validate the whole content tree. Check `bundle.errors` before using it."""
    root = Path(root)
    reader = _Reader(root, Path(display_root) if display_root else root.parent)
    if not root.is_dir():
        reader.error(root, 1, "content folder not found")
        return reader.bundle
    reader.read_course()
    reader.read_modules()
    reader.read_glossary()
    reader.read_labs()
    reader.read_exams()
    reader.check_references()
    reader.check_longest_keys()
    reader.bundle.errors.sort(key=lambda e: (e.path, e.line, e.message))
    return reader.bundle
