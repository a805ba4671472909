"""The sandbox holds on both backends: limits give their verdicts, nothing leaks in or out, nothing is left."""

import contextlib
import json
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings

from labs import grading, sandbox
from labs.sandbox import Limits, bwrap
from tests.conftest import require


def run(backend, code, **limits):
    return sandbox.run({"main.py": code.encode()}, ["python3", "main.py"], Limits.from_dict(limits), backend=backend)


@pytest.fixture
def canary(tmp_path):
    path = tmp_path / "canary.txt"
    path.write_text("untouched")
    os.chmod(tmp_path, 0o755)
    os.chmod(path, 0o666)  # even a world-writable host file must stay out of reach
    yield path
    assert path.read_text() == "untouched"


def sandbox_uids():
    """Host uids a sandboxed process may run as: bubblewrap's host user, and 65534 in Docker containers."""
    uids = {"65534"}
    with contextlib.suppress(sandbox.SandboxUnavailable):
        uids.add(str(bwrap.host_identity()[0]))
    return ",".join(sorted(uids))


def leftovers():
    """Processes running as a sandbox user, and run containers of ours (any state)."""
    procs = subprocess.run(["pgrep", "-u", sandbox_uids()], capture_output=True, text=True).stdout.split()
    containers = subprocess.run(
        ["docker", "ps", "-aq", "--filter", "name=spinup-run-"], capture_output=True, text=True, check=False
    ).stdout.split()
    return set(procs), set(containers)


@pytest.fixture(autouse=True)
def nothing_left_behind(request):
    """Whatever the test started is gone afterwards (compared with what ran before it)."""
    before_procs, before_containers = leftovers()
    yield
    if "backend" in request.fixturenames:
        deadline = time.monotonic() + 5
        while True:
            procs, containers = leftovers()
            new = (procs - before_procs, containers - before_containers)
            if new == (set(), set()) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert new == (set(), set())


def test_plain_code_runs_as_nobody_with_an_empty_environment(backend):
    result = run(backend, "import os, json; print(json.dumps({'uid': os.getuid(), 'env': sorted(os.environ)}))")
    assert result.exit_code == 0, result.stderr
    data = __import__("json").loads(result.stdout)
    assert data["uid"] == 65534
    assert not {"DJANGO_SECRET_KEY", "DATABASE_URL", "CI"} & set(data["env"])


def test_fork_bomb_is_contained(backend):
    result = run(
        backend,
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass",
        wall_seconds=3,
    )
    assert result.timed_out or result.cpu_exceeded


def test_memory_bomb_is_out_of_memory(backend):
    result = run(backend, "x = []\nwhile True:\n    x.append(bytearray(16 * 1024 * 1024))")
    assert result.oom_killed
    assert not result.timed_out


def test_busy_loop_hits_the_cpu_limit(backend):
    result = run(backend, "while True:\n    pass", cpu_seconds=2, wall_seconds=8)
    assert result.cpu_exceeded and not result.oom_killed
    assert result.wall_seconds < 7


def test_sleeping_past_the_wall_limit_times_out(backend):
    result = run(backend, "import time\ntime.sleep(60)", wall_seconds=2)
    assert result.timed_out
    assert result.wall_seconds < 5


def test_output_flood_is_cut_and_flagged(backend):
    result = run(backend, "import sys\nfor _ in range(100000):\n    sys.stdout.write('x' * 10000)", wall_seconds=5)
    assert result.stdout_truncated
    assert len(result.stdout) <= Limits().output_bytes


def test_filling_the_disk_stops_at_the_tmpfs(backend):
    code = (
        "import os\nf = open('/tmp/fill', 'wb')\ntry:\n    while True:\n        f.write(b'x' * 1048576)\n        f.flush()\n"
        "except OSError as e:\n    print('stopped', e.errno, os.path.getsize('/tmp/fill') // 1048576)"
    )
    result = run(backend, code)
    assert b"stopped" in result.stdout
    assert int(result.stdout.split()[-1]) <= Limits().tmpfs_mb


def test_no_network_only_loopback_and_host_services_unreachable(backend):
    code = """
import socket, json
names = [name for _, name in socket.if_nameindex()]
reached = []
for port in (5432, 6379, 8000, 80):
    s = socket.socket()
    s.settimeout(0.5)
    try:
        s.connect(("127.0.0.1", port))
        reached.append(port)
    except OSError:
        pass
    finally:
        s.close()
print(json.dumps({"interfaces": names, "reached": reached}))
"""
    result = run(backend, code)
    data = __import__("json").loads(result.stdout)
    assert data["interfaces"] == ["lo"]
    assert data["reached"] == []


