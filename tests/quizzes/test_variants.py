"""Variants are reproducible from their seed, keep the answer server-side, and grade every type."""

import json

import pytest
from django.http import QueryDict

from courses.content.loader import load_content
from quizzes.variants import AnswerInvalid, grade, parse_number, render_variant


@pytest.fixture
def specs(content_dir):
    bundle = load_content(content_dir)
    assert not bundle.errors, bundle.errors
    return {q.content_id: q.spec for q in bundle.questions}


def test_same_seed_same_variant_and_different_seeds_differ(specs):
    spec = specs["alpha-bill"]
    first, again = render_variant(spec, 1234), render_variant(spec, 1234)
    assert first.public == again.public and first.answer == again.answer
    prompts = {render_variant(spec, seed).public["prompt_html"] for seed in range(40)}
    assert len(prompts) > 5
    layouts = {
        tuple(o["html"] for o in render_variant(specs["alpha-single"], seed).public["options"]) for seed in range(30)
    }
    assert len(layouts) > 1


def test_numeric_answer_matches_its_parameters(specs):
    for seed in range(20):
        variant = render_variant(specs["alpha-bill"], seed)
        prompt = variant.public["prompt_html"]
        requests = int(prompt.split(" requests")[0].split(">")[-1].replace(",", ""))
        price = int(prompt.split("$")[1].split(" ")[0])
        assert variant.answer == pytest.approx(requests / 1_000_000 * price)


def test_the_answer_is_not_in_what_the_browser_gets(specs):
    for question_id, spec in specs.items():
        for seed in range(10):
            variant = render_variant(spec, seed)
            public = json.dumps(variant.public)
            assert "correct" not in public, question_id
            assert "feedback" not in public, question_id
            if variant.question_type == "numeric":
                assert str(variant.answer) not in public or str(variant.answer) in variant.public["prompt_html"]


def test_choice_rules_pick_exactly_one(specs):
    for seed in range(30):
        variant = render_variant(specs["alpha-pick"], seed)
        need = variant.public["prompt_html"].split("at least ")[1].split(" GB")[0]
        [key] = variant.answer
        chosen = next(o["html"] for o in variant.public["options"] if o["key"] == key)
        assert chosen == f"{need} GB plan"


def qd(**fields):
    data = QueryDict(mutable=True)
    for key, value in fields.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return data


def test_grading_single_and_multiple(specs):
    single = render_variant(specs["alpha-single"], 5)
    [right] = single.answer
    wrong = next(o["key"] for o in single.public["options"] if o["key"] != right)
    assert grade(single, qd(choice=right)).correct
    assert not grade(single, qd(choice=wrong)).correct
    with pytest.raises(AnswerInvalid, match="Choose one"):
        grade(single, qd())
    multiple = render_variant(specs["alpha-multiple"], 5)
    rights = sorted(multiple.answer)
    assert grade(multiple, qd(choice=rights)).correct
    others = [o["key"] for o in multiple.public["options"] if o["key"] not in multiple.answer]
    assert not grade(multiple, qd(choice=[rights[0], others[0]])).correct
    with pytest.raises(AnswerInvalid, match="Choose 2"):
        grade(multiple, qd(choice=rights[:1]))


def test_grading_numeric_with_tolerance_and_mistakes(specs):
    variant = render_variant(specs["alpha-bill"], 3)
    assert grade(variant, qd(answer=f"${variant.answer:,.2f}")).correct
    assert grade(variant, qd(answer=f"{variant.answer + 0.005} USD")).correct
    assert not grade(variant, qd(answer=str(variant.answer + 1))).correct
    mistake_value, _ = variant.mistakes[0]
    result = grade(variant, qd(answer=str(mistake_value)))
    assert not result.correct and "Per million" in result.details["mistake_html"]
    with pytest.raises(AnswerInvalid):
        grade(variant, qd(answer="twelve"))


def test_grading_ordering_and_matching(specs):
    order = render_variant(specs["alpha-order"], 9)
    right = {f"pos_{key}": str(i + 1) for i, key in enumerate(order.answer)}
    assert grade(order, qd(**right)).correct
    swapped = dict(right)
    first, second = order.answer[0], order.answer[1]
    swapped[f"pos_{first}"], swapped[f"pos_{second}"] = right[f"pos_{second}"], right[f"pos_{first}"]
    assert not grade(order, qd(**swapped)).correct
    with pytest.raises(AnswerInvalid, match="once"):
        grade(order, qd(**{key: "1" for key in right}))
    match = render_variant(specs["alpha-match"], 9)
    answer = {f"match_{left}": right for left, right in match.answer.items()}
    assert grade(match, qd(**answer)).correct
    distractor = next(r["key"] for r in match.public["rights"] if r["key"] not in match.answer.values())
    some_left = next(iter(match.answer))
    assert not grade(match, qd(**{**answer, f"match_{some_left}": distractor})).correct


@pytest.mark.parametrize(
    ("raw", "value"), [("1,234.5", 1234.5), ("$0.40", 0.4), (" 12 usd ", 12.0), ("-3", -3.0), ("1e3", 1000.0)]
)
def test_parse_number(raw, value):
    assert parse_number(raw, "USD") == value


@pytest.mark.parametrize("raw", ["", "abc", "1.2.3", "12 apples", "9" * 50])
def test_parse_number_refuses(raw):
    with pytest.raises(AnswerInvalid):
        parse_number(raw)


@pytest.mark.django_db
def test_variants_survive_the_database_round_trip(quiz_content):
    """jsonb (PostgreSQL) reorders object keys: params and lets must keep their order through storage."""
    from quizzes.models import Question

    stored = Question.objects.get(content_id="alpha-bill").spec
    assert [name for name, _ in stored["let"]] == ["millions", "cost"]
    assert [name for name, _ in stored["params"]] == ["requests", "price"]
    bundle_spec = load_content_spec(quiz_content["alpha-bill"].source_path)
    for seed in range(20):
        assert render_variant(stored, seed).answer == render_variant(bundle_spec, seed).answer


def load_content_spec(source_path):
    from pathlib import Path

    root = Path(source_path).parents[3]
    return next(q.spec for q in load_content(root).questions if q.content_id == "alpha-bill")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1360000, "1,360,000"),
        (1360000.0, "1,360,000"),
        (1234.5, "1,234.5"),
        (0.000016667, "0.000016667"),
        (-98765.25, "-98,765.25"),
        (42, "42"),
    ],
)
def test_expected_answers_print_like_fmt_in_explanations(value, shown):
    from quizzes import expressions, variants

    assert variants.format_number(value) == shown
    if float(value).is_integer():
        assert variants.format_number(value) == expressions.fmt(value)  # the same text the explanation shows
