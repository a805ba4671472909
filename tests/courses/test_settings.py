"""The env-driven settings: production checks pass with debug off, and the database follows DATABASE_URL."""

import os
import subprocess
import sys

from tests.conftest import REPO


def run_manage(*args, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    base.pop("DATABASE_URL", None)
    base["SPINUP_ENV_FILE"] = "/nonexistent/.env"  # a developer's .env must not decide these tests
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env={**base, **env}, capture_output=True, text=True, timeout=60
    )


def test_check_deploy_passes_with_debug_off():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="x" * 20 + "a-very-long-random-production-secret-key-0987654321",
        DJANGO_ALLOWED_HOSTS="spinup.example.com",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_off_without_a_secret_key_refuses_to_start():
    result = run_manage("check", DJANGO_DEBUG="false", DJANGO_SETTINGS_MODULE="config.settings")
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


def test_database_url_selects_postgresql():
    code = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME'])"
    result = run_manage(
        "shell",
        "-v",
        "0",
        "-c",
        code,
        DJANGO_DEBUG="true",
        DATABASE_URL="postgres://u@db.example:5432/spinup",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    assert result.stdout.split() == ["django.db.backends.postgresql", "spinup"], result.stderr
    result = run_manage("shell", "-v", "0", "-c", code, DJANGO_DEBUG="true", DJANGO_SETTINGS_MODULE="config.settings")
    assert result.stdout.split()[0] == "django.db.backends.sqlite3", result.stderr


def test_a_dotenv_file_makes_a_development_environment(tmp_path):
    from config import dotenv

    env_file = tmp_path / ".env"
    assert dotenv.ensure(env_file) and not dotenv.ensure(env_file)  # written once, then kept
    assert env_file.stat().st_mode & 0o077 == 0  # the secret key is for this user only
    code = "from django.conf import settings; print(settings.DEBUG, len(settings.SECRET_KEY))"
    result = run_manage("shell", "-c", code, SPINUP_ENV_FILE=str(env_file), DJANGO_SETTINGS_MODULE="config.settings")
    assert result.returncode == 0, result.stderr
    debug, length = result.stdout.split()[-2:]
    assert debug == "True" and int(length) >= 50
    # A variable that is set wins over the file (production sets real variables).
    result = run_manage(
        "shell",
        "-c",
        code,
        SPINUP_ENV_FILE=str(env_file),
        DJANGO_DEBUG="false",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    assert result.stdout.split()[-2] == "False"


def test_a_malformed_dotenv_names_its_line(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DJANGO_DEBUG=true\nthis is not a setting\n")
    result = run_manage("check", SPINUP_ENV_FILE=str(env_file), DJANGO_SETTINGS_MODULE="config.settings")
    assert result.returncode != 0
    assert f"{env_file}:2: expected KEY=VALUE" in result.stderr
