"""Docker backend (production): a fresh container per run from the locally built lab runtime image.

`docker run` with no network, a read-only root, a small tmpfs, no capabilities, no new privileges, uid
65534, memory with no swap, a pid limit and an empty environment. The submission is copied in with
`docker cp` (no bind mount of host paths), and results are read from the container's state.
"""

import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
import uuid
from pathlib import Path

from django.conf import settings

from .base import Limits, RunResult, SandboxError, SandboxUnavailable, check_files, run_process

NOBODY = "65534:65534"


def image() -> str:
    return settings.LAB_DOCKER_IMAGE


def _docker(*args, timeout=30, check=True):
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=check)


def available() -> tuple[bool, str]:
    if not shutil.which("docker"):
        return False, "the docker client is not installed"
    try:
        info = _docker("image", "inspect", image(), "--format", "{{.Id}}", timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False, "the Docker engine does not answer"
    if info.returncode != 0:
        if "Cannot connect" in info.stderr or "Is the docker daemon running" in info.stderr:
            return False, "the Docker engine is not running"
        return False, f"the lab image {image()} is not built (make runtime-image)"
    return True, "docker"


def _tar_of(files: dict[str, bytes]) -> Path:
    handle = tempfile.NamedTemporaryFile(prefix="spinup-files-", suffix=".tar", delete=False)
    with tarfile.open(fileobj=handle, mode="w") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(f"work/{name}")
            info.size, info.mode, info.uid, info.gid, info.mtime = len(content), 0o644, 65534, 65534, int(time.time())
            tar.addfile(info, io.BytesIO(content))
    handle.close()
    return Path(handle.name)


def run(files: dict[str, bytes], command: list[str], limits: Limits) -> RunResult:
    ok, why = available()
    if not ok:
        raise SandboxUnavailable(why)
    check_files(files)
    name = f"spinup-run-{uuid.uuid4().hex[:12]}"
    memory = f"{limits.memory_mb}m"
    create = [
        "create", "--name", name, "--network", "none", "--read-only",
        "--tmpfs", f"/tmp:rw,nosuid,nodev,size={limits.tmpfs_mb}m",
        "--memory", memory, "--memory-swap", memory, "--pids-limit", str(limits.processes),
        "--cpus", "1", "--ulimit", f"cpu={int(limits.cpu_seconds) + 1}", "--ulimit", "core=0",
        "--user", NOBODY, "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
        "--workdir", "/work", "--env", "HOME=/tmp", "--env", "PYTHONDONTWRITEBYTECODE=1", "--env", "TMPDIR=/tmp",
        "--log-driver", "none", "--stop-timeout", "0", "--entrypoint", "",
        image(), *command,
    ]  # fmt: skip
    tar = _tar_of(files)
    try:
        made = _docker(*create, check=False)
        if made.returncode != 0:
            raise SandboxError(f"docker create failed: {made.stderr.strip()[:500]}")
        with open(tar, "rb") as stream:
            copied = subprocess.run(["docker", "cp", "-", f"{name}:/"], stdin=stream, capture_output=True, timeout=30)
        if copied.returncode != 0:
            raise SandboxError(f"docker cp failed: {copied.stderr.decode()[:500]}")

        def kill():
            _docker("kill", name, check=False, timeout=10)

        client_env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "DOCKER_HOST", "DOCKER_CONFIG")}
        raw = run_process(["docker", "start", "--attach", name], limits=limits, env=client_env, kill=kill)
        state = json.loads(_docker("inspect", name, "--format", "{{json .State}}").stdout)
        exit_code = state.get("ExitCode")
        return RunResult(
            **{**raw, "exit_code": exit_code},
            oom_killed=bool(state.get("OOMKilled")),
            cpu_seconds=None,
            peak_memory_bytes=None,
            backend="docker",
        )
    finally:
        _docker("rm", "--force", name, check=False, timeout=30)
        tar.unlink(missing_ok=True)
