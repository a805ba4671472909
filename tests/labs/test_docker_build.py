"""The Docker lab's student-image builder holds: a build cannot reach the host (its loopback, its engine's
images, its disk), cannot exceed its process and disk caps, and the lab judges the built image, so the
Dockerfile's text cannot fool it. Real builder engine (labs/runtime/start-builder.sh), real host engine, no
mocks; a missing component skips locally and fails with CI set."""

import io
import json
import os
import shutil
import subprocess
import tarfile
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from labs import grading, sandbox
from labs.grading import LabContext
from labs.sandbox import docker_build
from tests.conftest import require

LAB = "docker-containerize-app"
ROOT = grading.lab_dir(LAB)
SOLUTION = (ROOT / "solution" / "Dockerfile").read_text()
BASE = docker_build.BASE_IMAGES[0]
SECRET = f"spinup-secret-{uuid.uuid4().hex}"


def files_with(dockerfile: str) -> dict[str, bytes]:
    files = grading.read_tree(ROOT / "starter")
    files["Dockerfile"] = dockerfile.encode()
    return files


def with_solution(extra: str, after: str = "COPY . .") -> str:
    """The solution's Dockerfile with lines added after the first line that starts with `after`."""
    lines = SOLUTION.splitlines()
    at = next(n for n, line in enumerate(lines) if line.startswith(after)) + 1
    return "\n".join([*lines[:at], extra, *lines[at:]]) + "\n"


def host_docker(*args, **kwargs):
    """The host's own engine (never the builder): the environment without DOCKER_HOST."""
    env = {k: v for k, v in os.environ.items() if k not in ("DOCKER_HOST", "DOCKER_CONTEXT")}
    return subprocess.run(["docker", *args], capture_output=True, text=True, env=env, check=False, **kwargs)


@pytest.fixture(scope="module")
def builder():
    ok, why = docker_build.available()
    require(ok, f"the student-image builder: {why}")


@pytest.fixture(scope="module")
def host_engine():
    require(shutil.which("docker") is not None and host_docker("info").returncode == 0, "the host Docker engine")


@pytest.fixture(scope="module")
def docker_sandbox(builder):
    ok, why = sandbox.BACKENDS["docker"].available()
    require(ok, f"docker sandbox: {why}")


def _builder_leftovers():
    containers = docker_build._docker("ps", "-aq")[1].split()
    tags = [t for t in docker_build._docker("image", "ls", "--format", "{{.Repository}}")[1].split() if "student" in t]
    cgroups = [p.name for p in docker_build.CGROUP_ROOT.glob(f"*/{docker_build.builder_cgroup()}/build-*")]
    cgroups += [p.name for p in docker_build.CGROUP_ROOT.glob(f"{docker_build.builder_cgroup()}/build-*")]
    return containers, tags, cgroups


@pytest.fixture(autouse=True)
def nothing_left_on_the_builder():
    """Every build removes its containers, image and cgroup, whatever happened."""
    if not docker_build.available()[0]:
        yield
        return
    before = _builder_leftovers()
    yield
    deadline = time.monotonic() + 5
    while _builder_leftovers() != before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _builder_leftovers() == before


def raw_build(dockerfile: str, timeout: float = 60):
    """A build on the builder that skips the guard (as if it had a hole): what the engine itself allows."""
    tag = f"spinup-student-{uuid.uuid4().hex}"
    cgroup = docker_build.BuildCgroup(f"build-{uuid.uuid4().hex[:16]}")
    started, layers = time.time(), []
    cgroup.create()
    try:
        built, log, layers, _ = docker_build._build(files_with(dockerfile), tag, timeout, cgroup)
        return built, log
    finally:
        docker_build._docker("image", "rm", tag, timeout=60)
        docker_build._remove_layers(layers, started)
        cgroup.remove()


