"""Validating question files (content/modules/<module>/questions/*.yaml) into specs, with a variant self-test.

Called by the content loader; every problem is reported as path:line: message through `reader.error`.
"""

import math
import re
from dataclasses import dataclass

from courses.content import yamlines

from . import expressions
from .variants import CHOICE_TYPES, PLACEHOLDER, AnswerInvalid, render_variant

TYPES = ("single", "multiple", "numeric", "ordering", "matching")
COMMON_REQUIRED = {"id", "type", "lesson", "domains", "difficulty", "prompt", "explanation"}
COMMON_OPTIONAL = {"params", "let"}
TYPE_KEYS = {
    "single": ({"options"}, set()),
    "multiple": ({"options", "choose"}, set()),
    "numeric": ({"answer"}, {"tolerance", "tolerance_percent", "unit", "mistakes", "bounds"}),
    "ordering": ({"items"}, set()),
    "matching": ({"pairs"}, {"distractors"}),
}
SELF_TEST_VARIANTS = 50
NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
FORBIDDEN_OPTION_TEXT = re.compile(r"\b(all|none) of the above\b", re.IGNORECASE)


@dataclass
class QuestionSpec:
    content_id: str
    module_id: str
    lesson_id: str
    lesson_anchor: str
    qtype: str
    difficulty: int
    domains: list
    spec: dict
    path: str
    line: int
    lesson_line: int

    @property
    def has_variants(self) -> bool:
        return bool(self.spec.get("params"))


class _ProblemError(Exception):
    def __init__(self, line, message):
        super().__init__(message)
        self.line = line
        self.message = message


