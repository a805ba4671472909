"""Practice-exam blueprints (content/exams/*.yaml): reading and validating them, and drawing an attempt.

A blueprint says how many questions an attempt has, how long it lasts, the passing scaled score, and how its
questions spread over the exam's domains and over the course's services (percent weights, each summing to
100). Only exam-format items are drawn: multiple choice (one right of four) and multiple response (two or
more right of five or more), as on the real exams. An item counts in the first domain of the blueprint's
exam that it lists.

An attempt is drawn domain by domain (each domain's quota by the largest-remainder method), preferring
items the learner's recent attempts did not use, then the service furthest below its share, then a seeded
random order. `sync_content --check` draws three attempts in a row and fails when any two share 20% or more
of their questions, naming the domains that are short of items.
"""

import math
import random
from dataclasses import dataclass, field
from pathlib import Path

EXAMS = {
    "clf-c02": "AWS Certified Cloud Practitioner (CLF-C02)",
    "dva-c02": "AWS Certified Developer - Associate (DVA-C02)",
}
BLUEPRINT_KEYS = {"id", "title", "exam", "questions", "minutes", "passing_score", "domains", "services"}
MAX_QUESTIONS = 200
MAX_MINUTES = 300
OVERLAP_LIMIT = 0.20  # three attempts in a row: any two share less than this share of their questions
CHECK_ATTEMPTS = 3


@dataclass
class BlueprintSpec:
    content_id: str
    title: str
    exam: str
    questions: int
    minutes: int
    passing_score: int
    domains: dict  # {"dva-c02/d1": 32, ...}, percent
    services: dict  # {"lambda": 35, ...}, percent
    path: str
    line: int
    service_lines: dict = field(default_factory=dict)


def is_exam_format(question) -> bool:
    """Multiple choice (1 right of 4) or multiple response (2+ right of 5+): the real exams' only item types."""
    spec = question.spec
    if question.qtype == "single":
        return len(spec.get("options", [])) == 4
    if question.qtype == "multiple":
        return spec.get("choose", 0) >= 2 and len(spec.get("options", [])) >= 5
    return False


def primary_domain(question, exam: str) -> str | None:
    return next((domain for domain in question.domains if domain.split("/")[0] == exam), None)


def _weights(reader, path, data, key, *, known, what) -> tuple[dict, dict]:
    """A mapping of names to whole percents summing to 100; errors name the line."""
    value = data.get(key)
    line = data.line_of(key)
    if not hasattr(value, "items") or not value:
        reader.error(path, line, f"'{key}' must map each {what} to its weight in percent")
        return {}, {}
    weights, lines = {}, {}
    for name, weight in value.items():
        at = value.line_of(name) if hasattr(value, "line_of") else line
        if name not in known:
            reader.error(path, at, f"unknown {what} '{name}' (known: {', '.join(sorted(known))})")
            continue
        if isinstance(weight, bool) or not isinstance(weight, int) or weight < 0:
            reader.error(path, at, f"the weight of '{name}' must be a whole number of percent (got {weight!r})")
            continue
        weights[name], lines[name] = weight, at
    if weights and len(weights) == len(value) and sum(weights.values()) != 100:
        reader.error(path, line, f"the '{key}' weights add up to {sum(weights.values())}, not 100")
        return {}, {}
    return weights, lines


def read_blueprint(reader, path: Path, *, domains_known: dict, module_ids: set) -> BlueprintSpec | None:
    """One blueprint file, validated; every problem is reported as path:line through the content reader."""
    text = reader.read_text(path)
    data = reader.load_yaml(path, text) if text is not None else None
    if data is None:
        return None
    if not hasattr(data, "line_of"):
        reader.error(path, 1, "a blueprint file must be a mapping of keys")
        return None
    errors_before = len(reader.bundle.errors)
    reader.check_keys(path, data, required=BLUEPRINT_KEYS, allowed=BLUEPRINT_KEYS, what="blueprint")
    content_id = reader.identifier(path, data)
    title = reader.string(path, data, "title")
    exam = data.get("exam")
    if exam not in EXAMS:
        reader.error(path, data.line_of("exam"), f"'exam' must be one of: {', '.join(EXAMS)} (got {exam!r})")
        exam = None
    questions = reader.positive_int(path, data, "questions")
    if questions and questions > MAX_QUESTIONS:
        reader.error(path, data.line_of("questions"), f"'questions' must be at most {MAX_QUESTIONS}")
    minutes = reader.positive_int(path, data, "minutes")
    if minutes and minutes > MAX_MINUTES:
        reader.error(path, data.line_of("minutes"), f"'minutes' must be at most {MAX_MINUTES}")
    passing = data.get("passing_score")
    if isinstance(passing, bool) or not isinstance(passing, int) or not 100 <= passing <= 1000:
        reader.error(
            path,
            data.line_of("passing_score"),
            f"'passing_score' must be a scaled score from 100 to 1000 (got {passing!r})",
        )
    exam_domains = {d: label for d, label in domains_known.items() if exam and d.split("/")[0] == exam}
    domains, _ = _weights(reader, path, data, "domains", known=exam_domains or domains_known, what="domain")
    services, service_lines = _weights(reader, path, data, "services", known=module_ids, what="module")
    if len(reader.bundle.errors) != errors_before:
        return None
    if set(domains) != set(exam_domains):
        missing = sorted(set(exam_domains) - set(domains))
        reader.error(
            path, data.line_of("domains"), f"'domains' must weigh every domain of {exam}: missing {', '.join(missing)}"
        )
        return None
    return BlueprintSpec(
        content_id,
        title,
        exam,
        questions,
        minutes,
        passing,
        dict(domains),
        dict(services),
        reader.rel(path),
        data.line,
        service_lines,
    )


