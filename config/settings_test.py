"""Test settings: the real settings with fast hashing and in-memory e-mail."""

import os

os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-that-is-long-enough-for-checks-0123456789abcdef")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: the worker-crash test runs real worker processes against the test database.
    # SPINUP_TEST_DB_FILE lets two suites run side by side on one checkout.
    test_db = os.environ.get("SPINUP_TEST_DB_FILE") or str(BASE_DIR / ".pytest-db.sqlite3")  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": test_db}  # noqa: F405
# Serve static files from the app folders (no collectstatic in tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Labs: quick leases in tests; the grading task runs inline (ImmediateBackend) unless a test says otherwise.
LAB_LEASE_SECONDS = int(os.environ.get("SPINUP_LAB_LEASE_SECONDS", "5"))