def _plain(value):
    """LineDict/LineList -> dict/list, for JSON storage."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _text(data, key, *, required=True):
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _ProblemError(data.line_of(key), f"'{key}' must be a non-empty string")
    return value.strip()


def _expression(data, key, known: set, *, line=None):
    source = data.get(key)
    line = line or data.line_of(key)
    try:
        tree = expressions.parse(source)
    except expressions.ExpressionError as exc:
        raise _ProblemError(line, f"'{key}': {exc}") from None
    unknown = expressions.names_used(tree) - known - {"True", "False"}
    if unknown:
        raise _ProblemError(line, f"'{key}' uses unknown name(s): {', '.join(sorted(unknown))}")
    return source if isinstance(source, str) else repr(source)


def _check_placeholders(text, known, line, key):
    for match in PLACEHOLDER.finditer(text or ""):
        try:
            tree = expressions.parse(match.group(1))
        except expressions.ExpressionError as exc:
            raise _ProblemError(line, f"'{key}' has a bad {{{{ }}}} expression: {exc}") from None
        unknown = expressions.names_used(tree) - known
        if unknown:
            raise _ProblemError(line, f"'{key}' uses unknown name(s) in {{{{ }}}}: {', '.join(sorted(unknown))}")


def _params(entry, known):
    params = entry.get("params")
    if params is None:
        return {}
    if not isinstance(params, dict) or not params:
        raise _ProblemError(
            entry.line_of("params"),
            "'params' must be a mapping of name: {choice: [...]} or {range: [low, high], step: n}",
        )
    result = {}
    for name, rule in params.items():
        line = params.line_of(name)
        if not isinstance(name, str) or not NAME.match(name) or name in expressions.FUNCTIONS:
            raise _ProblemError(
                line, f"parameter name {name!r} must be lowercase letters, digits and _ (and not a function name)"
            )
        if not isinstance(rule, dict) or set(rule) not in ({"choice"}, {"range"}, {"range", "step"}):
            raise _ProblemError(
                line, f"parameter '{name}' needs either choice: [...] or range: [low, high] (with optional step)"
            )
        if "choice" in rule:
            values = rule["choice"]
            if (
                not isinstance(values, list)
                or not values
                or not all(isinstance(v, (int, float, str)) and not isinstance(v, bool) for v in values)
            ):
                raise _ProblemError(line, f"parameter '{name}': choice must be a non-empty list of numbers or strings")
            result[name] = {"choice": list(values)}
        else:
            bounds, step = rule["range"], rule.get("step", 1)
            numbers = [*bounds, step] if isinstance(bounds, list) else []
            if len(numbers) != 3 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in numbers):
                raise _ProblemError(line, f"parameter '{name}': range must be [low, high] numbers and step a number")
            if not (bounds[0] <= bounds[1] and step > 0) or (bounds[1] - bounds[0]) / step > 100000:
                raise _ProblemError(
                    line, f"parameter '{name}': range needs low <= high and a positive step (at most 100,000 values)"
                )
            result[name] = {"range": list(bounds), "step": step}
        known.add(name)
    return result


def _lets(entry, known):
    lets = entry.get("let")
    if lets is None:
        return {}
    if not isinstance(lets, dict) or not lets:
        raise _ProblemError(entry.line_of("let"), "'let' must be a mapping of name: expression")
    result = {}
    for name in lets:
        if not isinstance(name, str) or not NAME.match(name) or name in expressions.FUNCTIONS or name in known:
            raise _ProblemError(lets.line_of(name), f"let name {name!r} must be new, lowercase letters, digits and _")
        result[name] = _expression(lets, name, known)
        known.add(name)
    return result


def _list_of_mappings(entry, key, *, low, high, allowed, required):
    items = entry.get(key)
    if not isinstance(items, list) or not low <= len(items) <= high:
        raise _ProblemError(entry.line_of(key), f"'{key}' must be a list of {low} to {high} entries")
    for item, line in zip(items, items.item_lines, strict=True):
        if not isinstance(item, dict):
            raise _ProblemError(line, f"each entry of '{key}' must be a mapping")
        for name in item:
            if name not in allowed:
                raise _ProblemError(
                    item.line_of(name), f"unknown key '{name}' in {key} (allowed: {', '.join(sorted(allowed))})"
                )
        for name in sorted(required - set(item)):
            raise _ProblemError(line, f"missing key '{name}' in an entry of '{key}'")
    return items


def _validate(entry, reader, path, module_id, domains_known):
    if not isinstance(entry, yamlines.LineDict):
        raise _ProblemError(getattr(entry, "line", 1), "each question must be a mapping")
    qtype = entry.get("type")
    if qtype not in TYPES:
        raise _ProblemError(entry.line_of("type"), f"'type' must be one of {', '.join(TYPES)} (got {qtype!r})")
    required, optional = TYPE_KEYS[qtype]
    allowed = COMMON_REQUIRED | COMMON_OPTIONAL | required | optional
    for key in entry:
        if key not in allowed:
            raise _ProblemError(
                entry.line_of(key), f"unknown key '{key}' in a {qtype} question (allowed: {', '.join(sorted(allowed))})"
            )
    for key in sorted((COMMON_REQUIRED | required) - set(entry)):
        raise _ProblemError(entry.line, f"missing key '{key}' in a {qtype} question")
    content_id = entry["id"]
    if not isinstance(content_id, str) or not re.match(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", content_id):
        raise _ProblemError(
            entry.line_of("id"), f"'id' must be lowercase letters, digits and hyphens (got {content_id!r})"
        )
    lesson = entry["lesson"]
    if not isinstance(lesson, str) or not re.match(r"^[a-z0-9-]+(#[a-z0-9_-]+)?$", lesson):
        raise _ProblemError(entry.line_of("lesson"), "'lesson' must be a lesson id, optionally with #section")
    lesson_id, _, anchor = lesson.partition("#")
    domains = entry["domains"]
    if not isinstance(domains, list) or not domains or any(d not in domains_known for d in domains):
        raise _ProblemError(
            entry.line_of("domains"), f"'domains' must list exam domains from: {', '.join(domains_known)}"
        )
    difficulty = entry["difficulty"]
    if difficulty not in (1, 2, 3) or isinstance(difficulty, bool):
        raise _ProblemError(entry.line_of("difficulty"), "'difficulty' must be 1, 2 or 3")

    known: set = set()
    # Lists of [name, value] pairs, not mappings: PostgreSQL's jsonb does not keep key order, and both the
    # order params are drawn in (reproducibility) and the order lets are evaluated in matter.
    spec = {"type": qtype, "params": list(_params(entry, known).items())}
    spec["let"] = list(_lets(entry, known).items())
    spec["prompt"] = _text(entry, "prompt")
    spec["explanation"] = _text(entry, "explanation")
    _check_placeholders(spec["prompt"], known, entry.line_of("prompt"), "prompt")
    _check_placeholders(spec["explanation"], known, entry.line_of("explanation"), "explanation")

    if qtype in CHOICE_TYPES:
        low, high = (3, 5) if qtype == "single" else (4, 6)
        options = _list_of_mappings(
            entry,
            "options",
            low=low,
            high=high,
            allowed={"text", "correct", "correct_when", "feedback"},
            required={"text", "feedback"},
        )
        spec["options"] = []
        for option, line in zip(options, options.item_lines, strict=True):
            clean = {"text": _text(option, "text"), "feedback": _text(option, "feedback")}
            if FORBIDDEN_OPTION_TEXT.search(clean["text"]):
                raise _ProblemError(line, "no 'all of the above' or 'none of the above' options")
            if "correct" in option and "correct_when" in option:
                raise _ProblemError(line, "an option has either 'correct' or 'correct_when', not both")
            if "correct" in option:
                if not isinstance(option["correct"], bool):
                    raise _ProblemError(option.line_of("correct"), "'correct' must be true or false")
                clean["correct"] = option["correct"]
            if "correct_when" in option:
                clean["correct_when"] = _expression(option, "correct_when", known)
            for key in ("text", "feedback"):
                _check_placeholders(clean[key], known, option.line_of(key), key)
            spec["options"].append(clean)
        if qtype == "multiple":
            choose = entry["choose"]
            if choose not in (2, 3) or isinstance(choose, bool):
                raise _ProblemError(entry.line_of("choose"), "'choose' must be 2 or 3")
            spec["choose"] = choose
    elif qtype == "numeric":
        spec["answer"] = _expression(entry, "answer", known)
        if ("tolerance" in entry) == ("tolerance_percent" in entry):
            raise _ProblemError(
                entry.line, "a numeric question needs exactly one of 'tolerance' or 'tolerance_percent'"
            )
        for key in ("tolerance", "tolerance_percent"):
            if key in entry:
                value = entry[key]
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                    raise _ProblemError(entry.line_of(key), f"'{key}' must be a number >= 0")
                spec[key] = value
        if "unit" in entry:
            spec["unit"] = _text(entry, "unit")
        if spec["params"] and "bounds" not in entry:
            raise _ProblemError(entry.line, "a numeric question with params needs 'bounds: [low, high]' for its answer")
        if "bounds" in entry:
            bounds = entry["bounds"]
            if not (
                isinstance(bounds, list)
                and len(bounds) == 2
                and all(isinstance(b, (int, float)) for b in bounds)
                and bounds[0] <= bounds[1]
            ):
                raise _ProblemError(entry.line_of("bounds"), "'bounds' must be [low, high]")
            spec["bounds"] = list(bounds)
        spec["mistakes"] = []
        if "mistakes" in entry:
            mistakes = _list_of_mappings(
                entry, "mistakes", low=1, high=6, allowed={"answer", "feedback"}, required={"answer", "feedback"}
            )
            for mistake in mistakes:
                text = _text(mistake, "feedback")
                _check_placeholders(text, known, mistake.line_of("feedback"), "feedback")
                spec["mistakes"].append({"answer": _expression(mistake, "answer", known), "feedback": text})
    elif qtype == "ordering":
        items = _list_of_mappings(entry, "items", low=3, high=6, allowed={"text", "feedback"}, required={"text"})
        spec["items"] = []
        for item in items:
            clean = {"text": _text(item, "text")}
            if "feedback" in item:
                clean["feedback"] = _text(item, "feedback")
            for key in clean:
                _check_placeholders(clean[key], known, item.line_of(key), key)
            spec["items"].append(clean)
    else:
        pairs = _list_of_mappings(
            entry, "pairs", low=3, high=5, allowed={"left", "right", "feedback"}, required={"left", "right"}
        )
        spec["pairs"] = []
        for pair in pairs:
            clean = {"left": _text(pair, "left"), "right": _text(pair, "right")}
            if "feedback" in pair:
                clean["feedback"] = _text(pair, "feedback")
            for key in clean:
                _check_placeholders(clean[key], known, pair.line_of(key), key)
            spec["pairs"].append(clean)
        distractors = entry.get("distractors", [])
        if (
            not isinstance(distractors, list)
            or not all(isinstance(d, str) and d.strip() for d in distractors)
            or len(distractors) > 3
        ):
            raise _ProblemError(entry.line_of("distractors"), "'distractors' must be a list of up to 3 strings")
        spec["distractors"] = [d.strip() for d in distractors]

    spec = _plain(spec)
    _self_test(spec, entry)
    return QuestionSpec(
        content_id=content_id,
        module_id=module_id,
        lesson_id=lesson_id,
        lesson_anchor=anchor,
        qtype=qtype,
        difficulty=difficulty,
        domains=list(domains),
        spec=spec,
        path=reader.rel(path),
        line=entry.line_of("id"),
        lesson_line=entry.line_of("lesson"),
    )


def _self_test(spec, entry):
    """Render the variants and check each has exactly one correct answer set, sane numbers, distinct options."""
    seeds = range(SELF_TEST_VARIANTS) if spec["params"] else range(1)
    for seed in seeds:
        where = f" (variant seed {seed})" if spec["params"] else ""
        try:
            variant = render_variant(spec, seed)
        except (expressions.ExpressionError, AnswerInvalid) as exc:
            raise _ProblemError(entry.line, f"cannot render{where}: {exc}") from None
        public = variant.public
        if spec["type"] in CHOICE_TYPES:
            texts = [o["html"] for o in public["options"]]
            if len(set(texts)) != len(texts):
                raise _ProblemError(entry.line_of("options"), f"two options read the same{where}")
            wanted = 1 if spec["type"] == "single" else spec["choose"]
            if len(variant.answer) != wanted:
                raise _ProblemError(
                    entry.line_of("options"), f"{len(variant.answer)} correct option(s){where}; needs exactly {wanted}"
                )
        elif spec["type"] == "numeric":
            value = variant.answer
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise _ProblemError(entry.line_of("answer"), f"the answer is not a finite number{where}: {value!r}")
            low, high = spec.get("bounds", [-math.inf, math.inf])
            if not low <= value <= high:
                raise _ProblemError(
                    entry.line_of("answer"), f"the answer {value} is outside bounds [{low}, {high}]{where}"
                )
            for wrong, _ in variant.mistakes:
                if abs(wrong - value) <= variant.tolerance:
                    raise _ProblemError(entry.line_of("mistakes"), f"a listed mistake equals the right answer{where}")
        elif spec["type"] == "ordering":
            texts = [i["html"] for i in public["items"]]
            if len(set(texts)) != len(texts):
                raise _ProblemError(entry.line_of("items"), f"two items read the same{where}")
        else:
            rights = [r["text"] for r in public["rights"]]
            if len(set(rights)) != len(rights):
                raise _ProblemError(entry.line_of("pairs"), f"right-hand values must be unique{where}")


def read_question_file(reader, path, module_id, domains_known) -> list[QuestionSpec]:
    """Read one questions/*.yaml file; report problems through the reader and return the valid questions."""
    text = reader.read_text(path)
    data = reader.load_yaml(path, text) if text is not None else None
    if data is None:
        return []
    if not isinstance(data, yamlines.LineList):
        reader.error(path, 1, "a questions file must be a list of questions")
        return []
    questions = []
    for entry in data:
        try:
            questions.append(_validate(entry, reader, path, module_id, domains_known))
        except _ProblemError as problem:
            reader.error(path, problem.line, problem.message)
    return questions
