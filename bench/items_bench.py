"""Item analysis at scale: the instructor's item-analysis page for 500 students x 400 questions.

Issue 11's line: `make bench` reports GET /instructor/items/ for 500 students who have each seen 400 questions.
A scratch database (SQLite, and PostgreSQL when reachable; both made again each run and dropped after) gets the
curriculum, 500 students in one cohort taught by the bench instructor, and 400 of the published questions
(single and multiple answer mostly, a few numeric, ordering and matching) answered by every student:
each student's first showing of each (200,000 ReviewLog rows with state_before=0 and 200,000 Card rows), some
later reviews (state_before=2), and about two scored practice exams each. Answers follow a two-parameter
logistic model (student ability, question difficulty and discrimination, a few questions that discriminate
the wrong way) with keys valid for each variant: a choice question gets a fresh 31-bit seed for every showing,
as the app draws them, its keys laid out by `option_order`; one whose key depends on drawn parameters, and the
numeric, ordering and matching ones, a pool of seeds answered from `render_variant(spec, seed).answer`. A sample
is graded again after seeding. Exam totals follow the same abilities, so discrimination is taken against the
exam. Logs and cards go in by executemany (SQLite) or COPY (PostgreSQL).

One gunicorn (bench/settings.py, debug off, as bench/run.py) then serves, in interleaved rounds from one client
each on a new connection, the logged-in lesson page (the baseline), GET /instructor/items/ (everyone) and
GET /instructor/items/?cohort=<id>. It prints p50/p95 and the ratios to the lesson page, then counts each
request's queries in-process (django.test.Client under CaptureQueriesContext) and times where an overall
request's time goes. When the overall request's p50 is over PROFILE_OVER seconds (or BENCH_ITEMS_PROFILE=1),
its in-process run is made under cProfile. Results go to bench/results/items.json.
"""

import cProfile
import io
import json
import math
import os
import pstats
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.exam_bench import fresh_database, insert_rows, lesson_learner, percentile, session_cookie  # noqa: E402

