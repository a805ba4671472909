"""Every manage.py command the README shows works as written on a fresh checkout after `make run`.

`make run` leaves a migrated database and a development .env; here the .env is made by the same code
(`python -m config.dotenv`) and the database is a fresh, migrated file, so the developer's own is untouched.
"""

import os
import re
import shlex
import subprocess

import pytest

from labs import sandbox
from tests.conftest import REPO, require

COMMAND = re.compile(r"`(\.venv/bin/python manage\.py [^`]+)`")


def readme_commands():
    return sorted(set(COMMAND.findall((REPO / "README.md").read_text())))


def test_the_readme_shows_manage_commands():
    assert len(readme_commands()) >= 4


@pytest.fixture(scope="module")
def fresh_checkout_env(tmp_path_factory):
    folder = tmp_path_factory.mktemp("after-make-run")
    env = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    env["SPINUP_ENV_FILE"] = str(folder / ".env")
    env["DATABASE_URL"] = f"sqlite:///{folder / 'db.sqlite3'}"
    subprocess.run([".venv/bin/python", "-m", "config.dotenv", env["SPINUP_ENV_FILE"]], cwd=REPO, env=env, check=True)
    subprocess.run([".venv/bin/python", "manage.py", "migrate", "-v", "0"], cwd=REPO, env=env, check=True, timeout=300)
    return env


@pytest.mark.parametrize("command", readme_commands())
def test_readme_command_works_as_written(command, fresh_checkout_env):
    if "grade" in command.split() or "check_labs" in command.split():
        require(sandbox.BACKENDS["bwrap"].available()[0], "the README's lab commands need a sandbox")
    result = subprocess.run(
        shlex.split(command), cwd=REPO, env=fresh_checkout_env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"{command}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