class Listener:
    """A real HTTP server on the host's 127.0.0.1 that hands out SECRET and remembers every request."""

    def __init__(self):
        hits = self.hits = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append(self.path)
                body = SECRET.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    server = Listener()
    # it really answers on the host
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/check", timeout=5) as reply:
        assert reply.read().decode() == SECRET
    server.hits.clear()
    yield server
    server.close()


# --- Docker's own reading of the text (no engine needed) ---------------------------------------------------


@pytest.mark.parametrize(
    ("dockerfile", "refusal"),
    [
        (f"FROM {BASE}\nAD\\\nD http://127.0.0.1:9/secret /s\n", "ADD <url>"),
        (f"# escape=`\nFROM {BASE}\nAD`\nD http://169.254.169.254/latest/meta-data/ /s\n", "ADD <url>"),
        (f"FROM {BASE}\nADD app.py /app/\n", "ADD is not accepted"),
        (f"FROM {BASE}\nCOPY --fr\\\nom=spinup-debian-base:bookworm /etc/os-release /x\n", "--from=spinup-debian-base"),
        (f"FROM {BASE}\nCOPY --from=later /x /y\nFROM {BASE} AS later\n", "--from=later"),
        (f"FROM {BASE} AS one\nCOPY --from=0 /x /y\n", "--from=0"),
        ("FR\\\nOM spinup-debian-base:bookworm\n", "only python:3.11-slim-bookworm"),
        (f"ARG IMAGE={BASE}\nFROM $IMAGE\n", "not through a variable"),
        (f"FROM {BASE}\nONBUILD ADD http://x/ /y\n", "ONBUILD"),
        (f"FROM {BASE}\nRUN <<EOF\necho hi\nEOF\n", "heredocs"),
        (f"FROM {BASE}\nENV X=aaaaaaaa\n" + "ENV X=$X$X\n" * 30, "at most one $variable"),
        (f"FROM {BASE}\nENV A=1 B\n", "Docker cannot parse it"),
    ],
)
def test_the_guard_reads_the_dockerfile_as_docker_does(dockerfile, refusal):
    assert refusal in (docker_build.guard_dockerfile(dockerfile) or "")


@pytest.mark.parametrize(
    "dockerfile",
    [
        SOLUTION,
        f"FROM {BASE} AS build\nRUN true\nFROM {BASE}\nCOPY --from=build /etc/hostname /x\nCOPY --from=0 /etc/hostname /y\n",
        f"FROM {BASE}\nCOPY --from={BASE} /etc/os-release /x\nENV PATH=/app/bin:$PATH\n",
    ],
)
def test_the_guard_accepts_what_this_builder_can_build(dockerfile):
    assert docker_build.guard_dockerfile(dockerfile) is None


# --- isolation from the host -------------------------------------------------------------------------------


def test_the_builder_is_not_the_host_engine(builder, host_engine):
    info = json.loads(docker_build._docker("info", "--format", "{{json .}}")[1])
    host = json.loads(host_docker("info", "--format", "{{json .}}").stdout)
    assert info["ID"] != host["ID"]
    assert info["DockerRootDir"].startswith(docker_build.builder_dir() + "/")
    # its own network namespace, with nothing but loopback in it
    pid = (Path(docker_build.builder_dir()) / "dockerd.pid").read_text().strip()
    assert os.readlink(f"/proc/{pid}/ns/net") != os.readlink("/proc/self/ns/net")
    interfaces = [line.split(":")[0].strip() for line in Path(f"/proc/{pid}/net/dev").read_text().splitlines()[2:]]
    assert interfaces == ["lo"]
    tags = docker_build._docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}")[1].split()
    others = {t for t in tags if not t.startswith("spinup-student-")}  # a build running elsewhere
    assert others == {*docker_build.BASE_IMAGES, sandbox.docker.image()}  # the base, the probe: nothing else


