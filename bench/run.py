"""`make bench`: lesson page throughput as a ratio to a bare Django view served the same way, and latencies.

Both are served by one gunicorn on loopback and loaded in alternating rounds by the same client, so the
ratio cancels out the machine. Results also go to bench/results/latest.json.
"""

import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
PORT = int(os.environ.get("BENCH_PORT", "8765"))
ROUND_SECONDS = float(os.environ.get("BENCH_ROUND_SECONDS", "3"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "4"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
LESSON = os.environ.get("BENCH_LESSON", "lambda-pricing")


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL)


def prepare(env) -> str:
    """Migrate a scratch database, load the curriculum, and log a learner in; return the session cookie."""
    manage(env, "migrate", "--no-input")
    manage(env, "sync_content")
    code = (
        "from django.contrib.auth.models import User; from django.test import Client;"
        "from courses.models import Lesson; from courses.services import lesson_set_complete;"
        "u, _ = User.objects.get_or_create(username='bench'); u.set_password('bench-pass-123'); u.save();"
        "[lesson_set_complete(user=u, lesson=l) for l in Lesson.objects.all()[:10]];"
        "c = Client(); c.force_login(u); print(c.cookies['sessionid'].value)"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def request(path, cookie):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
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
        raise RuntimeError(f"{path}: HTTP {response.status}")
    return elapsed, len(body)


def load(path, cookie, seconds):
    latencies = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker():
        mine = []
        while time.perf_counter() < deadline:
            mine.append(request(path, cookie)[0])
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies) / (time.perf_counter() - started), latencies


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main():
    scratch = Path(tempfile.mkdtemp(prefix="spinup-bench-"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "PYTHONPATH": str(REPO)}
    env.setdefault("DATABASE_URL", f"sqlite:///{scratch / 'bench.sqlite3'}")
    print(f"Preparing a scratch database ({env['DATABASE_URL'].split('@')[-1]}) ...")
    cookie = prepare(env)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{PORT}", "--workers", str(WORKERS),
         "--log-level", "warning"],
        cwd=REPO, env=env,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                request("/bench/bare/", None)
                break
            except OSError:
                time.sleep(0.1)
        targets = {
            "bare view": ("/bench/bare/", None),
            "lesson page (visitor)": (f"/lessons/{LESSON}/", None),
            "lesson page (logged in)": (f"/lessons/{LESSON}/", cookie),
            "dashboard (logged in)": ("/", cookie),
        }
        for path, with_cookie in targets.values():  # warm up every worker
            for _ in range(20):
                request(path, with_cookie)
        results = {name: {"rps": [], "latencies": []} for name in targets}
        for _ in range(ROUNDS):
            for name, (path, with_cookie) in targets.items():
                rps, latencies = load(path, with_cookie, ROUND_SECONDS)
                results[name]["rps"].append(rps)
                results[name]["latencies"].extend(latencies)
    finally:
        server.terminate()
        server.wait(timeout=10)

    base = statistics.median(results["bare view"]["rps"])
    report = {"config": {"workers": WORKERS, "concurrency": CONCURRENCY, "rounds": ROUNDS, "round_seconds": ROUND_SECONDS,
                         "database": env["DATABASE_URL"].split(":")[0]}, "results": {}}  # fmt: skip
    print(
        f"\n{WORKERS} gunicorn workers, {CONCURRENCY} client threads, {ROUNDS} alternating rounds of {ROUND_SECONDS:.0f} s"
    )
    print(f"{'endpoint':<26}{'req/s (median)':>16}{'ratio to bare':>15}{'p50 ms':>9}{'p95 ms':>9}")
    for name, data in results.items():
        rps = statistics.median(data["rps"])
        p50 = statistics.median(data["latencies"]) * 1000
        p95 = percentile(data["latencies"], 0.95) * 1000
        report["results"][name] = {"rps_median": round(rps, 1), "ratio_to_bare": round(rps / base, 3),
                                   "p50_ms": round(p50, 2), "p95_ms": round(p95, 2), "requests": len(data["latencies"])}  # fmt: skip
        print(f"{name:<26}{rps:>16.1f}{rps / base:>15.3f}{p50:>9.2f}{p95:>9.2f}")
    out = REPO / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(report, indent=2))
    print(f"\nWritten to {out / 'latest.json'}")


if __name__ == "__main__":
    main()
