"""Development: run the web server and the task worker together; Ctrl-C (or SIGTERM) stops both."""

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start runserver and db_worker as one unit for `make run`; stopping this stops both."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        manage = [sys.executable, "manage.py"]
        commands = [
            [*manage, "db_worker", "--queue-name", "*"],
            [*manage, "runserver", addrport],
        ]
        # Each child leads its own process group, so stopping it also stops what it started (the reloader's child).
        children = [subprocess.Popen(command, start_new_session=True) for command in commands]
        stopping = False

        def stop(signum=None, frame=None):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        last_reap = time.monotonic()
        try:
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.2)
                # Production runs `manage.py reap_submissions` and `manage.py finish_exams` from cron.
                if time.monotonic() - last_reap > 30:
                    last_reap = time.monotonic()
                    from labs.services import submissions_reap
                    from quizzes.exams import finish_overdue

                    submissions_reap()
                    finish_overdue()
        finally:
            for child in children:
                if child.poll() is None:
                    os.killpg(child.pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            for child in children:
                try:
                    child.wait(timeout=max(deadline - time.monotonic(), 0.1))
                except subprocess.TimeoutExpired:
                    os.killpg(child.pid, signal.SIGKILL)
                    child.wait()
        self.stdout.write("Stopped the web server and the worker.")
