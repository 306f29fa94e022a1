"""Benchmark of what users wait for at organisation scale: publishing, and the results pages.

Usage (from the repository root)::

    .venv/bin/python bench/run_publishing.py --database sqlite
    .venv/bin/python bench/run_publishing.py --database postgresql
    .venv/bin/python bench/run_publishing.py --database postgresql --version 2   # Trust Scan v2

1. Stores an organisation of ``--respondents`` (100,000) in ``--teams`` (5,000) teams of 5 to
   40 people, four levels (organisation, 50 divisions, 500 departments, teams), with a scan
   that closed yesterday, in a fresh database: SQLite in a temporary data directory, or a
   new database on the PostgreSQL server (``TRUSTMIRROR_BENCH_POSTGRES_URL``, default the
   test server at 127.0.0.1:5432), dropped afterwards.
2. Builds and publishes the scan's results as the worker does, in a process of its own,
   ``--builds`` times (the versions are removed in between): wall time and the process's
   peak resident memory.
3. Serves the app with ``trustmirror serve`` (gunicorn, production-like, two workers) and
   requests each results page as an admin, an analyst and leads of a division, a department
   and a team: the first request of a fresh server process (cold; the worker has drawn the
   charts of every led unit after publishing, timed in step 2), the first view of a unit
   nobody leads (which draws its charts), and the median of 20 requests (warm); the size of
   the HTML; the peak resident memory of the web workers.

Nothing is written into the repository.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = sys.executable

STORE = """
import json, sys
sys.path.insert(0, {bench!r})
from django.core.management import call_command
call_command("migrate", verbosity=0)
from orgdb import store_organisation
stored = store_organisation({respondents}, {teams}, progress=True, version={version!r})
print("STORED " + json.dumps(stored.__dict__))
"""

BUILD = """
import json, time
from pathlib import Path
from trustmirror.results.figures import draw_lead_charts, draw_organisation_charts
from trustmirror.results.models import IncludedResponse, Publication
from trustmirror.results.publishing import publication_attempt
from trustmirror.results.selectors import PublishedResults
from trustmirror.surveys.models import Scan
scan = Scan.objects.get(pk={scan})
timings = []
for run in range({builds}):
    Publication.objects.filter(scan=scan).delete()
    IncludedResponse.objects.filter(scan=scan).delete()
    start = time.perf_counter()
    outcome = publication_attempt(scan=scan, force=True)
    built = time.perf_counter() - start
    assert outcome.kind == "published", outcome.lines
    results = PublishedResults(outcome.publication)
    draw_organisation_charts(results)
    organisation = time.perf_counter() - start
    if run == {builds} - 1:
        leads = time.perf_counter()
        drawn = draw_lead_charts(results)
        leads = (time.perf_counter() - leads, drawn)
    timings.append((built, organisation))
peak = next(
    int(line.split()[1]) * 1024
    for line in Path("/proc/self/status").read_text().splitlines()
    if line.startswith("VmHWM")
)
print("BUILD " + json.dumps({{"timings": timings, "peak": peak, "lines": outcome.lines,
                             "leads": leads}}))
