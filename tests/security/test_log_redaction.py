"""No log line holds a survey token, in any spelling, from any server or logger.

Security review H2 (c): Django's log wrote ``GET /s/%33gtU…`` (a valid link, percent-encoded)
and ``Not Found: /s//<token>`` verbatim, and a proxy or gunicorn access log with the usual
format records paths and Referers in full. Here the redaction is checked line by line, then
against the real servers an operator runs (``trustmirror serve``, gunicorn, and Django's
development server), reading what they write after requests of every such form.
"""

from __future__ import annotations

import datetime as dt
import http.client
import logging
import os
import socket
import subprocess
import sys
import time

import pytest

from trustmirror.logfilters import REDACTED, RedactSurveyTokens, redact

TOKEN = "3gtUSnPCioaBl1zP5cle9w"


def pieces(token: str, size: int = 10) -> list[str]:
    """Every run of ``size`` characters of the token: none may appear in a log."""
    return [token[i : i + size] for i in range(len(token) - size + 1)]


def assert_no_token(text: str, token: str = TOKEN) -> None:
    leaked = [piece for piece in pieces(token) if piece in text]
    assert not leaked, f"token pieces {leaked} in:\n{text}"


def percent_encoded(token: str, every: int = 1) -> str:
    return "".join(f"%{ord(c):02X}" if i % every == 0 else c for i, c in enumerate(token))


SPELLINGS = [
    f"GET /s/{TOKEN} HTTP/1.1",
    f"GET /s/{TOKEN}/ HTTP/1.1",
    f"GET /s/{TOKEN}?lang=nl HTTP/1.1",
    f"GET /s/{TOKEN}/p/3 HTTP/1.1",
    f"GET /s/%{ord(TOKEN[0]):02X}{TOKEN[1:]} HTTP/1.1",  # the review's /s/%33gtU…
    f"GET /s/{percent_encoded(TOKEN)} HTTP/1.1",
    f"GET /s/{percent_encoded(TOKEN, 2)} HTTP/1.1",
    f"Not Found: /s//{TOKEN}",
    f"GET //s//{TOKEN} HTTP/1.1",
    f"GET /S/{TOKEN} HTTP/1.1",
    f"GET /%73/{TOKEN} HTTP/1.1",
    f"GET %2Fs%2F{TOKEN} HTTP/1.1",
    f"GET /x%252Fs%252F{TOKEN} HTTP/1.1",
    f"GET /s\\{TOKEN} HTTP/1.1",
    f"GET /accounts/login/?next=/s/{TOKEN} HTTP/1.1",
    f"GET /accounts/login/?next=%2fs%2f{TOKEN}&x=1 HTTP/1.1",
    f'GET /static/app.css HTTP/1.1" 200 "https://trust.example.org/s/{TOKEN}/p/1"',
    f"Referer: https://trust.example.org/s/{TOKEN}",
    f"GET /s/start?t={TOKEN} HTTP/1.1",
    f"GET /s/p/2?next=/s/{TOKEN} HTTP/1.1",
]


@pytest.mark.parametrize("line", SPELLINGS)
def test_every_spelling_of_a_link_is_redacted(line):
    redacted = redact(line)
    assert_no_token(redacted)
    assert REDACTED in redacted or "/s/start" in redacted or "/s/p/2" in redacted


@pytest.mark.parametrize(
    "line, expected",
    [
        ("GET /s/start HTTP/1.1", "GET /s/start HTTP/1.1"),
        ("GET /s/p/12?saved=1 HTTP/1.1", "GET /s/p/12 HTTP/1.1"),
        ('"POST /s/review HTTP/1.1" 302', '"POST /s/review HTTP/1.1" 302'),
        ("GET /s/thanks?lang=nl HTTP/1.1", "GET /s/thanks HTTP/1.1"),
        ("GET /s/startle HTTP/1.1", f"GET {REDACTED} HTTP/1.1"),
        ("GET /results/s/x HTTP/1.1", f"GET /results{REDACTED} HTTP/1.1"),
        ("GET /o/acme/scans/3/ HTTP/1.1", "GET /o/acme/scans/3/ HTTP/1.1"),
    ],
)
def test_token_free_pages_keep_their_name_and_lose_their_query(line, expected):
    assert redact(line) == expected


