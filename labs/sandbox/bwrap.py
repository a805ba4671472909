"""bubblewrap backend: a throwaway namespace sandbox over a read-only runtime prefix, limited by cgroups.

Never host root: a root worker creates the run's cgroup, enters it, then drops to an unprivileged host user
(`LAB_SANDBOX_USER`) before it execs bwrap, so the sandbox's uid 65534 maps to a host uid that owns nothing.
A worker that is not root runs bwrap as itself. The backend refuses to start a run whose uid would map to 0.

Inside: the host's /usr, /lib*, /bin read-only, the lab runtime (a venv of Debian's Python with the pinned
packages) read-only, the submission at /lab read-only, a size-capped tmpfs at /tmp, everything else (/,
/dev, /proc/sys) read-only, no network (only lo), no capabilities, a seccomp filter (`seccomp.py`), an
empty environment. bwrap itself starts with an empty environment so that its pid 1 has nothing to leak
through /proc/1/environ. The host work folder is 0700, owned by the sandbox user, with a random name.
"""

import os
import pwd
import resource
import shutil
import stat
import sys
from pathlib import Path

from django.conf import settings

from . import cgroups, seccomp
from .base import SHARE_MOUNT, Limits, RunResult, SandboxUnavailable, Share, remove_workdir, run_process, write_workdir

NOBODY = 65534
WORKDIR = "/lab"  # not /work: the runtime may live under /work on the host


def runtime_dir() -> Path:
    return Path(settings.LAB_RUNTIME_DIR)


def runtime_python() -> Path:
    return runtime_dir() / "bin" / "python3"


def host_identity() -> tuple[int, int]:
    """The host uid and gid bwrap runs as: the sandbox user when we are root, else ourselves."""
    if os.geteuid() != 0:
        return os.geteuid(), os.getegid()
    try:
        entry = pwd.getpwnam(settings.LAB_SANDBOX_USER)
    except KeyError:
        raise SandboxUnavailable(
            f"the sandbox user '{settings.LAB_SANDBOX_USER}' does not exist (make runtime creates it: "
            f"useradd --system --user-group --no-create-home --shell /usr/sbin/nologin {settings.LAB_SANDBOX_USER})"
        ) from None
    if entry.pw_uid == 0 or entry.pw_gid == 0:
        raise SandboxUnavailable(f"the sandbox user '{settings.LAB_SANDBOX_USER}' is root: refusing to run")
    return entry.pw_uid, entry.pw_gid


def _unreachable(path: Path, uid: int, gid: int) -> Path | None:
    """The first folder on the way to `path` that `uid` cannot enter (or `path` itself if unreadable)."""
    path = path.resolve()
    for folder in [*reversed(path.parents), path]:
        info = folder.stat()
        if info.st_uid == uid:
            bits = stat.S_IXUSR | (stat.S_IRUSR if folder == path else 0)
        elif info.st_gid == gid:
            bits = stat.S_IXGRP | (stat.S_IRGRP if folder == path else 0)
        else:
            bits = stat.S_IXOTH | (stat.S_IROTH if folder == path else 0)
        if info.st_mode & bits != bits:
            return folder
    return None


def available() -> tuple[bool, str]:
    if not sys.platform.startswith("linux"):
        return False, "bubblewrap needs Linux"
    if not shutil.which("bwrap"):
        return False, "bubblewrap is not installed (apt-get install bubblewrap)"
    if not runtime_python().exists():
        return False, f"the lab runtime is not built at {runtime_dir()} (make runtime)"
    if not cgroups.available():
        return False, "cgroups are not writable here, so limits cannot be enforced"
    try:
        uid, gid = host_identity()
        for needed in (runtime_dir(), _interpreter_prefix()):
            blocked = _unreachable(needed, uid, gid)
            if blocked:
                return False, f"the sandbox user cannot reach {needed} ({blocked} is closed to it)"
    except SandboxUnavailable as exc:
        return False, str(exc)
    ok, why = seccomp.available()
    if not ok:
        return False, why
    return True, "bubblewrap"


def _interpreter_prefix() -> Path:
    """The Python installation the runtime venv points at (bound read-only at the same path)."""
    cfg = runtime_dir() / "pyvenv.cfg"
    for line in cfg.read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "home":
            return Path(value.strip()).parent
    raise SandboxUnavailable("the lab runtime has no pyvenv.cfg home")


def make_share() -> Share:
    """A private host folder for a service's socket, owned by the sandbox user."""
    uid, gid = host_identity()
    folder = write_workdir({}, root=Path(settings.LAB_WORK_ROOT), owner=(uid, gid) if os.geteuid() == 0 else None)
    os.chmod(folder, 0o700)
    return Share(str(folder), writable=True)


def remove_share(share: Share) -> None:
    remove_workdir(Path(share.where))


def _argv(workdir: Path, command: list[str], limits: Limits, seccomp_fd: int, share: Share | None = None) -> list[str]:
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
    if prefix != Path("/usr"):
        argv += ["--ro-bind", str(prefix), str(prefix)]
    argv += ["--ro-bind", str(runtime_dir()), str(runtime_dir())]
    argv += ["--proc", "/proc", "--ro-bind", "/proc/sys", "/proc/sys", "--dev", "/dev"]
    argv += ["--ro-bind", str(workdir), WORKDIR, "--chdir", WORKDIR]
    if share:
        argv += ["--bind" if share.writable else "--ro-bind", share.where, SHARE_MOUNT]
    argv += ["--remount-ro", "/dev", "--remount-ro", "/"]  # the only writable place is the capped /tmp
    argv += ["--clearenv", "--setenv", "PATH", f"{runtime_dir()}/bin:/usr/bin:/bin", "--setenv", "HOME", "/tmp"]
    argv += ["--setenv", "LANG", "C.UTF-8", "--setenv", "PYTHONDONTWRITEBYTECODE", "1", "--setenv", "TMPDIR", "/tmp"]
    argv += ["--seccomp", str(seccomp_fd), "--"]
    return argv + [str(runtime_python()) if part == "python3" else part for part in command]


def run(files: dict[str, bytes], command: list[str], limits: Limits, *, driver=None, share=None) -> RunResult:
    ok, why = available()
    if not ok:
        raise SandboxUnavailable(why)
    uid, gid = host_identity()
    if uid == 0:
        raise SandboxUnavailable("refusing to start bubblewrap as host root")
    drop = os.geteuid() == 0
    workdir = write_workdir(files, root=Path(settings.LAB_WORK_ROOT), owner=(uid, gid) if drop else None)
    group = cgroups.create(limits.memory_mb * 1024 * 1024, limits.processes)
    cpu_limit = limits.cpu_seconds
    seccomp_fd = seccomp.program_fd()

    def preexec():
        group.enter()  # as root: the cgroup is ours to join; the limits then hold for the user below
        cpu = int(cpu_limit) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        size = limits.tmpfs_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if drop:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
        if os.getuid() == 0 or os.geteuid() == 0:
            os._exit(126)  # never start a sandbox whose uid maps to host root

    def on_tick():
        return "cpu" if group.cpu_seconds() > cpu_limit else None

    try:
        raw = run_process(
            _argv(workdir, command, limits, seccomp_fd, share),
            limits=limits,
            env={},
            preexec=preexec,
            on_tick=on_tick,
            kill=group.kill_all,
            pass_fds=(seccomp_fd,),
            driver=driver,
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
        os.close(seccomp_fd)
        group.remove()
        remove_workdir(workdir)
