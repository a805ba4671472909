"""Building a student's Dockerfile into an image and asking the running container one HTTP question.

Trusted code (it runs outside the sandbox, like a grader), but everything it builds is the student's:

- The build context is a tar of the submitted files streamed to `docker build -` (no host path is sent),
  with `--network none` for every RUN step, `--pull=false`, `--no-cache` (no layer is shared with another
  build, so removing this build's layers can never break someone else's), memory and CPU caps, a wall-clock
  cap, and a capped log. The Docker daemon itself fetches `ADD <url>` sources and missing `FROM` /
  `COPY --from` images *with its own network*, so a conservative text guard refuses any `ADD` (and
  `ONBUILD`, which could carry one into a later stage), any `FROM`
  that is not one of `base_images` (or an earlier stage) on one physical line, and any `--from=` naming
  something else, before anything is sent to the daemon.
- The image then runs detached with no network, a read-only root, a small /tmp, memory with no swap, a
  pid limit, no capabilities and no new privileges; if the image's configured user is not a numeric
  non-root uid it runs as 65534 instead (a name may map to uid 0 in the image's own /etc/passwd).
- A second container from the lab runtime image joins the app's network namespace (still no outside
  network) and makes one GET with retries; it prints one JSON line, the only output read from it.
- Containers (with their anonymous volumes), the image and any layers this build left behind are always
  removed, whatever happened.

The legacy builder is used (DOCKER_BUILDKIT=0): it honours `--network none`, `--memory` and `--ulimit`
for RUN steps and keeps its cache as plain images that can be removed one by one.
"""

import io
import json
import os
import re
import signal
import subprocess
import tarfile
import threading
import time
import uuid
from collections import deque
from datetime import UTC, datetime

from . import docker as docker_backend
from .base import check_files

BASE_IMAGES = ("python:3.11-slim-bookworm",)
LOG_TAIL_CHARS = 6000
LOG_KEEP_BYTES = 64 * 1024
APP_LOG_CHARS = 2000
BODY_CHARS = 2000
MAX_LAYER_IDS = 400
BUILD_MEMORY = "512m"
APP_MEMORY = "256m"
PROBE_MEMORY = "128m"
PROBE_SECONDS = 10
NOBODY = "65534:65534"

_ANSI = re.compile(rb"\x1b\[[0-9;]*[A-Za-z]")
_LAYER = re.compile(rb"^ ---> ([0-9a-f]{12})\s*$")
_STAGE_NAME = r"[A-Za-z][A-Za-z0-9_.-]*"

# Runs in the lab runtime image inside the app's network namespace: one GET with retries, one JSON line out
# (the body is cut to BODY_CHARS = 2000 characters).
PROBE = r"""
import json, sys, time, urllib.error, urllib.request
port, path, wait = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect)
url = "http://127.0.0.1:%d%s" % (port, path)
deadline = time.monotonic() + wait
out = {"status": None, "body": "", "error": ""}
while True:
    try:
        with opener.open(url, timeout=3) as response:
            out["status"], out["body"] = response.status, response.read(8192).decode("utf-8", "replace")[:2000]
        out["error"] = ""
        break
    except urllib.error.HTTPError as exc:
        out["status"], out["error"] = exc.code, ""
        try:
            out["body"] = exc.read(8192).decode("utf-8", "replace")[:2000]
        except Exception:
            pass
        break
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"[:300]
        if time.monotonic() >= deadline:
            break
        time.sleep(0.25)
print("SPINUP-PROBE " + json.dumps(out), flush=True)
"""


def _client_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "DOCKER_HOST", "DOCKER_CONFIG")}
    env["DOCKER_BUILDKIT"] = "0"
    return env


def _docker(*args, timeout=30, input_bytes=None):
    """A docker client call with list arguments (never a shell); never raises for a non-zero exit."""
    try:
        done = subprocess.run(
            ["docker", *args], input=input_bytes, capture_output=True, timeout=timeout, env=_client_env(), check=False
        )
        return done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return None, "", f"docker {args[0]} did not answer within {timeout} s"
    except OSError as exc:
        return None, "", f"docker could not be started: {exc}"