def _record(name: str, message: str, args) -> logging.LogRecord:
    record = logging.LogRecord(name, logging.WARNING, __file__, 1, message, args, None)
    record.server_time = "27/Nov/2026 06:00:00"
    record.status_code = 302
    return record


@pytest.mark.parametrize("debug", [False, True])
def test_every_django_handler_redacts_every_spelling(db, settings, debug):
    """Every handler a record reaches (Django's request, security and development-server
    loggers, ours), as settings.LOGGING sets them, in production and in DEBUG."""
    settings.DEBUG = debug
    for line in SPELLINGS:
        for name, message, args in (
            ("django.server", '"%s" %s %s', (line, "404", "179")),
            ("django.request", "Not Found: %s", (line,)),
            ("django.security.csrf", "Forbidden (%s): %s", ("CSRF cookie not set.", line)),
            ("django.security.DisallowedHost", "Invalid HTTP_HOST header: %s", (line,)),
            ("trustmirror", "%s", (line,)),
        ):
            logger, written = logging.getLogger(name), 0
            while logger is not None:
                # pytest attaches capture handlers of its own; check the configured ones
                for handler in logger.handlers:
                    if type(handler).__module__.startswith("_pytest"):
                        continue
                    record = _record(name, message, args)
                    if handler.filter(record):
                        if isinstance(handler, logging.StreamHandler):
                            assert_no_token(handler.format(record))
                            written += 1
                logger = logger.parent if logger.propagate else None
            assert written == 1, f"{name}: {written} handlers wrote the line"


def test_gunicorn_log_config_redacts_error_and_access_logs():
    from trustmirror.server import logconfig

    config = logconfig(access_log=True)
    assert set(config["handlers"]) == {"error", "access"}
    for handler in config["handlers"].values():
        assert handler["filters"] == ["redact_tokens"]
    assert config["filters"]["redact_tokens"]["()"] == "trustmirror.logfilters.RedactSurveyTokens"
    record = _record("gunicorn.error", "Error handling request %s", (f"/s//{TOKEN}",))
    assert RedactSurveyTokens().filter(record)
    assert_no_token(record.getMessage())


class _Response:
    status = "302 Found"
    sent = 0
    headers = [("Location", "/s/start"), ("Set-Cookie", f"tm_survey={TOKEN}:1x:sig; Path=/s/")]


class _Request:
    headers = [
        ("REFERER", f"https://trust.example.org/s/{TOKEN}"),
        ("COOKIE", f"tm_survey={TOKEN}:1x:sig"),
        ("USER-AGENT", "test"),
    ]


def test_gunicorn_access_atoms_hold_no_token_cookie_or_referer_whatever_the_format():
    """An operator may choose another access_log_format; the atoms themselves are clean."""
    from gunicorn.config import Config
    from gunicorn.glogging import SafeAtoms

    from trustmirror.server import RedactingLogger

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/s/%33{TOKEN[1:]}?lang=nl",
        "PATH_INFO": f"/s/3{TOKEN[1:]}",
        "QUERY_STRING": f"next=%2Fs%2F{TOKEN}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.1",
        "HTTP_REFERER": f"https://trust.example.org/s/{TOKEN}",
        "HTTP_COOKIE": f"tm_survey={TOKEN}:1x:sig",
    }
    atoms = RedactingLogger(Config()).atoms(
        _Response(), _Request(), environ, dt.timedelta(microseconds=1500)
    )
    assert_no_token(repr(atoms))
    combined = (
        '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(U)s %(q)s '
        "%({referer}i)s %({cookie}i)s %({set-cookie}o)s %({raw_uri}e)s %({http_cookie}e)s"
    )
    line = combined % SafeAtoms(atoms)
    assert_no_token(line)
    assert f'"GET {REDACTED} HTTP/1.1"' in line


# --- the real servers --------------------------------------------------------------------

