"""Exam blueprints: validated with file and line, drawn by their weights, and checked for three fresh attempts."""

import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from courses.content.loader import load_content
from quizzes import exams

GOOD = """\
id: tiny-exam
title: A tiny exam
exam: clf-c02
questions: 2
minutes: 5
passing_score: 700
domains:
  clf-c02/d1: 24
  clf-c02/d2: 30
  clf-c02/d3: 34
  clf-c02/d4: 12
services:
  alpha: 100
"""


def problems(content_dir, text, name="tiny.yaml") -> list[str]:
    (content_dir / "exams").mkdir(exist_ok=True)
    (content_dir / "exams" / name).write_text(text)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("sync_content", "--path", str(content_dir), "--check", stderr=err, stdout=io.StringIO())
    return err.getvalue().splitlines()


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("minutes: 5\n", "minutes: 5\ncolour: blue\n", 6, "unknown key 'colour' in blueprint"),
        ("exam: clf-c02", "exam: saa-c03", 3, "'exam' must be one of: clf-c02, dva-c02"),
        ("questions: 2", "questions: 0", 4, "'questions' must be a positive whole number"),
        ("passing_score: 700", "passing_score: 1700", 6, "'passing_score' must be a scaled score from 100 to 1000"),
        ("clf-c02/d4: 12", "clf-c02/d4: 13", 7, "the 'domains' weights add up to 101, not 100"),
        ("clf-c02/d4: 12", "dva-c02/d4: 12", 11, "unknown domain 'dva-c02/d4'"),
        ("  clf-c02/d4: 12\n", "", 7, "the 'domains' weights add up to 88, not 100"),
        (
            "  clf-c02/d3: 34\n  clf-c02/d4: 12\n",
            "  clf-c02/d3: 46\n",
            7,
            "must weigh every domain of clf-c02: missing clf-c02/d4",
        ),
        ("alpha: 100", "gamma: 100", 13, "unknown module 'gamma'"),
        ("alpha: 100", "alpha: fifty", 13, "the weight of 'alpha' must be a whole number of percent"),
        ("id: tiny-exam", "id: Tiny Exam", 1, "'id' must be lowercase letters"),
    ],
)
def test_a_malformed_blueprint_names_its_file_and_line(content_dir, old, new, line, message):
    assert old in GOOD
    found = problems(content_dir, GOOD.replace(old, new, 1))
    assert any(f"content/exams/tiny.yaml:{line}: " in p and message in p for p in found), found


def test_a_blueprint_the_bank_cannot_fill_says_which_domain_is_short(content_dir):
    found = problems(content_dir, GOOD)
    assert any("content/exams/tiny.yaml:1: blueprint 'tiny-exam': cannot draw one attempt" in p for p in found), found
    assert any("exam-format items, fewer than the 1 an attempt needs" in p for p in found)


def test_quotas_follow_the_weights_by_largest_remainder():
    # 65 x (32, 26, 24, 18)% = 20.8, 16.9, 15.6, 11.7: floors 20+16+15+11 = 62, the 3 left go to .9, .8, .7.
    assert exams.quotas({"d1": 32, "d2": 26, "d3": 24, "d4": 18}, 65) == {"d1": 21, "d2": 17, "d3": 15, "d4": 12}
    # CLF-C02: 15.6, 19.5, 22.1, 7.8 -> 15+19+22+7 = 63; the 2 left go to .8 (d4) and .6 (d1).
    assert exams.quotas({"d1": 24, "d2": 30, "d3": 34, "d4": 12}, 65) == {"d1": 16, "d2": 19, "d3": 22, "d4": 8}
    assert sum(exams.quotas({"a": 1, "b": 1, "c": 1}, 10).values()) == 10


@dataclass
class Item:
    content_id: str
    module_id: str
    domains: list
    qtype: str = "single"
    spec: dict = None

    def __post_init__(self):
        self.spec = self.spec or {"options": [{}] * 4}


def blueprint(**overrides):
    fields = {
        "content_id": "b",
        "title": "B",
        "exam": "dva-c02",
        "questions": 4,
        "minutes": 10,
        "passing_score": 720,
        "domains": {"dva-c02/d1": 50, "dva-c02/d2": 50, "dva-c02/d3": 0, "dva-c02/d4": 0},
        "services": {"lambda": 50, "ecs": 50},
        "path": "x",
        "line": 1,
    }
    return exams.BlueprintSpec(**{**fields, **overrides})


