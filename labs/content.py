"""Validating lab folders (content/labs/<slug>/) for the content loader; problems as path:line: message."""

from dataclasses import dataclass
from pathlib import Path

from courses.content import markdown as md
from courses.content import yamlines
from courses.content.loader import SHALLOW_LIST

from .sandbox import DEFAULTS

REQUIRED = {"id", "module", "title", "difficulty", "minutes", "runtime", "points"}
OPTIONAL = {"limits", "lambda_memory_mb"}
MAX_STARTER_BYTES = 256 * 1024


@dataclass
class LabSpec:
    content_id: str
    module_id: str
    title: str
    difficulty: int
    minutes: int
    points: int
    limits: dict
    lambda_memory_mb: int | None
    statement_html: str
    starter_files: dict
    path: str
    line: int


def read_lab(reader, folder: Path) -> LabSpec | None:
    path = folder / "lab.md"
    if not path.is_file():
        reader.error(folder, 1, "a lab folder needs lab.md")
        return None
    text = reader.read_text(path)
    if text is None:
        return None
    lines = text.splitlines()
    end = next((i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---"), None)
    if not lines or lines[0].strip() != "---" or end is None:
        reader.error(path, 1, "lab.md must start with YAML front matter between '---' lines")
        return None
    data = reader.load_yaml(path, "\n".join(lines[1:end]), line_offset=1)
    if not isinstance(data, yamlines.LineDict):
        if data is not None:
            reader.error(path, 2, "front matter must be a mapping of keys")
        return None
    reader.check_keys(path, data, required=REQUIRED, allowed=REQUIRED | OPTIONAL, what="lab front matter")
    content_id = reader.identifier(path, data)
    if content_id and content_id != folder.name:
        reader.error(path, data.line_of("id"), f"lab id '{content_id}' must match its folder name '{folder.name}'")
    module_id = reader.identifier(path, data, "module")
    title = reader.string(path, data, "title")
    numbers = {key: reader.positive_int(path, data, key) for key in ("difficulty", "minutes", "points")}
    if data.get("runtime") != "python":
        reader.error(path, data.line_of("runtime"), "'runtime' must be python (the only lab runtime so far)")
    limits = data.get("limits") or {}
    if not isinstance(limits, dict) or any(key not in DEFAULTS for key in limits):
        reader.error(path, data.line_of("limits"), f"'limits' may set: {', '.join(DEFAULTS)}")
        limits = {}
    memory = data.get("lambda_memory_mb")
    if memory is not None and (not isinstance(memory, int) or not 128 <= memory <= 10240):
        reader.error(path, data.line_of("lambda_memory_mb"), "'lambda_memory_mb' must be 128 to 10240")
    for required in ("starter", "solution", "grader.py"):
        if not (folder / required).exists():
            reader.error(folder / required, 1, f"the lab needs {required}")
    starter = {}
    if (folder / "starter").is_dir():
        for file in sorted((folder / "starter").rglob("*")):
            if file.is_file():
                name = file.relative_to(folder / "starter").as_posix()
                try:
                    starter[name] = file.read_text(encoding="utf-8")
                except UnicodeDecodeError:
                    reader.error(file, 1, "starter files must be UTF-8 text (they open in the editor)")
        if sum(len(v) for v in starter.values()) > MAX_STARTER_BYTES:
            reader.error(folder / "starter", 1, "starter files are larger than 256 KiB")
    raw_body = "\n".join(lines[end + 1 :])  # unstripped, so line numbers stay the file's
    body = raw_body.strip()
    for number, tag in md.find_raw_html(raw_body):
        reader.error(path, end + 1 + number, f"raw HTML {tag} is not allowed (the sanitizer would drop it)")
    for number in md.find_shallow_list_items(raw_body):
        reader.error(path, end + 1 + number, SHALLOW_LIST)
    if None in (content_id, module_id, title) or None in numbers.values():
        return None
    return LabSpec(
        content_id=content_id,
        module_id=module_id,
        title=title,
        difficulty=numbers["difficulty"],
        minutes=numbers["minutes"],
        points=numbers["points"],
        limits=dict(limits),
        lambda_memory_mb=memory,
        statement_html=md.render(body).html,
        starter_files=starter,
        path=reader.rel(path),
        line=data.line_of("id"),
    )