PORT = int(os.environ.get("BENCH_ITEMS_PORT", "8769"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
LESSON = os.environ.get("BENCH_LESSON", "lambda-pricing")
STUDENTS = int(os.environ.get("BENCH_ITEMS_STUDENTS", "500"))
QUESTIONS = int(os.environ.get("BENCH_ITEMS_QUESTIONS", "400"))
LATER = float(os.environ.get("BENCH_ITEMS_LATER", "0.75"))  # later reviews per card, on average
ROUNDS = int(os.environ.get("BENCH_ITEMS_ROUNDS", "5"))
LESSONS_PER_ROUND = 4
PROFILE_OVER = 1.0  # seconds
POSTGRES_URL = os.environ.get("BENCH_ITEMS_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/spinup_items_bench")
SQLITE_PATH = os.environ.get("BENCH_ITEMS_SQLITE", str(Path(tempfile.gettempdir()) / "items_bench.sqlite3"))
SEEDS_PER_QUESTION = 12  # variants drawn per question (each laid out once, with its keys)
OTHER_TYPES = 40  # of the 400: numeric, ordering and matching questions; the rest single or multiple
CHUNK = 50  # students a batch
TYPE_SECONDS = {"single": 25, "multiple": 40, "numeric": 60, "ordering": 50, "matching": 55}
ENDPOINTS = ("lesson page (logged in)", "item analysis, everyone", "item analysis, cohort")


def postgres_reachable() -> bool:
    try:
        import psycopg

        psycopg.connect(POSTGRES_URL.rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()
        return True
    except Exception:  # any failure: no PostgreSQL run
        return False


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--no-input", verbosity=0)
    call_command("sync_content", verbosity=0, stdout=io.StringIO())


# --- the seed -----------------------------------------------------------------------------------------------

CARD_FIELDS = ("user", "question", "state", "stability", "difficulty", "due", "last_review", "reps", "lapses",
               "created_at", "variant_seed", "attempts", "suspended")  # fmt: skip
LOG_FIELDS = ("card", "user", "question", "presentation", "rating", "correct", "attempts", "duration_ms",
              "reviewed_at", "variant_seed", "answer", "state_before", "retrievability_before", "due_after", "mode",
              "undo", "options_chosen")  # fmt: skip


MASKS = {}


def chosen_mask(spec, seed, answer_json):
    """The options chosen as written, as card_answer stores them (None for other question types)."""
    from quizzes import variants

    if not spec.get("options"):
        return None
    keys = MASKS.get(answer_json)
    if keys is None:
        keys = MASKS[answer_json] = tuple(json.loads(answer_json).get("choice", []))
    index = {variants.KEYS[p]: i for p, i in enumerate(variants.option_order(spec, seed))}
    return variants.options_mask(index, keys)


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def pick_questions(rng):
    """QUESTIONS published questions: OTHER_TYPES numeric/ordering/matching ones, the rest single or multiple."""
    from quizzes.models import Question

    published = list(Question.objects.published().order_by("pk"))
    choice = [q for q in published if q.qtype in ("single", "multiple")]
    other = [q for q in published if q.qtype not in ("single", "multiple")]
    picked = rng.sample(other, min(OTHER_TYPES, len(other)))
    picked += rng.sample(choice, min(QUESTIONS - len(picked), len(choice)))
    return sorted(picked, key=lambda q: q.pk)


def answer_for(variant, right: bool, rng, lure: str | None) -> dict:
    """A plausible answer to `variant` (as card_answer stores it): the key, or a wrong one (often the lure)."""
    qtype = variant.question_type
    if qtype in ("single", "multiple"):
        keys = [o["key"] for o in variant.public["options"]]
        answer = sorted(variant.answer)
        if right:
            return {"choice": answer}
        wrong = [k for k in keys if k not in variant.answer]
        if qtype == "single":
            return {"choice": [lure if lure and rng.random() < 0.6 else rng.choice(wrong)]}
        choose = variant.public["choose"]
        while True:  # a set of `choose` keys that is not the answer
            chosen = sorted(rng.sample(keys, choose))
            if chosen != answer:
                return {"choice": chosen}
    if qtype == "numeric":
        value = variant.answer if right else (variant.answer or 1) * rng.choice((0.5, 2, 10, 0.1, 1.5))
        return {"answer": [repr(value)]}
    if qtype == "ordering":
        order = list(variant.answer)
        if not right:
            i = rng.randrange(len(order) - 1)
            order[i], order[i + 1] = order[i + 1], order[i]
        return {f"pos_{key}": [str(position)] for position, key in enumerate(order, start=1)}
    match = dict(variant.answer)
    if not right:
        lefts = sorted(match)[:2]
        match[lefts[0]], match[lefts[1]] = match[lefts[1]], match[lefts[0]]
    return {f"match_{left}": [right_key] for left, right_key in match.items()}


def question_models(questions, rng):
    """Per question: its item parameters (difficulty b, discrimination a), its typical time, and how a showing
    draws its variant and answers (a wrong single answer leans to one distractor, the lure)."""
    from quizzes import variants

    models = {}
    for question in questions:
        flawed = rng.random() < 0.05  # discriminates the wrong way
        spec = question.spec
        options = spec.get("options", [])
        model = {
            "b": rng.gauss(0, 1),
            "a": -0.6 if flawed else rng.uniform(0.3, 1.8),
            "seconds": TYPE_SECONDS[question.qtype] * (3.5 if rng.random() < 0.03 else rng.uniform(0.7, 1.4)),
        }
        lure_index = None
        if question.qtype == "single":
            lure_index = rng.choice([i for i, o in enumerate(options) if not o.get("correct")])
        if options and not any("correct_when" in o for o in options):
            model["draw"] = static_choice(spec, question.qtype, lure_index)
        else:  # keys that depend on the drawn parameters, or no options: a pool of rendered variants
            pool = []
            for _ in range(SEEDS_PER_QUESTION):
                seed = rng.getrandbits(31)
                variant = variants.render_variant(spec, seed)
                lure = None
                if lure_index is not None:
                    lure = variants.KEYS[variants.option_order(spec, seed).index(lure_index)]
                wrongs = [json.dumps(answer_for(variant, False, rng, lure)) for _ in range(6)]
                pool.append((seed, json.dumps(answer_for(variant, True, rng, lure)), wrongs))
            model["draw"] = pooled(pool)
        models[question.pk] = model
    return models


def pooled(pool):
    def draw(rng):
        seed, right, wrongs = pool[int(rng.random() * len(pool))]
        return seed, lambda ok: right if ok else wrongs[int(rng.random() * len(wrongs))]

    return draw


AS_JSON = {}


def as_json(keys) -> str:
    keys = tuple(keys)
    if keys not in AS_JSON:
        AS_JSON[keys] = json.dumps({"choice": list(keys)})
    return AS_JSON[keys]


def static_choice(spec, qtype, lure_index):
    """A fresh seed for every showing, as the app draws them (random 31 bits), its layout from option_order."""
    from quizzes import variants

    correct = [i for i, option in enumerate(spec["options"]) if option.get("correct")]
    choose = spec.get("choose", 1)

    def draw(rng):
        seed = rng.getrandbits(31)
        order = variants.option_order(spec, seed)
        key_of = {index: variants.KEYS[position] for position, index in enumerate(order)}
        right = sorted(key_of[i] for i in correct)
        keys = sorted(key_of.values())

        def answer(ok):
            if ok:
                return as_json(right)
            if qtype == "single":
                if lure_index is not None and rng.random() < 0.6:
                    return as_json([key_of[lure_index]])
                return as_json([rng.choice([k for k in keys if k not in right])])
            while True:  # `choose` keys that are not the answer
                chosen = sorted(rng.sample(keys, choose))
                if chosen != right:
                    return as_json(chosen)

        return seed, answer

    return draw


def seed(rng):
    """STUDENTS students in one cohort of the bench instructor, each with a first showing (log and card) of
    every picked question, LATER later reviews a card on average, and one to three scored practice exams."""
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.utils import timezone

    from courses.cohorts import cohort_create
    from courses.models import CohortMembership, Course
    from courses.roles import make_instructor
    from quizzes import exams
    from quizzes.models import Card, ExamAttempt, ExamBlueprint, ReviewLog, StudySettings

    now = timezone.now()
    sqlite = connection.vendor == "sqlite"
    # As the database takes them: SQLite as Django writes them (naive UTC text, uuid hex), PostgreSQL as they are.
    adapt = (lambda when: str(when.replace(tzinfo=None))) if sqlite else (lambda when: when)
    as_uuid = (lambda: uuid.uuid4().hex) if sqlite else uuid.uuid4
    questions = pick_questions(rng)
    models = question_models(questions, rng)
    specs = {question.pk: question.spec for question in questions}
    blueprints = list(ExamBlueprint.objects.published().order_by("content_id"))
    counts = {"review_logs": 0, "first_showings": 0, "cards": 0, "exam_attempts": 0}
    with transaction.atomic():
        instructor = User.objects.create(username="bench-instructor", password="!")
        make_instructor(instructor)
        students = User.objects.bulk_create(
            User(username=f"items-student-{n:04d}", password="!", date_joined=now - timedelta(days=400))
            for n in range(STUDENTS)
        )
        StudySettings.objects.bulk_create(StudySettings(user=user) for user in students)
        today = timezone.localdate()
        cohort = cohort_create(
            course=Course.objects.order_by("pk").first(),
            instructor=instructor,
            name="Bench cohort",
            starts_on=today - timedelta(days=300),
            ends_on=today + timedelta(days=60),
        )
        CohortMembership.objects.bulk_create(CohortMembership(cohort=cohort, user=user) for user in students)
        ability = {user.pk: rng.gauss(0, 1) for user in students}

        attempts = []
        for user in students:
            for _ in range(rng.choice((1, 2, 2, 2, 3))):
                blueprint = rng.choice(blueprints)
                asked = blueprint.questions
                right = sum(rng.random() < sigmoid(0.3 + 0.9 * ability[user.pk]) for _ in range(asked))
                started = now - timedelta(days=rng.uniform(1, 200))
                score = exams.scaled_score(right, asked)
                attempts.append(
                    ExamAttempt(
                        user=user,
                        blueprint=blueprint,
                        kind=ExamAttempt.Kind.EXAM,
                        started_at=started,
                        ends_at=started + timedelta(minutes=blueprint.minutes),
                        submitted_at=started + timedelta(minutes=rng.uniform(30, blueprint.minutes)),
                        finished_by=ExamAttempt.FinishedBy.LEARNER,
                        current_position=asked,
                        question_count=asked,
                        passing_score=blueprint.passing_score,
                        correct_count=right,
                        scaled_score=score,
                        passed=score >= blueprint.passing_score,
                    )
                )
        ExamAttempt.objects.bulk_create(attempts, batch_size=500)
        counts["exam_attempts"] = len(attempts)

        for start in range(0, len(students), CHUNK):
            chunk = students[start : start + CHUNK]
            cards, plans = [], []
            for user in chunk:
                theta = ability[user.pk]
                for question in questions:
                    model = models[question.pk]
                    variant_seed, answer_of = model["draw"](rng)
                    p = sigmoid(model["a"] * (theta - model["b"]))
                    first = now - timedelta(days=rng.uniform(30, 300), seconds=rng.uniform(0, 86400))
                    later = int(rng.random() * 2 * LATER + 0.5)
                    right_first = rng.random() < p
                    # Wrong at the first try: a second one, right as often as the first would be.
                    tries = 1 if right_first else 2
                    correct = right_first or rng.random() < p
                    seconds = model["seconds"] * math.exp(rng.gauss(0, 0.4)) * (1.4 if tries == 2 else 1)
                    last = first + timedelta(days=sum(2.5**n for n in range(later)) if later else 0)
                    difficulty = min(10.0, max(1.0, 5 + 1.5 * model["b"] + rng.gauss(0, 1) + (0 if correct else 1)))
                    stability = rng.uniform(1, 60) * (later + 1)
                    cards.append(
                        (
                            user.pk,
                            question.pk,
                            int(Card.State.REVIEW if correct else Card.State.RELEARNING),
                            stability,
                            difficulty,
                            adapt(last + timedelta(days=stability)),
                            adapt(last),
                            1 + later,
                            int(not correct),
                            adapt(first - timedelta(seconds=seconds)),
                            variant_seed,
                            0,
                            False,
                        )
                    )
                    plans.append((user.pk, question.pk, variant_seed, first, seconds, tries, correct, answer_of, later))
            insert_rows(Card, CARD_FIELDS, cards)
            card_ids = dict(
                ((u, q), pk)
                for pk, u, q in Card.objects.filter(user_id__in=[user.pk for user in chunk]).values_list(
                    "pk", "user_id", "question_id"
                )
            )
            logs = []
            for user_id, question_id, variant_seed, first, seconds, tries, correct, answer_of, later in plans:
                card_id = card_ids[user_id, question_id]
                mode = ("lesson", "lesson", "review", "review", "practice")[int(rng.random() * 5)]
                rating = (3 if seconds < 40 else 2) if correct and tries == 1 else (2 if correct else 1)
                due = first + timedelta(days=1 if later else 3)
                answer = answer_of(correct)
                logs.append(
                    (card_id, user_id, question_id, as_uuid(), rating, correct, tries, int(seconds * 1000),
                     adapt(first), variant_seed, answer, ReviewLog.NEW, None, adapt(due), mode, "{}",
                     chosen_mask(specs[question_id], variant_seed, answer))
                )  # fmt: skip
                when = first
                for n in range(later):  # the later reviews: right ~85% of the time
                    when = when + timedelta(days=2.5**n, hours=rng.uniform(-6, 6))
                    ok = rng.random() < 0.85
                    answer = answer_of(ok)
                    logs.append(
                        (card_id, user_id, question_id, as_uuid(), 3 if ok else 1, ok, 1,
                         int(seconds * 700 * math.exp(rng.gauss(0, 0.3))), adapt(when), variant_seed,
                         answer, int(Card.State.REVIEW), rng.uniform(0.6, 0.99),
                         adapt(when + timedelta(days=2.5 ** (n + 1))), "review", "{}", None)
                    )  # fmt: skip
            insert_rows(ReviewLog, LOG_FIELDS, logs)
            counts["cards"] += len(cards)
            counts["first_showings"] += len(plans)
            counts["review_logs"] += len(logs)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would after a load this size
    return instructor, cohort, counts


def check_answers(rng, n=300):
    """A sample of first showings graded again: each answer must be valid for its variant and grade as logged."""
    from quizzes import variants
    from quizzes.models import ReviewLog

    ids = list(ReviewLog.objects.filter(state_before=ReviewLog.NEW).values_list("pk", flat=True))
    sample = ReviewLog.objects.filter(pk__in=rng.sample(ids, min(n, len(ids)))).select_related("question")
    for log in sample:
        grade = variants.grade(variants.render_variant(log.question.spec, log.variant_seed), log.answer)
        if grade.correct != log.correct:
            raise RuntimeError(f"seeded log {log.pk} ({log.question.qtype}) grades {grade.correct}, not {log.correct}")


# --- HTTP ---------------------------------------------------------------------------------------------------


def request(path, cookie, timeout=300):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)
    headers = {"Host": "127.0.0.1"}
    if cookie:
        headers["Cookie"] = f"sessionid={cookie}"
    start = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - start
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"GET {path}: HTTP {response.status}")
    return elapsed, body


def start_server(env):
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{PORT}", "--workers", str(WORKERS),
         "--timeout", "300", "--log-level", "warning"],
        cwd=REPO, env=env,
    )  # fmt: skip
    for _ in range(100):
        try:
            request("/bench/bare/", None, timeout=5)
            return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("gunicorn did not come up")


