"""Benchmark of inviting an organisation at the import limit: what users wait for, end to end.

Usage (from the repository root)::

    .venv/bin/python bench/run_invitations.py --database sqlite
    .venv/bin/python bench/run_invitations.py --database postgresql
    .venv/bin/python bench/run_invitations.py --quick          # 2,000 people, to try it out

Everything goes through the code paths a user's action takes, over HTTP where a user would
use HTTP, against ``trustmirror serve`` (gunicorn, two web workers) and ``trustmirror worker``
on a fresh database (SQLite in a temporary data directory, or a new database on the
PostgreSQL server at ``TRUSTMIRROR_BENCH_POSTGRES_URL``, default 127.0.0.1:5432, named
``TRUSTMIRROR_BENCH_DATABASE_PREFIX`` (``trustmirror_bench_``) and a random suffix, dropped
afterwards):

1. An admin imports ``--people`` (50,000, the import limit) people in ``--teams`` (2,500)
   teams under departments and divisions: a CSV made with a fixed seed (synthetic names and
   addresses), posted to the import page. Wall time; peak resident memory of the web worker.
2. The admin creates a scan by e-mail for everyone (the scan form's POST): wall time.
3. The scan's page (delivery progress) and the dashboard: response time and size of the
   HTML while the invitations are being sent (polled) and afterwards (median of ``--warm``).
4. The worker sends the invitations to a local SMTP server (aiosmtpd in a process of its
   own, which counts the messages per recipient), with ``TRUSTMIRROR_EMAIL_PER_MINUTE`` set
   high enough not to limit it: messages a second, total time, the worker's peak resident
   memory; every person must have received exactly one message with a link.
5. A reminder to everyone (the scan page's POST): the same figures; every person must have
   received exactly one more message, without a link.
6. Printed letters: a second scan with ``delivery=letters`` for everyone, and its letter file
   (streamed, once): time to the first and the last byte, size, peak resident memory of the
   web worker; the file must hold a header and one row per person, every link different,
   and a second download must be refused.

The CSV, the databases, the logs and the letter file live in the temporary data directory or
in memory only, and the directory is removed at the end (``--keep`` keeps it, with the logs of
the server, the worker and the SMTP server); nothing is written into the repository.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import random
import re
import secrets
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

from tqdm import tqdm

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from run_publishing import free_port, machine  # noqa: E402

PYTHON = sys.executable
SEED = 20261211
ORG = "bench"
DOMAIN = "bench.example"
DEFAULT_RATE = 60  # TRUSTMIRROR_EMAIL_PER_MINUTE's default (settings.py)

SETUP = """
from django.contrib.auth import get_user_model
from trustmirror.orgs.models import Organisation, Role
org = Organisation.objects.create(name="Bench Org", slug={org!r}, default_language="en")
user = get_user_model().objects.create_user("bench-admin", password={password!r})
Role.objects.create(user=user, organisation=org, kind=Role.ADMIN)
print("SETUP ok")
"""

# The SMTP server: aiosmtpd in this process, counting messages per recipient. It writes what
# it has counted to a JSON file twice a second, and once more when it is stopped (SIGTERM).
SINK = r"""
import json, re, signal, sys, threading, time
from collections import Counter
from aiosmtpd.controller import Controller

port, status_path, expected_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
expected = set(open(expected_path, encoding="utf-8").read().split())
LINK = re.compile(rb"/s/[A-Za-z0-9_-]{22}(?![A-Za-z0-9_-])")
counts = Counter()
state = {"total": 0, "with_link": 0, "bytes": 0}
# When the first and the last message with a link (invitations) and without (reminders) came.
times = {"link": [None, None], "no_link": [None, None]}
lock = threading.Lock()

