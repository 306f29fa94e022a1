"""Benchmark of what users wait for with the relational round: publishing it, and its pages.

Usage (from the repository root)::

    .venv/bin/python bench/run_round.py --database sqlite
    .venv/bin/python bench/run_round.py --database postgresql
    .venv/bin/python bench/run_round.py --database sqlite --profile   # plus cProfile listings

1. Stores an organisation of ``--teams`` (1,000) teams of ``--size`` (10) people, one lead
   each (:mod:`rounddb`), whose scan (Trust Scan v2, full form) ran the relational round and
   the leader mirror and closed yesterday: everyone answered and completed the round
   (``size * (size - 1)`` round answers per team, about 3 % skipped), every lead predicted.
   In a fresh database: SQLite in a temporary data directory, or a new database on the
   PostgreSQL server (``TRUSTMIRROR_BENCH_POSTGRES_URL``, default the test server at
   127.0.0.1:5432), dropped afterwards. Not timed.
2. Builds and publishes the final results as the worker does, in a process of its own,
   ``--builds`` times (the versions are removed in between): wall time, the part spent in
   :func:`trustmirror.relational.publishing.publish_round`, and the process's peak resident
   memory; then the organisation's charts and the led units' charts, as the worker draws them.
3. Serves the app with ``trustmirror serve`` (gunicorn, production-like, two workers), a
   fresh server per page, and requests signed in: a lead's own team page (the first view
   draws the round's two charts), the lead's own mirror, a member's own mirror, and an admin
   viewing another team's page (the first view draws all its charts): the first request,
   the second, the median and the maximum of ``--warm`` (20) more, the size of the HTML; the
   peak resident memory of the web workers.

With ``--profile`` it also profiles one more build (cProfile, after the timed ones) and the
first and a warm view of a third team's page in-process, and prints the top entries.
Nothing is written into the repository.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from run_publishing import (  # noqa: E402
    PYTHON,
    Client,
    Server,
    bench_environment,
    free_port,
    machine,
    manage_shell,
    print_page_table,
)

STORE = """
import json, sys
sys.path.insert(0, {bench!r})
from django.core.management import call_command
call_command("migrate", verbosity=0)
from rounddb import store_round_organisation
stored = store_round_organisation({teams}, {size}, progress=True, version={version!r})
print("STORED " + json.dumps(stored.__dict__))
"""

BUILD = """
import cProfile, io, json, pstats, time
from pathlib import Path
import trustmirror.relational.publishing as round_publishing
import trustmirror.results.publishing as results_publishing
from trustmirror.relational.models import PublishedMirror, PublishedRound
from trustmirror.results.figures import draw_lead_charts, draw_organisation_charts
from trustmirror.results.models import IncludedResponse, Publication
from trustmirror.results.publishing import publication_attempt
from trustmirror.results.selectors import PublishedResults
from trustmirror.surveys.models import Scan

original = round_publishing.publish_round
spent = []
counts = []

def timed_publish_round(*args, **kwargs):
    start = time.perf_counter()
    out = original(*args, **kwargs)
    spent.append(time.perf_counter() - start)
    counts.append(out)
    return out

# results.publishing imported the function by name: replace it where it is called.
results_publishing.publish_round = timed_publish_round
round_publishing.publish_round = timed_publish_round

scan = Scan.objects.get(pk={scan})

def build():
    Publication.objects.filter(scan=scan).delete()
    IncludedResponse.objects.filter(scan=scan).delete()
    start = time.perf_counter()
    outcome = publication_attempt(scan=scan, force=True)
    built = time.perf_counter() - start
    assert outcome.kind == "published", outcome.lines
    assert outcome.publication.final, "the version is not final"
    return outcome, built, start

timings = []
for run in range({builds}):
    outcome, built, start = build()
    results = PublishedResults(outcome.publication)
    draw_organisation_charts(results)
    organisation = time.perf_counter() - start
    if run == {builds} - 1:
        leads = time.perf_counter()
        drawn = draw_lead_charts(results)
        leads = (time.perf_counter() - leads, drawn)
    timings.append((built, spent[-1], organisation))
publication = outcome.publication
stored = {{
    "rounds": PublishedRound.objects.filter(publication=publication).count(),
    "shown": PublishedRound.objects.filter(publication=publication, shown=True).count(),
    "mirrors": PublishedMirror.objects.filter(publication=publication).count(),
    "leader_mirrors": PublishedMirror.objects.filter(
        publication=publication, data__has_key="leader"
    ).count(),
}}
peak = next(
    int(line.split()[1]) * 1024
    for line in Path("/proc/self/status").read_text().splitlines()
    if line.startswith("VmHWM")
)
listing = ""
if {profile}:
    profiler = cProfile.Profile()
    profiler.enable()
    outcome, built, _start = build()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    out.write(f"profiled build: {{built:.2f}} s (publish_round {{spent[-1]:.2f}} s)\\n")
    stats.sort_stats("cumulative").print_stats("trustmirror|django/db", 30)
    stats.sort_stats("tottime").print_stats(20)
    listing = out.getvalue()
print("BUILD " + json.dumps({{"timings": timings, "peak": peak, "lines": outcome.lines,
                             "leads": leads, "counts": counts[-1], "stored": stored,
                             "profile": listing}}))
"""

PROFILE_PAGE = """
import cProfile, io, json, pstats, time
from django.contrib.auth import get_user_model
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(get_user_model().objects.get(username={user!r}))
assert client.get({warmup!r}).status_code == 200  # imports and templates, not profiled
out = io.StringIO()
for label in ("first view", "second view", "warm view"):
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    response = client.get({path!r})
    profiler.disable()
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, response.status_code
    out.write(f"=== {{label}} of {path}: {{elapsed * 1000:.0f}} ms ===\\n")
    if label != "second view":
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats("trustmirror|django/db|charts", 25)
        stats.sort_stats("tottime").print_stats(12)
