"""Building a student's Dockerfile into an image, describing that image, and asking its container one HTTP question.

Trusted code (it runs outside the sandbox, like a grader), but everything it builds is the student's. All
of it happens on the **student-image builder** (labs/runtime/start-builder.sh), never on the host's engine:
a second dockerd in its own network namespace (loopback only: not the host's 127.0.0.1, not the cloud's
metadata address, nothing beyond), whose data root is a size- and inode-capped file system holding only the
lab's base image, with root in its containers mapped to an unprivileged host uid, and its containers under a
cgroup with a process and memory ceiling. Every client call here gets DOCKER_HOST set to that builder's
socket; when it does not answer, BuilderUnavailable (a SandboxUnavailable: an error on our side, never a
score) is raised.

- The Dockerfile is read with Docker's own parser (the `dockerfile` package: moby/buildkit's Go parser, with
  Docker's rules for line continuations, the `escape` directive, comments and heredocs). Before anything
  reaches the builder, `guard_dockerfile` refuses `ADD` (it fetches URLs), `ONBUILD`, heredocs (the legacy
  builder reads them differently from this parser), any `FROM` or `COPY --from` that is not one of
  `base_images` or an earlier stage, and variable references that the builder would expand without bound.
- The build context is a tar of the submitted files streamed to `docker build -` (no host path is sent),
  with `--network none` for every RUN step, `--pull=false`, `--no-cache`, memory and CPU caps, a cgroup of
  its own whose pids.max bounds the processes and threads of all its RUN steps together, a wall-clock cap
  and a capped log.
- The built image is described from the builder's own records: `docker image inspect` (config: user, env,
  command, ports, volumes, labels) and `docker history` (one entry per instruction, in order), plus the uid
  the image's /etc/passwd gives a named USER. Graders judge that, not the Dockerfile's text.
- An image that declares a VOLUME is not run (a volume would be writable storage beside the read-only
  root). Otherwise the image runs detached with no network, a read-only root, a small /tmp, memory with no
  swap, a pid limit, no capabilities and no new privileges; if the image's configured user is not a numeric
  non-root uid it runs as 65534 instead (a name may map to uid 0 in the image's own /etc/passwd).
- A second container from the lab runtime image joins the app's network namespace (still no outside
  network) and makes one GET with retries; it prints one JSON line, the only output read from it.
- Containers, the image, any layers this build left behind and its cgroup are always removed.

The legacy builder is used (DOCKER_BUILDKIT=0): it honours `--network none`, `--memory`, `--ulimit` and
`--cgroup-parent` for RUN steps and keeps its cache as plain images that can be removed one by one.
"""

import io
import json
import os
import re
import signal
import stat
import subprocess
import tarfile
import threading
import time
import uuid
from collections import deque
from datetime import UTC, datetime
from pathlib import Path

import dockerfile
from django.conf import settings

from . import docker as docker_backend
from .base import SandboxUnavailable, check_files

BASE_IMAGES = ("python:3.11-slim-bookworm",)
DEFAULT_BUILDER_DIR = "/var/lib/spinup-builder"
DEFAULT_BUILDER_CGROUP = "spinup-builder"
CGROUP_ROOT = Path("/sys/fs/cgroup")
MAX_DOCKERFILE_BYTES = 64 * 1024
LOG_TAIL_CHARS = 6000
LOG_KEEP_BYTES = 64 * 1024
APP_LOG_CHARS = 2000
BODY_CHARS = 2000
MAX_LAYER_IDS = 400
MAX_DESCRIBE_BYTES = 4 * 1024 * 1024  # docker image inspect / history of one image
MAX_PASSWD_BYTES = 256 * 1024
BUILD_MEMORY = "512m"
BUILD_MEMORY_BYTES = 512 * 1024 * 1024
BUILD_PIDS = 256  # processes and threads of one build's RUN steps, all together
APP_MEMORY = "256m"
PROBE_MEMORY = "128m"
PROBE_SECONDS = 10
NOBODY = "65534:65534"
# Instructions whose arguments the builder itself expands ($VAR): each reference may copy a whole earlier
# value, so a few lines of `ENV X=$X$X` grow exponentially and keep the daemon busy long after the build's
# client is gone. One reference per instruction and a few in all keep every value within the file's size.
EXPANDED = {
    "ENV",
    "ARG",
    "LABEL",
    "WORKDIR",
    "USER",
    "EXPOSE",
    "VOLUME",
    "STOPSIGNAL",
    "COPY",
    "ADD",
    "FROM",
    "ONBUILD",
}
MAX_REFERENCES = 32

