"""Practice-exam blueprints (content/exams/*.yaml): reading and validating them, and drawing an attempt.

A blueprint says how many questions an attempt has, how long it lasts, the passing scaled score, and how its
questions spread over the exam's domains and over the course's services (percent weights, each summing to
100). Only exam-format items are drawn: multiple choice (one right of four) and multiple response (two or
more right of five or more), as on the real exams. An item counts in the first domain of the blueprint's
exam that it lists.

Scoring (README "Practice exams"): every question counts, and a question is right only when the chosen options
are exactly the right ones (no partial credit, as on the real exams). The scaled score maps the share right
linearly onto AWS's 100-1,000 scale: scaled = round(100 + 900 x right / asked). An attempt passes when its
scaled score reaches the blueprint's passing score (700 for CLF-C02 is 66.7% right; 720 for DVA-C02, 68.9%).

An attempt is drawn domain by domain (each domain's quota by the largest-remainder method), preferring
items the learner's recent attempts did not use, then the service furthest below its share, then a seeded
random order. `sync_content --check` draws three attempts in a row and fails when any two share 20% or more
of their questions, naming the domains that are short of items.
"""

import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from fsrs import Rating

from . import variants
from .models import Card, ExamAttempt, ExamItem, Question, ReviewLog, StudySettings
from .services import card_schedule, study_settings_for

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
    if getattr(question, "exam_format", None) is not None:  # a synced question: worked out at sync
        return question.exam_format
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

    last_used = {}  # content id -> 1 for the oldest recent attempt ... len(recent) for the newest
    for age, used in enumerate(recent, start=1):
        last_used.update(dict.fromkeys(used, age))

    def staleness(question):
        """0 for an item no recent attempt used; else higher the more recently it was used."""
        return last_used.get(question.content_id, 0)

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


# --- attempts: starting, answering, the clock, scoring ----------------------------------------------------

DRILL_SIZE = 10
RECENT_ATTEMPTS = 2  # a new attempt avoids the questions of this many earlier ones where the bank allows


def scaled_score(right: int, asked: int) -> int:
    """The share right, mapped linearly onto 100-1,000."""
    if asked <= 0:
        return 100
    return round(100 + 900 * right / asked)


def exam_seconds(blueprint, count: int | None = None) -> float:
    """The clock of an attempt: the blueprint's minutes, or its pace per question for `count` questions."""

    minutes = blueprint.minutes if count is None else blueprint.minutes * count / blueprint.questions
    return minutes * 60 * settings.EXAM_TIME_SCALE


def blueprint_spec(blueprint) -> BlueprintSpec:
    """A synced ExamBlueprint as the spec the drawing functions take."""
    return BlueprintSpec(
        blueprint.content_id,
        blueprint.title,
        blueprint.exam,
        blueprint.questions,
        blueprint.minutes,
        blueprint.passing_score,
        dict(blueprint.domains),
        dict(blueprint.services),
        blueprint.source_path,
        1,
    )


@dataclass(frozen=True)
class Drawable:
    """A live exam-format Question as the drawing functions see it (module_id is the module's content id)."""

    pk: int
    content_id: str
    module_id: str
    qtype: str
    domains: list
    exam_format: bool = True


def drawable_questions():
    """The live exam-format questions, without their specs (a start reads only what drawing needs)."""
    rows = Question.objects.published().filter(module__retired_at__isnull=True, exam_format=True)
    return [
        Drawable(pk, content_id, module_id, qtype, domains)
        for pk, content_id, module_id, qtype, domains in rows.values_list(
            "pk", "content_id", "module__content_id", "qtype", "domains"
        )
    ]


class AttemptClosed(Exception):  # noqa: N818
    """The attempt is submitted (by the learner, or by its clock): answers can no longer change."""


class AttemptRunning(Exception):  # noqa: N818
    """Another timed attempt of the learner's is running: one at a time (it is the closed-book rule's anchor)."""

    def __init__(self, attempt):
        super().__init__(attempt.pk)
        self.attempt = attempt