def _normalise(reference: str) -> str:
    for prefix in ("docker.io/library/", "index.docker.io/library/", "library/"):
        if reference.startswith(prefix):
            return reference[len(prefix) :]
    return reference


def guard_dockerfile(text: str, base_images=BASE_IMAGES) -> str | None:
    """Why this Dockerfile must not reach the daemon (it would make the daemon use the network), or None.

    Deliberately conservative and line-based: a real instruction always starts a physical line, and
    str.splitlines() splits at least wherever Docker does, so no ADD or FROM can hide from these checks.
    """
    allowed = {_normalise(image) for image in base_images}
    stages = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.lstrip().lstrip("\ufeff").lstrip()
        word = line.split(None, 1)[0].lower() if line.split(None, 1) else ""
        if word == "add":
            return f"line {number}: ADD is not accepted by this builder; use COPY"
        if word == "onbuild":  # its triggers run in a later FROM of this stage: an ADD hidden from the check above
            return f"line {number}: ONBUILD is not accepted by this builder"
        if word == "from":
            match = re.fullmatch(rf"from\s+([^\s-]\S*)(?:\s+as\s+({_STAGE_NAME}))?\s*", line, re.I)
            if not match:
                return f"line {number}: write FROM <image> [AS <name>] on one line, without flags"
            image = match.group(1)
            if _normalise(image) not in allowed and image.lower() not in stages:
                return f"line {number}: only {', '.join(sorted(allowed))} is available to build from here"
            if match.group(2):
                stages.add(match.group(2).lower())
    for match in re.finditer(r"--from=(\S*)", text, re.I):
        source = match.group(1).strip("\"'")
        if not (source.isdigit() or source.lower() in stages or _normalise(source) in allowed):
            return f"--from={source[:60]}: only an earlier stage or {', '.join(sorted(allowed))} may be copied from"
    return None


def _tar_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    now = int(time.time())
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        directories = set()
        for name in sorted(files):
            parts = name.split("/")[:-1]
            for depth in range(1, len(parts) + 1):
                directory = "/".join(parts[:depth])
                if directory not in directories:
                    directories.add(directory)
                    info = tarfile.TarInfo(directory)
                    info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, now
                    tar.addfile(info)
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(files[name]), 0o644, now
            tar.addfile(info, io.BytesIO(files[name]))
    return buffer.getvalue()