def test_a_build_cannot_reach_a_listener_on_the_hosts_loopback(builder, listener):
    url = f"http://127.0.0.1:{listener.port}/secret"
    # Through a line continuation: Docker's parser sees the ADD, so it is refused before the builder sees it.
    refused = docker_build.build_and_probe(files_with(f"FROM {BASE}\nAD\\\nD {url} /s\n"), port=8080)
    assert not refused["built"] and "ADD <url>" in refused["refused"]
    # Even with the guard skipped, the builder's own fetch (ADD) and a RUN step reach nothing on the host.
    built, log = raw_build(f"FROM {BASE}\nADD {url} /s\nRUN cat /s\n")
    assert not built
    run = (
        f'FROM {BASE}\nRUN python3 -c "import urllib.request; '
        f"print(urllib.request.urlopen('{url}', timeout=3).read())\"\n"
    )
    built_run, log_run = raw_build(run)
    assert not built_run
    assert listener.hits == []
    for text in (json.dumps(refused), log, log_run):
        assert SECRET not in text


def test_a_build_cannot_copy_from_an_image_on_the_host_engine(builder, host_engine):
    tag = f"spinup-test-hostonly:{uuid.uuid4().hex[:12]}"
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        info = tarfile.TarInfo("secret.txt")
        info.size = len(SECRET)
        tar.addfile(info, io.BytesIO(SECRET.encode()))
    imported = subprocess.run(
        ["docker", "import", "-", tag],
        input=archive.getvalue(),
        capture_output=True,
        env={k: v for k, v in os.environ.items() if k != "DOCKER_HOST"},
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    try:
        result = docker_build.build_and_probe(
            files_with(f"FROM {BASE}\nCOPY --fr\\\nom={tag} /secret.txt /s\n"), port=8080
        )
        assert not result["built"] and f"--from={tag}" in result["refused"]
        for dockerfile in (f"FROM {BASE}\nCOPY --from={tag} /secret.txt /s\nRUN cat /s\n", f"FROM {tag}\n"):
            built, log = raw_build(dockerfile)
            assert not built
            assert SECRET not in log
        assert docker_build._docker("image", "inspect", tag)[0] != 0  # the builder never had it
    finally:
        host_docker("image", "rm", "--force", tag)


def test_building_leaves_the_host_engine_alone(builder, host_engine):
    since = str(int(time.time()) - 1)
    result = docker_build.build_and_probe(files_with(SOLUTION), port=8080)
    assert result["built"] and result["status"] == 200
    events = host_docker(
        "events", "--since", since, "--until", str(int(time.time()) + 1), "--format", "{{json .Actor}}", timeout=30
    ).stdout
    for name in ("spinup-student-", "spinup-app-", "spinup-probe-", "spinup-inspect-"):
        assert name not in events  # the host engine never saw this build, its containers or its image


# --- caps ----------------------------------------------------------------------------------------------------


THREADS = """
import threading, time
n = 0
try:
    for _ in range(8001):  # what one RUN step held on the host engine
        threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
        n += 1
except RuntimeError:
    pass
print("threads", n, flush=True)
raise SystemExit(1)
"""


def test_a_run_step_cannot_exceed_the_pids_limit(builder):
    files = files_with(f"FROM {BASE}\nCOPY threads.py /tmp/\nRUN python3 /tmp/threads.py\n")
    files["threads.py"] = THREADS.encode()
    started = time.monotonic()
    result = docker_build.build_and_probe(files, port=8080)
    assert time.monotonic() - started < 30
    assert not result["built"]
    assert result["pids_limit_reached"] and "processes and threads" in result["error"]
    line = next(line for line in result["build_log"].splitlines() if line.startswith("threads "))
    assert 100 < int(line.split()[1]) < docker_build.BUILD_PIDS


def _host_used_outside_builder() -> int:
    """Bytes used on the host file system that holds the builder's image file, less that file's own blocks."""
    disk = Path(docker_build.builder_dir()) / "disk.img"
    stats = os.statvfs(disk.parent)
    return (stats.f_blocks - stats.f_bfree) * stats.f_frsize - disk.stat().st_blocks * 512


def test_a_run_step_cannot_exceed_the_disk_cap(builder):
    root = Path(docker_build.builder_dir()) / "root"
    capped = os.statvfs(root)
    cap = capped.f_blocks * capped.f_frsize
    assert os.path.ismount(root) and cap <= 8 * 1024**3 and capped.f_files <= 1_000_000  # a capped file system
    before = _host_used_outside_builder()
    fill = cap + 1024**3
    started = time.monotonic()
    result = docker_build.build_and_probe(files_with(f"FROM {BASE}\nRUN fallocate -l {fill} /tmp/fill\n"), port=8080)
    assert time.monotonic() - started < 30
    assert not result["built"] and "No space left on device" in result["build_log"]
    # a fill that fits in the RUN step is then refused when the layer is committed (it needs the space twice)
    half = int(capped.f_bavail * capped.f_frsize * 0.6)
    result = docker_build.build_and_probe(files_with(f"FROM {BASE}\nRUN fallocate -l {half} /tmp/fill\n"), port=8080)
    assert not result["built"]
    assert _host_used_outside_builder() - before < min(512 * 1024**2, half // 2)  # none of it on the host's disk


# --- the lab judges the built image --------------------------------------------------------------------------


ESCAPE_DIRECTIVE_HONOURED = """# escape=`
FROM python:3.11-slim-bookworm
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
EXPOSE 8080
USER 10001:10001
RUN echo "settings for the S3 client" \\
ENV API_TOKEN=tok-5f2c9a17e4
RUN echo "from here on, unprivileged" \\
USER root
CMD ["python", "app.py"]
"""


@pytest.mark.parametrize(
    "dockerfile",
    [(ROOT / "wrong" / "escape-directive" / "files" / "Dockerfile").read_text(), ESCAPE_DIRECTIVE_HONOURED],
    ids=["directive-ignored-by-docker", "directive-honoured-by-docker"],
)
def test_the_escape_directive_cannot_fool_the_checks(docker_sandbox, dockerfile):
    verdict = grading.grade(LAB, {"Dockerfile": dockerfile.encode()}, backend="docker")
    checks = {c.name: c for c in verdict.checks}
    assert not checks["runs as non-root"].passed, checks["runs as non-root"].message
    assert not checks["no secrets in ENV/ARG"].passed, checks["no secrets in ENV/ARG"].message
    assert checks["image builds and answers"].passed, checks["image builds and answers"].message  # it did build
    assert verdict.score < 0.85


def test_a_volume_in_the_image_is_refused(docker_sandbox):
    volumes_before = docker_build._docker("volume", "ls", "-q")[1].split()
    verdict = grading.grade(LAB, {"Dockerfile": with_solution("VOLUME /app/data").encode()}, backend="docker")
    check = next(c for c in verdict.checks if c.name == "image builds and answers")
    assert not check.passed and "VOLUME /app/data" in check.message
    assert verdict.score < 1
    assert docker_build._docker("volume", "ls", "-q")[1].split() == volumes_before


def test_the_lab_refuses_to_grade_without_docker():
    grader = grading.load_grader(ROOT)
    assert grader.requires == "docker"
    ctx = LabContext(slug=LAB, root=ROOT, files=files_with("FROM nothing\n"), backend="bwrap", limits={})
    with pytest.raises(sandbox.SandboxUnavailable, match="only on the Docker sandbox"):
        grader.plan(ctx)
    with pytest.raises(sandbox.SandboxUnavailable, match="only on the Docker sandbox"):
        grader.judge(ctx, {})


def test_without_the_builder_the_lab_is_an_error_not_a_score(docker_sandbox, settings, tmp_path):
    settings.LAB_BUILDER_DIR = str(tmp_path)  # no builder answers here
    with pytest.raises(docker_build.BuilderUnavailable, match="builder is not available"):
        grading.grade(LAB, {"Dockerfile": SOLUTION.encode()}, backend="docker")
    with pytest.raises(docker_build.BuilderUnavailable):
        grading.grade(LAB, {"Dockerfile": b"FROM python:latest\n"}, backend="docker")