print("PAGE " + json.dumps({{"profile": out.getvalue()}}))
"""


class LoggingServer(Server):
    """``trustmirror serve`` as run_publishing starts it, its output kept in a log file
    (so a failing page's traceback can be shown)."""

    def __init__(self, env: dict, log: Path) -> None:
        super().__init__(env)
        self.log = log

    def start(self) -> str:
        self.port = free_port()
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [PYTHON, "-m", "trustmirror.cli", "serve", "--port", str(self.port)]
                + ["--workers", "2"],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2):
                    return base
            except OSError:
                time.sleep(0.3)
        raise SystemExit("the server did not start:\n" + self.log.read_text()[-5000:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--teams", type=int, default=1_000)
    parser.add_argument("--size", type=int, default=10, help="people per team, the lead included")
    parser.add_argument("--builds", type=int, default=2)
    parser.add_argument("--version", default="2", help="Trust Scan version (2 has the leads rule)")
    parser.add_argument("--warm", type=int, default=20, help="requests per page, warm")
    parser.add_argument("--profile", action="store_true", help="print cProfile listings too")
    args = parser.parse_args()

    with bench_environment(args.database, "trustmirror-bench-round-") as (env, data_dir):
        print(f"Machine: {machine()}")
        print(f"Database: {args.database}; Trust Scan v{args.version}; data directory {data_dir}")
        server = LoggingServer(env, data_dir / "serve.log")
        try:
            start = time.perf_counter()
            stored = manage_shell(
                env,
                STORE.format(
                    bench=str(BENCH), teams=args.teams, size=args.size, version=args.version
                ),
                "STORED",
            )
            print(
                f"Stored {stored['people']} people in {stored['teams']} teams of {args.size}, "
                f"{stored['round_answers']} round answers ({stored['skipped']} skipped), "
                f"{stored['predictions']} leader predictions "
                f"({time.perf_counter() - start:.0f} s, not part of the benchmark)"
            )
            built = manage_shell(
                env,
                BUILD.format(scan=stored["scan_id"], builds=args.builds, profile=args.profile),
                "BUILD",
            )
            builds = [b for b, _round, _charts in built["timings"]]
            rounds = [r for _b, r, _charts in built["timings"]]
            with_charts = [c for _b, _r, c in built["timings"]]
            print(built["lines"][0])
            counts, rows_stored = built["counts"], built["stored"]
            print(
                f"Round published: {counts['teams']} teams shown of {rows_stored['rounds']}, "
                f"{rows_stored['mirrors']} mirrors ({rows_stored['leader_mirrors']} with the "
                "leader part)"
            )
            print(
                f"Build and publish: best {min(builds):.2f} s, "
                f"median {statistics.median(builds):.2f} s over {len(builds)} builds; "
                f"of which publish_round: best {min(rounds):.2f} s, "
                f"median {statistics.median(rounds):.2f} s (with the organisation's charts: best "
                f"{min(with_charts):.2f} s); peak RSS of the build process "
                f"{built['peak'] / 2**20:.0f} MiB"
            )
            print(
                f"Charts of the led units, drawn by the worker after publishing: "
                f"{built['leads'][1]} charts in {built['leads'][0]:.1f} s"
            )
            scan, org = stored["scan_id"], stored["organisation_slug"]
            team_page = f"/o/{org}/scans/{scan}/units/{stored['team_id']}/"
            mirror_page = f"/o/{org}/scans/{scan}/mirror/"
            pages = [
                ("lead, own team (first view draws the round charts)", stored["lead"], team_page,
                 b'id="relational"'),
                ("lead, own mirror", stored["lead"], mirror_page, b'id="mirror-leader"'),
                (
                    "member, own mirror",
                    stored["member"],
                    mirror_page,
                    b'id="mirror-given-received"',
                ),
                (
                    "admin, another team (first view draws all its charts)",
                    stored["admin"],
                    f"/o/{org}/scans/{scan}/units/{stored['other_team_id']}/",
                    b'id="relational"',
                ),
            ]  # fmt: skip
            rows = []
            peaks: list[int] = []
            for label, user, path, marker in pages:
                base = server.start()
                client = Client(base)
                client.login(user, stored["password"])
                status, first, cold = client.get(path)  # first request to this worker for the page
                if status != 200:
                    server.stop()
                    raise SystemExit(
                        f"{label}: {path} answered {status}\n"
                        + first.decode(errors="replace")[-3000:]
                        + "\n--- server log ---\n"
                        + server.log.read_text()[-10000:]
                    )
                if marker not in first:
                    print(f"warning: {label}: {path} has no {marker.decode()}")
                _, _, second = client.get(path)
                warm = []
                for _ in range(args.warm):
                    status, content, elapsed = client.get(path)
                    if status != 200:
                        raise SystemExit(f"{label}: {path} answered {status} on a warm request")
                    warm.append(elapsed)
                peaks.extend(server.worker_peaks())
                server.stop()
                rows.append((label, cold, second, statistics.median(warm), max(warm), len(content)))
            print_page_table(rows, peaks)
            if args.profile:
                print("\n--- cProfile of one more build ---")
                print(built["profile"])
                third = f"/o/{org}/scans/{scan}/units/{stored['third_team_id']}/"
                page_env = {**env, "TRUSTMIRROR_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver"}
                profiled = manage_shell(
                    page_env,
                    PROFILE_PAGE.format(user=stored["admin"], path=third, warmup=team_page),
                    "PAGE",
                )
                print("--- cProfile of a team page, in-process (Django's test client) ---")
                print(profiled["profile"])
            print(f"Machine at the end: {machine()}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
