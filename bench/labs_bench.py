"""Lab grading speed: sandbox start overhead against bare starts, submission-to-verdict latency through real
db_worker processes, and sustained verdicts per second with two workers. Ratios come from one run.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
STARTS = int(os.environ.get("BENCH_SANDBOX_STARTS", "15"))
LATENCY_SAMPLES = int(os.environ.get("BENCH_LAB_SAMPLES", "8"))
BURST = int(os.environ.get("BENCH_LAB_BURST", "16"))


def median_ms(values):
    return statistics.median(values) * 1000


def p95_ms(values):
    ordered = sorted(values)
    return ordered[max(int(0.95 * len(ordered)) - 1, 0)] * 1000


def timed(function, n):
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return samples


def sandbox_overhead():
    from django.conf import settings

    from labs import sandbox
    from labs.sandbox import Limits

    rows = []
    noop = {"main.py": b"pass\n"}
    if sandbox.BACKENDS["bwrap"].available()[0]:
        python = str(Path(settings.LAB_RUNTIME_DIR) / "bin" / "python3")
        bare = timed(lambda: subprocess.run([python, "main.py"], cwd=tmp_with(noop), check=True), STARTS)
        boxed = timed(lambda: sandbox.run(noop, ["python3", "main.py"], Limits(), backend="bwrap"), STARTS)
        rows.append(("bwrap", "bare python3 start", bare, boxed))
    if sandbox.BACKENDS["docker"].available()[0]:
        image = settings.LAB_DOCKER_IMAGE
        bare = timed(
            lambda: subprocess.run(
                ["docker", "run", "--rm", "--network", "none", image, "python3", "-c", "pass"],
                check=True,
                capture_output=True,
            ),
            STARTS,
        )
        boxed = timed(lambda: sandbox.run(noop, ["python3", "main.py"], Limits(), backend="docker"), STARTS)
        rows.append(("docker", "bare docker run", bare, boxed))
    return rows


_tmp = None


def tmp_with(files):
    global _tmp
    if _tmp is None:
        _tmp = Path(tempfile.mkdtemp(prefix="spinup-bench-bare-"))
        for name, content in files.items():
            (_tmp / name).write_bytes(content)
    return _tmp


def start_workers(n, env):
    return [
        subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--no-startup-delay", "--interval", "0.05"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(n)
    ]


def wait_graded(ids, timeout=300):
    from labs.models import Submission

    deadline = time.monotonic() + timeout
    done = {}
    while len(done) < len(ids) and time.monotonic() < deadline:
        for pk in Submission.objects.filter(pk__in=ids, status="graded").values_list("pk", flat=True):
            done.setdefault(pk, time.perf_counter())
        time.sleep(0.01)
    return done


def submission_latency(slug, users, n):
    from labs import services
    from labs.models import Lab

    lab = Lab.objects.get(content_id=slug)
    solution = {p.name: p.read_text() for p in (REPO / "content" / "labs" / slug / "solution").iterdir() if p.is_file()}
    samples = []
    for i in range(n):
        started = time.perf_counter()
        submission = services.submission_create(user=users[i % len(users)], lab=lab, files=solution)
        done = wait_graded([submission.pk])
        samples.append(done[submission.pk] - started)
    return samples


def throughput(slug, users):
    from labs import services
    from labs.models import Lab

    lab = Lab.objects.get(content_id=slug)
    solution = {p.name: p.read_text() for p in (REPO / "content" / "labs" / slug / "solution").iterdir() if p.is_file()}
    started = time.perf_counter()
    ids = [services.submission_create(user=user, lab=lab, files=solution).pk for user in users[:BURST]]
    done = wait_graded(ids)
    elapsed = max(done.values()) - started
    return len(done) / elapsed, elapsed


def main():
    scratch = Path(tempfile.mkdtemp(prefix="spinup-labs-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch / 'labs.sqlite3'}")
    os.environ["SPINUP_LAB_SUBMISSIONS_PER_MINUTE"] = "1000"
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from labs import sandbox

    call_command("migrate", "--no-input", verbosity=0)
    call_command("sync_content", verbosity=0)
    print(f"\nLabs ({os.environ['DATABASE_URL'].split(':')[0]} database)")
    print(f"{'sandbox':<10}{'baseline':<22}{'baseline p50':>14}{'sandboxed p50':>15}{'ratio':>8}")
    for name, label, bare, boxed in sandbox_overhead():
        print(
            f"{name:<10}{label:<22}{median_ms(bare):>11.0f} ms{median_ms(boxed):>12.0f} ms{median_ms(boxed) / median_ms(bare):>8.2f}"
        )

    users = [User.objects.get_or_create(username=f"lab-bench-{i}")[0] for i in range(BURST)]
    for name in [n for n, (ok, _) in sandbox.status().items() if ok]:
        env = {**os.environ, "SPINUP_SANDBOX": name}
        workers = start_workers(2, env)
        try:
            time.sleep(1.5)
            print(f"\nsubmission -> verdict, 2 db_worker processes, {name} sandbox ({LATENCY_SAMPLES} each):")
            for slug, target in (
                ("lambda-cost-calculator", "under 1 s p50 on bwrap"),
                ("ecs-fargate-service", "under 3 s"),
            ):
                samples = submission_latency(slug, users, LATENCY_SAMPLES)
                print(
                    f"  {slug:<24} p50 {median_ms(samples):>6.0f} ms   p95 {p95_ms(samples):>6.0f} ms   (target {target})"
                )
            rate, elapsed = throughput("lambda-cost-calculator", users)
            print(
                f"  sustained: {BURST} lambda-cost-calculator submissions at once -> {rate:.2f} verdicts/s ({elapsed:.1f} s)"
            )
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=20)
    shutil.rmtree(scratch, ignore_errors=True)
    if _tmp:
        shutil.rmtree(_tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
