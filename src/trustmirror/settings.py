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
    env_is_set,
    env_list,
    env_networks,
    env_str,
    env_url,
    secret_from_file_or_dir,
)
from trustmirror.privacy import DEFAULT_MIN_GROUP_SIZE, MIN_GROUP_SIZE_FLOOR
from trustmirror.sso.config import oidc_settings

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
    "trustmirror.relational",
    "trustmirror.agreements",
    "trustmirror.audit",
    "trustmirror.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise (static files stay cacheable), above everything that answers a page.
    "trustmirror.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Inside the language (its messages are translated) and no-store (its answers too).
    "trustmirror.api.middleware.ApiJsonErrorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # After the authentication (who may send more) and inside the headers above; the CSRF
    # check reads the body only later, just before the view.
    "trustmirror.middleware.RequestBodyLimitMiddleware",
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
            # Each server thread keeps its connection: opening one (and setting its pragmas)
            # cost a survey page more than its queries did (bench/load, BENCHMARKS.md).
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
            # WAL: readers (pages, the worker) never wait for a writer (a respondent's save).
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
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
# Requests each API token may make (trustmirror.ratelimit; README, "API"): reads a minute and
# people imports an hour, counted apart. The survey and login limits keep the defaults there.
TRUSTMIRROR_RATE_LIMITS = {
    "api": (env_int("TRUSTMIRROR_API_REQUESTS_PER_MINUTE", 600, minimum=1), 60),
    "api_import": (env_int("TRUSTMIRROR_API_IMPORTS_PER_HOUR", 30, minimum=1), 3600),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # OWASP ASVS 4.0 level 2, 2.1.1: at least 12 characters.
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# A staff session ends after this long without a request; every request starts the time
# again (sliding expiry). Respondents have no session at all.
SESSION_COOKIE_AGE = 60 * env_int("TRUSTMIRROR_SESSION_IDLE_MINUTES", 8 * 60, minimum=5)
SESSION_SAVE_EVERY_REQUEST = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Single sign-on through OpenID Connect (trustmirror.sso): on when TRUSTMIRROR_OIDC_CLIENT_ID
# is set, with the provider's endpoints and the client secret from a file; the variables and
# their checks are in trustmirror/sso/config.py. Passwords keep working beside it.
_OIDC = oidc_settings()
TRUSTMIRROR_OIDC_ENABLED = _OIDC.pop("TRUSTMIRROR_OIDC_ENABLED")
globals().update(_OIDC)  # OIDC_* for mozilla-django-oidc, TRUSTMIRROR_OIDC_* for ours
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
if TRUSTMIRROR_OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("trustmirror.sso.backends.PersonBackend")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("nl", _("Dutch"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_str("TRUSTMIRROR_TIME_ZONE", "Europe/Amsterdam")
USE_I18N = True
USE_TZ = True
# Dates in British English and in Dutch with lower-case months (trustmirror/formats/).
FORMAT_MODULE_PATH = ["trustmirror.formats"]

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
# Behind a reverse proxy every request's peer (REMOTE_ADDR) is the proxy, and the client's
# address is in X-Forwarded-For, of which only the entries our own proxies appended can be
# believed. Either count the proxies in front of the app (hops, default 1) or list their
# addresses; without TRUSTMIRROR_BEHIND_PROXY the header is never read (trustmirror.proxies).
TRUSTMIRROR_BEHIND_PROXY = env_bool("TRUSTMIRROR_BEHIND_PROXY", False)


def _proxies() -> tuple[int, list]:
    given = [
        name
        for name in ("TRUSTMIRROR_PROXY_HOPS", "TRUSTMIRROR_TRUSTED_PROXIES")
        if env_is_set(name)
    ]
    if not TRUSTMIRROR_BEHIND_PROXY:
        if given:
            raise ImproperlyConfigured(
                f"{given[0]} is set but TRUSTMIRROR_BEHIND_PROXY is off; set "
                "TRUSTMIRROR_BEHIND_PROXY=1 to take client addresses from X-Forwarded-For, "
                f"or remove {given[0]}"
            )
        return 1, []
    if len(given) == 2:
        raise ImproperlyConfigured(
            "Set TRUSTMIRROR_PROXY_HOPS (how many proxies are in front of the app) or "
            "TRUSTMIRROR_TRUSTED_PROXIES (their addresses), not both"
        )
    hops = env_int("TRUSTMIRROR_PROXY_HOPS", 1, minimum=1, maximum=5)
    trusted = env_networks("TRUSTMIRROR_TRUSTED_PROXIES")
    if given == ["TRUSTMIRROR_TRUSTED_PROXIES"] and not trusted:
        raise ImproperlyConfigured("TRUSTMIRROR_TRUSTED_PROXIES lists no address")
    return hops, trusted


TRUSTMIRROR_PROXY_HOPS, TRUSTMIRROR_TRUSTED_PROXIES = _proxies()
if PRODUCTION and TRUSTMIRROR_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "trustmirror.views.csrf_failure"
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

# Request bodies, refused before anything reads them (trustmirror.middleware): signed-in staff
# send at most a people file (10 MB, orgs/forms.py) and its form; anyone else a survey page
# (two open answers of 2,000 characters, up to 12 bytes each when percent-encoded: 48 KB) or
# the login form. A proxy in front should refuse larger bodies too (README).
TRUSTMIRROR_MAX_BODY_BYTES = 11 * 1024 * 1024
TRUSTMIRROR_MAX_ANONYMOUS_BODY_BYTES = 128 * 1024
# Every upload that passes the limit stays in memory: a people file (names, e-mail addresses)
# is never written to the temporary directory, where it would outlive a crash.
FILE_UPLOAD_MAX_MEMORY_SIZE = TRUSTMIRROR_MAX_BODY_BYTES
# Form fields read into memory: Django's default (2.5 MB); the largest form without a file is
# the links export, which posts back one 22-character token per invitee (about 1.5 MB for
# the import's 50,000 people).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Django's default. A survey page has fewer than 50 fields and a scan form fewer than 20; the
# links export posts one field per invitee and needs more from 1,000 on (review M4).
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
# The people import is the only upload, of one file.
DATA_UPLOAD_MAX_NUMBER_FILES = 1

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
        # Django's own "django" handlers (a console in DEBUG) do not redact; these replace them,
        # so django.security.csrf ("Forbidden (...): <path>") and the rest go through the filter.
        "django": {
            "handlers": ["console"],
            "level": env_str("TRUSTMIRROR_LOG_LEVEL", "WARNING"),
            "propagate": False,
        },
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": env_str("TRUSTMIRROR_LOG_LEVEL", "WARNING")},
}
