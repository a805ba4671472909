"""Turning a question spec and a seed into what a learner sees, and grading what they send back.

A spec is the validated question (a plain dict, stored as JSON). `render_variant(spec, seed)` is
deterministic: the same seed gives the same parameters, option order and answer. The answer stays in the
returned Variant on the server; templates only ever get `variant.public`.
"""

import functools
import math
import random
import re
import threading
from dataclasses import dataclass, field

import markdown

from courses.content.markdown import sanitize

from . import expressions

PLACEHOLDER = re.compile(r"\{\{\s*(.+?)\s*\}\}")
KEYS = "abcdefghijklmnopqrstuvwxyz"
CHOICE_TYPES = ("single", "multiple")

_local = threading.local()


def _markdown() -> markdown.Markdown:
    md = getattr(_local, "md", None)
    if md is None:
        md = markdown.Markdown(
            extensions=["fenced_code", "tables", "sane_lists", "codehilite"],
            extension_configs={"codehilite": {"css_class": "highlight", "guess_lang": False}},
        )
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        _local.md = md
    return md.reset()


def to_html(text: str, *, inline: bool = False) -> str:
    return _to_html(text or "", inline)


@functools.lru_cache(maxsize=8192)
def _to_html(text: str, inline: bool) -> str:
    """Markdown to sanitized HTML; memoized, since most fragments recur across learners and showings."""
    html = sanitize(_markdown().convert(text))
    if inline and html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html


def format_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return f"{value:.10f}".rstrip("0").rstrip(".")
    return str(value)


def format_number(value) -> str:
    """A number as a learner reads it, grouped like fmt() in explanations: 1360000 -> '1,360,000',
    1234.5 -> '1,234.5' (no trailing zeros)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return format_value(value)
    whole, _, fraction = format_value(value).partition(".")
    sign = "-" if whole.startswith("-") else ""
    grouped = f"{int(whole.lstrip('-') or 0):,}"
    return f"{sign}{grouped}.{fraction}" if fraction else f"{sign}{grouped}"


def draw_params(spec: dict, seed: int) -> dict:
    """The parameter values (and derived lets) of one variant."""
    rng = random.Random(seed)
    env = {}
    for name, rule in spec.get("params", []):
        if "choice" in rule:
            env[name] = rng.choice(rule["choice"])
        else:
            low, high = rule["range"]
            step = rule.get("step", 1)
            count = math.floor((high - low) / step + 1e-9) + 1
            value = low + step * rng.randrange(count)
            env[name] = int(value) if all(isinstance(v, int) for v in (low, high, step)) else round(value, 10)
    for name, source in spec.get("let", []):
        env[name] = expressions.evaluate(source, env)
    return env


def fill(text: str, env: dict) -> str:
    """Replace {{ expression }} with its formatted value."""
    if not text or "{{" not in text:
        return text or ""
    return PLACEHOLDER.sub(lambda m: format_value(expressions.evaluate(m.group(1), env)), text)


@dataclass
class Variant:
    """One showing of a question. `public` is safe for templates; the rest stays on the server."""

    question_type: str
    seed: int
    public: dict
    answer: object
    feedback: dict = field(default_factory=dict)
    explanation_html: str = ""
    mistakes: list = field(default_factory=list)
    tolerance: float = 0.0
    option_index: dict = field(default_factory=dict)  # shown key -> the option's index as written


def options_mask(option_index: dict, keys) -> int:
    """The options chosen, as written, as a bitmask (bit i: option i of the spec): the shuffle undone."""
    return sum(1 << option_index[key] for key in set(keys) if key in option_index)


def mask_indices(mask: int) -> tuple:
    return tuple(i for i in range(mask.bit_length()) if mask >> i & 1)


def _shuffled(items, rng):
    order = list(range(len(items)))
    rng.shuffle(order)
    return order


def option_order(spec: dict, seed: int) -> list[int]:
    """The options' indices as written, in the order the variant of `seed` shows them (key "a" first)."""
    return _shuffled(spec.get("options", []), random.Random(f"{seed}:layout"))