def test_only_exam_format_items_of_the_exam_and_a_weighted_service_are_drawn():
    items = [
        Item("ok-single", "lambda", ["dva-c02/d1"]),
        Item("ok-multiple", "ecs", ["clf-c02/d3", "dva-c02/d2"], "multiple", {"choose": 2, "options": [{}] * 5}),
        Item("three-options", "lambda", ["dva-c02/d1"], spec={"options": [{}] * 3}),
        Item("numeric", "lambda", ["dva-c02/d1"], "numeric", {}),
        Item("clf-only", "lambda", ["clf-c02/d1"]),
        Item("unweighted-service", "batch", ["dva-c02/d1"]),
    ]
    pools = exams.pools(blueprint(), items)
    assert [q.content_id for q in pools["dva-c02/d1"]] == ["ok-single"]
    assert [q.content_id for q in pools["dva-c02/d2"]] == ["ok-multiple"]  # its first dva-c02 domain


def test_a_draw_takes_fresh_items_first_and_balances_services():
    items = [Item(f"l{i}", "lambda", ["dva-c02/d1"]) for i in range(6)] + [
        Item(f"e{i}", "ecs", ["dva-c02/d1"]) for i in range(6)
    ]
    spec = blueprint(domains={"dva-c02/d1": 100, "dva-c02/d2": 0, "dva-c02/d3": 0, "dva-c02/d4": 0})
    first = exams.draw(spec, items, seed=1)
    assert sorted(q.module_id for q in first) == ["ecs", "ecs", "lambda", "lambda"]
    seen = [{q.content_id for q in first}]
    second = {q.content_id for q in exams.draw(spec, items, seed=2, recent=seen)}
    seen.append(second)
    third = {q.content_id for q in exams.draw(spec, items, seed=3, recent=seen)}
    assert not (seen[0] & second) and not (seen[0] & third) and not (second & third)
    # A fourth attempt must reuse items: it takes the oldest (the first attempt's), never the newest.
    fourth = {q.content_id for q in exams.draw(spec, items, seed=4, recent=[*seen, third])}
    assert fourth <= seen[0]
    assert exams.overlap_problems(spec, items) == []
    assert exams.overlap_problems(spec, items[:5] + items[6:9])[0].startswith("three attempts in a row share up to")


def test_the_shipped_blueprints_draw_three_attempts_with_under_a_fifth_in_common():
    bundle = load_content(Path(settings.CONTENT_DIR))
    assert bundle.ok, bundle.errors[:3]
    assert {b.content_id for b in bundle.blueprints} >= {"dva-c02-compute", "clf-c02-other-compute"}
    for spec in bundle.blueprints:
        attempts = []
        for seed in range(3):
            drawn = exams.draw(spec, bundle.questions, seed=seed, recent=attempts)
            assert len(drawn) == spec.questions == len({q.content_id for q in drawn})
            assert all(exams.is_exam_format(q) for q in drawn)
            attempts.append({q.content_id for q in drawn})
        shared = max(len(a & b) for i, a in enumerate(attempts) for b in attempts[i + 1 :])
        assert shared / spec.questions < 0.20, (spec.content_id, shared)


def test_content_stats_reports_each_blueprint_and_its_items_per_domain():
    out = io.StringIO()
    call_command("content_stats", "--json", stdout=out)
    blueprints = {b["id"]: b for b in json.loads(out.getvalue())["blueprints"]}
    dva = blueprints["dva-c02-compute"]
    assert (dva["questions"], dva["minutes"], dva["passing_score"]) == (65, 130, 720)
    assert {d: row["per_attempt"] for d, row in dva["domains"].items()} == {
        "dva-c02/d1": 21,
        "dva-c02/d2": 17,
        "dva-c02/d3": 15,
        "dva-c02/d4": 12,
    }
    assert all(row["available"] >= 3 * row["per_attempt"] for row in dva["domains"].values())
    clf = blueprints["clf-c02-other-compute"]
    assert (clf["questions"], clf["minutes"], clf["passing_score"]) == (65, 90, 700)
    assert sum(row["per_attempt"] for row in clf["domains"].values()) == 65