class Counting:
    async def handle_DATA(self, server, session, envelope):
        links = len(set(LINK.findall(envelope.original_content)))
        with lock:
            now = time.time()
            kind = times["link" if links else "no_link"]
            kind[0] = kind[0] or now
            kind[1] = now
            state["total"] += 1
            state["bytes"] += len(envelope.original_content)
            state["with_link"] += links == 1
            for rcpt in envelope.rcpt_tos:
                counts[rcpt.lower()] += 1
        return "250 Message accepted for delivery"

def write():
    with lock:
        per_expected = [counts.get(address, 0) for address in expected]
        snapshot = dict(
            state,
            times=times,
            recipients=len(counts),
            unexpected=sum(1 for address in counts if address not in expected),
            min=min(per_expected, default=0),
            max=max(counts.values(), default=0),
        )
    with open(status_path + ".tmp", "w") as out:
        json.dump(snapshot, out)
    import os
    os.replace(status_path + ".tmp", status_path)

controller = Controller(Counting(), hostname="127.0.0.1", port=port, data_size_limit=0)
controller.start()
running = True
def stop(*_):
    global running
    running = False
signal.signal(signal.SIGTERM, stop)
print("SINK ready", flush=True)
while running:
    write()
    time.sleep(0.5)
controller.stop()
write()
"""

FIRST = ["Anna", "Bram", "Chloë", "Daan", "Emre", "Fatima", "Gijs", "Hanna", "Iris", "Jørgen",
         "Kees", "Lotte", "Mohammed", "Noor", "Otto", "Priya", "Quinten", "Roos", "Sem", "Tess",
         "Umar", "Vera", "Wouter", "Xander", "Yara", "Zoë"]  # fmt: skip
LAST = ["de Vries", "Jansen", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
        "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker",
        "Brouwer", "de Wit", "Dijkstra", "Smits", "Öztürk", "Nguyen", "O'Brien",
        "Kowalski"]  # fmt: skip


# -- the people -----------------------------------------------------------------------------


def people_csv(n_people: int, n_teams: int) -> tuple[bytes, list[str]]:
    """The import file: ``n_people`` in ``n_teams`` teams (sizes 5-35 on average, fixed seed)
    under departments of 10 teams and divisions of 10 departments. Returns (CSV, addresses)."""
    rng = random.Random(SEED)
    sizes = [rng.randint(5, 35) for _ in range(n_teams)]
    while sum(sizes) > n_people:
        team = rng.randrange(n_teams)
        if sizes[team] > 1:
            sizes[team] -= 1
    while sum(sizes) < n_people:
        sizes[rng.randrange(n_teams)] += 1
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "email", "language", "unit", "lead", "band_tenure"])
    addresses = []
    number = 0
    for team, size in enumerate(sizes):
        department, division = team // 10, team // 100
        unit = f"Division {division + 1:02d}/Department {department + 1:03d}/Team {team + 1:04d}"
        for member in range(size):
            number += 1
            first, last = rng.choice(FIRST), rng.choice(LAST)
            address = f"{first}.{last}.{number}".lower().replace(" ", "").replace("'", "")
            address = address.encode("ascii", "ignore").decode() + "@" + DOMAIN
            addresses.append(address)
            writer.writerow(
                [
                    f"{first} {last}",
                    address,
                    "en" if rng.random() < 0.25 else "nl",
                    unit,
                    "yes" if member == 0 else "no",
                    rng.choice(["< 1 year", "1-5 years", "5+ years"]),
                ]
            )
    return out.getvalue().encode("utf-8"), addresses


# -- processes ------------------------------------------------------------------------------


def peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) * 1024
    return 0


def reset_peak(pid: int) -> None:
    """Start the process's peak resident memory afresh (Linux: 5 > clear_refs)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        pass


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