_ANSI = re.compile(rb"\x1b\[[0-9;]*[A-Za-z]")
_LAYER = re.compile(rb"^ ---> ([0-9a-f]{12})\s*$")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^git@", re.I)

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


class BuilderUnavailable(SandboxUnavailable):
    """The student-image builder does not answer: nothing is built (and never on the host's engine)."""


class DockerfileRefused(ValueError):  # noqa: N818
    """The Dockerfile is not sent to the builder; the message says why (and where)."""


# --- the builder engine ------------------------------------------------------------------------------------


def builder_dir() -> str:
    return str(
        getattr(settings, "LAB_BUILDER_DIR", None) or os.environ.get("SPINUP_BUILDER_DIR") or DEFAULT_BUILDER_DIR
    )


def builder_socket() -> str:
    return os.path.join(builder_dir(), "docker.sock")


def builder_cgroup() -> str:
    return str(
        getattr(settings, "LAB_BUILDER_CGROUP", None)
        or os.environ.get("SPINUP_BUILDER_CGROUP")
        or DEFAULT_BUILDER_CGROUP
    ).strip("/")


def _client_env() -> dict:
    """Only what the docker client needs, pointed at the builder: never the host engine, never a context."""
    return {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/nonexistent"),
        "DOCKER_HOST": f"unix://{builder_socket()}",
        "DOCKER_CONFIG": os.path.join(builder_dir(), "client"),  # no credentials, proxies or contexts of anyone's
        "DOCKER_BUILDKIT": "0",
    }


def _docker(*args, timeout=30, input_bytes=None, raw=False, max_bytes=None):
    """A docker client call to the builder, with list arguments (never a shell); never raises for a non-zero
    exit. Returns (exit code or None, stdout, stderr); stdout is bytes with raw=True, and None when it was
    longer than max_bytes."""
    try:
        done = subprocess.run(
            ["docker", *args], input=input_bytes, capture_output=True, timeout=timeout, env=_client_env(), check=False
        )
    except subprocess.TimeoutExpired:
        return None, b"" if raw else "", f"docker {args[0]} did not answer within {timeout} s"
    except OSError as exc:
        return None, b"" if raw else "", f"docker could not be started: {exc}"
    out = done.stdout
    if max_bytes is not None and len(out) > max_bytes:
        out = None
    elif not raw:
        out = out.decode("utf-8", "replace")
    return done.returncode, out, done.stderr.decode("utf-8", "replace")


def available() -> tuple[bool, str]:
    """(True, "builder") when the builder answers and holds the base and probe images, else (False, why)."""
    socket = builder_socket()
    try:
        if not stat.S_ISSOCK(os.stat(socket).st_mode):
            raise FileNotFoundError(socket)
    except OSError:
        return False, f"the student-image builder is not running (no socket {socket}; labs/runtime/start-builder.sh)"
    code, _, err = _docker("image", "inspect", "--format", "{{.Id}}", *BASE_IMAGES, docker_backend.image(), timeout=15)
    if code is None:
        return False, f"the student-image builder does not answer ({err[:200]})"
    if code != 0:
        if "No such image" in err:
            return False, "the student-image builder has no base image loaded (labs/runtime/start-builder.sh)"
        return False, f"the student-image builder does not answer ({err.strip()[:200]})"
    cgroup = CGROUP_ROOT / builder_cgroup()
    if not (CGROUP_ROOT / "cgroup.controllers").exists():
        cgroup = CGROUP_ROOT / "pids" / builder_cgroup()
    if not os.access(cgroup, os.W_OK):
        return False, f"the builder's cgroup {cgroup} is missing or not writable here (labs/runtime/start-builder.sh)"
    return True, "builder"


def require_builder() -> None:
    ok, why = available()
    if not ok:
        raise BuilderUnavailable(f"The image builder is not available, so this lab cannot be graded now: {why}.")


# --- reading the Dockerfile as Docker does ----------------------------------------------------------------


def _normalise(reference: str) -> str:
    for prefix in ("docker.io/library/", "index.docker.io/library/", "library/"):
        if reference.startswith(prefix):
            return reference[len(prefix) :]
    return reference