TIMED_KINDS = (ExamAttempt.Kind.EXAM, ExamAttempt.Kind.DRILL)


def running_timed_attempt(user, now=None):
    """The learner's exam or drill whose clock is running, if any. While one runs the site is closed-book:
    no page shows an answer (reviews, practice, other results, review runs wait), and no other timed attempt
    starts, so nothing can be looked up on the side."""
    now = now or timezone.now()
    return (
        ExamAttempt.objects.filter(user=user, submitted_at__isnull=True, ends_at__gt=now, kind__in=TIMED_KINDS)
        .select_related("blueprint")
        .order_by("-started_at")
        .first()
    )


class NotInAttempt(Exception):  # noqa: N818
    """No question at that position in this attempt."""


def _recent_content_ids(user, blueprint, limit=RECENT_ATTEMPTS) -> list[set]:
    """The content ids of the learner's last attempts on this blueprint, oldest first."""

    attempt_ids = list(
        ExamAttempt.objects.filter(user=user, blueprint=blueprint)
        .exclude(kind=ExamAttempt.Kind.REVIEW)
        .order_by("-started_at", "-pk")
        .values_list("pk", flat=True)[:limit]
    )
    used = {pk: set() for pk in attempt_ids}
    for attempt_id, content_id in ExamItem.objects.filter(attempt_id__in=attempt_ids).values_list(
        "attempt_id", "question__content_id"
    ):
        used[attempt_id].add(content_id)
    return [used[pk] for pk in reversed(attempt_ids)]


def _seed() -> int:
    return random.SystemRandom().randrange(2**31)


def _create_attempt(*, user, blueprint, kind, picked, seconds, now, domain="", review_of=None, seeds=None):
    attempt = ExamAttempt.objects.create(
        user=user,
        blueprint=blueprint,
        kind=kind,
        domain=domain,
        review_of=review_of,
        started_at=now,
        ends_at=now + timedelta(seconds=seconds) if seconds is not None else None,
        current_position=1,
        current_since=now,
        question_count=len(picked),
        passing_score=blueprint.passing_score,
    )
    ExamItem.objects.bulk_create(
        ExamItem(
            attempt=attempt,
            position=position,
            question_id=question.pk,
            domain=primary_domain(question, blueprint.exam) or "",
            variant_seed=seeds[position - 1] if seeds else _seed(),
        )
        for position, question in enumerate(picked, start=1)
    )
    return attempt


def open_attempt(user, blueprint, kind):
    """The learner's attempt of this kind on this blueprint still running, if any (past its clock: finished)."""

    attempt = (
        ExamAttempt.objects.filter(user=user, blueprint=blueprint, kind=kind, submitted_at__isnull=True)
        .order_by("-started_at")
        .first()
    )
    if attempt is not None and attempt_finish_if_overdue(attempt=attempt, now=timezone.now()):
        return None
    return attempt


def exam_start(*, user, blueprint, now=None):
    """A new timed attempt drawn by the blueprint (fresh items first), or the one already running."""

    with transaction.atomic():
        _lock_user(user)
        running = open_attempt(user, blueprint, ExamAttempt.Kind.EXAM)
        if running is not None:
            return running
        now = now or timezone.now()
        other = running_timed_attempt(user, now)
        if other is not None:
            raise AttemptRunning(other)
        spec = blueprint_spec(blueprint)
        picked = draw(spec, drawable_questions(), seed=_seed(), recent=_recent_content_ids(user, blueprint))
        rng = random.Random(_seed())  # noqa: S311 (question order, not a secret)
        rng.shuffle(picked)  # domains mixed, as on the real exam
        return _create_attempt(
            user=user,
            blueprint=blueprint,
            kind=ExamAttempt.Kind.EXAM,
            picked=picked,
            seconds=exam_seconds(blueprint),
            now=now,
        )


