"""Practice exams at scale: starting an exam and saving an answer, with 10,000 finished attempts in the database.

Issue 10's target: each within 2x of the lesson page's latency. A scratch database (SQLite, and PostgreSQL when
reachable) gets the curriculum and 10,000 finished attempts of 65 items each (650,000 ExamItem rows) from 500
learners over both blueprints (learners and attempts by bulk_create, the items by executemany or COPY; both
databases are made again each run and dropped after). One gunicorn (bench/settings.py, debug off, as
bench/run.py) then serves three requests in interleaved rounds from one client, each on a new connection:

- the lesson page, logged in (the learner and lesson of bench/run.py): the baseline;
- POST /exams/<blueprint>/start/ by a learner with about 20 finished attempts and none running (a new learner
  each time, so every start draws and creates a new attempt; the blueprints alternate);
- POST /attempts/<id>/q/<n>/answer/ (htmx) on a running attempt, at its current question, the choice
  alternating so every save changes the answer.

It prints p50/p95 and the ratios p50(start)/p50(lesson) and p50(save)/p50(lesson), then counts each request's
queries in-process (django.test.Client under CaptureQueriesContext). BENCH_EXAM_PROFILE=1 adds a cProfile of
the two exam requests. Results go to bench/results/exam.json.
"""

import cProfile
import http.client
import io
import json
import os
import pstats
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
PORT = int(os.environ.get("BENCH_EXAM_PORT", "8767"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
LESSON = os.environ.get("BENCH_LESSON", "lambda-pricing")
LEARNERS = int(os.environ.get("BENCH_EXAM_LEARNERS", "500"))
ATTEMPTS = int(os.environ.get("BENCH_EXAM_ATTEMPTS", "10000"))
ROUNDS = int(os.environ.get("BENCH_EXAM_ROUNDS", "5"))
PER_ROUND = int(os.environ.get("BENCH_EXAM_PER_ROUND", "30"))
WARMUP = 10
CHUNK = 1000  # attempts a batch
POSTGRES_URL = os.environ.get("BENCH_EXAM_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/spinup_exam_bench")
SQLITE_PATH = os.environ.get("BENCH_EXAM_SQLITE", str(Path(tempfile.gettempdir()) / "spinup_exam_bench.sqlite3"))
TARGET = 2.0
KEYS = "abcdefghijklmnopqrstuvwxyz"
ENDPOINTS = ("lesson page (logged in)", "exam start", "answer save")


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


# --- the scratch database ----------------------------------------------------------------------------------


def postgres_reachable() -> bool:
    try:
        import psycopg

        psycopg.connect(POSTGRES_URL.rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()
        return True
    except Exception:  # any failure: no PostgreSQL run
        return False


def fresh_database(url, *, create=True):
    """An empty database at url (the SQLite file removed, the PostgreSQL database dropped and made again)."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--no-input", verbosity=0)
    call_command("sync_content", verbosity=0, stdout=io.StringIO())


ITEM_FIELDS = ("attempt", "position", "question", "domain", "variant_seed", "choice", "flagged", "changes",
               "answered_at", "time_ms", "correct")  # fmt: skip


def insert_rows(model, fields, rows):
    """Rows of field values (already as the database takes them) inserted fast: bulk_create spends about 90 us
    a row compiling 650,000 model instances into SQL, executemany (SQLite) and COPY (PostgreSQL) a few."""
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def seed(rng):
    """LEARNERS learners with ATTEMPTS finished exams between them (65 items each): the learners, their settings
    and the attempts by bulk_create, the items by insert_rows, in batches, in one transaction."""
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.utils import timezone

    from quizzes import exams
    from quizzes.models import ExamAttempt, ExamBlueprint, ExamItem, Question, StudySettings

    now = timezone.now()
    # Datetimes as the database takes them: SQLite as Django writes them (naive UTC text), PostgreSQL as they are.
    adapt = (lambda when: str(when.replace(tzinfo=None))) if connection.vendor == "sqlite" else (lambda when: when)
    as_json = {}
    questions = exams.drawable_questions()
    # Drawing needs no specs; the seeded answers need each question's option count and "choose".
    shapes = {
        pk: (len(spec.get("options", [])), spec.get("choose", 2))
        for pk, spec in Question.objects.filter(pk__in=[q.pk for q in questions]).values_list("pk", "spec")
    }
    blueprints = []
    for blueprint in ExamBlueprint.objects.published().order_by("content_id"):
        spec = exams.blueprint_spec(blueprint)
        pools = {d: pool for d, pool in exams.pools(spec, questions).items() if pool}
        quotas = exams.quotas(blueprint.domains, blueprint.questions)
        blueprints.append((blueprint, pools, quotas))
    items_made = 0
    with transaction.atomic():
        learners = User.objects.bulk_create(
            User(username=f"exam-learner-{n:04d}", password="!", date_joined=now - timedelta(days=400))
            for n in range(LEARNERS)
        )
        StudySettings.objects.bulk_create(StudySettings(user=user) for user in learners)
        skill = {user.pk: rng.uniform(0.45, 0.9) for user in learners}
        plan = [(learners[n % LEARNERS], blueprints[rng.random() < 0.6]) for n in range(ATTEMPTS)]
        for start in range(0, len(plan), CHUNK):
            chunk = plan[start : start + CHUNK]
            attempts, drawn = [], []
            for user, (blueprint, pools, quotas) in chunk:
                picked = [(d, q) for d, pool in pools.items() for q in rng.sample(pool, min(quotas[d], len(pool)))]
                rng.shuffle(picked)
                started = now - timedelta(days=rng.uniform(1, 365))
                ends = started + timedelta(minutes=blueprint.minutes)
                by_clock = rng.random() < 0.1
                submitted = ends if by_clock else started + timedelta(minutes=rng.uniform(20, blueprint.minutes))
                right = [rng.random() < skill[user.pk] for _ in picked]
                domains, services = {}, {}
                for (domain, question), ok in zip(picked, right, strict=True):
                    for table, key in ((domains, domain), (services, question.module_id)):
                        row = table.setdefault(key, [0, 0])
                        row[0] += int(ok)
                        row[1] += 1
                score = exams.scaled_score(sum(right), len(picked))
                attempts.append(
                    ExamAttempt(
                        user=user,
                        blueprint=blueprint,
                        kind=ExamAttempt.Kind.EXAM,
                        started_at=started,
                        ends_at=ends,
                        submitted_at=submitted,
                        finished_by=ExamAttempt.FinishedBy.CLOCK if by_clock else ExamAttempt.FinishedBy.LEARNER,
                        current_position=len(picked),
                        current_since=submitted,
                        question_count=len(picked),
                        passing_score=blueprint.passing_score,
                        correct_count=sum(right),
                        scaled_score=score,
                        passed=score >= blueprint.passing_score,
                        breakdown={
                            "domains": dict(sorted(domains.items())),
                            "services": dict(sorted(services.items())),
                        },
                    )
                )
                drawn.append((picked, right, started, submitted))
            ExamAttempt.objects.bulk_create(attempts, batch_size=500)
            items = []
            for attempt, (picked, right, started, submitted) in zip(attempts, drawn, strict=True):
                spent = (submitted - started).total_seconds() * 1000 / len(picked)
                for position, ((domain, question), ok) in enumerate(zip(picked, right, strict=True), start=1):
                    option_count, choose = shapes[question.pk]
                    keys = KEYS[:option_count]
                    answered = rng.random() < 0.97
                    if not answered:
                        choice = []
                    elif question.qtype == "single":
                        choice = [keys[int(rng.random() * len(keys))]]
                    else:
                        choice = sorted(rng.sample(keys, choose))
                    key = "".join(choice)
                    if key not in as_json:
                        as_json[key] = json.dumps(choice)
                    items.append(
                        (
                            attempt.pk,
                            position,
                            question.pk,
                            domain,
                            rng.getrandbits(31),
                            as_json[key],
                            rng.random() < 0.05,
                            1 + int(rng.random() * 3) if answered else 0,
                            adapt(started + timedelta(milliseconds=spent * position)) if answered else None,
                            int(spent * (0.3 + 1.4 * rng.random())),
                            ok and answered,
                        )
                    )
            insert_rows(ExamItem, ITEM_FIELDS, items)
            items_made += len(items)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would after a load this size
    return learners, items_made


def lesson_learner():
    """bench/run.py's learner: 10 lessons complete."""
    from django.contrib.auth.models import User

    from courses.models import Lesson
    from courses.services import lesson_set_complete

    user = User.objects.create(username="bench")
    for lesson in Lesson.objects.all()[:10]:
        lesson_set_complete(user=user, lesson=lesson)
    return user


def session_cookie(user) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


# --- HTTP ---------------------------------------------------------------------------------------------------

CSRF = secrets.token_hex(16)  # a 32-character secret: the cookie, and the unmasked token in the header


def request(method, path, cookie=None, body=None, htmx=False, expect=200):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    headers = {"Host": "127.0.0.1"}
    if cookie:
        headers["Cookie"] = f"sessionid={cookie}; csrftoken={CSRF}"
    if method == "POST":
        headers["X-CSRFToken"] = CSRF
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if htmx:
        headers["HX-Request"] = "true"
    start = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - start
    conn.close()
    if response.status != expect:
        raise RuntimeError(f"{method} {path}: HTTP {response.status}, expected {expect}")
    return elapsed, response.getheader("Location")


def start_server(env):
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{PORT}", "--workers", str(WORKERS),
         "--log-level", "warning"],
        cwd=REPO, env=env,
    )  # fmt: skip
    for _ in range(100):
        try:
            request("GET", "/bench/bare/")
            return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("gunicorn did not come up")


class Bench:
    """The three requests; starts rotate over fresh learners, saves go to one running attempt."""

    def __init__(self, lesson_cookie, starters, blueprint_ids, answer_url):
        self.lesson_cookie = lesson_cookie
        self.starters = iter(starters)  # (cookie, learner) never used before
        self.blueprint_ids = blueprint_ids
        self.answer_cookie, self.answer_path = answer_url
        self.starts = 0
        self.saves = 0
        self.attempt_ids = set()

    def lesson(self):
        return request("GET", f"/lessons/{LESSON}/", self.lesson_cookie)[0]

    def start(self):
        cookie, _ = next(self.starters)
        blueprint = self.blueprint_ids[self.starts % len(self.blueprint_ids)]
        self.starts += 1
        elapsed, location = request("POST", f"/exams/{blueprint}/start/", cookie, body="", expect=302)
        if "/attempts/" not in (location or ""):
            raise RuntimeError(f"exam start went to {location}, not to a new attempt")
        attempt_id = int(location.split("/attempts/")[1].split("/")[0])
        if attempt_id in self.attempt_ids:
            raise RuntimeError(f"exam start gave attempt {attempt_id} again, not a new one")
        self.attempt_ids.add(attempt_id)
        return elapsed

    def save(self):
        self.saves += 1
        choice = "choice=a" if self.saves % 2 else "choice=b"
        return request("POST", self.answer_path, self.answer_cookie, body=choice, htmx=True)[0]


def measure(bench):
    for _ in range(WARMUP):  # every worker has imported and rendered each path
        bench.lesson(), bench.start(), bench.save()
    timings = {name: [] for name in ENDPOINTS}
    for _ in range(ROUNDS):
        for _ in range(PER_ROUND):
            for name, call in zip(ENDPOINTS, (bench.lesson, bench.start, bench.save), strict=True):
                timings[name].append(call())
    return timings


# --- queries and profiles, in-process -----------------------------------------------------------------------


def count_queries(client_for, lesson_user, starters, blueprint_id, answer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    client = client_for(lesson_user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/lessons/{LESSON}/").status_code == 200
    counts["lesson page (logged in)"] = len(ctx.captured_queries)
    client = client_for(next(starters))
    with CaptureQueriesContext(connection) as ctx:
        assert client.post(f"/exams/{blueprint_id}/start/").status_code == 302
    counts["exam start"] = len(ctx.captured_queries)
    user, path = answer
    client = client_for(user)
    for n in range(2):
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(path, {"choice": "c" if n else "d"}, headers={"HX-Request": "true"})
            assert response.status_code == 200
    counts["answer save"] = len(ctx.captured_queries)
    return counts


def profile(client_for, starters, blueprint_ids, answer, n=30):
    user, path = answer
    reports = {}
    for name in ("exam start", "answer save"):
        profiler = cProfile.Profile()
        for i in range(n):
            if name == "exam start":
                client = client_for(next(starters))
                profiler.enable()
                client.post(f"/exams/{blueprint_ids[i % len(blueprint_ids)]}/start/")
            else:
                client = client_for(user)
                profiler.enable()
                client.post(path, {"choice": "a" if i % 2 else "b"}, headers={"HX-Request": "true"})
            profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(r"^(?!.*site-packages)(?!.*/lib/python)(?!\{)", 25)  # the app's code
        stats.sort_stats("tottime").print_stats(15)
        reports[name] = out.getvalue()
    return reports


# --- one database, in a child process -----------------------------------------------------------------------


def run_one(url, label, out_path):
    rng = random.Random(10)
    fresh_database(url)
    started = time.perf_counter()
    setup_django(url)
    print(f"[{label}] migrated and synced in {time.perf_counter() - started:.0f} s", flush=True)

    from django.db import connections
    from django.test import Client

    from quizzes import exams
    from quizzes.models import ExamAttempt, ExamBlueprint

    started = time.perf_counter()
    learners, items_made = seed(rng)
    seeding = time.perf_counter() - started
    finished = ExamAttempt.objects.finished().count()
    print(f"[{label}] seeded {finished:,} finished attempts, {items_made:,} items in {seeding:.1f} s", flush=True)

    lesson_user = lesson_learner()
    blueprint_ids = list(ExamBlueprint.objects.published().order_by("content_id").values_list("content_id", flat=True))
    needed = WARMUP + ROUNDS * PER_ROUND
    rng.shuffle(learners)
    http_learners, local_learners = learners[:needed], learners[needed:]
    if len(local_learners) < 40:
        raise SystemExit(f"{LEARNERS} learners are too few for {needed} starts (and 40 in-process)")
    answerer = local_learners.pop()
    running = exams.exam_start(user=answerer, blueprint=ExamBlueprint.objects.get(content_id=blueprint_ids[-1]))
    answer = (answerer, f"/attempts/{running.pk}/q/{running.current_position}/answer/")
    bench = Bench(
        session_cookie(lesson_user),
        [(session_cookie(u), u) for u in http_learners],
        blueprint_ids,
        (session_cookie(answerer), answer[1]),
    )
    connections.close_all()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    server = start_server(env)
    try:
        started = time.perf_counter()
        timings = measure(bench)
        measuring = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=10)

    client = Client()  # one handler (a new Client loads the middleware again)

    def client_for(user):
        client.force_login(user)
        return client

    starters = iter(local_learners)  # none has started an exam yet
    queries = count_queries(client_for, lesson_user, starters, blueprint_ids[0], answer)
    profiles = profile(client_for, starters, blueprint_ids, answer) if os.environ.get("BENCH_EXAM_PROFILE") else {}
    result = {
        "database": label,
        "finished_attempts": finished,
        "items": items_made,
        "learners": LEARNERS,
        "seeding_seconds": round(seeding, 1),
        "measuring_seconds": round(measuring, 1),
        "endpoints": {},
    }
    for name in ENDPOINTS:
        values = timings[name]
        result["endpoints"][name] = {
            "p50_ms": round(statistics.median(values) * 1000, 2),
            "p95_ms": round(percentile(values, 0.95) * 1000, 2),
            "requests": len(values),
            "queries": queries[name],
        }
    base = result["endpoints"][ENDPOINTS[0]]["p50_ms"]
    for name in ENDPOINTS[1:]:
        result["endpoints"][name]["ratio_to_lesson"] = round(result["endpoints"][name]["p50_ms"] / base, 2)
    result["profiles"] = profiles
    Path(out_path).write_text(json.dumps(result))


# --- the parent: each database in turn, one report ----------------------------------------------------------


def report(results):
    print(
        f"\nPractice exams at scale: {WORKERS} gunicorn workers, one client, {ROUNDS} interleaved rounds of "
        f"{PER_ROUND} of each request"
    )
    for result in results:
        print(
            f"\n{result['database']}: {result['finished_attempts']:,} finished attempts, {result['items']:,} items, "
            f"{result['learners']} learners (seeded in {result['seeding_seconds']:.1f} s)"
        )
        print(f"{'request':<26}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}{'p50 / lesson':>14}  target")
        for name, row in result["endpoints"].items():
            ratio = row.get("ratio_to_lesson")
            verdict = "" if ratio is None else f"<= {TARGET:.1f}  {'ok' if ratio <= TARGET else 'MISSED'}"
            shown = "" if ratio is None else f"{ratio:.2f}"
            print(f"{name:<26}{row['p50_ms']:>9.2f}{row['p95_ms']:>9.2f}{row['queries']:>9}{shown:>14}  {verdict}")
        for name, text in result.get("profiles", {}).items():
            print(f"\ncProfile of {name} ({result['database']}), by cumulative time:\n{text}")


def main():
    targets = [("SQLite", f"sqlite:///{SQLITE_PATH}")]
    if postgres_reachable():
        targets.append(("PostgreSQL", POSTGRES_URL))
    else:
        print(f"PostgreSQL is not reachable at {POSTGRES_URL.split('@')[-1]}: SQLite only.")
    results = []
    scratch = Path(tempfile.mkdtemp(prefix="spinup-exam-bench-"))
    for label, url in targets:
        out = scratch / f"{label}.json"
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        subprocess.run([sys.executable, __file__, "--one", url, label, str(out)], cwd=REPO, env=env, check=True)
        results.append(json.loads(out.read_text()))
    report(results)
    path = REPO / "bench" / "results"
    path.mkdir(exist_ok=True)
    (path / "exam.json").write_text(json.dumps({"results": results}, indent=2))
    print(f"\nWritten to {path / 'exam.json'}")
    for _, url in targets:  # made again by each run: nothing worth keeping (some 180 MB each)
        fresh_database(url, create=False)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        run_one(*sys.argv[2:5])
    else:
        main()