def parse_dockerfile(text: str) -> tuple:
    """The instructions as Docker's own parser reads them (dockerfile.Command tuples: cmd upper case, flags,
    value, json, start_line, heredocs). Raises DockerfileRefused when Docker would not parse it."""
    if len(text.encode("utf-8", "replace")) > MAX_DOCKERFILE_BYTES:
        raise DockerfileRefused("the Dockerfile is larger than 64 KiB")
    if "\0" in text:
        raise DockerfileRefused("the Dockerfile contains a NUL character")
    try:
        return dockerfile.parse_string(text)
    except dockerfile.GoParseError as exc:
        raise DockerfileRefused(f"Docker cannot parse it: {str(exc)[:300]}") from None


def stages_of(commands) -> list[dict]:
    """[{"index", "image", "name", "parent", "line"}] for each FROM; parent is the earlier stage it builds on."""
    stages, names = [], {}
    for command in commands:
        if command.cmd != "FROM" or not command.value:
            continue
        image = command.value[0]
        name = command.value[2].lower() if len(command.value) == 3 and command.value[1].lower() == "as" else None
        stages.append(
            {
                "index": len(stages),
                "image": image,
                "name": name,
                "parent": names.get(image.lower()),
                "line": command.start_line,
            }
        )
        if name:
            names[name] = len(stages) - 1
    return stages


def final_chain(commands) -> list:
    """The instructions that make the final image, in build order: its stage's, after those of the stages it
    builds FROM; FROM lines and ARGs before the first FROM excluded (they leave no history entry)."""
    per_stage, stage = [], -1
    for command in commands:
        if command.cmd == "FROM":
            per_stage.append([])
            stage += 1
        elif stage >= 0:
            per_stage[stage].append(command)
    stages = stages_of(commands)
    if not stages:
        return []
    chain, index, seen = [], len(stages) - 1, set()
    while index is not None and index not in seen:
        seen.add(index)
        chain = per_stage[index] + chain
        index = stages[index]["parent"]
    return chain


def guard_dockerfile(text: str, base_images=BASE_IMAGES) -> str | None:
    """Why this Dockerfile must not reach the builder, or None. Judged on Docker's own reading of the text."""
    try:
        commands = parse_dockerfile(text)
    except DockerfileRefused as exc:
        return str(exc)
    allowed = {_normalise(image) for image in base_images}
    shown = ", ".join(sorted(allowed))
    stage_names: list[str | None] = []
    references = 0
    if not any(command.cmd == "FROM" for command in commands):
        return "there is no FROM instruction"
    for command in commands:
        where = f"line {command.start_line}"
        if command.heredocs:
            return f"{where}: heredocs (<<EOF) are not supported by this builder; use \\ continuations"
        if command.cmd == "ADD":
            if any(_URL.search(value) for value in command.value):
                return (
                    f"{where}: ADD <url> makes the builder fetch from the network; it is not accepted here (use COPY)"
                )
            return f"{where}: ADD is not accepted by this builder; use COPY"
        if command.cmd == "ONBUILD":  # its trigger runs in a later build: an ADD or FROM hidden from these checks
            return f"{where}: ONBUILD is not accepted by this builder"
        if command.cmd in EXPANDED:
            count = command.original.count("$")
            if count > 1:
                return f"{where}: use at most one $variable in {command.cmd} here"
            references += count
            if references > MAX_REFERENCES:
                return f"{where}: more than {MAX_REFERENCES} $variables in the instructions Docker expands"
        if command.cmd == "FROM":
            value = command.value
            if command.flags:
                return f"{where}: write FROM <image> [AS <name>], without flags"
            if not (len(value) == 1 or (len(value) == 3 and value[1].lower() == "as")):
                return f"{where}: FROM takes an image and optionally AS <name>"
            image = value[0]
            if "$" in image:
                return f"{where}: write the image literally (FROM {shown}), not through a variable"
            if _normalise(image) not in allowed and image.lower() not in stage_names:
                return f"{where}: only {shown} is available to build from here"
            stage_names.append(value[2].lower() if len(value) == 3 else None)
            continue
        for flag in command.flags:
            name, _, source = flag.partition("=")
            if name.lower() != "--from":
                continue
            source = source.strip()
            # an earlier stage by index or name (the current one is not built yet), or the base image
            by_index = source.isdigit() and int(source) < len(stage_names) - 1
            by_name = source.lower() in [n for n in stage_names[:-1] if n]
            if "$" in source or not (by_index or by_name or _normalise(source) in allowed):
                return f"{where}: --from={source[:60]}: only an earlier stage or {shown} may be copied from"
    return None