def drill_start(*, user, blueprint, domain: str, now=None):
    """Ten questions of one domain, timed at the exam's pace per question (fresh items first)."""

    if domain not in blueprint.domains:
        raise ValueError(f"{domain} is not a domain of {blueprint.content_id}")
    with transaction.atomic():
        _lock_user(user)
        running = open_attempt(user, blueprint, ExamAttempt.Kind.DRILL)
        if running is not None and running.domain == domain:
            return running
        now = now or timezone.now()
        other = running_timed_attempt(user, now)
        if other is not None:
            raise AttemptRunning(other)
        spec = blueprint_spec(blueprint)
        pool = pools(spec, drawable_questions())[domain]
        recent = set().union(*_recent_content_ids(user, blueprint, limit=5))
        rng = random.Random(_seed())  # noqa: S311
        rng.shuffle(pool)
        pool.sort(key=lambda q: q.content_id in recent)
        picked = pool[:DRILL_SIZE]
        if not picked:
            raise ValueError(f"{domain} has no exam-format questions yet")
        return _create_attempt(
            user=user,
            blueprint=blueprint,
            kind=ExamAttempt.Kind.DRILL,
            picked=picked,
            seconds=exam_seconds(blueprint, len(picked)),
            now=now,
            domain=domain,
        )


def review_start(*, attempt, now=None):
    """An untimed run through a finished attempt's questions (same variants) with feedback at once.

    It has no score and never changes the attempt's."""

    if attempt.submitted_at is None or attempt.kind == ExamAttempt.Kind.REVIEW:
        raise ValueError("only a finished exam or drill can be reviewed")
    with transaction.atomic():
        _lock_user(attempt.user)
        running = (
            ExamAttempt.objects.filter(review_of=attempt, user=attempt.user, submitted_at__isnull=True)
            .order_by("-started_at")
            .first()
        )
        if running is not None:
            return running
        items = list(
            ExamItem.objects.filter(attempt=attempt).order_by("position").values_list("question_id", "variant_seed")
        )
        picked = [Drawable(pk, "", "", "", []) for pk, _ in items]
        review = _create_attempt(
            user=attempt.user,
            blueprint=attempt.blueprint,
            kind=ExamAttempt.Kind.REVIEW,
            picked=picked,
            seconds=None,
            now=now or timezone.now(),
            domain=attempt.domain,
            review_of=attempt,
            seeds=[seed for _, seed in items],
        )
        # Domains as in the attempt reviewed (the Drawable stand-ins carry none).
        for position, domain in ExamItem.objects.filter(attempt=attempt).values_list("position", "domain"):
            ExamItem.objects.filter(attempt=review, position=position).update(domain=domain)
        return review


def _lock_user(user):
    """Serialize a learner's exam starts (two tabs pressing Start get one attempt)."""

    study_settings_for(user)
    StudySettings.objects.select_for_update().filter(user=user).first()


def _locked(attempt):
    return ExamAttempt.objects.select_for_update().get(pk=attempt.pk)


def _account_time(attempt, now, *, move_to: int | None = None):
    """Add the time since the learner arrived at the current question to it; then, maybe, move on."""

    if attempt.current_since is not None:
        end = min(now, attempt.ends_at) if attempt.ends_at else now
        spent = max((end - attempt.current_since).total_seconds(), 0)
        if spent:
            ExamItem.objects.filter(attempt=attempt, position=attempt.current_position).update(
                time_ms=F("time_ms") + min(int(spent * 1000), 86_400_000)
            )
    attempt.current_since = now
    if move_to is not None:
        attempt.current_position = move_to
    attempt.save(update_fields=["current_since", "current_position"])


def attempt_is_open(attempt, now) -> bool:
    return attempt.submitted_at is None and (attempt.ends_at is None or now < attempt.ends_at)


def attempt_finish_if_overdue(*, attempt, now=None) -> bool:
    """Submit an attempt whose clock has run out, as it stands, at the moment it ran out. True if it is closed."""
    now = now or timezone.now()
    if attempt.submitted_at is not None:
        return True
    if attempt.ends_at is None or now < attempt.ends_at:
        return False
    attempt_submit(attempt=attempt, now=now)
    return True


