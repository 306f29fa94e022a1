"""Serving Trustmirror for real: gunicorn in front of the Django app, WhiteNoise for files.

``trustmirror serve`` and ``trustmirror demo`` start :class:`Server`. Settings come from the
environment as everywhere (``TRUSTMIRROR_PRODUCTION=1`` for HTTPS-only cookies and HSTS);
the access log never records the Referer header or cookies, and what it records of a request
goes through the same token redaction as every other log (``trustmirror.logfilters``): a
survey link is written as ``/s/[token]`` however it was spelled.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Mapping

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from trustmirror.logfilters import redact

__all__ = ["ACCESS_LOG_FORMAT", "RedactingLogger", "Server", "default_workers", "logconfig"]

# Like gunicorn's default, without the Referer and the user agent. The request line is
# redacted twice: as an atom (RedactingLogger) and as a line (the log filter).
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
# Atoms that carry the survey cookie (the token in clear) or the Referer: never written,
# whatever access_log_format an operator sets.
_WITHHELD_ATOMS = (
    "f",
    "{referer}i",
    "{cookie}i",
    "{set-cookie}o",
    "{http_referer}e",
    "{http_cookie}e",
)


class RedactingLogger(Logger):
    """gunicorn's logger whose access-log atoms hold no survey token, cookie or Referer."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if isinstance(value, str):
                atoms[key] = redact(value)
        for key in _WITHHELD_ATOMS:
            if key in atoms:
                atoms[key] = "-"
        return atoms


def _count_from_environment(name: str) -> int | None:
    configured = os.environ.get(name, "").strip()
    if not configured:
        return None
    if not configured.isdigit() or int(configured) < 1:
        raise SystemExit(f"{name} must be a whole number of at least 1, not {configured!r}")
    return int(configured)


def default_workers() -> int:
    """Worker processes: ``TRUSTMIRROR_WEB_WORKERS``, else two per core, at most eight."""
    configured = _count_from_environment("TRUSTMIRROR_WEB_WORKERS")
    return configured or max(2, min(8, 2 * (os.cpu_count() or 1)))


def default_threads() -> int:
    """Threads per web worker: ``TRUSTMIRROR_WEB_THREADS``, else 4."""
    return _count_from_environment("TRUSTMIRROR_WEB_THREADS") or 4


def logconfig(access_log: bool) -> dict:
    handlers = {
        "error": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "filters": ["redact_tokens"],
        },
    }
    loggers = {"gunicorn.error": {"handlers": ["error"], "level": "INFO", "propagate": False}}
    if access_log:
        handlers["access"] = {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["redact_tokens"],
        }
        loggers["gunicorn.access"] = {"handlers": ["access"], "level": "INFO", "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact_tokens": {"()": "trustmirror.logfilters.RedactSurveyTokens"}},
        "handlers": handlers,
        "loggers": loggers,
        "root": {"level": "WARNING", "handlers": ["error"]},
    }


class Server(BaseApplication):
    """gunicorn running ``trustmirror.wsgi.application`` with the given options."""

    def __init__(self, options: Mapping[str, object]) -> None:
        self.options = dict(options)
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key.lower(), value)

    def load(self):
        from trustmirror.wsgi import application

        # What the process holds now (Django, the templates warmed up, the instruments) lives
        # as long as it does: moved out of the garbage collector's sight, it is not scanned
        # again at every collection of a request's objects (a page that parses 5,000 teams'
        # published JSON spent two thirds of its time there), and the forked web workers keep
        # sharing its memory pages.
        gc.freeze()
        return application


def _post_fork(server, worker) -> None:
    """A web worker never uses a database connection of the process it was forked from.

    Connections are kept between requests (``CONN_MAX_AGE``); should the master ever have
    opened one before forking, two processes would share one SQLite file handle or one
    PostgreSQL session. Dropped without closing, as the master may still use it.
    """
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.connection = None


def serve(*, host: str, port: int, workers: int | None = None, access_log: bool = True) -> int:
    """Run gunicorn in the foreground until it is stopped (SIGTERM / Ctrl+C)."""
    Server(
        {
            "bind": f"{host}:{port}",
            "workers": workers or default_workers(),
            "worker_class": "gthread",
            "threads": default_threads(),
            "timeout": 60,
            "graceful_timeout": 20,
            "accesslog": "-" if access_log else None,
            "access_log_format": ACCESS_LOG_FORMAT,
            "logger_class": RedactingLogger,
            "logconfig_dict": logconfig(access_log),
            "preload_app": True,
            "proc_name": "trustmirror",
            "post_fork": _post_fork,
            # Several servers (a demo beside production, tests) may run on one machine.
            "control_socket_disable": True,
        }
    ).run()
    return 0