def test_host_files_environment_and_secrets_are_out_of_reach(backend, canary):
    code = f"""
import os, json
seen = {{}}
for path in ["{canary}", "{settings.BASE_DIR / "config" / "settings.py"}", "/proc/1/environ", "/etc/shadow",
             "/root/.bash_history", "/var/run/docker.sock"]:
    try:
        with open(path, "rb") as handle:
            seen[path] = handle.read(4096).decode("latin-1")
    except OSError as exc:
        seen[path] = "ERR " + type(exc).__name__
try:
    open("{canary}", "w").write("changed")
    seen["write"] = "WROTE"
except OSError as exc:
    seen["write"] = "ERR " + type(exc).__name__
print(json.dumps(seen))
"""
    result = run(backend, code)
    data = __import__("json").loads(result.stdout)
    assert data[str(canary)].startswith("ERR") and data["write"].startswith("ERR")
    assert data[str(settings.BASE_DIR / "config" / "settings.py")].startswith("ERR")
    assert data["/etc/shadow"].startswith("ERR") and data["/var/run/docker.sock"].startswith("ERR")
    assert settings.SECRET_KEY not in result.stdout.decode()
    assert "DJANGO" not in data["/proc/1/environ"] and "DATABASE_URL" not in data["/proc/1/environ"]


def test_a_planted_symlink_goes_nowhere(backend, tmp_path):
    before = os.stat("/etc/passwd").st_mtime
    code = "import os\nfor target in ('/etc/passwd', '/'):\n    try:\n        os.symlink(target, 'result.json')\n    except OSError as e:\n        print('refused', e.errno)\nos.symlink('/etc/passwd', '/tmp/result.json')\nprint('done')"
    result = run(backend, code)
    assert b"done" in result.stdout
    # Nothing is read back from the sandbox's files (results come only from the capped output streams),
    # and what it links to on the host is untouched.
    assert os.stat("/etc/passwd").st_mtime == before


def test_the_next_run_is_normal_after_abuse(backend):
    run(backend, "x = []\nwhile True:\n    x.append(bytearray(16 * 1024 * 1024))")
    result = run(backend, "print(6 * 7)")
    assert result.exit_code == 0 and result.stdout.strip() == b"42"


def test_files_are_checked_before_anything_runs(backend):
    for bad in ["../escape.py", "/abs.py", "a/../../b.py", ""]:
        with pytest.raises(ValueError):
            sandbox.run({bad: b"print(1)"}, ["python3", "main.py"], Limits(), backend=backend)


def test_unavailable_backend_says_so(settings):
    settings.LAB_DOCKER_IMAGE = "spinup-no-such-image:0"
    with pytest.raises(sandbox.SandboxUnavailable, match="not built"):
        sandbox.run({"main.py": b"print(1)"}, ["python3", "main.py"], backend="docker")


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"../evil.py": b"x"}, "'..'"),
        ({"/etc/cron.d/x": b"x"}, "absolute"),
        ({f"f{i}.py": b"x" for i in range(60)}, "more than 50 files"),
    ],
)
def test_archives_with_bad_paths_are_refused(entries, message):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    with pytest.raises(grading.SubmissionRefused, match=message):
        grading.unpack_zip(buffer.getvalue())


def test_archive_links_and_zip_bombs_are_refused():
    import io
    import stat
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("pricing.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    with pytest.raises(grading.SubmissionRefused, match="links"):
        grading.unpack_zip(buffer.getvalue())
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.py", b"0" * (20 * 1024 * 1024))
    assert len(bomb.getvalue()) < 100_000
    with pytest.raises(grading.SubmissionRefused, match="256 KiB"):
        grading.unpack_zip(bomb.getvalue())


# Host-root findings of the security review: bubblewrap started by root mapped the sandbox's uid to host
# uid 0, so root-only files were readable and /proc/sys writable (kernel.core_pattern ran a student's script
# as root). The sandbox process must be an unprivileged host user, whatever the worker runs as.


@pytest.fixture
def root_only_file():
    """A 0600 root-owned file under a path bound into every sandbox (/usr)."""
    require(os.geteuid() == 0, "this check needs a root worker (the case the review attacked)")
    path = Path("/usr/local/share") / f"spinup-root-only-{os.getpid()}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("root secret")
    os.chmod(path, 0o600)
    yield path
    path.unlink()


def test_bwrap_sandbox_cannot_read_a_root_only_file(root_only_file):
    require(bwrap.available()[0], f"bwrap sandbox: {bwrap.available()[1]}")
    result = run(
        "bwrap", f"try:\n    print(open('{root_only_file}').read())\nexcept OSError as e:\n    print('ERR', e.errno)"
    )
    assert result.stdout.split()[0] == b"ERR", result.stdout
    assert b"root secret" not in result.stdout


def test_no_proc_sys_entry_is_writable(backend):
    """Every /proc/sys entry refuses writes; a harmless sysctl read before and after is unchanged."""
    sysctl = Path("/proc/sys/kernel/printk_ratelimit_burst")
    before = sysctl.read_text()
    code = """
import os, json
wrote, tried = [], 0
for folder, _, names in os.walk("/proc/sys"):
    for name in names:
        path = os.path.join(folder, name)
        try:
            with open(path, "r+") as handle:
                value = handle.read()
                handle.seek(0)
                handle.write(value)
            wrote.append(path)
        except OSError:
            tried += 1
try:
    open("/proc/sys/kernel/printk_ratelimit_burst", "w").write("77")
    wrote.append("burst")
except OSError:
    pass
print(json.dumps({"wrote": wrote[:20], "tried": tried}))
"""
    result = run(backend, code, wall_seconds=20)
    data = json.loads(result.stdout)
    assert data["wrote"] == [] and data["tried"] > 100
    assert sysctl.read_text() == before


def host_uids_during(backend, find_pids):
    """Run a sleeping sandbox and collect, from the host, the uids (real, effective, saved, fs) of its processes."""
    seen = {}

    def watch():
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not seen:
            for pid in find_pids():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                uids = next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1:]
                seen[pid] = {int(uid) for uid in uids}
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    result = run(backend, "import time\ntime.sleep(2)\nprint('slept')")
    watcher.join()
    return result, seen


