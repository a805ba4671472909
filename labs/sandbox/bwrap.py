"""bubblewrap backend: a throwaway namespace sandbox over a read-only runtime prefix, limited by cgroups.

Inside: the host's /usr, /lib*, /bin read-only, the lab runtime (a Python venv with the pinned packages and
the interpreter it was made from) read-only, the submission at /lab read-only, a small tmpfs at /tmp, no
network (only lo), uid 65534, no capabilities, an empty environment. bwrap itself starts with an empty
environment so that its pid 1 has nothing to leak through /proc/1/environ.
"""

import resource
import shutil
import sys
from pathlib import Path

from django.conf import settings

from . import cgroups
from .base import Limits, RunResult, SandboxUnavailable, remove_workdir, run_process, write_workdir

NOBODY = 65534
WORKDIR = "/lab"  # not /work: the runtime may live under /work on the host


def runtime_dir() -> Path:
    return Path(settings.LAB_RUNTIME_DIR)


def runtime_python() -> Path:
    return runtime_dir() / "bin" / "python3"


def available() -> tuple[bool, str]:
    if not sys.platform.startswith("linux"):
        return False, "bubblewrap needs Linux"
    if not shutil.which("bwrap"):
        return False, "bubblewrap is not installed (apt-get install bubblewrap)"
    if not runtime_python().exists():
        return False, f"the lab runtime is not built at {runtime_dir()} (make runtime)"
    if not cgroups.available():
        return False, "cgroups are not writable here, so limits cannot be enforced"
    return True, "bubblewrap"


def _interpreter_prefix() -> Path:
    """The Python installation the runtime venv points at (bound read-only at the same path)."""
    cfg = runtime_dir() / "pyvenv.cfg"
    for line in cfg.read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "home":
            return Path(value.strip()).parent
    raise SandboxUnavailable("the lab runtime has no pyvenv.cfg home")


def _argv(workdir: Path, command: list[str], limits: Limits) -> list[str]:
    argv = ["bwrap", "--unshare-all", "--unshare-user", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    argv += ["--uid", str(NOBODY), "--gid", str(NOBODY), "--hostname", "sandbox", "--disable-userns"]
    for path in ("/usr", "/bin", "/lib", "/lib64", "/lib32", "/sbin"):
        if Path(path).exists():
            argv += ["--ro-bind", path, path]
    for path in ("/etc/ld.so.cache", "/etc/alternatives", "/etc/localtime"):
        if Path(path).exists():
            argv += ["--ro-bind", path, path]
    # The tmpfs first: binds made after it stay visible even when the runtime lives under /tmp on the host.
    argv += ["--size", str(limits.tmpfs_mb * 1024 * 1024), "--tmpfs", "/tmp"]
    prefix = _interpreter_prefix()
    argv += ["--ro-bind", str(prefix), str(prefix)]
    argv += ["--ro-bind", str(runtime_dir()), str(runtime_dir())]
    argv += ["--proc", "/proc", "--dev", "/dev"]
    argv += ["--ro-bind", str(workdir), WORKDIR, "--chdir", WORKDIR]
    argv += ["--clearenv", "--setenv", "PATH", f"{runtime_dir()}/bin:/usr/bin:/bin", "--setenv", "HOME", "/tmp"]
    argv += ["--setenv", "LANG", "C.UTF-8", "--setenv", "PYTHONDONTWRITEBYTECODE", "1", "--setenv", "TMPDIR", "/tmp"]
    argv += ["--"]
    return argv + [str(runtime_python()) if part == "python3" else part for part in command]


def run(files: dict[str, bytes], command: list[str], limits: Limits) -> RunResult:
    ok, why = available()
    if not ok:
        raise SandboxUnavailable(why)
    workdir = write_workdir(files)
    group = cgroups.create(limits.memory_mb * 1024 * 1024, limits.processes)
    cpu_limit = limits.cpu_seconds

    def preexec():
        group.enter()
        cpu = int(cpu_limit) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        size = limits.tmpfs_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    def on_tick():
        return "cpu" if group.cpu_seconds() > cpu_limit else None

    try:
        raw = run_process(
            _argv(workdir, command, limits),
            limits=limits,
            env={},
            preexec=preexec,
            on_tick=on_tick,
            kill=group.kill_all,
        )
        result = RunResult(
            **raw,
            oom_killed=group.oom_killed(),
            cpu_seconds=group.cpu_seconds(),
            peak_memory_bytes=group.peak_memory(),
            backend="bwrap",
        )
        # RLIMIT_CPU's SIGXCPU/SIGKILL on one process counts as the CPU limit too.
        if result.exit_code in (-24, 128 + 24, -9, 137) and result.cpu_seconds and result.cpu_seconds >= cpu_limit:
            result.cpu_exceeded = True
        return result
    finally:
        group.remove()
        remove_workdir(workdir)
