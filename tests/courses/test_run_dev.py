"""`make run`'s server unit: serves pages with the worker beside it, and Ctrl-C stops every process."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import REPO


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def descendants(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
                found.extend(descendants(int(entry)))
    return found


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_run_dev_serves_and_ctrl_c_stops_server_and_worker(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_DEBUG="true",
        DATABASE_URL=f"sqlite:///{tmp_path / 'dev.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=REPO, env=env, check=True, timeout=120)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_dev", f"127.0.0.1:{port}"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        status = None
        for _ in range(150):
            try:
                status = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).status
                break
            except OSError:
                time.sleep(0.2)
        assert status == 200
        children = descendants(process.pid)
        commands = [Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ") for pid in children]
        assert any("db_worker" in c for c in commands) and any("runserver" in c for c in commands), commands
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=20)
        assert "Stopped the web server and the worker." in output
        time.sleep(0.5)
        assert [pid for pid in children if alive(pid)] == []
    finally:
        if process.poll() is None:
            process.kill()