class _BuildLog(threading.Thread):
    """Drains the build output line by line: keeps a capped tail and the layer ids the builder reports."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream = stream
        self.tail, self.kept = deque(), 0
        self.layers = []
        self.banner = False

    def run(self):
        while True:
            line = self.stream.readline(16384)
            if not line:
                break
            line = _ANSI.sub(b"", line).replace(b"\r", b"")
            if line.startswith(b"DEPRECATED: The legacy builder"):
                self.banner = True  # the client's notice about BuildKit: indented lines up to a blank one
                continue
            if self.banner and (line.startswith(b"      ") or not line.strip()):
                self.banner = bool(line.strip())
                continue
            self.banner = False
            match = _LAYER.match(line)
            if match and len(self.layers) < MAX_LAYER_IDS:
                self.layers.append(match.group(1).decode())
            self.tail.append(line)
            self.kept += len(line)
            while self.kept > LOG_KEEP_BYTES and len(self.tail) > 1:
                self.kept -= len(self.tail.popleft())

    def text(self) -> str:
        return b"".join(self.tail).decode("utf-8", "replace")[-LOG_TAIL_CHARS:]


def _build(files: dict[str, bytes], tag: str, timeout: float):
    """docker build from a tar on stdin; returns (built, log tail, layer ids seen, timed out)."""
    argv = [
        "docker", "build", "--network", "none", "--pull=false", "--no-cache", "--force-rm", "--rm",
        "--memory", BUILD_MEMORY, "--memory-swap", BUILD_MEMORY, "--cpu-period", "100000", "--cpu-quota", "100000",
        "--ulimit", "nproc=1024:1024", "--ulimit", "core=0", "--label", "spinup.student-build=1",
        "-t", tag, "-",
    ]  # fmt: skip
    process = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=_client_env(),
        start_new_session=True,
        close_fds=True,
    )
    log = _BuildLog(process.stdout)
    log.start()
    context = _tar_of(files)

    def feed():
        try:
            process.stdin.write(context)
            process.stdin.close()
        except OSError:
            pass

    threading.Thread(target=feed, daemon=True).start()
    timed_out = False
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True  # killing the client cancels the build on the daemon and removes its container
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
    log.join(timeout=5)
    return process.returncode == 0 and not timed_out, log.text(), list(log.layers), timed_out


def _created(value: str):
    match = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?", value or "")
    if not match:
        return None
    return datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC).timestamp()


def _remove_layers(layers: list[str], started: float) -> None:
    """Remove the untagged layers a (failed) build left behind: only ids the build printed, made after it
    started, untagged, and descending from a tagged image through other such layers (a student can print
    fake ids; this keeps them from naming anything else). Never forced."""
    if not layers:
        return
    code, out, _ = _docker(
        "image", "inspect", "--format", "{{.Id}}|{{.Parent}}|{{len .RepoTags}}|{{.Created}}", *layers, timeout=30
    )
    if code is None:
        return
    info = {}
    for line in out.splitlines():
        parts = line.strip().split("|")
        if len(parts) == 4:
            info[parts[0]] = (parts[1], parts[2] == "0", _created(parts[3]))
    ok = set()
    changed = True
    while changed:
        changed = False
        for image_id, (parent, untagged, created) in info.items():
            if image_id in ok or not untagged or created is None or created < started - 2:
                continue
            parent_ok = parent in ok or (parent in info and not info[parent][1])  # a layer, or a tagged image
            if not parent_ok and parent and parent not in info:
                code, tags, _ = _docker("image", "inspect", "--format", "{{len .RepoTags}}", parent, timeout=15)
                parent_ok = code == 0 and tags.strip() not in ("", "0")
            if parent_ok:
                ok.add(image_id)
                changed = True
    order = [image_id for image_id in reversed(list(info)) if image_id in ok]  # children before parents
    for attempt in range(6):  # after a cancelled build its last container may linger a moment, holding a layer
        if not order:
            return
        _docker("image", "rm", *order, timeout=60)
        code, out, _ = _docker("image", "inspect", "--format", "{{.Id}}", *order, timeout=30)
        left = set(out.split())
        order = [image_id for image_id in order if image_id in left]
        if order and attempt < 5:
            time.sleep(1 + attempt)


def _non_root_uid(user: str) -> bool:
    uid = (user or "").split(":", 1)[0]
    return uid.isdigit() and int(uid) != 0


def _probe(app: str, probe: str, port: int, path: str) -> dict:
    code, out, err = _docker(
        "run", "--rm", "--name", probe, "--network", f"container:{app}",
        "--read-only", "--tmpfs", "/tmp:rw,nosuid,nodev,size=16m,mode=1777",
        "--memory", PROBE_MEMORY, "--memory-swap", PROBE_MEMORY, "--pids-limit", "16",
        "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--user", NOBODY,
        "--log-driver", "none", "--env", "HOME=/tmp", "--entrypoint", "python3",
        docker_backend.image(), "-c", PROBE, str(port), path, str(PROBE_SECONDS),
        timeout=PROBE_SECONDS + 30,
    )  # fmt: skip
    for line in reversed(out.splitlines()):
        if line.startswith("SPINUP-PROBE "):
            try:
                data = json.loads(line[len("SPINUP-PROBE ") :])
            except ValueError:
                break
            if isinstance(data, dict):
                status = data.get("status")
                return {
                    "status": status if isinstance(status, int) and not isinstance(status, bool) else None,
                    "body": str(data.get("body") or "")[:BODY_CHARS],
                    "error": str(data.get("error") or "")[:300],
                }
    return {"status": None, "body": "", "error": (err.strip() or f"the probe exited with code {code}")[-300:]}


def build_and_probe(
    files: dict[str, bytes], *, port: int, path: str = "/", timeout: float = 60, base_images=BASE_IMAGES
) -> dict:
    """Build the submitted Dockerfile (no network), run the image locked down, GET http://127.0.0.1:<port><path>.

    Returns {"built", "build_log" (tail), "status" (int or None), "body", "user" (the image's configured
    user), "ran_as" (the user the container really ran as), "error" (why there is no answer), "app_log"
    (tail of the app's output when it did not answer), "seconds"}. Containers, image and leftover layers
    are always removed.
    """
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValueError("port must be 1-65535")
    if not re.fullmatch(r"/[A-Za-z0-9._~/?=&%-]{0,200}", path):
        raise ValueError("path must be a plain absolute URL path")
    check_files(files)
    result = {
        "built": False,
        "build_log": "",
        "status": None,
        "body": "",
        "user": None,
        "ran_as": None,
        "error": "",
        "app_log": "",
        "seconds": 0.0,
    }
    started = time.time()
    dockerfile = files.get("Dockerfile")
    if dockerfile is None:
        result["error"] = "there is no Dockerfile"
        return result
    try:
        text = dockerfile.decode("utf-8")
    except UnicodeDecodeError:
        result["error"] = "the Dockerfile is not UTF-8 text"
        return result
    refused = guard_dockerfile(text, base_images)
    if refused:
        result["error"] = f"not built: {refused}"
        return result
    suffix = uuid.uuid4().hex
    tag, app, probe = f"spinup-student-{suffix}", f"spinup-app-{suffix[:16]}", f"spinup-probe-{suffix[:16]}"
    layers = []
    try:
        built, log, layers, timed_out = _build(files, tag, timeout)
        result["build_log"] = log
        if timed_out:
            result["error"] = f"the build took longer than {timeout:g} s"
            return result
        if not built:
            result["error"] = "docker build failed"
            return result
        code, out, err = _docker("image", "inspect", "--format", "{{json .Config.User}}", tag, timeout=15)
        if code != 0:
            result["error"] = "the built image could not be inspected"
            return result
        result["built"] = True
        try:
            user = json.loads(out.strip() or '""')
        except ValueError:
            user = ""
        result["user"] = user if isinstance(user, str) else ""
        run_as = [] if _non_root_uid(result["user"]) else ["--user", NOBODY]
        result["ran_as"] = result["user"] if not run_as else NOBODY
        code, out, err = _docker(
            "run", "--detach", "--name", app, "--network", "none", "--read-only",
            "--tmpfs", "/tmp:rw,nosuid,nodev,size=64m,mode=1777",
            "--memory", APP_MEMORY, "--memory-swap", APP_MEMORY, "--pids-limit", "64", "--cpus", "1",
            "--cap-drop", "ALL", "--security-opt", "no-new-privileges", *run_as,
            "--ulimit", "core=0", "--log-driver", "json-file", "--log-opt", "max-size=1m", "--log-opt", "max-file=1",
            tag,
            timeout=30,
        )  # fmt: skip
        if code != 0:
            reason = next((line for line in err.splitlines() if line.strip()), "no reason given")
            reason = reason.removeprefix("docker: ").removeprefix("Error response from daemon: ")
            result["error"] = f"the container did not start: {reason[:300]}"
            return result
        answer = _probe(app, probe, port, path)
        result.update(status=answer["status"], body=answer["body"], error=answer["error"])
        if result["status"] is None:
            code, state, _ = _docker(
                "inspect", "--format", "{{.State.Running}} {{.State.ExitCode}} {{.State.OOMKilled}}", app, timeout=15
            )
            parts = state.split()
            if code == 0 and len(parts) == 3 and parts[0] == "false":
                why = "was killed for using too much memory" if parts[2] == "true" else f"exited with code {parts[1]}"
                result["error"] = f"the container {why}"
            code, out, err = _docker("logs", "--tail", "40", app, timeout=15)
            result["app_log"] = _ANSI.sub(b"", (out + err).encode()).decode("utf-8", "replace")[-APP_LOG_CHARS:]
        return result
    finally:
        for name in (probe, app):
            _docker("rm", "--force", "--volumes", name, timeout=30)
        _docker("image", "rm", tag, timeout=60)
        _remove_layers(layers, started)
        result["seconds"] = round(time.time() - started, 2)