class Process:
    def __init__(self, name: str, command: list[str], env: dict, log_dir: Path) -> None:
        self.name = name
        self.log = open(log_dir / f"{name}.log", "wb")  # noqa: SIM115
        self.popen = subprocess.Popen(command, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self.log.close()


class Server(Process):
    """``trustmirror serve``: gunicorn with two web workers."""

    def __init__(self, env: dict, log_dir: Path) -> None:
        self.port = free_port()
        super().__init__(
            "server",
            [PYTHON, "-m", "trustmirror.cli", "serve", "--port", str(self.port), "--workers", "2"],
            env,
            log_dir,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2):
                    return
            except OSError:
                if not self.alive():
                    break
                time.sleep(0.3)
        raise SystemExit(f"the server did not start (see {self.log.name})")

    def reset_peaks(self) -> None:
        for pid in children(self.pid):
            reset_peak(pid)

    def peak(self) -> int:
        return max((peak_rss(pid) for pid in children(self.pid)), default=0)


class Sink(Process):
    def __init__(self, env: dict, log_dir: Path, expected: Path) -> None:
        self.port = free_port()
        self.status = log_dir / "smtp-status.json"
        super().__init__(
            "smtp",
            [PYTHON, "-c", SINK, str(self.port), str(self.status), str(expected)],
            env,
            log_dir,
        )
        deadline = time.monotonic() + 60
        while not self.status.exists():
            if time.monotonic() > deadline or not self.alive():
                raise SystemExit("the SMTP server did not start")
            time.sleep(0.2)

    def read(self) -> dict:
        return json.loads(self.status.read_text())


# -- HTTP -----------------------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """A signed-in browser, as far as the benchmark needs one: cookies, CSRF, forms, files."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(NoRedirect)

    def open(self, path: str, body: bytes | None = None, content_type: str | None = None):
        request = urllib.request.Request(self.base + path, data=body)
        if content_type:
            request.add_header("Content-Type", content_type)
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            response = self.opener.open(request, timeout=1800)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response

    def request(self, path: str, data: dict | None = None) -> tuple[int, bytes, float]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        start = time.perf_counter()
        response = self.open(path, body)
        content = response.read()
        return response.status, content, time.perf_counter() - start

    def csrf(self, path: str) -> str:
        status, page, _ = self.request(path)
        if status != 200:
            raise SystemExit(f"GET {path}: {status}")
        return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()

    def post(self, path: str, data: dict, *, form: str | None = None) -> tuple[int, bytes, float]:
        """POST ``data`` to ``path`` from the page ``form`` (default: ``path`` itself)."""
        return self.request(path, {"csrfmiddlewaretoken": self.csrf(form or path), **data})

    def login(self, username: str, password: str) -> None:
        status, _, _ = self.post("/accounts/login/", {"username": username, "password": password})
        if status != 302:
            raise SystemExit(f"login of {username} failed ({status})")

    def upload(self, path: str, field: str, filename: str, content: bytes) -> tuple[int, float]:
        token = self.csrf(path)
        boundary = secrets.token_hex(16)
        body = b"".join(
            [
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"'
                f"\r\n\r\n{token}\r\n".encode(),
                f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
                f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode(),
                content,
                f"\r\n--{boundary}--\r\n".encode(),
            ]
        )
        start = time.perf_counter()
        response = self.open(path, body, f"multipart/form-data; boundary={boundary}")
        page = response.read()
        elapsed = time.perf_counter() - start
        if response.status != 302:
            errors = re.findall(rb"<li>(Line[^<]*)</li>", page)[:5]
            raise SystemExit(f"the import failed ({response.status}): {errors}")
        return response.status, elapsed


# -- the database, read directly for checks only --------------------------------------------


class Database:
    def __init__(self, kind: str, sqlite_path: Path | None, url: str | None) -> None:
        self.kind, self.sqlite_path, self.url = kind, sqlite_path, url

    def rows(self, sql: str) -> list[tuple]:
        if self.kind == "sqlite":
            connection = sqlite3.connect(f"file:{self.sqlite_path}?mode=ro", uri=True, timeout=30)
            try:
                return connection.execute(sql).fetchall()
            finally:
                connection.close()
        import psycopg

        with psycopg.connect(self.url) as connection:
            return connection.execute(sql).fetchall()

    def busy_messages(self) -> int:
        return self.rows(
            "SELECT count(*) FROM delivery_message WHERE state IN ('pending', 'sending')"
        )[0][0]

    def message_states(self, scan: int) -> dict[str, int]:
        return {
            f"{kind} {state}": n
            for kind, state, n in self.rows(
                "SELECT kind, state, count(*) FROM delivery_message "
                f"WHERE scan_id = {int(scan)} GROUP BY kind, state"
            )
        }


# -- the measurements -----------------------------------------------------------------------


def fmt_s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.0f} s"


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def mib(n: int) -> str:
    return f"{n / 2**20:.0f} MiB"