def attempt_visit(*, attempt, position: int, now=None):
    """The learner opens question `position`: the time so far goes to the question they leave."""
    now = now or timezone.now()
    if not 1 <= position <= attempt.question_count:
        raise NotInAttempt(position)
    _finish_then_refuse(attempt, now)
    with transaction.atomic():
        locked = _open_for_write(attempt, now)
        if locked.current_position != position:
            _account_time(locked, now, move_to=position)
        attempt.current_position, attempt.current_since = locked.current_position, locked.current_since


def _valid_keys(item) -> tuple[list, str, int]:
    public = variants.render_variant(item.question.spec, item.variant_seed).public
    return [o["key"] for o in public.get("options", [])], public["type"], public.get("choose", 1)


def _open_for_write(attempt, now):
    """The attempt, locked, if it still takes answers; else AttemptClosed. Call inside a transaction."""
    locked = _locked(attempt)
    if not attempt_is_open(locked, now):
        raise AttemptClosed(attempt.pk)
    return locked


def _finish_then_refuse(attempt, now):
    """Before a write: an attempt whose clock has run out is submitted now, and the write refused."""
    if attempt_finish_if_overdue(attempt=attempt, now=now):
        raise AttemptClosed(attempt.pk)


def attempt_save_answer(*, attempt, position: int, choice, now=None):
    """Save the learner's current answer to one question (any change, kept at once). Returns the item.

    Keys that are not options are dropped; a single-answer question keeps the last one given. Raises
    AttemptClosed once the attempt is submitted or its clock has run out (then it is submitted as it stood)."""
    now = now or timezone.now()
    _finish_then_refuse(attempt, now)
    with transaction.atomic():
        locked = _open_for_write(attempt, now)
        item = ExamItem.objects.select_related("question").filter(attempt=locked, position=position).first()
        if item is None:
            raise NotInAttempt(position)
        if locked.kind == ExamAttempt.Kind.REVIEW and item.correct is not None:
            raise AttemptClosed(attempt.pk)  # checked in review: the answer stands
        keys, qtype, _ = _valid_keys(item)
        given = [key for key in (choice or []) if isinstance(key, str) and key in keys]
        chosen = given[-1:] if qtype == "single" else sorted(set(given))
        if chosen != item.choice:
            item.choice = chosen
            item.changes = min(item.changes + 1, 32_000)
            item.answered_at = now if chosen else None
            item.save(update_fields=["choice", "changes", "answered_at"])
        if locked.current_position != position:
            _account_time(locked, now, move_to=position)
        return item


def attempt_flag(*, attempt, position: int, flagged: bool, now=None):
    now = now or timezone.now()
    _finish_then_refuse(attempt, now)
    with transaction.atomic():
        locked = _open_for_write(attempt, now)
        if not ExamItem.objects.filter(attempt=locked, position=position).update(flagged=bool(flagged)):
            raise NotInAttempt(position)
        return bool(flagged)


def item_check(*, attempt, position: int, now=None):
    """Review runs only: grade one question now (its feedback shows at once). Returns the item."""

    if attempt.kind != attempt.Kind.REVIEW:
        raise AttemptClosed(attempt.pk)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(attempt)
        if locked.submitted_at is not None:
            raise AttemptClosed(attempt.pk)
        item = ExamItem.objects.select_related("question").filter(attempt=locked, position=position).first()
        if item is None:
            raise NotInAttempt(position)
        if item.correct is None:
            item.correct = _is_right(item)
            item.save(update_fields=["correct"])
        return item


def _is_right(item) -> bool:
    variant = variants.render_variant(item.question.spec, item.variant_seed)
    return frozenset(item.choice) == variant.answer


