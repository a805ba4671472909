"""Docker backend (production): a fresh container per run from the locally built lab runtime image.

`docker run` with no network, a read-only root, a small tmpfs, no capabilities, no new privileges, uid
65534, memory with no swap, a pid limit and an empty environment. The submission goes in as a tar on
stdin, unpacked into the container's tmpfs (no bind mount of any host path), and results are read from
the container's state and its cgroup.
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

from .base import SHARE_MOUNT, Limits, RunResult, SandboxError, SandboxUnavailable, Share, check_files, run_process

NOBODY = "65534:65534"
CGROUP = Path("/sys/fs/cgroup")
# Unpack the submission (a tar on stdin after its 16-digit length, made by us from checked names) into the
# tmpfs, then become the command. Reading exactly that many bytes leaves the rest of stdin to the command
# (a driver's JSON lines).
BOOT = """import io, os, sys, tarfile
def take(n):
    data = b""
    while len(data) < n:
        chunk = os.read(0, n - len(data))
        if not chunk:
            raise SystemExit(125)
        data += chunk
    return data
tarfile.open(fileobj=io.BytesIO(take(int(take(16))))).extractall("/tmp/lab")
os.chdir("/tmp/lab")
os.execvp(sys.argv[1], sys.argv[1:])
"""


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
    if not _userns_remapped():
        return False, "the Docker engine does not remap user namespaces (start it with --userns-remap=default)"
    return True, "docker"


_USERNS = {"at": None, "value": False}


def _userns_remapped() -> bool:
    """Root in our containers must not be host root: the engine runs with --userns-remap (asked once a minute)."""
    now = time.monotonic()
    if _USERNS["at"] is None or now - _USERNS["at"] > 60:
        try:
            found = _docker("info", "--format", "{{json .SecurityOptions}}", timeout=10, check=False)
            _USERNS["value"] = found.returncode == 0 and "name=userns" in found.stdout
        except (OSError, subprocess.TimeoutExpired):
            _USERNS["value"] = False
        _USERNS["at"] = now
    return _USERNS["value"]


def _tar_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(content), 0o644, int(time.time())
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


class _Cgroup:
    """Reads the running container's cgroup (v1 or v2) for CPU time and peak memory."""

    def __init__(self, cidfile: Path):
        self.cidfile, self.cid = cidfile, None
        self.cpu, self.peak = None, None

    def _paths(self):
        if self.cid is None:
            try:
                self.cid = self.cidfile.read_text().strip() or None
            except OSError:
                return None
        if not self.cid:
            return None
        if (CGROUP / "cgroup.controllers").exists():
            for base in (CGROUP / "system.slice" / f"docker-{self.cid}.scope", CGROUP / "docker" / self.cid):
                if base.exists():
                    return ("v2", base)
            return None
        return ("v1", CGROUP)

    def sample(self):
        found = self._paths()
        if not found:
            return
        kind, base = found
        try:
            if kind == "v1":
                self.cpu = int((base / "cpuacct" / "docker" / self.cid / "cpuacct.usage").read_text()) / 1e9
                self.peak = int((base / "memory" / "docker" / self.cid / "memory.max_usage_in_bytes").read_text())
            else:
                for line in (base / "cpu.stat").read_text().splitlines():
                    if line.startswith("usage_usec "):
                        self.cpu = int(line.split()[1]) / 1e6
                peak = base / "memory.peak"
                if peak.exists():
                    self.peak = int(peak.read_text())
        except (OSError, ValueError):
            pass


def reap(*, force: bool = False) -> int:
    """Remove run containers past their deadline (all of them with force): what a killed worker left behind."""
    if not shutil.which("docker"):
        return 0
    listed = _docker(
        "ps", "-a", "--filter", "label=spinup.deadline", "--format", '{{.ID}} {{.Label "spinup.deadline"}}', check=False
    )
    stale = [
        line.split()[0]
        for line in listed.stdout.splitlines()
        if len(line.split()) == 2 and int(line.split()[1]) < time.time()
    ]
    if stale:
        _docker("rm", "--force", *stale, check=False, timeout=60)
    return len(stale)


def make_share() -> Share:
    """A fresh named volume; the image's /svc (owned by 65534) seeds its ownership on first mount."""
    name = f"spinup-share-{uuid.uuid4().hex[:16]}"
    _docker("volume", "create", "--label", "spinup.share=1", name, timeout=30)
    return Share(name, writable=True)


def remove_share(share: Share) -> None:
    _docker("volume", "rm", "--force", share.where, check=False, timeout=30)


def run(files: dict[str, bytes], command: list[str], limits: Limits, *, driver=None, share=None) -> RunResult:
    ok, why = available()
    if not ok:
        raise SandboxUnavailable(why)
    check_files(files)
    name = f"spinup-run-{uuid.uuid4().hex[:12]}"
    memory = f"{limits.memory_mb}m"
    scratch = Path(tempfile.mkdtemp(prefix="spinup-docker-"))
    cidfile = scratch / "cid"
    argv = [
        "docker", "run", "-i", "--name", name, "--cidfile", str(cidfile),
        "--network", "none", "--read-only", "--tmpfs", f"/tmp:rw,nosuid,nodev,size={limits.tmpfs_mb}m,mode=1777",
        "--memory", memory, "--memory-swap", memory, "--pids-limit", str(limits.processes),
        "--cpus", "1", "--ulimit", f"cpu={int(limits.cpu_seconds) + 1}", "--ulimit", "core=0",
        "--user", NOBODY, "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
        "--env", "HOME=/tmp", "--env", "PYTHONDONTWRITEBYTECODE=1", "--env", "TMPDIR=/tmp",
        "--log-driver", "none", "--entrypoint", "python3",
        *(["--mount", f"type=volume,src={share.where},dst={SHARE_MOUNT}{'' if share.writable else ',readonly'}"]
          if share else []),
        "--label", f"spinup.deadline={int(time.time() + limits.wall_seconds + 30)}",
        image(), "-c", BOOT, *command,
    ]  # fmt: skip
    group = _Cgroup(cidfile)

    def on_tick():
        group.sample()
        return "cpu" if group.cpu is not None and group.cpu > limits.cpu_seconds else None

    def kill():
        _docker("kill", name, check=False, timeout=10)

    client_env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "DOCKER_HOST", "DOCKER_CONFIG")}
    try:
        tar = _tar_of(files)
        stdin = b"%016d" % len(tar) + tar
        raw = run_process(
            argv, limits=limits, env=client_env, on_tick=on_tick, kill=kill, stdin_bytes=stdin, driver=driver
        )
        inspected = _docker("inspect", name, "--format", "{{json .State}}", check=False)
        if inspected.returncode != 0:
            raise SandboxError(f"docker run failed: {raw['stderr'].decode(errors='replace')[-500:]}")
        state = json.loads(inspected.stdout)
        if state.get("Error"):
            raise SandboxError(f"docker could not start the container: {state['Error'][:300]}")
        return RunResult(
            **{**raw, "exit_code": state.get("ExitCode")},
            oom_killed=bool(state.get("OOMKilled")),
            cpu_seconds=group.cpu,
            peak_memory_bytes=group.peak,
            backend="docker",
        )
    finally:
        _docker("rm", "--force", name, check=False, timeout=30)
        shutil.rmtree(scratch, ignore_errors=True)
