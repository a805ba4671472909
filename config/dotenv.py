"""A git-ignored `.env` makes a checkout a development environment without ceremony.

`make run` writes it once (debug on, a generated secret key); settings read it, never overriding a variable
already set, so production sets real environment variables and has no `.env`. `SPINUP_ENV_FILE` names
another file (tests use it).
"""

import os
import secrets
import sys
from pathlib import Path

DEFAULT = Path(__file__).resolve().parent.parent / ".env"


def path() -> Path:
    return Path(os.environ.get("SPINUP_ENV_FILE") or DEFAULT)


def load(file: Path) -> None:
    """KEY=VALUE lines into os.environ (blank lines and # comments skipped; set variables win)."""
    if not file.is_file():
        return
    for number, line in enumerate(file.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip().isidentifier():
            raise SystemExit(f"{file}:{number}: expected KEY=VALUE")
        os.environ.setdefault(key.strip(), value.strip().strip("'\""))


def ensure(file: Path) -> bool:
    """Write a development .env if there is none; True when it was written."""
    if file.exists():
        return False
    file.write_text(
        "# Development settings for this checkout, written by `make run` (git-ignored; production sets real\n"
        "# environment variables instead). Delete it to get a new secret key.\n"
        "DJANGO_DEBUG=true\n"
        f"DJANGO_SECRET_KEY={secrets.token_urlsafe(50)}\n"
    )
    os.chmod(file, 0o600)
    return True


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else path()
    if ensure(target):
        print(f"Wrote {target} (debug on, a new secret key) for development.")
