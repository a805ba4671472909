"""Resource limits for one sandbox run through cgroups, v1 (memory, pids, cpuacct) or v2 (unified)."""

import os
import signal
import time
import uuid
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
PREFIX = "spinup-sandbox"


def available() -> bool:
    if (ROOT / "cgroup.controllers").exists():
        return os.access(ROOT, os.W_OK)
    return all(os.access(ROOT / name, os.W_OK) for name in ("memory", "pids", "cpuacct"))


def _kill_until_empty(pids) -> None:
    """SIGKILL every process in the group until none is left (a fork can race one pass)."""
    for _ in range(50):
        alive = pids()
        if not alive:
            return
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.01)


class CgroupV1:
    def __init__(self, memory_bytes: int, processes: int):
        name = f"{PREFIX}-{uuid.uuid4().hex[:12]}"
        self.dirs = {c: ROOT / c / name for c in ("memory", "pids", "cpuacct")}
        for path in self.dirs.values():
            path.mkdir()
        memory = self.dirs["memory"]
        (memory / "memory.limit_in_bytes").write_text(str(memory_bytes))
        swap = memory / "memory.memsw.limit_in_bytes"
        if swap.exists():  # no swap: memory and memory+swap get the same ceiling
            swap.write_text(str(memory_bytes))
        (self.dirs["pids"] / "pids.max").write_text(str(processes))

    def enter(self):
        """Called in the child before exec: join every controller."""
        pid = str(os.getpid())
        for path in self.dirs.values():
            (path / "cgroup.procs").write_text(pid)

    def pids(self) -> list[int]:
        text = (self.dirs["pids"] / "cgroup.procs").read_text()
        return [int(p) for p in text.split()]

    def cpu_seconds(self) -> float:
        return int((self.dirs["cpuacct"] / "cpuacct.usage").read_text()) / 1e9

    def peak_memory(self) -> int:
        return int((self.dirs["memory"] / "memory.max_usage_in_bytes").read_text())

    def oom_killed(self) -> bool:
        for line in (self.dirs["memory"] / "memory.oom_control").read_text().splitlines():
            if line.startswith("oom_kill ") and int(line.split()[1]) > 0:
                return True
        return False

    def kill_all(self):
        _kill_until_empty(self.pids)

    def remove(self):
        self.kill_all()
        for path in self.dirs.values():
            for _ in range(100):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.01)


class CgroupV2:
    def __init__(self, memory_bytes: int, processes: int):
        self.path = ROOT / f"{PREFIX}-{uuid.uuid4().hex[:12]}"
        self.path.mkdir()
        (self.path / "memory.max").write_text(str(memory_bytes))
        if (self.path / "memory.swap.max").exists():
            (self.path / "memory.swap.max").write_text("0")
        (self.path / "pids.max").write_text(str(processes))

    def enter(self):
        (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def pids(self) -> list[int]:
        return [int(p) for p in (self.path / "cgroup.procs").read_text().split()]

    def cpu_seconds(self) -> float:
        for line in (self.path / "cpu.stat").read_text().splitlines():
            if line.startswith("usage_usec "):
                return int(line.split()[1]) / 1e6
        return 0.0

    def peak_memory(self) -> int | None:
        peak = self.path / "memory.peak"
        return int(peak.read_text()) if peak.exists() else None

    def oom_killed(self) -> bool:
        for line in (self.path / "memory.events").read_text().splitlines():
            if line.startswith("oom_kill ") and int(line.split()[1]) > 0:
                return True
        return False

    def kill_all(self):
        kill = self.path / "cgroup.kill"
        if kill.exists():
            kill.write_text("1")
        _kill_until_empty(self.pids)

    def remove(self):
        self.kill_all()
        for _ in range(100):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.01)


def reap() -> None:
    """Remove empty sandbox cgroups a killed worker could not clean up (a cgroup in use refuses rmdir)."""
    for base in [ROOT, *(ROOT / c for c in ("memory", "pids", "cpuacct"))]:
        for path in base.glob(f"{PREFIX}-*") if base.exists() else []:
            try:
                path.rmdir()
            except OSError:
                pass


def create(memory_bytes: int, processes: int):
    if (ROOT / "cgroup.controllers").exists():
        return CgroupV2(memory_bytes, processes)
    return CgroupV1(memory_bytes, processes)