def attempt_submit(*, attempt, now=None):
    """Close and score an attempt: learner's submit, or the clock (then at `ends_at`, as it stood).

    Exams and drills get a score, and their missed questions go into the learner's review deck as lapses
    (after the score is recorded; the deck never changes it). Review runs are closed with no score.
    Submitting twice changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(attempt)
        if locked.submitted_at is not None:
            return _copy_result(locked, attempt)
        by_clock = locked.ends_at is not None and now >= locked.ends_at
        moment = locked.ends_at if by_clock else now
        _account_time(locked, moment)
        locked.submitted_at = moment
        locked.finished_by = ExamAttempt.FinishedBy.CLOCK if by_clock else ExamAttempt.FinishedBy.LEARNER
        items = list(ExamItem.objects.filter(attempt=locked).select_related("question__module").order_by("position"))
        if locked.kind == ExamAttempt.Kind.REVIEW:
            locked.save(update_fields=["submitted_at", "finished_by"])
            return _copy_result(locked, attempt)
        domains, services = {}, {}
        for item in items:
            item.correct = _is_right(item)
            for table, key in ((domains, item.domain), (services, item.question.module.content_id)):
                row = table.setdefault(key, [0, 0])
                row[0] += int(item.correct)
                row[1] += 1
        ExamItem.objects.bulk_update(items, ["correct"])
        right = sum(int(item.correct) for item in items)
        locked.correct_count = right
        locked.scaled_score = scaled_score(right, len(items))
        locked.passed = locked.scaled_score >= locked.passing_score
        locked.breakdown = {"domains": dict(sorted(domains.items())), "services": dict(sorted(services.items()))}
        locked.save(
            update_fields=["submitted_at", "finished_by", "correct_count", "scaled_score", "passed", "breakdown"]
        )
        _missed_into_deck(locked, [item for item in items if not item.correct], moment)
    return _copy_result(locked, attempt)


RESULT_FIELDS = ("submitted_at", "finished_by", "correct_count", "scaled_score", "passed", "breakdown")


def _copy_result(source, target):
    """The caller's instance gets what the locked copy wrote (its blueprint and user stay loaded)."""
    for name in (*RESULT_FIELDS, "current_since", "current_position"):
        setattr(target, name, getattr(source, name))
    return target


def _missed_into_deck(attempt, missed, now):
    """Each missed question goes into the deck as a lapse: reviewed as Again, logged with mode "exam"."""

    if not missed:
        return
    study = study_settings_for(attempt.user)
    cards = {
        card.question_id: card
        for card in Card.objects.select_for_update().filter(
            user=attempt.user, question_id__in=[item.question_id for item in missed]
        )
    }
    logs = []
    for item in missed:
        card = cards.get(item.question_id)
        if card is None:
            card = Card.objects.create(user=attempt.user, question_id=item.question_id, due=now)
        state_before = card.state if card.last_review else ReviewLog.NEW
        seconds = item.time_ms / 1000
        retrievability = card_schedule(card=card, rating=Rating.Again, now=now, seconds=seconds, settings=study)
        card.save(update_fields=["state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses"])
        logs.append(
            ReviewLog(
                card=card,
                user=attempt.user,
                question_id=item.question_id,
                presentation=uuid.uuid4(),
                rating=int(Rating.Again),
                correct=False,
                attempts=1,
                duration_ms=min(item.time_ms, 3_600_000),
                reviewed_at=now,
                variant_seed=item.variant_seed,
                answer={"choice": list(item.choice)} if item.choice else {},
                state_before=state_before,
                retrievability_before=retrievability,
                due_after=card.due,
                mode=ReviewLog.Mode.EXAM,
            )
        )
    ReviewLog.objects.bulk_create(logs)


def finish_overdue(now=None) -> int:
    """Submit every attempt whose clock ran out while nobody was looking (the reaper's job). Returns how many."""
    now = now or timezone.now()
    count = 0
    for attempt in ExamAttempt.objects.filter(submitted_at__isnull=True, ends_at__lte=now).select_related("user"):
        attempt_submit(attempt=attempt, now=now)
        count += 1
    return count