def quotas(weights: dict, total: int) -> dict:
    """Whole numbers in proportion to the weights, summing to total (largest remainder; ties by name)."""
    exact = {name: total * weight / sum(weights.values()) for name, weight in weights.items()}
    result = {name: math.floor(value) for name, value in exact.items()}
    left = total - sum(result.values())
    for name in sorted(exact, key=lambda n: (-(exact[n] - result[n]), n))[:left]:
        result[name] += 1
    return result


def pools(blueprint: BlueprintSpec, questions) -> dict:
    """The blueprint's drawable items per domain: exam-format, tagged with the exam, of a weighted service."""
    by_domain = {domain: [] for domain in blueprint.domains}
    for question in questions:
        domain = primary_domain(question, blueprint.exam)
        if domain in by_domain and is_exam_format(question) and blueprint.services.get(question.module_id, 0) > 0:
            by_domain[domain].append(question)
    return by_domain


def draw(blueprint: BlueprintSpec, questions, *, seed: int, recent: list[set] | None = None) -> list:
    """One attempt's items by the blueprint's weights, fresh ones first (`recent`: earlier attempts' content
    ids, oldest first). Raises ValueError when a domain has fewer items than its quota."""
    rng = random.Random(seed)  # noqa: S311 (a reproducible draw, not a secret)
    recent = recent or []
    domain_quota = quotas(blueprint.domains, blueprint.questions)
    service_target = {name: blueprint.questions * weight / 100 for name, weight in blueprint.services.items() if weight}
    service_count = dict.fromkeys(service_target, 0)
    by_domain = pools(blueprint, questions)

    def staleness(question):
        """0 for an item no recent attempt used; else higher the more recently it was used."""
        for age, used in enumerate(reversed(recent)):
            if question.content_id in used:
                return len(recent) - age
        return 0

    picked = []
    # Scarce domains first, so the service balance bends to the domains that have the least room.
    for domain in sorted(by_domain, key=lambda d: (len(by_domain[d]) - domain_quota[d], d)):
        need = domain_quota[domain]
        pool = list(by_domain[domain])
        if len(pool) < need:
            raise ValueError(f"{domain} has {len(pool)} exam-format items, fewer than the {need} an attempt needs")
        rng.shuffle(pool)
        pool.sort(key=staleness)  # stable: random order within each staleness
        for _ in range(need):
            tier = staleness(pool[0])
            best = max(
                (q for q in pool if staleness(q) == tier),
                key=lambda q: service_target[q.module_id] - service_count[q.module_id],
            )
            pool.remove(best)
            service_count[best.module_id] += 1
            picked.append(best)
    return picked


def overlap_problems(blueprint: BlueprintSpec, questions) -> list[str]:
    """Why the blueprint cannot give three attempts in a row that share under 20% of their questions ([] if it can)."""
    by_domain = pools(blueprint, questions)
    domain_quota = quotas(blueprint.domains, blueprint.questions)
    short = [
        f"{domain} has {len(by_domain[domain])} exam-format items for {domain_quota[domain]} per attempt "
        f"(about {math.ceil(domain_quota[domain] * (CHECK_ATTEMPTS - OVERLAP_LIMIT))} keep three attempts apart)"
        for domain in sorted(by_domain)
        if len(by_domain[domain]) < domain_quota[domain] * (CHECK_ATTEMPTS - OVERLAP_LIMIT)
    ]
    try:
        attempts = []
        for seed in range(CHECK_ATTEMPTS):
            attempts.append({q.content_id for q in draw(blueprint, questions, seed=seed, recent=attempts)})
    except ValueError as exc:
        return [f"cannot draw one attempt: {exc}"]
    worst = max(len(a & b) for i, a in enumerate(attempts) for b in attempts[i + 1 :])
    if worst / blueprint.questions < OVERLAP_LIMIT:
        return []
    return [
        f"three attempts in a row share up to {worst} of {blueprint.questions} questions "
        f"({worst / blueprint.questions:.0%}, the limit is under {OVERLAP_LIMIT:.0%})",
        *short,
    ]


def blueprint_stats(blueprint: BlueprintSpec, questions) -> dict:
    """What content_stats reports for a blueprint: its settings and the items available per domain."""
    by_domain = pools(blueprint, questions)
    domain_quota = quotas(blueprint.domains, blueprint.questions)
    return {
        "id": blueprint.content_id,
        "exam": blueprint.exam,
        "questions": blueprint.questions,
        "minutes": blueprint.minutes,
        "passing_score": blueprint.passing_score,
        "domains": {
            domain: {
                "weight": blueprint.domains[domain],
                "per_attempt": domain_quota[domain],
                "available": len(by_domain[domain]),
            }
            for domain in sorted(blueprint.domains)
        },
        "services": dict(sorted(blueprint.services.items())),
    }