class Pages:
    """Times the scan's page and the dashboard; keeps (seconds, bytes) per page and phase."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.samples: dict[tuple[str, str], list[tuple[float, int]]] = {}
        # The machine's 1-minute load average at each poll while sending, per round.
        self.load: dict[str, list[float]] = {}

    def get(self, name: str, path: str, phase: str) -> bytes:
        status, content, elapsed = self.client.request(path)
        if status != 200:
            raise SystemExit(f"GET {path}: {status}")
        self.samples.setdefault((name, phase), []).append((elapsed, len(content)))
        return content


def wait_for_messages(
    sink: Sink, target: int, *, label: str, pages: Pages, page_paths: dict, stall: float
) -> dict:
    """Wait until the SMTP server holds ``target`` messages; poll the pages meanwhile."""
    start = sink.read()["total"]
    last_total, last_change = start, time.monotonic()
    next_poll = time.monotonic() + 2
    with tqdm(total=target - start, desc=label, unit="msg", smoothing=0.1) as bar:
        while True:
            status = sink.read()
            bar.update(status["total"] - start - bar.n)
            if status["total"] >= target:
                return status
            now = time.monotonic()
            if status["total"] != last_total:
                last_total, last_change = status["total"], now
            elif now - last_change > stall:
                raise SystemExit(f"{label}: no message for {stall:.0f} s at {status['total']}")
            if now >= next_poll:
                load = float(Path("/proc/loadavg").read_text().split()[0])
                pages.load.setdefault(label, []).append(load)
                for name, path in page_paths.items():
                    pages.get(name, path, "while sending")
                next_poll = time.monotonic() + 5
            time.sleep(0.5)


def wait_until_settled(database: Database, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while database.busy_messages():
        if time.monotonic() > deadline:
            raise SystemExit("messages still pending or sending after the last one arrived")
        time.sleep(0.5)


def new_scan_id(client: Client, before: set[int]) -> int:
    _, dashboard, _ = client.request(f"/o/{ORG}/")
    ids = {int(x) for x in re.findall(rb"/o/" + ORG.encode() + rb"/scans/(\d+)/manage/", dashboard)}
    (new,) = ids - before
    return new


def create_scan(client: Client, name: str, delivery: str, known: set[int]) -> tuple[int, float]:
    # The server's day (TRUSTMIRROR_TIME_ZONE's default): the scan opens today.
    today = dt.datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    path = f"/o/{ORG}/scans/new/"
    status, _, elapsed = client.post(
        path,
        {
            "name": name,
            "opens_on": today.isoformat(),
            "closes_on": (today + dt.timedelta(days=21)).isoformat(),
            "min_group_size": "5",
            "max_cut_dimensions": "1",
            "delivery": delivery,
        },
    )
    if status != 302:
        raise SystemExit(f"creating the scan failed ({status})")
    scan = new_scan_id(client, known)
    known.add(scan)
    return scan, elapsed


def download_letters(client: Client, scan: int) -> dict:
    path = f"/o/{ORG}/scans/{scan}/manage/letters/"
    token = client.csrf(f"/o/{ORG}/scans/{scan}/manage/")
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "letters-confirm": "on"})
    start = time.perf_counter()
    response = client.open(path, body.encode())
    if response.status != 200 or not response.headers["Content-Type"].startswith("text/csv"):
        raise SystemExit(f"the letter file was not sent ({response.status})")
    first_byte = None
    size = 0
    buffer = io.BytesIO()
    while chunk := response.read(65536):
        if first_byte is None:
            first_byte = time.perf_counter() - start
        size += len(chunk)
        buffer.write(chunk)
    last_byte = time.perf_counter() - start
    rows = list(csv.reader(io.StringIO(buffer.getvalue().decode("utf-8"))))
    links = {row[-1] for row in rows[1:]}
    del buffer  # the links exist only here; nothing is written to disk
    second = client.open(path, body.encode())
    second.read()
    return {
        "first_byte": first_byte,
        "last_byte": last_byte,
        "bytes": size,
        "rows": len(rows),
        "distinct_links": len(links),
        "header": rows[0] if rows else [],
        "second_download_refused": not second.headers["Content-Type"].startswith("text/csv"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--teams", type=int, default=None, help="default: one per 20 people")
    parser.add_argument("--quick", action="store_true", help="2,000 people, to try it out")
    parser.add_argument("--warm", type=int, default=10, help="requests per page after sending")
    parser.add_argument(
        "--per-minute",
        type=int,
        default=1_000_000,
        help="TRUSTMIRROR_EMAIL_PER_MINUTE for the worker (high: the rate is not measured)",
    )
    parser.add_argument("--stall", type=float, default=300, help="give up after this many "
                        "seconds without a message")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the data directory (logs)")
    args = parser.parse_args()
    if args.quick:
        args.people = 2_000
    teams = args.teams or max(1, round(args.people / 20))

    data_dir = Path(tempfile.mkdtemp(prefix="trustmirror-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTMIRROR_")}
    env.update(
        TRUSTMIRROR_DATA_DIR=str(data_dir),
        TRUSTMIRROR_ALLOWED_HOSTS="127.0.0.1,localhost",
        TRUSTMIRROR_EMAIL_TLS="off",
        TRUSTMIRROR_EMAIL_FROM="Trustmirror <trust@bench.example>",
        TRUSTMIRROR_BASE_URL="http://127.0.0.1:8000",
        TRUSTMIRROR_EMAIL_PER_MINUTE=str(args.per_minute),
    )
    admin_url = os.environ.get(
        "TRUSTMIRROR_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    database_name = None
    database_url = None
    if args.database == "postgresql":
        import psycopg

        prefix = os.environ.get("TRUSTMIRROR_BENCH_DATABASE_PREFIX", "trustmirror_bench_")
        database_name = f"{prefix}{secrets.token_hex(4)}"
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{database_name}"')
        parts = urllib.parse.urlsplit(admin_url)
        database_url = urllib.parse.urlunsplit(parts._replace(path=f"/{database_name}"))
        env["TRUSTMIRROR_DATABASE_URL"] = database_url
    database = Database(args.database, data_dir / "trustmirror.sqlite3", database_url)
    print(f"Machine: {machine()}")
    print(f"Database: {args.database}; data directory {data_dir}")
    processes: list[Process] = []
    password = secrets.token_urlsafe(16)
    figures: list[tuple[str, str]] = []
    try:
        content, addresses = people_csv(args.people, teams)
        expected = data_dir / "addresses.txt"
        expected.write_text("\n".join(addresses), encoding="utf-8")
        print(f"People file: {len(addresses):,} people in {teams:,} teams, {len(content):,} bytes")

        sink = Sink(env, data_dir, expected)
        processes.append(sink)
        env.update(TRUSTMIRROR_EMAIL_HOST="127.0.0.1", TRUSTMIRROR_EMAIL_PORT=str(sink.port))
        server = Server(env, data_dir)  # migrates the fresh database first
        processes.append(server)
        result = subprocess.run(
            [PYTHON, "-m", "trustmirror.cli", "manage", "shell", "-c",
             SETUP.format(org=ORG, password=password)],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if "SETUP ok" not in result.stdout:
            raise SystemExit(result.stdout + result.stderr)
        worker = Process("worker", [PYTHON, "-m", "trustmirror.cli", "worker"], env, data_dir)
        processes.append(worker)
        client = Client(server.base)
        client.login("bench-admin", password)
        pages = Pages(client)

        # 1. The import.
        print("1. Importing the people file through the import page ...")
        server.reset_peaks()
        _, imported = client.upload(f"/o/{ORG}/people/import/", "file", "people.csv", content)
        figures.append(
            ("import of the people file (HTTP POST, until the redirect)", fmt_s(imported))
        )
        figures.append(("peak RSS of the web worker during the import", mib(server.peak())))
        print(f"   {fmt_s(imported)}")
        pages.get("dashboard", f"/o/{ORG}/", "after the import")

        # 2. The scan by e-mail; the worker starts sending as soon as it is created.
        print("2. Creating a scan by e-mail for everyone ...")
        known: set[int] = set()
        reset_peak(worker.pid)
        scan, created = create_scan(client, "Bench scan by e-mail", "email", known)
        created_at = time.time()
        figures.append(("create a scan by e-mail (form POST, until the redirect)", fmt_s(created)))
        print(f"   {fmt_s(created)} (scan {scan})")
        scan_page = f"/o/{ORG}/scans/{scan}/manage/"
        page_paths = {"scan page": scan_page, "dashboard": f"/o/{ORG}/"}

        # 3-4. Sending the invitations, with the pages polled meanwhile.
        print("3-4. The worker sends the invitations ...")
        status = wait_for_messages(
            sink, args.people, label="invitations", pages=pages, page_paths=page_paths,
            stall=args.stall,
        )  # fmt: skip
        wait_until_settled(database)
        invitations = dict(status)
        invitations["posted"] = created_at - created
        invitations["worker_peak"] = peak_rss(worker.pid)
        states = database.message_states(scan)
        print(f"   message states: {states}")
        for _ in range(args.warm):
            for name, path in page_paths.items():
                pages.get(name, path, "after sending")

        # 5. A reminder to everyone.
        print("5. A reminder to everyone ...")
        reset_peak(worker.pid)
        status_code, _, reminded = client.post(
            f"/o/{ORG}/scans/{scan}/manage/remind/", {"remind-confirm": "on"}, form=scan_page
        )
        if status_code != 302:
            raise SystemExit(f"the reminder was refused ({status_code})")
        remind_posted = time.time() - reminded
        status = wait_for_messages(
            sink, 2 * args.people, label="reminders", pages=pages, page_paths=page_paths,
            stall=args.stall,
        )  # fmt: skip
        wait_until_settled(database)
        reminders = dict(status)
        reminders["worker_peak"] = peak_rss(worker.pid)
        reminders["posted"] = remind_posted
        reminders["post"] = reminded
        states_after = database.message_states(scan)
        print(f"   message states: {states_after}")

        # 6. Printed letters.
        print("6. A scan with printed letters, and its letter file ...")
        letters_scan, letters_created = create_scan(
            client, "Bench scan by letter", "letters", known
        )
        server.reset_peaks()
        letters = download_letters(client, letters_scan)
        letters["peak"] = server.peak()
        print(f"   {fmt_s(letters['last_byte'])}, {letters['rows']:,} rows")
        pages.get("scan page (letters, downloaded)", f"/o/{ORG}/scans/{letters_scan}/manage/",
                  "after the download")  # fmt: skip
        report(args, teams, figures, invitations, reminders, created, letters, letters_created,
               pages, states, states_after)  # fmt: skip
        print(f"\nMachine at the end: {machine()}")
    finally:
        for process in reversed(processes):
            process.stop()
        if args.keep:
            print(f"Kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
        if database_name is not None:
            import psycopg

            with psycopg.connect(admin_url, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)')


def report(args, teams, figures, invitations, reminders, created, letters, letters_created,
           pages, states, states_after) -> None:  # fmt: skip
    n = args.people
    print()
    print(f"People: {n:,} in {teams:,} teams; database {args.database}")
    print()
    print("| step | figure |")
    print("|---|---:|")
    for label, value in figures:
        print(f"| {label} | {value} |")

    def sending(label: str, status: dict, since: float) -> None:
        first, last = status["times"]["link" if label == "invitations" else "no_link"]
        span = last - first
        rate = (n - 1) / span if span > 0 else float("nan")
        print(f"| {label}: first to last message | {fmt_s(span)} ({rate:.0f} messages/s) |")
        print(f"| {label}: from the admin's POST to the last message | "
              f"{fmt_s(last - since)} |")  # fmt: skip
        print(f"| {label}: peak RSS of the worker | {mib(status['worker_peak'])} |")

    sending("invitations", invitations, invitations["posted"])
    sending("reminders", reminders, reminders["posted"])
    print(f"| reminder: the POST until the redirect | {fmt_s(reminders['post'])} |")
    print(f"| scan with letters: form POST until the redirect | {fmt_s(letters_created)} |")
    for label, loads in pages.load.items():
        print(
            f"| {label}: load average (1 min) while sending, mean / max | "
            f"{statistics.mean(loads):.1f} / {max(loads):.1f} |"
        )
    print(f"| letter file: first byte | {fmt_s(letters['first_byte'])} |")
    print(f"| letter file: last byte | {fmt_s(letters['last_byte'])} |")
    print(f"| letter file: size | {letters['bytes'] / 2**20:.1f} MiB |")
    print(f"| letter file: peak RSS of the web worker | {mib(letters['peak'])} |")
    hours = n / DEFAULT_RATE / 60
    print(f"| at the default rate ({DEFAULT_RATE} a minute), one round to everyone | "
          f"{hours:.1f} h |")  # fmt: skip
    print()
    print("| page | when | requests | median | max | HTML |")
    print("|---|---|---:|---:|---:|---:|")
    for (name, phase), samples in pages.samples.items():
        times = [t for t, _ in samples]
        print(
            f"| {name} | {phase} | {len(samples)} | {fmt_ms(statistics.median(times))} | "
            f"{fmt_ms(max(times))} | {max(s for _, s in samples) / 1024:.0f} KB |"
        )
    print()
    checks = [
        ("invitations: messages received", invitations["total"], n),
        ("invitations: distinct recipients, all invited", invitations["recipients"], n),
        ("invitations: most messages to one recipient", invitations["max"], 1),
        ("invitations: messages with exactly one survey link", invitations["with_link"], n),
        ("invitations: messages recorded as sent", states.get("invitation sent", 0), n),
        ("reminders: messages received in all", reminders["total"], 2 * n),
        ("reminders: every recipient has exactly two messages (min)", reminders["min"], 2),
        ("reminders: every recipient has exactly two messages (max)", reminders["max"], 2),
        ("reminders: messages with a link (only the invitations)", reminders["with_link"], n),
        ("reminders: messages recorded as sent", states_after.get("reminder sent", 0), n),
        ("messages to addresses nobody invited", reminders["unexpected"], 0),
        ("letter file: rows (header + one per person)", letters["rows"], n + 1),
        ("letter file: distinct links", letters["distinct_links"], n),
        ("letter file: a second download is refused", letters["second_download_refused"], True),
    ]
    print("| check | found | expected |")
    print("|---|---:|---:|")
    failed = False
    for label, found, wanted in checks:
        mark = "" if found == wanted else " **FAILED**"
        failed |= found != wanted
        print(f"| {label} | {found} | {wanted}{mark} |")
    if failed:
        raise SystemExit("a check failed")


if __name__ == "__main__":
    main()