def measure(calls):
    """Lesson pages to warm up (the item analysis was warmed by the check), then ROUNDS rounds:
    LESSONS_PER_ROUND lesson pages and one of each item-analysis request."""
    lesson, everyone, cohort = calls
    for _ in range(2 * LESSONS_PER_ROUND):
        lesson()
    timings = {name: [] for name in ENDPOINTS}
    for _ in range(ROUNDS):
        for _ in range(LESSONS_PER_ROUND // 2):
            timings[ENDPOINTS[0]].append(lesson())
        timings[ENDPOINTS[1]].append(everyone())
        for _ in range(LESSONS_PER_ROUND - LESSONS_PER_ROUND // 2):
            timings[ENDPOINTS[0]].append(lesson())
        timings[ENDPOINTS[2]].append(cohort())
    return timings


# --- queries and profile, in-process ------------------------------------------------------------------------


def count_queries(client_for, lesson_user, instructor, paths, profiled: bool):
    """Each request's queries, and its time in-process (the lesson page's second request: the first warms it;
    the item analysis is warm from the check request through gunicorn: its templates are those of the page).
    With `profiled`, the overall item analysis runs under cProfile (its time then includes the profiler's)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts, in_process, report = {}, {}, ""
    for name, user, path in zip(ENDPOINTS, (lesson_user, instructor, instructor), paths, strict=True):
        client = client_for(user)
        if name == ENDPOINTS[0]:
            client.get(path)
        profiler = cProfile.Profile() if profiled and name == ENDPOINTS[1] else None
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            response = client.get(path)
            if profiler:
                profiler.disable()
            in_process[name] = round((time.perf_counter() - started) * 1000, 1)
        assert response.status_code == 200
        counts[name] = len(ctx.captured_queries)
        if profiler:
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("cumulative").print_stats(r"^(?!.*site-packages)(?!.*/lib/python)(?!\{)", 20)  # app
            stats.sort_stats("tottime").print_stats(20)
            report = out.getvalue()
    return counts, in_process, report


def breakdown():
    """Where an overall request's time goes, in-process: fetching the first showings' rows alone (no Python
    work on them; with and without the answer JSON), the three aggregates, as many option_order layouts as
    rows, and the prompts the view renders."""
    from django.db.models import Avg
    from django.utils.html import strip_tags

    from quizzes import analytics, variants
    from quizzes.models import Card, ExamAttempt, Question, ReviewLog

    def timed(call):
        started = time.perf_counter()
        value = call()
        return value, round((time.perf_counter() - started) * 1000, 1)

    logs = ReviewLog.objects.filter(state_before=ReviewLog.NEW).exclude(mode=ReviewLog.Mode.EXAM)
    rows = logs.values_list("user_id", "question_id", "correct", "attempts", "answer", "duration_ms", "variant_seed")
    fetched, fetch_ms = timed(lambda: len(list(rows.iterator(chunk_size=5000))))
    raw_rows = logs.values_list("user_id", "question_id", "correct", "attempts", "duration_ms", "variant_seed")
    _, fetch_no_json_ms = timed(lambda: len(list(raw_rows.iterator(chunk_size=5000))))

    def aggregates():
        list(ExamAttempt.objects.scored().values_list("user_id", "correct_count", "question_count"))
        list(ReviewLog.objects.filter(retrievability_before__isnull=False).values("user_id")
             .annotate(r=Avg("retrievability_before")).values_list("user_id", "r"))  # fmt: skip
        list(Card.objects.filter(difficulty__isnull=False).values("question_id").annotate(d=Avg("difficulty"))
             .values_list("question_id", "d"))  # fmt: skip

    _, aggregates_ms = timed(aggregates)
    specs = [spec for (spec,) in Question.objects.published().values_list("spec")]
    choice = next(spec for spec in specs if spec.get("options"))
    _, layouts_ms = timed(lambda: [analytics.original_options(choice, seed, ["a"]) for seed in range(fetched)])
    _, prompts_ms = timed(
        lambda: [strip_tags(variants.render_variant(spec, 0).public["prompt_html"]) for spec in specs]
    )
    return {
        "first_showings_fetched": fetched,
        "fetch_first_showings_ms": fetch_ms,
        "fetch_first_showings_without_answer_json_ms": fetch_no_json_ms,
        "three_aggregates_ms": aggregates_ms,
        "original_options_for_as_many_rows_ms": layouts_ms,
        "view_render_variant_of_every_row_ms": prompts_ms,
        "rows_rendered": len(specs),
    }


# --- one database, in a child process -----------------------------------------------------------------------


def run_one(url, label, out_path):
    rng = random.Random(11)
    fresh_database(url)
    started = time.perf_counter()
    setup_django(url)
    print(f"[{label}] migrated and synced in {time.perf_counter() - started:.0f} s", flush=True)

    from django.db import connections
    from django.test import Client

    started = time.perf_counter()
    instructor, cohort, counts = seed(rng)
    seeding = time.perf_counter() - started
    print(
        f"[{label}] seeded {STUDENTS} students x {QUESTIONS} questions: {counts['first_showings']:,} first showings, "
        f"{counts['review_logs']:,} review logs, {counts['cards']:,} cards, {counts['exam_attempts']:,} exams "
        f"in {seeding:.1f} s",
        flush=True,
    )
    check_answers(rng)
    lesson_user = lesson_learner()
    paths = (f"/lessons/{LESSON}/", "/instructor/items/", f"/instructor/items/?cohort={cohort.pk}")
    lesson_cookie, instructor_cookie = session_cookie(lesson_user), session_cookie(instructor)
    connections.close_all()
    server = start_server({**os.environ, "PYTHONPATH": str(REPO)})
    try:
        _, body = request(paths[2], instructor_cookie)
        if b"Bench cohort" not in body or b"item-table" not in body:
            raise RuntimeError("the cohort's item analysis did not come back")
        summary = re.search(rb'id="item-summary">(.*?)</p>', body, re.S).group(1)
        summary = re.sub(r"<[^>]+>", "", summary.decode()).strip()
        started = time.perf_counter()
        timings = measure(
            (
                lambda: request(paths[0], lesson_cookie)[0],
                lambda: request(paths[1], instructor_cookie)[0],
                lambda: request(paths[2], instructor_cookie)[0],
            )
        )
        measuring = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=10)

    client = Client()  # one handler (a new Client loads the middleware again)

    def client_for(user):
        client.force_login(user)
        return client

    slow = statistics.median(timings[ENDPOINTS[1]]) > PROFILE_OVER
    profiled = slow or bool(os.environ.get("BENCH_ITEMS_PROFILE"))
    queries, in_process, profile = count_queries(client_for, lesson_user, instructor, paths, profiled)
    result = {
        "database": label,
        "students": STUDENTS,
        "questions_answered": QUESTIONS,
        **counts,
        "seeding_seconds": round(seeding, 1),
        "page_summary": summary,
        "measuring_seconds": round(measuring, 1),
        "endpoints": {},
    }
    for name in ENDPOINTS:
        values = timings[name]
        result["endpoints"][name] = {
            "p50_ms": round(statistics.median(values) * 1000, 1),
            "p95_ms": round(percentile(values, 0.95) * 1000, 1),
            "requests": len(values),
            "queries": queries[name],
            "in_process_ms": in_process[name],
        }
    base = result["endpoints"][ENDPOINTS[0]]["p50_ms"]
    for name in ENDPOINTS[1:]:
        result["endpoints"][name]["ratio_to_lesson"] = round(result["endpoints"][name]["p50_ms"] / base, 1)
    if profiled:
        result["endpoints"][ENDPOINTS[1]]["in_process_ms_under_cprofile"] = True
    result["breakdown"] = breakdown()
    result["profile"] = profile
    Path(out_path).write_text(json.dumps(result))


# --- the parent: each database in turn, one report ----------------------------------------------------------


def report(results):
    print(
        f"\nItem analysis at scale: {WORKERS} gunicorn workers, one client, {ROUNDS} interleaved rounds of "
        f"{LESSONS_PER_ROUND} lesson pages and one of each item-analysis request"
    )
    for result in results:
        print(
            f"\n{result['database']}: {result['students']} students x {result['questions_answered']} questions, "
            f"{result['first_showings']:,} first showings, {result['review_logs']:,} review logs, "
            f"{result['cards']:,} cards, {result['exam_attempts']:,} exams (seeded in {result['seeding_seconds']:.1f} s)"
        )
        print(f"The page: {result['page_summary']}")
        print(f"{'request':<26}{'p50 ms':>10}{'p95 ms':>10}{'queries':>9}{'in-process':>12}{'p50 / lesson':>14}")
        for name, row in result["endpoints"].items():
            ratio = row.get("ratio_to_lesson")
            shown = "" if ratio is None else f"{ratio:.1f}"
            mark = "*" if row.get("in_process_ms_under_cprofile") else " "
            print(
                f"{name:<26}{row['p50_ms']:>10.1f}{row['p95_ms']:>10.1f}{row['queries']:>9}"
                f"{row['in_process_ms']:>11.1f}{mark}{shown:>14}"
            )
        if any(row.get("in_process_ms_under_cprofile") for row in result["endpoints"].values()):
            print("(* in-process under cProfile)")
        print("where an overall request's time goes (in-process, ms):")
        for key, value in result["breakdown"].items():
            print(f"  {key:<48}{value:>10,}")
        if result.get("profile"):
            print(f"\ncProfile of one GET /instructor/items/ ({result['database']}):\n{result['profile']}")


def main():
    targets = [("SQLite", f"sqlite:///{SQLITE_PATH}")]
    if postgres_reachable():
        targets.append(("PostgreSQL", POSTGRES_URL))
    else:
        print(f"PostgreSQL is not reachable at {POSTGRES_URL.split('@')[-1]}: SQLite only.")
    results = []
    scratch = Path(tempfile.mkdtemp(prefix="spinup-items-bench-"))
    for label, url in targets:
        out = scratch / f"{label}.json"
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        subprocess.run([sys.executable, __file__, "--one", url, label, str(out)], cwd=REPO, env=env, check=True)
        results.append(json.loads(out.read_text()))
    report(results)
    path = REPO / "bench" / "results"
    path.mkdir(exist_ok=True)
    (path / "items.json").write_text(json.dumps({"results": results}, indent=2))
    print(f"\nWritten to {path / 'items.json'}")
    for _, url in targets:  # made again by each run: nothing worth keeping
        fresh_database(url, create=False)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        run_one(*sys.argv[2:5])
    else:
        main()
