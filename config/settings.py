"""Spinup settings: one module, driven by environment variables."""

import os
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from config import dotenv
from labs import limits as lab_limits

BASE_DIR = Path(__file__).resolve().parent.parent
dotenv.load(dotenv.path())  # a checkout's development .env (make run writes it); set variables win


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set DJANGO_SECRET_KEY (or run `make run` once: it writes a development .env with debug on)."
        )
    # Development only: never used with debug off.
    SECRET_KEY = "django-insecure-development-key-not-for-production-use-0123456789"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    "courses",
    "quizzes",
    "labs",
]

MIDDLEWARE = [
    # First: oversized bodies are refused before anything reads them (the matching proxy limit in production:
    # nginx `client_max_body_size 4m;`).
    "config.middleware.RequestLimitsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Deny by default: a view is open to visitors only when marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Dates in templates and timezone.localtime() in the learner's time zone (quizzes owns study settings).
    "quizzes.middleware.LearnerTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

# Request bodies: one definition, labs/limits.py (a zip of a submission plus the editor's fields).
MAX_REQUEST_BYTES = lab_limits.MAX_REQUEST_BYTES
DATA_UPLOAD_MAX_MEMORY_SIZE = lab_limits.MAX_REQUEST_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = lab_limits.MAX_REQUEST_BYTES  # uploads stay in memory: no temp file on disk
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "courses.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the task worker share the file.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Where the curriculum lives (content/README.md describes the format).
CONTENT_DIR = Path(os.environ.get("SPINUP_CONTENT_DIR", BASE_DIR / "content"))

MAILERS = {
    "default": {
        "BACKEND": os.environ.get(
            "DJANGO_EMAIL_BACKEND",
            "django.core.mail.backends.console.EmailBackend"
            if DEBUG
            else "django.core.mail.backends.smtp.EmailBackend",
        )
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "Spinup <no-reply@spinup.local>")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Strict CSP: everything from our own origin, scripts only with the per-request nonce, no inline styles.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads no cookie; the token comes from <body hx-headers>.
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Lab sandboxes (labs/sandbox): auto = Docker when its engine answers, else bubblewrap.
LAB_SANDBOX = os.environ.get("SPINUP_SANDBOX", "auto")
LAB_RUNTIME_DIR = Path(os.environ.get("SPINUP_LAB_RUNTIME", BASE_DIR / ".runtime" / "venv"))
LAB_DOCKER_IMAGE = os.environ.get("SPINUP_LAB_IMAGE", "spinup-lab-runtime:1")
# The unprivileged host user a root worker drops to before it starts bubblewrap (`make runtime` creates it),
# and where each run's 0700 work folder is made (random names, owned by that user).
LAB_SANDBOX_USER = os.environ.get("SPINUP_SANDBOX_USER", "spinup-sandbox")
LAB_WORK_ROOT = Path(os.environ.get("SPINUP_SANDBOX_WORK_ROOT", Path(tempfile.gettempdir()) / "spinup-sandbox"))
LAB_LEASE_SECONDS = int(os.environ.get("SPINUP_LAB_LEASE_SECONDS", "180"))
LAB_MAX_ATTEMPTS = int(os.environ.get("SPINUP_LAB_MAX_ATTEMPTS", "3"))
LAB_SUBMISSIONS_PER_MINUTE = int(os.environ.get("SPINUP_LAB_SUBMISSIONS_PER_MINUTE", "5"))

# --- Accounts: log-in lockout (django-axes), sign-up and password-reset throttles --------------------------
# Self-contained on purpose: it only appends to INSTALLED_APPS and MIDDLEWARE. Everything counts in the
# database (axes' AxesDatabaseHandler, courses.ThrottleHit), so several web servers share the same counters.
INSTALLED_APPS += ["axes"]
MIDDLEWARE += [
    "courses.accounts.HeaderNulMiddleware",  # 400 for a NUL in a header: axes stores some, PostgreSQL refuses NUL
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the 429 page
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out username or client before any check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# Either one locks: a username (from any address) or a client address (whatever usernames it tries).
# /accounts/login/ and /admin/login/ both go through authenticate(), so both are covered.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = int(os.environ.get("SPINUP_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("SPINUP_LOGIN_LOCKOUT_HOURS", "0.25"))  # hours, from the failure that locked
# Attempts during a lockout are refused without being recorded, so a flood cannot grow a row or extend the
# lockout; and a success does not wipe the counters (with the client address as a lockout parameter, a
# success would also wipe the failures that address ran up against other usernames).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = False
AXES_DISABLE_ACCESS_LOG = True  # no row per successful log-in: nothing here would ever prune them
AXES_LOCKOUT_CALLABLE = "courses.accounts.lockout_response"  # our 429 page, with the wait in minutes
AXES_VERBOSE = False  # no banner on every manage.py command; failures are still logged as warnings
AXES_USERNAME_CALLABLE = "courses.accounts.login_username"
AXES_CLIENT_IP_CALLABLE = "courses.accounts.client_ip"
# The client address for the lockout and the throttles. Behind a reverse proxy or load balancer REMOTE_ADDR is
# the proxy's: set SPINUP_TRUSTED_PROXIES to how many proxies in front of Django append to X-Forwarded-For,
# and the address the outermost one saw is used. 0 (the default) reads no header, which a client could forge.
TRUSTED_PROXY_COUNT = int(os.environ.get("SPINUP_TRUSTED_PROXIES", "0"))
# Requests per window: per client address (every POST) and per e-mail address (each e-mail we would send).
ACCOUNT_THROTTLES = {
    "signup": {
        "per_client": int(os.environ.get("SPINUP_SIGNUPS_PER_CLIENT", "20")),
        "per_email": int(os.environ.get("SPINUP_SIGNUPS_PER_EMAIL", "3")),
        "seconds": 3600,
    },
    "password_reset": {
        "per_client": int(os.environ.get("SPINUP_PASSWORD_RESETS_PER_CLIENT", "20")),
        "per_email": int(os.environ.get("SPINUP_PASSWORD_RESETS_PER_EMAIL", "3")),
        "seconds": 3600,
    },
}
SIGNUP_CONFIRM_HOURS = int(os.environ.get("SPINUP_SIGNUP_CONFIRM_HOURS", "48"))  # how long a confirmation link works

# Practice exams: seconds of real time per second of an exam's clock. 1.0 in every deployment; tests lower it
# (override_settings) to let a clock run out quickly. Not read from the environment: nobody outside the code
# can stretch an exam.
EXAM_TIME_SCALE = 1.0
