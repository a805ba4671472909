"""The sandbox contract: run(files, command, limits) -> RunResult, whatever the backend."""

import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field, fields
from pathlib import Path, PurePosixPath

MiB = 1024 * 1024

# Caps a lab may tighten, and loosen only up to CAPS.
DEFAULTS = {
    "wall_seconds": 10.0,
    "cpu_seconds": 5.0,
    "memory_mb": 256,
    "processes": 64,
    "output_bytes": 1 * MiB,
    "tmpfs_mb": 64,
}
CAPS = {
    "wall_seconds": 60.0,
    "cpu_seconds": 30.0,
    "memory_mb": 1024,
    "processes": 128,
    "output_bytes": 4 * MiB,
    "tmpfs_mb": 256,
}
MAX_FILES = 200
MAX_TOTAL_BYTES = 5 * MiB


@dataclass(frozen=True)
class Share:
    """A folder two sandboxes of one grading share at /svc: a trusted service's socket, never student files.

    `where` is a host folder (bubblewrap) or a volume name (Docker); `writable` is for the service side only.
    """

    where: str
    writable: bool = False

    def read_only(self) -> "Share":
        return Share(self.where, False)


SHARE_MOUNT = "/svc"


class SandboxUnavailable(RuntimeError):  # noqa: N818
    """No sandbox backend can run here; nothing is run outside one."""


class SandboxError(RuntimeError):
    """The sandbox itself failed (our fault, not the submission's)."""


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = DEFAULTS["wall_seconds"]
    cpu_seconds: float = DEFAULTS["cpu_seconds"]
    memory_mb: int = DEFAULTS["memory_mb"]
    processes: int = DEFAULTS["processes"]
    output_bytes: int = DEFAULTS["output_bytes"]
    tmpfs_mb: int = DEFAULTS["tmpfs_mb"]

    @classmethod
    def from_dict(cls, values: dict | None) -> "Limits":
        merged = dict(DEFAULTS)
        for key, value in (values or {}).items():
            if key not in DEFAULTS:
                raise ValueError(f"unknown limit '{key}'")
            merged[key] = min(type(DEFAULTS[key])(value), CAPS[key])
        return cls(**merged)


@dataclass
class RunResult:
    exit_code: int | None
    stdout: bytes = b""
    stderr: bytes = b""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    timed_out: bool = False
    oom_killed: bool = False
    cpu_exceeded: bool = False
    wall_seconds: float = 0.0
    cpu_seconds: float | None = None
    peak_memory_bytes: int | None = None
    backend: str = ""
    extra: dict = field(default_factory=dict)
    driver: dict = field(default_factory=dict)  # {"value": what the driver returned} or {"error": exception}

    @property
    def output_cut(self) -> bool:
        return self.stdout_truncated or self.stderr_truncated

    def summary(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "driver"}
        data["stdout"] = self.stdout.decode("utf-8", "replace")
        data["stderr"] = self.stderr.decode("utf-8", "replace")
        return data


def check_files(files: dict[str, bytes]) -> None:
    """Refuse anything that is not a plain relative path inside the work folder."""
    if len(files) > MAX_FILES:
        raise ValueError(f"too many files ({len(files)} > {MAX_FILES})")
    if sum(len(content) for content in files.values()) > MAX_TOTAL_BYTES:
        raise ValueError("files are larger than 5 MiB in all")
    for name in files:
        path = PurePosixPath(name)
        if not name or path.is_absolute() or ".." in path.parts or name.startswith("~") or "\\" in name or "\0" in name:
            raise ValueError(f"refused path {name!r}")


def write_workdir(files: dict[str, bytes], *, root: Path | None = None, owner: tuple[int, int] | None = None) -> Path:
    """The run's files in a fresh folder with a random name (under `root`), readable only by `owner`.

    Nothing is left behind when a file cannot be written (e.g. `a` and `a/b` both named).
    """
    check_files(files)
    if root is not None:
        root.mkdir(mode=0o711, parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="", dir=root))  # mkdtemp makes it 0700
    try:
        for name, content in files.items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            target.write_bytes(content)
            os.chmod(target, 0o400 if owner else 0o644)
        if owner:
            for path in [folder, *folder.rglob("*")]:
                os.lchown(path, *owner)
        else:
            os.chmod(folder, 0o755)
    except BaseException:
        remove_workdir(folder)
        raise
    return folder


def remove_workdir(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)


class _CappedReader(threading.Thread):
    """Drains a pipe to the end (so the child never blocks), keeping at most `cap` bytes."""

    def __init__(self, stream, cap):
        super().__init__(daemon=True)
        self.stream, self.cap = stream, cap
        self.chunks, self.kept, self.truncated = [], 0, False

    def run(self):
        while True:
            chunk = self.stream.read(65536)
            if not chunk:
                break
            room = self.cap - self.kept
            if room > 0:
                self.chunks.append(chunk[:room])
                self.kept += min(len(chunk), room)
            if len(chunk) > room:
                self.truncated = True

    @property
    def data(self) -> bytes:
        return b"".join(self.chunks)


class NoReply(Exception):  # noqa: N818
    """A sandboxed process gave no usable answer: the reason is safe to show the student."""


MAX_REPLY_BYTES = 256 * 1024
MAX_REPLY_DEPTH = 32