# --- the build ---------------------------------------------------------------------------------------------


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


class BuildCgroup:
    """The cgroup parent of one build's RUN containers (`docker build --cgroup-parent`): its pids.max bounds
    every process and thread of the build together; memory without swap as well. cgroup v1 or v2."""

    def __init__(self, name: str):
        self.relative = f"{builder_cgroup()}/{name}"
        self.v2 = (CGROUP_ROOT / "cgroup.controllers").exists()

    @property
    def parent(self) -> str:
        return "/" + self.relative

    def create(self, pids: int = BUILD_PIDS, memory_bytes: int = BUILD_MEMORY_BYTES) -> None:
        if self.v2:
            path = CGROUP_ROOT
            for part in self.relative.split("/"):
                for controller in ("pids", "memory"):  # let the level below have these controllers
                    try:
                        (path / "cgroup.subtree_control").write_text(f"+{controller}")
                    except OSError:
                        pass
                path = path / part
                path.mkdir(exist_ok=True)
            (path / "pids.max").write_text(str(pids))
            (path / "memory.max").write_text(str(memory_bytes))
            if (path / "memory.swap.max").exists():
                (path / "memory.swap.max").write_text("0")
            return
        (CGROUP_ROOT / "pids" / self.relative).mkdir(parents=True, exist_ok=True)
        (CGROUP_ROOT / "pids" / self.relative / "pids.max").write_text(str(pids))
        memory = CGROUP_ROOT / "memory" / self.relative
        memory.mkdir(parents=True, exist_ok=True)
        (memory / "memory.limit_in_bytes").write_text(str(memory_bytes))
        if (memory / "memory.memsw.limit_in_bytes").exists():
            (memory / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))

    def pids_limit_reached(self) -> bool:
        """Whether the build's processes and threads reached pids.max (its peak, or a refused fork)."""
        path = CGROUP_ROOT / self.relative if self.v2 else CGROUP_ROOT / "pids" / self.relative
        try:
            limit, peak = (path / "pids.max").read_text().strip(), path / "pids.peak"
            if peak.exists() and limit.isdigit() and int(peak.read_text().strip()) >= int(limit):
                return True
            for line in (path / "pids.events").read_text().splitlines():
                if line.startswith("max ") and int(line.split()[1]) > 0:
                    return True
        except (OSError, ValueError):
            pass
        return False

    def remove(self) -> None:
        """rmdir this cgroup in every hierarchy, children (left by runc for other controllers) first."""
        tops = [CGROUP_ROOT / self.relative] if self.v2 else list(CGROUP_ROOT.glob(f"*/{self.relative}"))
        for top in tops:
            for _ in range(50):
                try:
                    for child in sorted(top.glob("**/"), key=lambda p: len(p.parts), reverse=True):
                        if child != top:
                            child.rmdir()
                    top.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)  # a build container still being removed


