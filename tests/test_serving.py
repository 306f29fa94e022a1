"""The README's production section, as written: PostgreSQL, production settings, gunicorn
(`trustmirror serve`) and the background worker (`trustmirror worker`), started as an operator
would start them, in their own database on the local PostgreSQL server.

A scan that has closed is in the database and nothing is published yet; the worker notices
and publishes its final results; the consultant signs in over the web server and reads them.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import psycopg
import pytest

PG_URL = os.environ.get(
    "TRUSTMIRROR_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
PASSWORD = "a-long-correct-horse-battery"

SEED = """
import datetime as dt, secrets
from django.contrib.auth import get_user_model
from trustmirror.orgs.importing import ensure_unit
from trustmirror.orgs.models import Organisation, Person, Role
from trustmirror.surveys.models import Response
from trustmirror.surveys.services import scan_create
org = Organisation.objects.create(name="Prod Co", slug="prod")
cache = {}
team = ensure_unit(org, "Ops/Team A", cache)[0]
for i in range(6):
    Person.objects.create(organisation=org, name=f"P{i}", email=f"p{i}@prod.test",
                          language="en", unit=team)
scan = scan_create(organisation=org, name="Closed scan", opens_on=dt.date(2026, 9, 1),
                      closes_on=dt.date(2026, 9, 30))
for i in range(6):
    Response.objects.create(scan=scan, unit=team, resume_key=secrets.token_hex(32),
                            answers={"saf1": 2 + i % 3, "saf2": 4, "saf3": 3}, submitted=True)
user = get_user_model().objects.create_user("consultant", password="PASSWORD")
Role.objects.create(user=user, organisation=org, kind=Role.ADMIN)
print(scan.pk)
""".replace("PASSWORD", PASSWORD)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def database():
    """A database of its own on the PostgreSQL server, dropped afterwards."""
    name = f"trustmirror_serve_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    parts = urllib.parse.urlsplit(PG_URL)
    yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(PG_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "trustmirror.cli", *args]


class Browser:
    """A tiny client that talks to the server as if through an HTTPS proxy."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, dict]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)
        request.add_header("X-Forwarded-Proto", "https")
        request.add_header("Origin", "https://localhost")
        request.add_header("Referer", "https://localhost" + path)
        request.add_header("Host", "localhost")
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        opener = urllib.request.build_opener(NoRedirect)
        try:
            response = opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.read().decode(), dict(response.headers)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def wait_for(check, *, seconds: float, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        if process.poll() is not None:
            raise AssertionError(f"process ended: {process.communicate()[0]}")
        time.sleep(0.5)
    raise AssertionError("timed out")


@pytest.mark.browser  # starts real servers; grouped with the slow end-to-end tests
def test_serve_and_worker_against_postgresql_publish_and_serve_results(database, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTMIRROR_")}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(
        TRUSTMIRROR_DATABASE_URL=database,
        TRUSTMIRROR_PRODUCTION="1",
        TRUSTMIRROR_BEHIND_PROXY="1",
        TRUSTMIRROR_ALLOWED_HOSTS="localhost",
        TRUSTMIRROR_DATA_DIR=str(tmp_path),
        TRUSTMIRROR_WEB_WORKERS="2",
    )
    run = {"env": env, "capture_output": True, "text": True, "timeout": 300}
    assert subprocess.run(command("manage", "migrate"), **run).returncode == 0
    deploy = subprocess.run(
        command("manage", "check", "--deploy", "--fail-level", "WARNING"), **run
    )
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    seeded = subprocess.run(command("manage", "shell", "-c", SEED), **run)
    assert seeded.returncode == 0, seeded.stderr
    scan_id = int(seeded.stdout.strip().splitlines()[-1])

    port = free_port()
    worker = subprocess.Popen(
        command("worker", "--schedule-every", "1"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = subprocess.Popen(
        command("serve", "--port", str(port)),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        browser = Browser(f"http://127.0.0.1:{port}")

        def up() -> bool:
            try:
                return browser.request("/healthz")[0] == 200
            except OSError:
                return False

        wait_for(up, seconds=60, process=server)
        status, page, _ = browser.request("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _, headers = browser.request(
            "/accounts/login/",
            {"username": "consultant", "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        assert status == 302, headers

        overview = f"/o/prod/scans/{scan_id}/"

        def published() -> bool:
            return "Final results" in browser.request(overview)[1]

        wait_for(published, seconds=90, process=worker)
        status, page, headers = browser.request(overview)
        assert status == 200
        assert "The numbers include 6 answers" in page
        assert "Strict-Transport-Security" in headers
        # The web server serves the stylesheet itself (WhiteNoise).
        css = re.search(r'href="(/static/trustmirror/app[^"]*\.css)"', page).group(1)
        assert browser.request(css)[0] == 200
    finally:
        for process in (server, worker):
            process.terminate()
            try:
                process.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
    with psycopg.connect(database) as connection:
        row = connection.execute(
            "select status, final, respondents from results_publication where scan_id = %s",
            (scan_id,),
        ).fetchone()
    assert row == ("published", True, 6)


@pytest.mark.parametrize(
    ("name", "value", "function", "expected"),
    [
        ("TRUSTMIRROR_WEB_WORKERS", "3", "default_workers", 3),
        ("TRUSTMIRROR_WEB_THREADS", "2", "default_threads", 2),
        ("TRUSTMIRROR_WEB_THREADS", "", "default_threads", 4),
    ],
)
def test_web_workers_and_threads_from_the_environment(monkeypatch, name, value, function, expected):
    from trustmirror import server

    monkeypatch.setenv(name, value)
    assert getattr(server, function)() == expected


@pytest.mark.parametrize("value", ["0", "-1", "four", "2.5"])
def test_a_bad_thread_count_is_refused_with_its_name(monkeypatch, value):
    from trustmirror import server

    monkeypatch.setenv("TRUSTMIRROR_WEB_THREADS", value)
    with pytest.raises(SystemExit, match=f"TRUSTMIRROR_WEB_THREADS must be .* not '{value}'"):
        server.default_threads()


def test_loading_the_app_freezes_what_the_process_holds():
    """The master freezes its startup objects before forking: the collector no longer
    scans them (and the workers keep sharing their pages)."""
    import gc

    from trustmirror.server import Server

    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        application = Server({"bind": "127.0.0.1:0"}).load()
        assert callable(application)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
