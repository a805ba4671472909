"""Review latency at scale: 10,000 students and 2.4 million cards in PostgreSQL.

Measures the server time from posting an answer to having the next card (the answer POST plus the htmx GET
of the next card, in-process through the full middleware stack), and prints the due-queue query's plan.
The data set is made once with SQL and kept in its own database (BENCH_POSTGRES_URL) for later runs.
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
STUDENTS = int(os.environ.get("BENCH_STUDENTS", "10000"))
CARDS_PER_STUDENT = int(os.environ.get("BENCH_CARDS_PER_STUDENT", "240"))
SAMPLES = int(os.environ.get("BENCH_REVIEW_SAMPLES", "300"))
URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/spinup_bench")


def ensure_database():
    import psycopg

    name = URL.rsplit("/", 1)[1]
    with psycopg.connect(URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django():
    os.environ["DATABASE_URL"] = URL
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--no-input", verbosity=0)
    call_command("sync_content", verbosity=0)


def populate():
    """10,000 students with 240 review-state cards each, due dates spread from 10 days ago to 50 days ahead."""
    from django.db import connection

    from quizzes.models import Card, Question

    questions = list(Question.objects.published().order_by("pk").values_list("pk", flat=True)[:CARDS_PER_STUDENT])
    if len(questions) < CARDS_PER_STUDENT:
        raise SystemExit(f"need {CARDS_PER_STUDENT} questions, the curriculum has {len(questions)}")
    expected = STUDENTS * CARDS_PER_STUDENT
    if Card.objects.count() >= expected:
        return expected
    print(f"Making {STUDENTS:,} students and {expected:,} cards (once; kept for later runs) ...", flush=True)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE quizzes_reviewlog, quizzes_reviewsession, quizzes_card, quizzes_studysettings CASCADE")
        cursor.execute("DELETE FROM auth_user WHERE username LIKE 'bench-%%'")
        cursor.execute(
            """
            INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff,
                                   is_active, date_joined)
            SELECT '!', false, 'bench-' || n, '', '', '', false, true, now() FROM generate_series(1, %s) AS n
            """,
            [STUDENTS],
        )
        cursor.execute(
            """
            INSERT INTO quizzes_card (user_id, question_id, state, step, stability, difficulty, due, last_review,
                                      reps, lapses, created_at, attempts)
            SELECT u.id, q.id, 2, NULL, 1 + random() * 40, 1 + random() * 9,
                   now() + (random() * 60 - 10) * interval '1 day',
                   now() - (1 + random() * 30) * interval '1 day', 3, 0, now(), 0
            FROM auth_user u CROSS JOIN unnest(%s::bigint[]) AS q(id)
            WHERE u.username LIKE 'bench-%%'
            """,
            [questions],
        )
        cursor.execute("ANALYZE auth_user")
        cursor.execute("ANALYZE quizzes_card")
    print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    return expected


def measure():
    from django.contrib.auth.models import User
    from django.test import Client
    from django.utils import timezone

    from quizzes import services
    from quizzes.models import Card
    from quizzes.variants import render_variant
    from tests.quizzes.test_services import answer_data

    users = list(User.objects.filter(username__startswith="bench-").order_by("?")[: SAMPLES // 5 + 1])
    client = Client()
    timings = []
    for user in users:
        client.force_login(user)
        session = services.session_start_daily(user=user)
        url = session.get_absolute_url()
        client.get(url, headers={"HX-Request": "true"})
        for _ in range(5):
            card = Card.objects.exclude(presentation=None).get(user=user)
            variant = render_variant(card.question.spec, card.variant_seed)
            fields = {k: v if len(v) > 1 else v[0] for k, v in answer_data(variant, random.random() < 0.85).lists()}
            data = {"presentation": str(card.presentation), **fields}
            started = time.perf_counter()
            response = client.post(url + "answer/", data, headers={"HX-Request": "true"})
            if "Not quite" in response.content.decode():
                # A wrong first try comes straight back as the same card to try again: that is its next card.
                timings.append(time.perf_counter() - started)
                started = time.perf_counter()
                response = client.post(url + "answer/", data, headers={"HX-Request": "true"})
            client.get(url, headers={"HX-Request": "true"})
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200
    user = users[0]
    plan = Card.objects.due(user, timezone.now()).values_list("question_id", flat=True)[:200].explain(analyze=True)
    return timings, plan


def main():
    ensure_database()
    setup_django()
    total = populate()
    timings, plan = measure()
    timings_ms = sorted(t * 1000 for t in timings)
    p50 = statistics.median(timings_ms)
    p95 = timings_ms[int(0.95 * len(timings_ms)) - 1]
    print(f"\nReview at scale: {STUDENTS:,} students, {total:,} cards (PostgreSQL)")
    print(
        f"answer -> next card, server time over {len(timings_ms)} answers: p50 {p50:.1f} ms, p95 {p95:.1f} ms (target p95 < 30 ms)"
    )
    print("  (a final answer: its POST plus the htmx GET of the next card; a wrong first try: its POST, which")
    print("  brings the same card back to try again)")
    print("\nDue-queue query plan (EXPLAIN ANALYZE):")
    print("  " + plan.replace("\n", "\n  "))
    uses_index = "Index Scan" in plan or "Index Only Scan" in plan
    print(f"\nDue queue uses an index scan: {'yes' if uses_index else 'NO'}")
    return {"p50_ms": round(p50, 2), "p95_ms": round(p95, 2), "answers": len(timings_ms), "index_scan": uses_index}


if __name__ == "__main__":
    main()
