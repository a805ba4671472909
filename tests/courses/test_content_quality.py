"""Checks on the curriculum as a whole: the longest-option warning, stems that stand on their own, price dates."""

import io
import re

import pytest
from django.core.management import call_command

from courses.content.loader import LONGEST_KEY_LIMIT, load_content, longest_key_shares
from courses.models import Lesson
from quizzes.variants import render_variant

QUESTIONS_FILE = "modules/alpha/questions/basics.yaml"
EXTRA_SINGLES = """\
- id: alpha-extra-{n}
  type: single
  lesson: alpha-one
  domains: [clf-c02/d3]
  difficulty: 1
  prompt: Extra question {n}?
  options:
    - {{text: {key}, correct: true, feedback: Yes.}}
    - {{text: Short wrong, feedback: No.}}
    - {{text: Other wrong, feedback: No.}}
  explanation: Because.
"""


def add_singles(root, keys):
    path = root / QUESTIONS_FILE
    text = path.read_text()
    for n, key in enumerate(keys):
        text += EXTRA_SINGLES.format(n=n, key=key)
    path.write_text(text)


def longest_warnings(bundle):
    return [w for w in bundle.warnings if "longest" in w.message]


def test_the_fixture_course_has_no_longest_option_warning(content_dir):
    bundle = load_content(content_dir)
    assert bundle.ok
    assert longest_warnings(bundle) == []


@pytest.mark.django_db
def test_warns_when_the_key_is_the_longest_option_too_often_but_still_syncs(content_dir):
    # alpha-single's key is shorter than a distractor; two more questions with a long key make 2 of 3 (67%).
    add_singles(content_dir, ["The clearly longest right answer", "Another long and detailed right answer"])
    bundle = load_content(content_dir)
    assert bundle.ok, bundle.errors
    [warning] = longest_warnings(bundle)
    assert "module 'alpha'" in warning.message
    assert "2 of 3" in warning.message and "67%" in warning.message and "35%" in warning.message
    assert str(warning).startswith(f"{warning.path}:1: warning: ")
    assert warning.path.endswith("alpha/module.yaml")
    # A warning does not fail the sync: the content is written.
    call_command("sync_content", "--path", str(content_dir), stdout=io.StringIO(), stderr=io.StringIO())
    assert Lesson.objects.filter(content_id="alpha-one").exists()


def test_exactly_the_limit_does_not_warn(content_dir):
    # 7 of 20 fixed single-answer questions = 35%: not "more than 35%".
    add_singles(content_dir, ["A very long right answer here"] * 7 + ["Right"] * 12)
    bundle = load_content(content_dir)
    assert bundle.ok, bundle.errors
    assert longest_warnings(bundle) == []
    assert longest_key_shares(bundle)["alpha"] == (7, 20)
    # One more long key makes 8 of 20 (40%), which warns.
    path = content_dir / QUESTIONS_FILE
    path.write_text(path.read_text().replace("text: Right, correct", "text: A long right answer, correct", 1))
    assert len(longest_warnings(load_content(content_dir))) == 1


def test_a_tie_is_not_the_longest_and_variants_and_multiples_do_not_count(content_dir):
    # "Short wrong" and "Other wrong" are 11 characters: a key of 11 ties, so it is not the longest.
    add_singles(content_dir, ["Eleven char"])
    shares = longest_key_shares(load_content(content_dir))
    # alpha-single and the tie count; alpha-pick (correct_when), alpha-multiple and the others do not.
    assert shares == {"alpha": (0, 2)}


def test_the_real_curriculum_keeps_every_module_under_the_limit(real_bundle):
    shares = longest_key_shares(real_bundle)
    assert set(shares) >= {"docker", "ecr", "ecs", "fargate", "lambda", "api-gateway", "batch", "lightsail"}
    over = {m: f"{n}/{total}" for m, (n, total) in shares.items() if total and n / total > LONGEST_KEY_LIMIT}
    assert over == {}
    assert longest_warnings(real_bundle) == []


def rendered_stems(bundle, seeds=range(20)):
    for question in bundle.questions:
        for seed in seeds if question.has_variants else range(1):
            variant = render_variant(question.spec, seed)
            yield question, variant.public["prompt_html"], variant.explanation_html


def plain(html):
    return re.sub(r"<[^>]+>", "", html)


def test_no_stem_leans_on_the_lesson(real_bundle):
    leaning = sorted(
        q.content_id for q in real_bundle.questions if re.search(r"\bthe lesson\b", q.spec["prompt"], re.IGNORECASE)
    )
    assert leaning == []


def test_which_two_stems_are_multiple_choice_with_that_many_answers(real_bundle):
    words = {"two": 2, "three": 3}
    for question in real_bundle.questions:
        found = re.search(r"\b(?:which|choose|pick|select) (two|three)\b", question.spec["prompt"], re.IGNORECASE)
        if found:
            assert question.qtype == "multiple", question.content_id
            assert question.spec["choose"] == words[found.group(1).lower()], question.content_id


BUNDLED = re.compile(
    r"(?:,|\band)\s+(?:then\s+)?(add|set|remove|create|enable|attach|give|make|change|turn on|switch|configure|grant)\b",
    re.IGNORECASE,
)


def test_a_keyed_option_of_a_choose_n_question_is_one_change_not_two(real_bundle):
    # "Which two changes?" keyed with "Set X and add Y" lets one option carry two answers.
    bundled = [
        (q.content_id, o["text"])
        for q in real_bundle.questions
        if q.qtype == "multiple"
        for o in q.spec["options"]
        if o.get("correct") and BUNDLED.search(o["text"])
    ]
    assert bundled == []


def test_no_rendered_text_says_one_of_a_plural(real_bundle):
    # A variant with a count of 1 must not read "1 tasks".
    plural = re.compile(r"(?<![\d.,$])\b1 (tasks|jobs|instances|containers|functions|requests|nodes|children|copies)\b")
    found = []
    for question, prompt, explanation in rendered_stems(real_bundle):
        for text in (plain(prompt), plain(explanation)):
            found += [(question.content_id, m.group(0)) for m in plural.finditer(text)]
    assert sorted(set(found)) == []


AS_OF = re.compile(r"\bas of (?:[A-Z][a-z]+ )?20\d\d\b")
PRICE = re.compile(r"\$\d")


def test_each_priced_lesson_dates_its_prices_once_at_the_first_price(real_bundle):
    problems = {}
    for lesson in real_bundle.lessons:
        text = re.sub(r"\s+", " ", lesson.rendered.text)
        prices = [m.start() for m in PRICE.finditer(text)]
        dates = [m.start() for m in AS_OF.finditer(text)]
        if not prices:
            continue
        if len(dates) != 1:
            problems[lesson.content_id] = f"{len(dates)} 'as of' dates"
        elif len(prices) > 1 and dates[0] > prices[1]:
            problems[lesson.content_id] = "the date comes after the second price"
    assert problems == {}


def test_sync_content_check_prints_warnings_and_still_succeeds(content_dir):
    """The longest-option warning reaches the author on the command line without failing the check."""
    add_singles(content_dir, ["The clearly longest right answer", "Another long and detailed right answer"])
    err = io.StringIO()
    call_command("sync_content", "--check", "--path", str(content_dir), stdout=io.StringIO(), stderr=err)
    assert "warning: module 'alpha'" in err.getvalue() and "67%" in err.getvalue()