"""


@contextlib.contextmanager
def bench_environment(database: str, prefix: str, *, postgres_url: str | None = None):
    """A fresh data directory and database for one benchmark run: ``(env, data_dir)``.

    SQLite lives in the temporary data directory; PostgreSQL gets a new database on the
    server at ``postgres_url``, else ``TRUSTMIRROR_BENCH_POSTGRES_URL`` (default the test
    server). Both are removed afterwards, whatever happens.
    """
    data_dir = Path(tempfile.mkdtemp(prefix=prefix))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTMIRROR_")}
    env["TRUSTMIRROR_DATA_DIR"] = str(data_dir)
    env["TRUSTMIRROR_ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    database_name = None
    admin_url = postgres_url or os.environ.get(
        "TRUSTMIRROR_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
    )
    if database == "postgresql":
        import psycopg

        database_name = f"trustmirror_bench_{secrets.token_hex(4)}"
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{database_name}"')
        parts = urllib.parse.urlsplit(admin_url)
        env["TRUSTMIRROR_DATABASE_URL"] = urllib.parse.urlunsplit(
            parts._replace(path=f"/{database_name}")
        )
    try:
        yield env, data_dir
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if database_name is not None:
            import psycopg

            with psycopg.connect(admin_url, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)')


def print_page_table(rows: list[tuple], peaks: list[int]) -> None:
    """The pages' timings as a Markdown table, and the web workers' peak memory.

    ``rows`` hold (label, first, second, warm median, warm max in seconds, HTML bytes).
    """
    print()
    print("| page | first request, fresh server | second | warm median | warm max | HTML |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, cold, second, median, worst, size in rows:
        print(
            f"| {label} | {cold * 1000:.0f} ms | {second * 1000:.0f} ms | "
            f"{median * 1000:.0f} ms | {worst * 1000:.0f} ms | {size / 1024:.0f} KB |"
        )
    print(f"\nPeak RSS of a web worker: {max(peaks) / 2**20:.0f} MiB")


def time_pages(
    server: Server, pages: list[tuple[str, str, str]], password: str, warm: int
) -> tuple[list[tuple], list[int]]:
    """Each ``(label, username, path)`` on a fresh server, signed in: the first request, the
    second, the median and maximum of ``warm`` more, the HTML's size; and the web workers'
    peak memory. The rows are :func:`print_page_table`'s."""
    rows = []
    peaks: list[int] = []
    for label, user, path in pages:
        client = Client(server.start())
        client.login(user, password)
        status, _, cold = client.get(path)  # the first request to this worker for the page
        if status != 200:
            raise SystemExit(f"{path}: {status}")
        _, _, second = client.get(path)
        times = []
        for _ in range(warm):
            _, content, elapsed = client.get(path)
            times.append(elapsed)
        peaks.extend(server.worker_peaks())
        server.stop()
        rows.append((label, cold, second, statistics.median(times), max(times), len(content)))
    return rows, peaks


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage_shell(env: dict, code: str, marker: str) -> dict:
    result = subprocess.run(
        [PYTHON, "-m", "trustmirror.cli", "manage", "shell", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(result.stdout + result.stderr)
    line = next(x for x in result.stdout.splitlines() if x.startswith(marker + " "))
    return json.loads(line[len(marker) + 1 :])


class Client:
    """Signs in and fetches pages over HTTP, keeping its session cookie."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}

    def get(self, path: str, data: dict | None = None) -> tuple[int, bytes, float]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        start = time.perf_counter()
        try:
            response = urllib.request.build_opener(NoRedirect).open(request, timeout=300)
        except urllib.error.HTTPError as error:
            response = error
        content = response.read()
        elapsed = time.perf_counter() - start
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, content, elapsed

    def login(self, username: str, password: str) -> None:
        _, page, _ = self.get("/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _, _ = self.get(
            "/accounts/login/",
            {"username": username, "password": password, "csrfmiddlewaretoken": token.decode()},
        )
        if status != 302:
            raise SystemExit(f"login of {username} failed ({status})")


class Server:
    def __init__(self, env: dict) -> None:
        self.env = env
        self.process: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> str:
        self.port = free_port()
        self.process = subprocess.Popen(
            [PYTHON, "-m", "trustmirror.cli", "serve", "--port", str(self.port), "--workers", "2"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2):
                    return base
            except OSError:
                time.sleep(0.3)
        raise SystemExit("the server did not start")

    def worker_peaks(self) -> list[int]:
        """Peak resident memory of each gunicorn worker (children of the master)."""
        peaks = []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        for pid in children.read_text().split():
            status = Path(f"/proc/{pid}/status")
            if status.exists():
                for line in status.read_text().splitlines():
                    if line.startswith("VmHWM"):
                        peaks.append(int(line.split()[1]) * 1024)
        return peaks

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        int(line.split()[1]) // 1024
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    load = Path("/proc/loadavg").read_text().split()[:3]
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory / 1024:.1f} GiB, Python "
        f"{platform.python_version()}, load average {' / '.join(load)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--respondents", type=int, default=100_000)
    parser.add_argument("--teams", type=int, default=5_000)
    parser.add_argument("--builds", type=int, default=2)
    parser.add_argument(
        "--version", default="1", help="Trust Scan version the organisation answers (1 or 2)"
    )
    parser.add_argument("--warm", type=int, default=20, help="requests per page, warm")
    args = parser.parse_args()

    with bench_environment(args.database, "trustmirror-bench-") as (env, data_dir):
        print(f"Machine: {machine()}")
        print(f"Database: {args.database}; Trust Scan v{args.version}; data directory {data_dir}")
        server = Server(env)
        try:
            start = time.perf_counter()
            stored = manage_shell(
                env,
                STORE.format(
                    bench=str(BENCH),
                    respondents=args.respondents,
                    teams=args.teams,
                    version=args.version,
                ),
                "STORED",
            )
            print(
                f"Stored {stored['respondents']} respondents in {stored['teams']} teams "
                f"({time.perf_counter() - start:.0f} s, not part of the benchmark)"
            )
            built = manage_shell(
                env, BUILD.format(scan=stored["scan_id"], builds=args.builds), "BUILD"
            )
            builds = [b for b, _with_charts in built["timings"]]
            with_charts = [c for _b, c in built["timings"]]
            print(built["lines"][0])
            print(
                f"Build and publish: best {min(builds):.2f} s, "
                f"median {statistics.median(builds):.2f} s over {len(builds)} builds "
                f"(with the organisation's charts in two languages: "
                f"best {min(with_charts):.2f} s); peak RSS of the build process "
                f"{built['peak'] / 2**20:.0f} MiB"
            )
            print(
                f"Charts of the led units, drawn by the worker after publishing: "
                f"{built['leads'][1]} charts in {built['leads'][0]:.1f} s"
            )
            leads = stored["leads"]
            scan, org = stored["scan_id"], stored["organisation_slug"]
            pages = [
                ("admin", stored["admin"], f"/o/{org}/scans/{scan}/"),
                (
                    "admin, one division's departments",
                    stored["admin"],
                    f"/o/{org}/scans/{scan}/?level=u:{leads['bench-lead-division'][1]}&sort=reliability",
                ),
                (
                    "analyst, measurement quality",
                    stored["analyst"],
                    f"/o/{org}/scans/{scan}/quality/",
                ),
                (
                    "lead of a division",
                    "bench-lead-division",
                    f"/o/{org}/scans/{scan}/units/{leads['bench-lead-division'][1]}/",
                ),
                (
                    "lead of a department",
                    "bench-lead-department",
                    f"/o/{org}/scans/{scan}/units/{leads['bench-lead-department'][1]}/",
                ),
                (
                    "lead of a team",
                    "bench-lead-team",
                    f"/o/{org}/scans/{scan}/units/{leads['bench-lead-team'][1]}/",
                ),
                (
                    "admin, a team nobody leads (first view draws its charts)",
                    stored["admin"],
                    f"/o/{org}/scans/{scan}/units/{leads['bench-lead-team'][1] + 1}/",
                ),
            ]
            rows, peaks = time_pages(server, pages, stored["password"], args.warm)
            print_page_table(rows, peaks)
            print(f"Machine at the end: {machine()}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
