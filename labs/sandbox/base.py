"""The sandbox contract: run(files, command, limits) -> RunResult, whatever the backend."""

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
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

    @property
    def output_cut(self) -> bool:
        return self.stdout_truncated or self.stderr_truncated

    def summary(self) -> dict:
        data = asdict(self)
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


def run_process(
    argv, *, limits: Limits, env=None, preexec=None, on_tick=None, kill=None, stdin_bytes=None, pass_fds=()
):
    """Start argv in its own session, enforce the wall limit, and collect capped output.

    on_tick() is polled while it runs and may return a reason to stop ("cpu"); kill() stops everything
    the run started (a cgroup or a container); without it the process group is killed.
    """
    started = time.monotonic()
    process = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE if stdin_bytes is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env if env is not None else {},
        start_new_session=True,
        preexec_fn=preexec,
        close_fds=True,
        pass_fds=pass_fds,
    )
    readers = [_CappedReader(process.stdout, limits.output_bytes), _CappedReader(process.stderr, limits.output_bytes)]
    for reader in readers:
        reader.start()
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
    for reader in readers:
        reader.join(timeout=5)
    out, err = readers
    return {
        "exit_code": exit_code,
        "stdout": out.data,
        "stderr": err.data,
        "stdout_truncated": out.truncated,
        "stderr_truncated": err.truncated,
        "timed_out": timed_out,
        "cpu_exceeded": cpu_exceeded,
        "wall_seconds": time.monotonic() - started,
    }