SEED = """
import datetime as dt
from django.utils import timezone
from trustmirror.orgs.importing import ensure_unit
from trustmirror.orgs.models import Organisation, Person
from trustmirror.surveys.services import links_issue, scan_create
org = Organisation.objects.create(name="Log Co", slug="logco")
team = ensure_unit(org, "Ops/Team A", {})[0]
Person.objects.create(organisation=org, name="P", email="p@log.test", language="en", unit=team)
today = timezone.localdate()
scan = scan_create(organisation=org, name="Open scan",
                   opens_on=today - dt.timedelta(days=1),
                   closes_on=today + dt.timedelta(days=9))
links = links_issue(scan=scan)
print(links[0].token)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "trustmirror.cli", *args]


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status, dict(response.getheaders())
    finally:
        connection.close()


def _requests(token: str) -> list[tuple[str, dict[str, str]]]:
    """Every form of a link the review found or a log could meet, with Referers that hold it."""
    site = "http://127.0.0.1"
    return [
        (f"/s/{token}", {"Referer": f"https://mail.example/read?link={site}/s/{token}"}),
        (f"/s/{token}?lang=nl", {}),
        (f"/s/%{ord(token[0]):02X}{token[1:]}", {}),
        (f"/s/{percent_encoded(token, 3)}", {}),
        (f"/s//{token}", {}),
        (f"//s/{token}", {}),
        (f"/s/{token}/p/1", {}),
        (f"/S/{token}", {}),
        (f"/x%2Fs%2F{token}", {}),
        (f"/accounts/login/?next=/s/{token}", {"Referer": f"{site}/s/{token}"}),
        (f"/accounts/login/?next=%2Fs%2F{token}", {}),
        ("/static/trustmirror/survey.css", {"Referer": f"{site}/s/{token}/p/1"}),
        ("/privacy/", {"Referer": f"{site}/s/{token}"}),
    ]


def _run_server(tmp_path, server_args: list[str]) -> tuple[str, str]:
    """Seed a scan, start the server, send every request form; its whole output, the token."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTMIRROR_")}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(TRUSTMIRROR_DATA_DIR=str(tmp_path), TRUSTMIRROR_LOG_LEVEL="INFO")
    run = {"env": env, "capture_output": True, "text": True, "timeout": 300}
    migrated = subprocess.run(_command("manage", "migrate"), **run)
    assert migrated.returncode == 0, migrated.stderr
    seeded = subprocess.run(_command("manage", "shell", "-c", SEED), **run)
    assert seeded.returncode == 0, seeded.stderr
    token = seeded.stdout.strip().splitlines()[-1]

    port = _free_port()
    log_path = tmp_path / "server.log"
    with open(log_path, "w", encoding="utf-8") as log:
        server = subprocess.Popen(
            _command(*[arg.replace("PORT", str(port)) for arg in server_args]),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if _get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)
        statuses = {}
        for path, headers in _requests(token):
            statuses[path] = _get(port, path, headers)[0]
        # The survey itself, with the cookie the link gave, and a Referer that holds the link.
        status, headers = _get(port, f"/s/{token}")
        cookie = headers["Set-Cookie"].split(";", 1)[0]
        start = _get(port, "/s/start", {"Cookie": cookie, "Referer": f"http://x/s/{token}"})
        assert start[0] == 200
        assert statuses[f"/s/{token}"] == 302
        assert statuses[f"/s/%{ord(token[0]):02X}{token[1:]}"] == 302
        assert statuses[f"/s//{token}"] == 404
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return log_path.read_text(encoding="utf-8"), token


@pytest.mark.browser  # starts real servers; grouped with the slow end-to-end tests
def test_trustmirror_serve_logs_no_token(tmp_path):
    """gunicorn's access and error logs and Django's log, as `trustmirror serve` runs them."""
    output, token = _run_server(tmp_path, ["serve", "--port", "PORT", "--workers", "1"])
    assert_no_token(output, token)
    assert output.count(f'"GET {REDACTED} HTTP/1.1" 302') >= 4, output
    assert '"GET /s/start HTTP/1.1" 200' in output, output
    assert "mail.example" not in output and "http://x/" not in output  # no Referer at all


@pytest.mark.browser
def test_the_development_server_logs_no_token(tmp_path):
    output, token = _run_server(
        tmp_path, ["manage", "runserver", "--noreload", "--skip-checks", "127.0.0.1:PORT"]
    )
    assert_no_token(output, token)
    assert output.count(f'"GET {REDACTED} HTTP/1.1" 302') >= 4, output
    assert "Not Found" in output  # Django's request log is on, and redacted
