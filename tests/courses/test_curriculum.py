"""The real curriculum: complete, within length, and consistent on the facts learners are examined on."""

import io
import json
import re

import pytest
from django.core.management import call_command

SERVICES = ["docker", "ecs", "fargate", "ecr", "lambda", "api-gateway", "batch", "lightsail"]


def lesson(bundle, content_id):
    return next(item for item in bundle.lessons if item.content_id == content_id)


def test_content_stats_counts_at_least_four_lessons_per_service():
    out = io.StringIO()
    call_command("content_stats", "--json", stdout=out)
    modules = {row["slug"]: row for row in json.loads(out.getvalue())["modules"]}
    for service in SERVICES:
        assert modules[service]["lessons"] >= 4, service
        assert set(modules[service]) == {"slug", "lessons", "questions", "labs"}


def test_every_lesson_is_400_to_1200_words(real_bundle):
    lengths = {item.content_id: item.rendered.word_count for item in real_bundle.lessons}
    assert all(400 <= n <= 1200 for n in lengths.values()), {k: n for k, n in lengths.items() if not 400 <= n <= 1200}


def test_every_lesson_has_sections_and_objectives(real_bundle):
    for item in real_bundle.lessons:
        assert len(item.rendered.toc) >= 2, item.content_id
        assert 1 <= len(item.objectives) <= 6, item.content_id


def test_lambda_pricing_is_consistent_with_the_per_gb_second_rate(real_bundle):
    text = lesson(real_bundle, "lambda-pricing").rendered.text
    assert "0.0000166667" in text
    per_dollar = 1 / 0.0000166667
    assert round(per_dollar, -3) == 60_000
    assert "60,000" in text
    assert "400,000" in text and "1 million" in text.lower().replace("1,000,000", "1 million")
    # The seed's slip ("$1.00 for 600,000 GB-seconds") may only appear where a lesson calls it wrong.
    for item in real_bundle.lessons:
        for sentence in re.split(r"(?<=[.!?])\s", item.rendered.text):
            if "600,000 GB" in sentence:
                assert re.search(r"wrong|not|\$10|ten times|10\u00d7|slip", sentence, re.IGNORECASE), (
                    item.content_id,
                    sentence,
                )


def test_prices_carry_a_date(real_bundle):
    for item in real_bundle.lessons:
        if re.search(r"\$\d", item.rendered.text):
            assert re.search(r"as of \w+ 20\d\d", item.rendered.text), item.content_id


def test_seed_topics_are_covered(real_bundle):
    corpus = {item.content_id: item.rendered.text.lower() for item in real_bundle.lessons}
    everything = " ".join(corpus.values())
    expectations = [
        "virtual machine",
        "docker hub",
        "launch type",
        "fargate spot",
        "scan on push",
        "lifecycle polic",
        "function as a service",
        "15 minutes",
        "10,240 mb",
        "ephemeral",
        "runtime api",
        "websocket",
        "throttl",
        "cach",
        "authorizer",
        "array job",
        "spot",
        "blueprint",
        "bundle",
        "wordpress",
    ]
    missing = [phrase for phrase in expectations if phrase not in everything]
    assert missing == []
    assert "16 vcpu" in corpus["fargate-task-sizes"] and "120 gb" in corpus["fargate-task-sizes"]
    assert "10,000" in " ".join(text for key, text in corpus.items() if key.startswith("api-gateway-"))


def test_glossary_covers_every_service(real_bundle):
    modules = {entry.module_id for entry in real_bundle.glossary}
    assert set(SERVICES) <= modules
    assert len(real_bundle.glossary) >= 40


@pytest.mark.django_db
def test_the_real_curriculum_syncs_twice_without_change(real_bundle):
    from courses.services import content_sync

    first = content_sync(bundle=real_bundle)
    assert first.counts[("lesson", "created")] == len(real_bundle.lessons)
    second = content_sync(bundle=real_bundle)
    assert second.changed == 0
