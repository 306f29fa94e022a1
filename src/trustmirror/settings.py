"""Django settings for Trustmirror.

Everything that differs between a demo and production comes from environment variables read
through :mod:`trustmirror.env`. The defaults are safe for the demo: SQLite in the data
directory, secrets generated there, DEBUG off.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from trustmirror.env import (
    data_dir,
    env_bool,
    env_choice,
    env_email,
    env_file_text,
    env_int,
    env_list,
    env_str,
    env_url,
    secret_from_file_or_dir,
)
from trustmirror.privacy import DEFAULT_MIN_GROUP_SIZE, MIN_GROUP_SIZE_FLOOR

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = data_dir()

SECRET_KEY = secret_from_file_or_dir("TRUSTMIRROR_SECRET_KEY", "secret-key", DATA_DIR)
# Resume keys (HMAC of a survey token) use their own secret, so rotating the session secret
# does not orphan half-finished surveys, and a leaked session secret links no answers.
RESUME_SECRET = secret_from_file_or_dir("TRUSTMIRROR_RESUME_SECRET", "resume-secret", DATA_DIR)

DEBUG = env_bool("TRUSTMIRROR_DEBUG", False)
# Production: HTTPS only, secure cookies, HSTS. `trustmirror manage check --deploy` is clean
# with TRUSTMIRROR_PRODUCTION=1 (a test holds that).
PRODUCTION = env_bool("TRUSTMIRROR_PRODUCTION", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("TRUSTMIRROR_DEBUG must be off when TRUSTMIRROR_PRODUCTION is on")
ALLOWED_HOSTS = env_list("TRUSTMIRROR_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "trustmirror.orgs",
    "trustmirror.surveys",
    "trustmirror.delivery",
    "trustmirror.results",
    "trustmirror.audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "trustmirror.ratelimit.RateLimitMiddleware",
]

ROOT_URLCONF = "trustmirror.urls"
WSGI_APPLICATION = "trustmirror.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict:
    url = env_str("TRUSTMIRROR_DATABASE_URL", "")
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "trustmirror.sqlite3",
            # WAL: readers (pages, the worker) never wait for a writer (a respondent's save).
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    try:
        config = dj_database_url.parse(url, conn_max_age=60)
    except Exception as exc:  # dj_database_url raises several types for a bad URL
        raise ImproperlyConfigured(
            f"TRUSTMIRROR_DATABASE_URL is not a database URL: {exc}"
        ) from exc
    if config["ENGINE"] not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
        raise ImproperlyConfigured(
            f"TRUSTMIRROR_DATABASE_URL must be a postgresql:// or sqlite:// URL, got {url!r}"
        )
    if config["ENGINE"] == "django.db.backends.postgresql":
        # Parameters travel separately from the SQL (psycopg 3's server-side binding), so that
        # a publication's thousands of rows are not quoted into the statement text one by one.
        config.setdefault("OPTIONS", {})["server_side_binding"] = True
    return config


DATABASES = {"default": _database()}


def _cache() -> dict:
    url = env_str("TRUSTMIRROR_CACHE_URL", "")
    if not url:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if not url.startswith(("redis://", "rediss://")):
        raise ImproperlyConfigured(f"TRUSTMIRROR_CACHE_URL must be a redis:// URL, got {url!r}")
    return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}


# Rate-limit counters live here; use Redis when more than one server process runs.
CACHES = {"default": _cache()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("nl", _("Dutch"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_str("TRUSTMIRROR_TIME_ZONE", "Europe/Amsterdam")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The package's own static folder: trustmirror itself is not an installed app.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every request when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = PRODUCTION
SECURE_HSTS_SECONDS = 31_536_000 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
if PRODUCTION and env_bool("TRUSTMIRROR_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# A strict Content-Security-Policy: no inline script, no third-party origins. Charts are
# server-rendered SVG, so the pages need no script from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# k for new scans (the smallest group whose numbers may be shown). A scan may raise it, never
# go below the floor of trustmirror.privacy (3).
TRUSTMIRROR_DEFAULT_MIN_GROUP_SIZE = env_int(
    "TRUSTMIRROR_DEFAULT_MIN_GROUP_SIZE", DEFAULT_MIN_GROUP_SIZE, minimum=MIN_GROUP_SIZE_FLOOR
)

# Background work (building published results) runs in `trustmirror worker`, on Django's
# tasks framework with its database backend: no broker to install, and a task survives a
# restart of the web server.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# How often the worker looks for scans to publish, and the least time between two interim
# versions of one scan (minutes).
TRUSTMIRROR_PUBLISH_INTERVAL_MINUTES = env_int(
    "TRUSTMIRROR_PUBLISH_INTERVAL_MINUTES", 15, minimum=1
)

# E-mail: the worker sends each invited person their survey link, reminders and new links
# (trustmirror.delivery). Without TRUSTMIRROR_EMAIL_HOST nothing is sent, and no link is ever
# printed to a console or a log instead: the messages wait, and the scan's page says so.
EMAIL_HOST = env_str("TRUSTMIRROR_EMAIL_HOST", "").strip()
EMAIL_PORT = env_int("TRUSTMIRROR_EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("TRUSTMIRROR_EMAIL_USER", "").strip()
EMAIL_HOST_PASSWORD = env_file_text("TRUSTMIRROR_EMAIL_PASSWORD_FILE")
if bool(EMAIL_HOST_USER) != bool(EMAIL_HOST_PASSWORD):
    raise ImproperlyConfigured(
        "Set both TRUSTMIRROR_EMAIL_USER and TRUSTMIRROR_EMAIL_PASSWORD_FILE, or neither"
    )
# starttls (port 587), tls (implicit TLS, port 465) or off (only for a relay on this machine).
EMAIL_SECURITY = env_choice("TRUSTMIRROR_EMAIL_TLS", "starttls", ("starttls", "tls", "off"))
EMAIL_USE_TLS = EMAIL_SECURITY == "starttls"
EMAIL_USE_SSL = EMAIL_SECURITY == "tls"
EMAIL_TIMEOUT = env_int("TRUSTMIRROR_EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = env_email("TRUSTMIRROR_EMAIL_FROM", "trustmirror@localhost")
# The worker sends at most this many messages a minute (most mail services set a limit).
TRUSTMIRROR_EMAIL_PER_MINUTE = env_int("TRUSTMIRROR_EMAIL_PER_MINUTE", 60, minimum=1)
# Links in e-mails are made without a request, so the site needs to know its own address.
TRUSTMIRROR_BASE_URL = env_url("TRUSTMIRROR_BASE_URL", "http://127.0.0.1:8000")
if EMAIL_HOST:
    missing = [
        name for name in ("TRUSTMIRROR_EMAIL_FROM", "TRUSTMIRROR_BASE_URL") if not env_str(name, "")
    ]
    if missing:
        raise ImproperlyConfigured(f"With TRUSTMIRROR_EMAIL_HOST, set {' and '.join(missing)}")
# The demo, and only the demo (`trustmirror demo` sets this), keeps its e-mail in a mailbox in
# the data directory and shows it on /demo/mailbox/: every link of the demo is readable there.
TRUSTMIRROR_DEMO_MAILBOX = env_bool("TRUSTMIRROR_DEMO_MAILBOX", False)
if TRUSTMIRROR_DEMO_MAILBOX and PRODUCTION:
    raise ImproperlyConfigured("TRUSTMIRROR_DEMO_MAILBOX is for the demo: never with PRODUCTION")
TRUSTMIRROR_MAILBOX_DIR = DATA_DIR / "mailbox"
if TRUSTMIRROR_DEMO_MAILBOX:
    EMAIL_BACKEND = "trustmirror.delivery.mailbox.MailboxBackend"
elif EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "trustmirror.delivery.mailbox.NotConfiguredBackend"

# Every handler redacts survey tokens: a token next to a time in a log would open that
# person's survey to whoever reads the log.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tokens": {"()": "trustmirror.logfilters.RedactSurveyTokens"}},
    "formatters": {
        "server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_tokens"]},
        "server": {
            "class": "logging.StreamHandler",
            "filters": ["redact_tokens"],
            "formatter": "server",
        },
    },
    "loggers": {
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": env_str("TRUSTMIRROR_LOG_LEVEL", "WARNING")},
}