def test_bwrap_runs_as_an_unprivileged_host_user():
    """Seen from the host, every process of a running sandbox has a non-root real and effective uid."""
    require(bwrap.available()[0], f"bwrap sandbox: {bwrap.available()[1]}")

    def cgroup_pids():
        for procs in Path("/sys/fs/cgroup").glob("**/spinup-sandbox-*/cgroup.procs"):
            yield from procs.read_text().split()

    result, seen = host_uids_during("bwrap", cgroup_pids)
    assert result.stdout.strip() == b"slept"
    assert seen, "no sandbox process was seen"
    assert all(0 not in uids for uids in seen.values()), seen
    if os.geteuid() == 0:
        expected = {bwrap.host_identity()[0]}
        assert all(uids == expected for uids in seen.values()), seen


def test_bwrap_refuses_a_sandbox_user_that_is_root(settings):
    require(os.geteuid() == 0, "only a root worker drops to the sandbox user")
    settings.LAB_SANDBOX_USER = "root"
    assert not bwrap.available()[0]
    with pytest.raises(sandbox.SandboxUnavailable, match="root"):
        sandbox.run({"main.py": b"print(1)"}, ["python3", "main.py"], backend="bwrap")


def test_bwrap_blocks_kernel_surface_and_keeps_writes_in_the_capped_tmp():
    require(bwrap.available()[0], f"bwrap sandbox: {bwrap.available()[1]}")
    code = """
import ctypes, json, os
libc = ctypes.CDLL(None, use_errno=True)
calls = {"mount": (165, b"none", b"/tmp", b"tmpfs", 0, None), "ptrace": (101, 0, 0, 0, 0),
         "keyctl": (250, 0, 0, 0, 0), "bpf": (321, 0, 0, 0), "perf_event_open": (298, 0, 0, 0, 0, 0),
         "userfaultfd": (323, 0), "unshare": (272, 0x10000000)}
out = {}
for name, args in calls.items():
    ctypes.set_errno(0)
    out[name] = [libc.syscall(*args), ctypes.get_errno()]
for path in ["/x", "/root/x", "/dev/x", "/lab/x", "/etc/x"]:
    try:
        open(path, "w").write("x")
        out[path] = "WROTE"
    except OSError as exc:
        out[path] = exc.errno
out["workdir_mode"] = oct(os.stat("/lab").st_mode & 0o777)
print(json.dumps(out))
"""
    result = run("bwrap", code)
    data = json.loads(result.stdout)
    for name in ("mount", "ptrace", "keyctl", "bpf", "perf_event_open", "userfaultfd", "unshare"):
        assert data[name] == [-1, 1], (name, data[name])  # EPERM from the seccomp filter
    for path in ["/x", "/root/x", "/dev/x", "/lab/x", "/etc/x"]:
        assert data[path] != "WROTE", path
    assert data["workdir_mode"] == "0o700"


def test_bwrap_work_folder_is_private_and_removed():
    require(bwrap.available()[0], f"bwrap sandbox: {bwrap.available()[1]}")
    root = Path(settings.LAB_WORK_ROOT)
    before = set(root.iterdir()) if root.exists() else set()
    result = run("bwrap", "import os\nprint(os.getcwd(), sorted(os.listdir('.')))")
    assert result.stdout.split()[0] == b"/lab"
    assert set(root.iterdir()) == before
    assert root.stat().st_mode & 0o777 == 0o711  # others may pass through to their own folder, not list


def test_docker_containers_are_user_namespace_remapped():
    """The engine remaps user namespaces: the container's uid 65534 is a host uid in dockremap's range."""
    require(sandbox.BACKENDS["docker"].available()[0], f"docker sandbox: {sandbox.BACKENDS['docker'].available()[1]}")

    def container_pids():
        names = subprocess.run(
            ["docker", "ps", "--filter", "name=spinup-run-", "--format", "{{.Names}}"], capture_output=True, text=True
        ).stdout.split()
        for name in names:
            yield subprocess.run(
                ["docker", "inspect", "--format", "{{.State.Pid}}", name], capture_output=True, text=True
            ).stdout.strip()

    result, seen = host_uids_during("docker", container_pids)
    assert result.stdout.strip() == b"slept"
    assert seen, "no container process was seen"
    for uids in seen.values():
        assert len(uids) == 1 and min(uids) >= 100000, uids  # neither host root nor the host's own nobody
