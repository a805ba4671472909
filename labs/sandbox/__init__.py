"""Sandboxes for student code: `run(files, command, limits, backend=...)`. Never run student code elsewhere."""

import contextlib
import subprocess

from django.conf import settings

from . import bwrap, docker, docker_build
from .base import (
    CAPS,
    DEFAULTS,
    Channel,
    Limits,
    NoReply,
    RunResult,
    SandboxError,
    SandboxUnavailable,
    Share,
    check_files,
    parse_untrusted_json,
)

BACKENDS = {"docker": docker, "bwrap": bwrap}

__all__ = [
    "CAPS",
    "DEFAULTS",
    "Channel",
    "Limits",
    "NoReply",
    "RunResult",
    "SandboxError",
    "SandboxUnavailable",
    "Share",
    "check_files",
    "parse_untrusted_json",
    "reap",
    "resolve",
    "run",
    "shared_folder",
    "status",
]


def status() -> dict[str, tuple[bool, str]]:
    return {name: module.available() for name, module in BACKENDS.items()}


def resolve(name: str | None = None) -> str:
    """The backend to use: the one asked for, or with `auto` Docker when its engine answers, else bubblewrap."""
    name = name or settings.LAB_SANDBOX
    if name == "auto":
        for candidate in ("docker", "bwrap"):
            if BACKENDS[candidate].available()[0]:
                return candidate
        reasons = "; ".join(f"{n}: {why}" for n, (ok, why) in status().items())
        raise SandboxUnavailable(f"no sandbox is available here ({reasons})")
    if name not in BACKENDS:
        raise SandboxUnavailable(f"unknown sandbox backend '{name}'")
    ok, why = BACKENDS[name].available()
    if not ok:
        raise SandboxUnavailable(f"{name}: {why}")
    return name


def run(
    files: dict[str, bytes],
    command: list[str],
    limits: Limits | None = None,
    *,
    backend: str | None = None,
    driver=None,
    share: Share | None = None,
) -> RunResult:
    """Run a command over files in a sandbox. With a driver, driver(channel) talks to it in JSON lines
    (the result's .driver holds what it returned); with a share, the folder is mounted at /svc."""
    name = resolve(backend)
    return BACKENDS[name].run(files, command, limits or Limits(), driver=driver, share=share)


@contextlib.contextmanager
def shared_folder(backend: str):
    """A Share for one grading's sandboxes (a trusted service and the student's run), removed afterwards."""
    module = BACKENDS[resolve(backend)]
    share = module.make_share()
    try:
        yield share
    finally:
        module.remove_share(share)


def reap() -> None:
    """Clean what killed runs left behind (containers past their deadline, empty cgroups)."""
    from . import cgroups

    if cgroups.available():
        cgroups.reap()
    for module in (docker, docker_build):
        try:
            module.reap()
        except (OSError, ValueError, subprocess.SubprocessError):
            pass