def _build(files: dict[str, bytes], tag: str, timeout: float, cgroup: BuildCgroup):
    """docker build from a tar on stdin; returns (built, log tail, layer ids seen, timed out)."""
    argv = [
        "docker", "build", "--network", "none", "--pull=false", "--no-cache", "--force-rm", "--rm",
        "--memory", BUILD_MEMORY, "--memory-swap", BUILD_MEMORY, "--cpu-period", "100000", "--cpu-quota", "100000",
        "--cgroup-parent", cgroup.parent,
        "--ulimit", "nproc=1024:1024", "--ulimit", "core=0",
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


# --- describing the built image ----------------------------------------------------------------------------


def _history(reference: str) -> list[dict] | None:
    """The image's history, oldest first: [{"id", "created_by", "size"}] (size in bytes as docker prints it)."""
    code, out, _ = _docker(
        "history", "--no-trunc", "--format", "{{json .}}", reference, timeout=30, max_bytes=MAX_DESCRIBE_BYTES
    )
    if code != 0 or out is None:
        return None
    entries = []
    for line in out.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            return None
        entries.append(
            {"id": item.get("ID", ""), "created_by": item.get("CreatedBy", ""), "size": item.get("Size", "")}
        )
    return list(reversed(entries))


def _inspect(reference: str) -> dict | None:
    code, out, _ = _docker(
        "image", "inspect", "--format", "{{json .}}", reference, timeout=30, max_bytes=MAX_DESCRIBE_BYTES
    )
    if code != 0 or out is None:
        return None
    try:
        data = json.loads(out)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _passwd_uid(tag: str, name: str, holder: str) -> int | None:
    """The uid the image's own /etc/passwd gives `name` (read through `docker cp` of a created, never
    started, container: the daemon resolves the path inside the image), or None."""
    code, _, _ = _docker(
        "create", "--name", holder, "--network", "none", "--entrypoint", "/nonexistent", tag, timeout=30
    )
    if code != 0:
        return None
    code, out, _ = _docker("cp", f"{holder}:/etc/passwd", "-", timeout=30, raw=True, max_bytes=MAX_PASSWD_BYTES + 4096)
    if code != 0 or not out:
        return None
    try:
        with tarfile.open(fileobj=io.BytesIO(out), mode="r:") as tar:
            member = tar.next()
            if member is None or not member.isreg() or member.size > MAX_PASSWD_BYTES:
                return None
            text = tar.extractfile(member).read(MAX_PASSWD_BYTES).decode("utf-8", "replace")
    except (tarfile.TarError, OSError):
        return None
    for line in text.splitlines():
        parts = line.split(":")
        if len(parts) >= 3 and parts[0] == name and parts[2].isdigit():
            return int(parts[2])
    return None


def describe(tag: str, base_images=BASE_IMAGES, holder: str | None = None) -> dict | None:
    """What the builder recorded about a built image: {"config" (User, Env, Cmd, Entrypoint, Shell,
    ExposedPorts, Volumes, Labels, WorkingDir), "history" (entries after the base, oldest first),
    "base" (the base image it was built on, or None), "user_uid" (for a named USER: the uid in the image's
    /etc/passwd, None when it has none)}. None when the image cannot be read."""
    data = _inspect(tag)
    history = _history(tag)
    if data is None or history is None:
        return None
    config = data.get("Config") or {}
    layers = ((data.get("RootFS") or {}).get("Layers")) or []
    base_used, base_length = None, 0
    for base in base_images:
        base_data, base_history = _inspect(base), _history(base)
        if base_data is None or base_history is None:
            continue
        base_layers = ((base_data.get("RootFS") or {}).get("Layers")) or []
        n = len(base_history)
        if (
            layers[: len(base_layers)] == base_layers
            and len(history) >= n
            and [h["created_by"] for h in history[:n]] == [h["created_by"] for h in base_history]
            and history[n - 1]["id"] == base_data.get("Id")
        ):
            base_used, base_length = base, n
            break
    keys = ("User", "Env", "Cmd", "Entrypoint", "Shell", "ExposedPorts", "Volumes", "Labels", "WorkingDir")
    facts = {
        "config": {key: config.get(key) for key in keys},
        "history": [{"created_by": h["created_by"], "size": h["size"]} for h in history[base_length:]],
        "base": base_used,
        "user_uid": None,
    }
    user = (config.get("User") or "").split(":", 1)[0]
    if user.isdigit():
        facts["user_uid"] = int(user)
    elif user and holder:
        facts["user_uid"] = _passwd_uid(tag, user, holder)
    return facts


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
    """Build the submitted Dockerfile on the builder (no network), describe the image, run it locked down and
    GET http://127.0.0.1:<port><path>.

    Returns {"built", "refused" (why the Dockerfile was not sent to the builder, else ""), "build_log" (tail),
    "image" (describe(), or None), "status" (int or None), "body", "user" (the image's configured user),
    "ran_as" (the user the container really ran as), "error" (why there is no answer), "app_log" (tail of the
    app's output when it did not answer), "pids_limit_reached" (the build's processes and threads reached
    BUILD_PIDS), "seconds"}.
    Containers, image, leftover layers and the build's cgroup are always removed. Raises BuilderUnavailable
    when the builder does not answer.
    """
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValueError("port must be 1-65535")
    if not re.fullmatch(r"/[A-Za-z0-9._~/?=&%-]{0,200}", path):
        raise ValueError("path must be a plain absolute URL path")
    check_files(files)
    result = {
        "built": False,
        "refused": "",
        "build_log": "",
        "image": None,
        "status": None,
        "body": "",
        "user": None,
        "ran_as": None,
        "error": "",
        "app_log": "",
        "pids_limit_reached": False,
        "seconds": 0.0,
    }
    started = time.time()
    dockerfile_bytes = files.get("Dockerfile")
    if dockerfile_bytes is None:
        result["error"] = result["refused"] = "there is no Dockerfile"
        return result
    try:
        text = dockerfile_bytes.decode("utf-8")
    except UnicodeDecodeError:
        result["error"] = result["refused"] = "the Dockerfile is not UTF-8 text"
        return result
    require_builder()  # no builder: an error on our side, whatever the Dockerfile says
    refused = guard_dockerfile(text, base_images)
    if refused:
        result["refused"] = refused
        result["error"] = f"not built: {refused}"
        return result
    suffix = uuid.uuid4().hex
    tag, app, probe = f"spinup-student-{suffix}", f"spinup-app-{suffix[:16]}", f"spinup-probe-{suffix[:16]}"
    holder = f"spinup-inspect-{suffix[:16]}"
    cgroup = BuildCgroup(f"build-{suffix[:16]}")
    layers = []
    try:
        try:
            cgroup.create()
        except OSError as exc:
            raise BuilderUnavailable(
                f"The image builder cannot limit a build here ({exc}); nothing was built."
            ) from None
        built, log, layers, timed_out = _build(files, tag, timeout, cgroup)
        result["build_log"] = log
        result["pids_limit_reached"] = cgroup.pids_limit_reached()
        if timed_out:
            result["error"] = f"the build took longer than {timeout:g} s"
            return result
        if not built:
            result["error"] = "docker build failed"
            if result["pids_limit_reached"]:
                result["error"] += f" (a RUN step reached the limit of {BUILD_PIDS} processes and threads)"
            return result
        facts = describe(tag, base_images, holder)
        if facts is None:
            result["error"] = "the built image could not be inspected"
            return result
        result["built"], result["image"] = True, facts
        user = facts["config"].get("User")
        result["user"] = user if isinstance(user, str) else ""
        volumes = sorted(facts["config"].get("Volumes") or {})
        if volumes:
            shown = ", ".join(v[:60] for v in volumes[:3])
            result["error"] = (
                f"the image declares VOLUME {shown}: a volume is writable storage beside the read-only file "
                "system, so it is not run here (keep state in S3, EFS or a database, not in the container)"
            )
            return result
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
        for name in (probe, app, holder):
            _docker("rm", "--force", "--volumes", name, timeout=30)
        _docker("image", "rm", tag, timeout=60)
        _remove_layers(layers, started)
        cgroup.remove()
        result["seconds"] = round(time.time() - started, 2)


def reap(older_than_minutes: int = 10) -> None:
    """What killed workers left on the builder: containers, images, dangling layers and build cgroups older
    than a few minutes (no build lives longer than its 60 s cap). Only the builder is touched."""
    if not available()[0]:
        return
    until = f"until={older_than_minutes}m"
    cutoff = time.time() - older_than_minutes * 60
    code, out, _ = _docker("ps", "--all", "--no-trunc", "--format", "{{.ID}} {{.CreatedAt}}", timeout=60)
    stale = []  # every container on the builder is ours: builds, apps, probes; an old one was abandoned
    for line in (out or "").splitlines() if code == 0 else []:
        container, _, created = line.partition(" ")
        stamp = _created(created.replace(" ", "T", 1))
        if stamp is not None and stamp < cutoff:
            stale.append(container)
    if stale:
        _docker("rm", "--force", "--volumes", *stale, timeout=120)
    code, out, _ = _docker(
        "image", "ls", "--filter", "reference=spinup-student-*", "--format", "{{.Repository}}:{{.Tag}} {{.CreatedAt}}"
    )
    for line in (out or "").splitlines() if code == 0 else []:
        reference, _, created = line.partition(" ")
        stamp = _created(created.replace(" ", "T", 1))
        if stamp is not None and stamp < cutoff:
            _docker("image", "rm", reference, timeout=60)
    _docker("image", "prune", "--force", "--filter", until, timeout=120)
    _docker("volume", "prune", "--force", timeout=60)
    for top in [CGROUP_ROOT / builder_cgroup(), *CGROUP_ROOT.glob(f"*/{builder_cgroup()}")]:
        for path in top.glob("build-*") if top.is_dir() else []:
            try:
                if time.time() - path.stat().st_mtime > older_than_minutes * 60:
                    path.rmdir()
            except OSError:
                pass