def render_variant(spec: dict, seed: int) -> Variant:
    env = draw_params(spec, seed)
    rng = random.Random(f"{seed}:layout")
    qtype = spec["type"]
    public = {"type": qtype, "prompt_html": to_html(fill(spec["prompt"], env))}
    feedback = {}
    if qtype in CHOICE_TYPES:
        options = spec["options"]
        order = option_order(spec, seed)
        shown, correct, option_index = [], set(), {}
        for position, index in enumerate(order):
            option = options[index]
            key = KEYS[position]
            option_index[key] = index
            shown.append({"key": key, "html": to_html(fill(option["text"], env), inline=True)})
            feedback[key] = to_html(fill(option.get("feedback", ""), env), inline=True)
            is_correct = option.get("correct", False)
            if "correct_when" in option:
                is_correct = bool(expressions.evaluate(option["correct_when"], env))
            if is_correct:
                correct.add(key)
        public["options"] = shown
        if qtype == "multiple":
            public["choose"] = spec["choose"]
        answer = frozenset(correct)
    elif qtype == "numeric":
        value = expressions.evaluate(spec["answer"], env)
        tolerance = spec.get("tolerance")
        if tolerance is None:
            tolerance = abs(value) * spec["tolerance_percent"] / 100
        public["unit"] = spec.get("unit", "")
        mistakes = []
        for mistake in spec.get("mistakes", []):
            mistakes.append(
                (expressions.evaluate(mistake["answer"], env), to_html(fill(mistake["feedback"], env), inline=True))
            )
        return Variant(
            qtype, seed, public, value, {}, to_html(fill(spec["explanation"], env)), mistakes, float(tolerance)
        )
    elif qtype == "ordering":
        items = spec["items"]
        order = _shuffled(items, rng)
        public["items"] = [
            {"key": KEYS[p], "html": to_html(fill(items[i]["text"], env), inline=True)} for p, i in enumerate(order)
        ]
        key_of = {index: KEYS[position] for position, index in enumerate(order)}
        answer = tuple(key_of[i] for i in range(len(items)))  # keys in the correct order
        feedback = {
            key_of[i]: to_html(fill(item.get("feedback", ""), env), inline=True) for i, item in enumerate(items)
        }
    else:  # matching
        pairs = spec["pairs"]
        left_order = _shuffled(pairs, rng)
        rights = [pair["right"] for pair in pairs] + list(spec.get("distractors", []))
        right_order = _shuffled(rights, rng)
        right_key = {index: KEYS[position] for position, index in enumerate(right_order)}
        public["lefts"] = [
            {"key": KEYS[p], "html": to_html(fill(pairs[i]["left"], env), inline=True)}
            for p, i in enumerate(left_order)
        ]
        public["rights"] = [{"key": KEYS[p], "text": fill(rights[i], env)} for p, i in enumerate(right_order)]
        answer = {KEYS[p]: right_key[i] for p, i in enumerate(left_order)}
        feedback = {
            KEYS[p]: to_html(fill(pairs[i].get("feedback", ""), env), inline=True) for p, i in enumerate(left_order)
        }
    variant = Variant(qtype, seed, public, answer, feedback, to_html(fill(spec["explanation"], env)))
    if qtype in CHOICE_TYPES:
        variant.option_index = option_index
    return variant


# --- grading ---------------------------------------------------------------------------------------------


class AnswerInvalid(ValueError):  # noqa: N818 (reads better at call sites)
    """The submission cannot be graded (nothing chosen, not a number...). Not an attempt."""


@dataclass
class Grade:
    correct: bool
    submitted: dict
    details: dict


_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?(?:e-?\d+)?$", re.IGNORECASE)


def parse_number(raw: str, unit: str = "") -> float:
    text = (raw or "").strip().lower()
    if unit:
        text = text.replace(unit.lower(), "")
    text = text.replace("$", "").replace(",", "").replace(" ", "").replace("usd", "")
    if not text or len(text) > 40 or not _NUMBER.match(text):
        raise AnswerInvalid("Type a number, like 12.5 or 1,200.")
    return float(text)


def grade(variant: Variant, data) -> Grade:
    """Grade a submission (a QueryDict or dict of lists/strings). Raises AnswerInvalid for unusable input."""
    qtype = variant.question_type

    def get_list(name):
        if hasattr(data, "getlist"):
            return data.getlist(name)
        value = data.get(name, [])
        return value if isinstance(value, list) else [value]

    if qtype in CHOICE_TYPES:
        keys = {o["key"] for o in variant.public["options"]}
        chosen = [k for k in get_list("choice") if k in keys]
        if qtype == "single" and len(chosen) != 1:
            raise AnswerInvalid("Choose one answer.")
        if qtype == "multiple" and len(set(chosen)) != variant.public["choose"]:
            raise AnswerInvalid(f"Choose {variant.public['choose']} answers.")
        chosen_set = frozenset(chosen)
        return Grade(chosen_set == variant.answer, {"choice": sorted(chosen_set)}, {"correct": sorted(variant.answer)})
    if qtype == "numeric":
        value = parse_number((get_list("answer") or [""])[0], variant.public.get("unit", ""))
        correct = abs(value - variant.answer) <= variant.tolerance + 1e-9
        mistake = ""
        if not correct:
            mistake = next((fb for wrong, fb in variant.mistakes if abs(value - wrong) <= variant.tolerance + 1e-9), "")
        return Grade(correct, {"answer": value}, {"expected": variant.answer, "mistake_html": mistake})
    if qtype == "ordering":
        keys = [item["key"] for item in variant.public["items"]]
        positions = {}
        for key in keys:
            raw = (get_list(f"pos_{key}") or [""])[0]
            if not raw.isdigit() or not 1 <= int(raw) <= len(keys):
                raise AnswerInvalid("Give every step a position.")
            positions[key] = int(raw)
        if len(set(positions.values())) != len(keys):
            raise AnswerInvalid("Use each position once.")
        submitted = tuple(sorted(keys, key=positions.get))
        misplaced = [k for k, want in zip(submitted, variant.answer, strict=True) if k != want]
        return Grade(
            submitted == variant.answer,
            {"order": list(submitted)},
            {"correct": list(variant.answer), "misplaced": misplaced},
        )
    # matching
    rights = {r["key"] for r in variant.public["rights"]}
    chosen = {}
    for left in variant.public["lefts"]:
        raw = (get_list(f"match_{left['key']}") or [""])[0]
        if raw not in rights:
            raise AnswerInvalid("Pick a match for every item.")
        chosen[left["key"]] = raw
    wrong = [k for k, v in chosen.items() if variant.answer[k] != v]
    return Grade(not wrong, {"match": chosen}, {"correct": variant.answer, "wrong": wrong})