def parse_untrusted_json(data: bytes | str, *, max_bytes: int = MAX_REPLY_BYTES, max_depth: int = MAX_REPLY_DEPTH):
    """JSON from untrusted output, or NoReply: capped size and depth, no NaN or Infinity, text only."""
    if len(data) > max_bytes:
        raise NoReply(f"the reply is larger than {max_bytes // 1024} KiB")

    def refuse(constant):
        raise NoReply(f"the reply contains {constant}, which is not a number")

    try:
        value = json.loads(data, parse_constant=refuse)
    except RecursionError:
        raise NoReply("the reply is nested too deeply") from None
    except (ValueError, UnicodeDecodeError):
        raise NoReply("the reply is not valid JSON") from None
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            raise NoReply("the reply is nested too deeply")
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return value


class Channel:
    """JSON lines to a sandboxed process's stdin and back from its stdout. What comes back is untrusted."""

    def __init__(self, stdin, stdout, cap: int):
        self._stdin, self._stdout, self.cap = stdin, stdout, cap
        self._lines: queue.Queue = queue.Queue()
        self.received = 0
        self.truncated = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        try:
            while True:
                line = self._stdout.readline(MAX_REPLY_BYTES + 1)
                if not line:
                    break
                if len(line) > MAX_REPLY_BYTES:  # drop the rest of an overlong line
                    while line and not line.endswith(b"\n"):
                        line = self._stdout.readline(65536)
                    self._lines.put(NoReply(f"the reply is larger than {MAX_REPLY_BYTES // 1024} KiB"))
                    continue
                self.received += len(line)
                if self.received > self.cap:
                    self.truncated = True
                    continue  # keep draining so the process never blocks, but keep nothing
                self._lines.put(line)
        except (OSError, ValueError):
            pass
        self._lines.put(None)

    def send(self, message) -> bool:
        """Write one JSON line; False when the process no longer reads."""
        try:
            self._stdin.write(json.dumps(message).encode() + b"\n")
            self._stdin.flush()
            return True
        except (OSError, ValueError):
            return False

    def receive(self, timeout: float):
        """The next JSON line, parsed; NoReply when none comes in time, the stream ended, or it is unusable."""
        try:
            line = self._lines.get(timeout=max(timeout, 0))
        except queue.Empty:
            raise NoReply(f"no answer within {timeout:g} s") from None
        if line is None:
            self._lines.put(None)  # stays ended for later calls
            raise NoReply("the program ended before it answered")
        if isinstance(line, NoReply):
            raise line
        return parse_untrusted_json(line)

    def close(self):
        try:
            self._stdin.close()
        except OSError:
            pass


def run_process(
    argv,
    *,
    limits: Limits,
    env=None,
    preexec=None,
    on_tick=None,
    kill=None,
    stdin_bytes=None,
    pass_fds=(),
    driver=None,
):
    """Start argv in its own session, enforce the wall limit, and collect capped output.

    on_tick() is polled while it runs and may return a reason to stop ("cpu"); kill() stops everything
    the run started (a cgroup or a container); without it the process group is killed. With a driver,
    stdin_bytes go first, then driver(channel) talks JSON lines over stdin/stdout while the limits hold;
    its return value (or the exception it raised) comes back as "driver".
    """
    started = time.monotonic()
    process = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE if stdin_bytes is not None or driver else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env if env is not None else {},
        start_new_session=True,
        preexec_fn=preexec,
        close_fds=True,
        pass_fds=pass_fds,
    )
    err = _CappedReader(process.stderr, limits.output_bytes)
    err.start()
    outcome = {}
    if driver:
        channel = Channel(process.stdin, process.stdout, limits.output_bytes)

        def talk():
            try:
                if stdin_bytes:
                    process.stdin.write(stdin_bytes)
                    process.stdin.flush()
                outcome["value"] = driver(channel)
            except BaseException as exc:  # handed to the caller, who decides
                outcome["error"] = exc
            finally:
                channel.close()

        talker = threading.Thread(target=talk, daemon=True)
        talker.start()
    else:
        out = _CappedReader(process.stdout, limits.output_bytes)
        out.start()
        if stdin_bytes is not None:

            def feed():
                try:
                    process.stdin.write(stdin_bytes)
                    process.stdin.close()
                except OSError:
                    pass

            threading.Thread(target=feed, daemon=True).start()
    timed_out = cpu_exceeded = False

    def stop():
        if kill:
            kill()
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    while process.poll() is None:
        if time.monotonic() - started > limits.wall_seconds:
            timed_out = True
            stop()
            break
        if on_tick and on_tick() == "cpu":
            cpu_exceeded = True
            stop()
            break
        time.sleep(0.02)
    exit_code = process.wait()
    if kill:
        kill()  # anything left behind (a daemonized child) goes too
    err.join(timeout=5)
    if driver:
        talker.join(timeout=5)
        stdout, stdout_truncated = b"", channel.truncated
    else:
        out.join(timeout=5)
        stdout, stdout_truncated = out.data, out.truncated
    return {
        "exit_code": exit_code,
        "stdout": stdout,
        "stderr": err.data,
        "stdout_truncated": stdout_truncated,
        "stderr_truncated": err.truncated,
        "driver": outcome,
        "timed_out": timed_out,
        "cpu_exceeded": cpu_exceeded,
        "wall_seconds": time.monotonic() - started,
    }
