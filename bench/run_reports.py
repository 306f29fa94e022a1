"""Benchmark of the reports: what a consultant waits for, on the demo organisation.

Usage (from the repository root)::

    .venv/bin/python bench/run_reports.py

1. The demo organisation is made in a temporary data directory (SQLite), as ``trustmirror
   demo`` makes it, with its closed scan's final results published.
2. ``trustmirror serve`` (gunicorn, two web workers) serves it; the consultant signs in and
   downloads a team's PDF through the download button's address: the first download of a
   web worker (which loads WeasyPrint and its fonts), then the median of ``--warm`` more,
   for a team and for the organisation report, in Dutch and English.
3. ``trustmirror report --scan ID --all-units`` (a new process, as a consultant runs it):
   wall time for the zip of the organisation report and every shown unit's report, in
   Dutch and English, PDF (with no chart drawn yet, as right after publication) and HTML;
   and, in a new process too, the zip of the organisation report and the teams' reports
   only (the issue's "all demo team PDFs plus the organisation report").

Targets (issue "Results that tell their story"): a team PDF in under 2 s, all demo team PDFs
plus the organisation report in under 20 s. The data directory is removed at the end.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


# Forget the drawn charts of every publication (the reports then draw them, as the first
# report after a publication does).
CLEAR_CHARTS = (
    "from trustmirror.results.models import PublishedChart;PublishedChart.objects.all().delete()"
)
# A zip of the organisation report and the teams' (units without units below them), in a new
# process: the "all demo team PDFs plus the organisation report".
TEAMS_ZIP = (
    "import sys; from pathlib import Path;"
    "from trustmirror.results import reports; from trustmirror.surveys.models import Scan;"
    "scan = Scan.objects.get(pk=int(sys.argv[1]));"
    "teams = [u for u in reports.reportable_units(scan) if not u.children.exists()];"
    "Path(sys.argv[3]).write_bytes(reports.unit_reports_zip(scan, lang=sys.argv[2], units=teams))"
)


def python(code: str, env: dict, *args: str) -> None:
    """Run ``code`` in a new process with Django set up on the benchmark's data directory."""
    setup = (
        "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'trustmirror.settings');"
        "import django; django.setup();"
    )
    subprocess.run([sys.executable, "-c", setup + code, *args], env=env, check=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(data_dir: Path) -> dict:
    code = (
        "import os, sys, json; from pathlib import Path; from trustmirror.cli import _setup_django;"
        "d = Path(sys.argv[1]); _setup_django(d);"
        "from django.core.management import call_command; call_command('migrate', verbosity=0);"
        "from dataclasses import asdict; from trustmirror import demo;"
        "info = asdict(demo.seed_demo(data_dir=d, progress=False));"
        "from trustmirror.surveys.models import Scan; from trustmirror.results import reports;"
        "scan = Scan.objects.order_by('opens_on').first();"
        "units = reports.reportable_units(scan);"
        "print(json.dumps({'scan': scan.pk, 'unit': units[-1].pk, 'unit_name': units[-1].name,"
        " 'units': len(units), 'slug': info['organisation_slug'], 'logins': info['logins']}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(data_dir)], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[float, bytes, str]:
        started = time.perf_counter()
        with self.opener.open(self.base + path, timeout=120) as response:
            body = response.read()
            kind = response.headers.get("Content-Type", "")
        return time.perf_counter() - started, body, kind

    def login(self, username: str, password: str) -> None:
        _t, page, _k = self.get("/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token.decode(), "username": username, "password": password}
        ).encode()
        request = urllib.request.Request(
            self.base + "/accounts/login/", data=data, headers={"Referer": self.base + "/"}
        )
        self.opener.open(request, timeout=60).read()


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server at {url} did not answer within {seconds} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=5, help="warm downloads to take the median of")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="trustmirror-bench-reports-"))
    env = {**os.environ, "TRUSTMIRROR_DATA_DIR": str(data_dir)}
    env.pop("TRUSTMIRROR_DATABASE_URL", None)
    server = None
    try:
        started = time.perf_counter()
        info = seed(data_dir)
        print(f"demo made in {time.perf_counter() - started:.0f} s: {info['units']} units shown")
        port = free_port()
        server = subprocess.Popen(
            [str(BIN / "trustmirror"), "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/accounts/login/")
        consultant = next(x for x in info["logins"] if x["username"] == "consultant")
        browser = Browser(base)
        browser.login(consultant["username"], consultant["password"])
        slug, scan = info["slug"], info["scan"]
        team = f"/o/{slug}/scans/{scan}/units/{info['unit']}/report.pdf"
        organisation = f"/o/{slug}/scans/{scan}/report.pdf"
        rows = []
        for lang in ("nl", "en"):
            for label, path in (
                (f"team ({info['unit_name']})", team),
                ("organisation", organisation),
            ):
                times = []
                for _ in range(args.warm + 1):
                    seconds, body, kind = browser.get(f"{path}?lang={lang}")
                    assert kind == "application/pdf" and body.startswith(b"%PDF-"), kind
                    times.append(seconds)
                rows.append(
                    (
                        f"download {label} PDF, {lang}",
                        times[0],
                        statistics.median(times[1:]),
                        len(body),
                    )
                )
        for lang in ("nl", "en"):
            for what, command in (
                ("trustmirror report --all-units, pdf", ["--all-units", "--format", "pdf"]),
                ("the organisation and the teams (no department), pdf", None),
                ("trustmirror report --all-units, html", ["--all-units", "--format", "html"]),
            ):
                target = data_dir / f"reports-{lang}.zip"
                if "pdf" in what:
                    python(CLEAR_CHARTS, env)  # as right after publication: no chart drawn yet
                started = time.perf_counter()
                if command is not None:
                    subprocess.run(
                        [str(BIN / "trustmirror"), "report", "--scan", str(scan), "--lang", lang]
                        + [*command, "--quiet", "-o", str(target)],
                        env=env,
                        check=True,
                        stdout=subprocess.DEVNULL,
                    )
                else:
                    python(TEAMS_ZIP, env, str(scan), lang, str(target))
                seconds = time.perf_counter() - started
                count = len(zipfile.ZipFile(target).namelist())
                size = target.stat().st_size
                rows.append((f"{what}, {lang} ({count} files)", seconds, None, size))
        print(
            f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}\n"
        )
        print("| what | first (s) | warm median (s) | size |")
        print("|---|---:|---:|---:|")
        for what, first, warm, size in rows:
            warm_text = f"{warm:.2f}" if warm is not None else ""
            print(f"| {what} | {first:.2f} | {warm_text} | {size / 1024:,.0f} KB |")
        return 0
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        if args.keep:
            print(f"kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
