"""Settings of the workbench, from the environment only.

- ``SEJAHTERA_ENV``: ``development`` (the default, ``make run``) or ``production``.
- ``SEJAHTERA_SECRET_KEY``: required in production, and refused there when weak (shorter than 50
  characters, default-looking, too few different characters: ``core/startup.py``). In
  development a missing key is replaced by a random one for this process (sessions do not
  survive a restart); ``make run`` passes one to every worker. Production also refuses to serve
  before ``sejahtera manage collectstatic`` has filled ``SEJAHTERA_DATA/static``.
- ``SEJAHTERA_SESSION_IDLE_MINUTES``: a signed-in session ends after this many minutes without a
  request (default 30); the sign-in page then says why. A session lasts 12 hours at most.
- ``SEJAHTERA_TWO_FACTOR``: ``required`` (the default): the head (kepala) and administrators
  (``is_staff``) sign in with a one-time code (TOTP, django-otp) after the password; ``off``
  only outside production (the other tests: tests/conftest.py).
- ``DATABASE_URL``: ``postgres://…`` for PostgreSQL; SQLite in ``var/workbench.sqlite3`` by
  default (``SEJAHTERA_DATA`` moves the folder).
- ``SEJAHTERA_ALLOWED_HOSTS``: comma-separated, default ``127.0.0.1,localhost``.
- ``SEJAHTERA_DATASET`` / ``SEJAHTERA_PROFILES``: the dataset and needs-profile folders the public
  pages describe (``sejahtera serve --dataset … --profiles …`` sets them).
- ``SEJAHTERA_DATASETS``: the folder holding the datasets' versions and uploads (default
  ``datasets/`` in ``SEJAHTERA_DATA``); ``SEJAHTERA_UPLOAD_MAX_MB``: the largest file a dataset
  upload takes, in megabytes (default 1024).
- ``REDIS_URL``: a shared cache (rate limits across workers); without it the rate limits are
  kept in the database (the cache table ``sejahtera_cache``, made by ``migrate``), so they hold
  across workers and restarts too.
- ``SEJAHTERA_TRUSTED_PROXIES``: reverse proxies whose X-Forwarded-For gives the client's
  address (rate limits and the audit log); none by default.
- ``SEJAHTERA_TASKS``: where background jobs (``core/jobs.py``) wait for a worker. ``database``
  (the default): the workbench's own database, SQLite or PostgreSQL, and a worker started with
  ``sejahtera manage worker`` (``make run`` starts one); ``immediate``: each job runs inside the
  request that starts it, no worker (the tests).
- ``SEJAHTERA_FIELD_KEYS``: the Fernet keys of the personal columns encrypted at rest,
  comma-separated, newest first (``core/crypto.py``; ``sejahtera manage rotate_keys``). Read
  there, when first needed: without it a development workbench makes a key in
  ``SEJAHTERA_DATA/field.key``; production reads and writes no personal data without it.
- ``SEJAHTERA_LOG_LEVEL``: the least important messages of the workbench written to the log
  (``DEBUG``, ``INFO``, the default, ``WARNING`` or ``ERROR``): errors with their tracebacks,
  notifications sent and failed, jobs. To stderr (gunicorn's, the worker's); with
  ``SEJAHTERA_LOG_FILE`` to that file too (a relative path is in ``SEJAHTERA_DATA``).
- ``SEJAHTERA_MIN_CELL``: the smallest count a partner or an auditor sees in statistics
  (default 10); smaller ones are suppressed (``core/privacy.py``).
- ``SEJAHTERA_RETENTION_GRIEVANCE_YEARS`` (default 5): the years a closed grievance keeps its
  complainant's name, NIK, phone and address after closing;
  ``SEJAHTERA_RETENTION_PARTICIPANT_YEARS`` (default 5): the years after a consultation its
  participants' names are kept. The office's
  choice (UU 27/2022 asks for a period but sets none); ``sejahtera manage apply_retention``
  blanks what is past it (``core/retention.py``).

A value that is not one of the documented choices stops the start with a message naming them.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from sejahtera.i18n import text
from sejahtera.workbench.core.startup import secret_problem


def megabytes(name: str, default: int) -> int:
    """The environment variable ``name``, a whole number of megabytes, as bytes."""
    value = os.environ.get(name, "").strip() or str(default)
    if not value.isdigit() or int(value) < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number of megabytes, not {value!r}")
    return int(value) * 1024 * 1024


def minutes(name: str, default: int) -> int:
    """The environment variable ``name``, a whole number of minutes (at least 1)."""
    value = os.environ.get(name, "").strip() or str(default)
    if not value.isdigit() or int(value) < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number of minutes, not {value!r}")
    return int(value)


def years(name: str, default: int) -> int:
    """The environment variable ``name``, a whole number of years (at least 1)."""
    value = os.environ.get(name, "").strip() or str(default)
    if not value.isdigit() or int(value) < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number of years, not {value!r}")
    return int(value)


def log_config(level: str, file: Path | None) -> dict[str, object]:
    """Django's LOGGING: the workbench's messages from ``level`` up and every error of Django
    (a failed request with its traceback) to stderr, and to ``file`` when given."""
    handlers: dict[str, dict[str, object]] = {
        "stderr": {"class": "logging.StreamHandler", "formatter": "plain"}
    }
    if file is not None:
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ImproperlyConfigured(
                f"SEJAHTERA_LOG_FILE: the folder {file.parent} cannot be made ({exc.strerror})"
            ) from None
        handlers["file"] = {  # reopened when logrotate moves it
            "class": "logging.handlers.WatchedFileHandler",
            "filename": str(file),
            "encoding": "utf-8",
            "delay": True,
            "formatter": "plain",
        }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": handlers,
        "root": {"handlers": list(handlers), "level": "WARNING"},
        "loggers": {
            "sejahtera": {"level": level},
            "django": {"level": "WARNING"},  # its own handlers (mail_admins) replaced by root's
        },
    }


def choice(name: str, choices: tuple[str, ...], default: str) -> str:
    """The environment variable ``name``: one of ``choices``, ``default`` when unset or empty."""
    value = os.environ.get(name, "").strip() or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


ENVIRONMENT = choice("SEJAHTERA_ENV", ("development", "production"), "development")
PRODUCTION = ENVIRONMENT == "production"
DATA_FOLDER = Path(os.environ.get("SEJAHTERA_DATA", "var")).resolve()

SECRET_KEY = os.environ.get("SEJAHTERA_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SEJAHTERA_SECRET_KEY must be set in production")
    SECRET_KEY = secrets.token_urlsafe(50)
if PRODUCTION and (weak := secret_problem(SECRET_KEY)):
    raise ImproperlyConfigured(weak)

DEBUG = os.environ.get("SEJAHTERA_DEBUG", "") == "1" and not PRODUCTION
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("SEJAHTERA_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",  # accounts, roles and organisations, for staff accounts (/admin/)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",  # the queue's table, whichever backend runs the jobs
    "django_otp",  # the head's and administrators' second factor (core/twofactor.py)
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # backup codes
    "sejahtera.workbench.core",
    "sejahtera.workbench.audit",
    "sejahtera.workbench.regions",
    "sejahtera.workbench.programmes",
    "sejahtera.workbench.stakeholders",
    "sejahtera.workbench.consultations",
    "sejahtera.workbench.grievances",
    "sejahtera.workbench.monev",
    "sejahtera.workbench.datasets",
    "sejahtera.workbench.needs",
    "sejahtera.workbench.scenarios",
    "sejahtera.workbench.evaluations",
    "sejahtera.workbench.decisions",
    "sejahtera.workbench.documents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sejahtera.workbench.core.middleware.IndonesianFirst",
    "sejahtera.workbench.core.middleware.CoreSpeaksThePagesLanguage",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "sejahtera.workbench.core.middleware.IdleSessions",
    "sejahtera.workbench.core.middleware.SecondFactor",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "sejahtera.workbench.core.middleware.ContentSecurityPolicy",
    # Innermost: ?xlsx=<n> turns the page the view rendered into a workbook of its table n.
    "sejahtera.workbench.core.middleware.TableExports",
]

ROOT_URLCONF = "sejahtera.workbench.urls"
WSGI_APPLICATION = "sejahtera.workbench.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sejahtera.workbench.core.context.workbench",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_FOLDER / 'workbench.sqlite3'}"),
        conn_max_age=60,
        # A connection kept between requests is checked before a request uses it: one the
        # database dropped (a restart, a network cut, an idle timeout) is reopened, not failed.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The server and the worker write to one file: readers go on while a job writes its result
    # (WAL), and a writer waits its turn rather than failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        init_command="PRAGMA journal_mode=WAL;", transaction_mode="IMMEDIATE", timeout=20
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOG_FILE = os.environ.get("SEJAHTERA_LOG_FILE", "").strip()
LOGGING = log_config(
    choice("SEJAHTERA_LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"),
    DATA_FOLDER / LOG_FILE if LOG_FILE else None,
)

# Background jobs (core/jobs.py) through Django's Tasks framework (the django-tasks backport).
TASKS_BACKEND = choice("SEJAHTERA_TASKS", ("database", "immediate"), "database")
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[TASKS_BACKEND],
        "QUEUES": ["default"],
    }
}

CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
        if os.environ.get("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    # Rate limits (core/ratelimit.py): shared by every worker and kept across restarts.
    "limits": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
        if os.environ.get("REDIS_URL")
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "sejahtera_cache",
            # Django culls a database cache beyond MAX_ENTRIES (300 by default): a flood of
            # failures from many addresses would then wipe the counts that stop it. Expired
            # counts (15 minutes) still go.
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        }
    ),
}

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "core:home"

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
# Each app keeps its translations in its own locale/ folder (found by Django).
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_FOLDER / "static" if PRODUCTION else None  # collectstatic, production only
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production serves hashed, compressed copies made by `sejahtera manage collectstatic`;
    # development serves the package's own files (WhiteNoise's finders), no build step.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

SESSION_COOKIE_HTTPONLY = True
SESSION_IDLE_MINUTES = minutes("SEJAHTERA_SESSION_IDLE_MINUTES", 30)  # core/middleware.py
# How long personal data is kept (core/retention.py): the office's choice, in years.
RETENTION_YEARS = {
    "grievance": years("SEJAHTERA_RETENTION_GRIEVANCE_YEARS", 5),  # after closing
    "participant": years("SEJAHTERA_RETENTION_PARTICIPANT_YEARS", 5),  # after the consultation
}
SESSION_COOKIE_AGE = 12 * 60 * 60  # the longest a session lasts, however active
TWO_FACTOR = choice("SEJAHTERA_TWO_FACTOR", ("required", "off"), "required") == "required"
if PRODUCTION and not TWO_FACTOR:
    raise ImproperlyConfigured(text("startup.two_factor_off"))
OTP_TOTP_ISSUER = "Sejahtera"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("SEJAHTERA_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Reverse proxies whose X-Forwarded-For is believed (comma-separated addresses).
TRUSTED_PROXIES = tuple(
    a.strip() for a in os.environ.get("SEJAHTERA_TRUSTED_PROXIES", "").split(",") if a.strip()
)

DATASET = os.environ.get("SEJAHTERA_DATASET") or None
PROFILES = os.environ.get("SEJAHTERA_PROFILES") or None
# Datasets (the datasets app): each version's folder, uploads waiting to be imported.
DATASETS_ROOT = Path(os.environ.get("SEJAHTERA_DATASETS") or DATA_FOLDER / "datasets").resolve()
UPLOAD_MAX_BYTES = megabytes("SEJAHTERA_UPLOAD_MAX_MB", 1024)
