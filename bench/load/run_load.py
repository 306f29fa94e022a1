"""Load benchmark: respondents answering an open scan at once, against ``trustmirror serve``.

Usage (from the repository root)::

    .venv/bin/python bench/load/run_load.py --database sqlite
    .venv/bin/python bench/load/run_load.py --database postgresql
    .venv/bin/python bench/load/run_load.py --database sqlite --run 40:0:40 --run 500:10:90

1. Stores an organisation of ``--people`` (50,000) people in teams of 25, every one invited
   to an open scan (Trust Scan v2, full form), in a fresh database: SQLite in a temporary
   data directory, or a new database on the PostgreSQL server
   (``TRUSTMIRROR_BENCH_POSTGRES_URL``, default the test server at 127.0.0.1:5432), dropped
   afterwards. Not timed.
2. Starts ``trustmirror serve`` with the production settings (``TRUSTMIRROR_PRODUCTION=1``
   behind a proxy: the load generator sends ``X-Forwarded-Proto: https`` as the proxy
   would; the cache, and so the rate limits, in Redis at 127.0.0.1:6379), ``--workers`` web
   workers (default: as ``serve`` chooses, two per core), and the task worker beside it, as
   in production (the scan publishes no interim results, a scan's default, so the worker
   only looks for work once a minute).
3. Runs each ``--run CONCURRENCY:THINK:SECONDS``: that many virtual respondents at once
   (:mod:`respondents`), each opening its link, answering every page and submitting, then the
   next link; THINK is the mean pause in seconds between a page arriving and its save (0 = no
   pause). Reports, over the run after its first ``--warmup`` seconds: acknowledged page
   saves per second, p50/p95/p99/max latency of the saves and of every request, refused stale
   saves, errors, and the CPU seconds of the web server, the task worker, the database and
   the load generator itself (all on the same two cores).

Nothing is written into the repository; the links' tokens live in the data directory.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
from pathlib import Path

LOAD = Path(__file__).resolve().parent
BENCH = LOAD.parent
sys.path.insert(0, str(LOAD))
sys.path.insert(0, str(BENCH))

from processes import Processes  # noqa: E402
from respondents import Stats, run_respondents  # noqa: E402
from run_publishing import bench_environment, machine, manage_shell  # noqa: E402

STORE = """
import json, sys
sys.path.insert(0, {load!r})
from django.core.management import call_command
call_command("migrate", verbosity=0)
from loaddb import store_open_scan
stored = store_open_scan({people}, {tokens!r}, progress=True)
print("STORED " + json.dumps(stored.__dict__))
"""


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def parse_run(text: str) -> tuple[int, float, float]:
    try:
        concurrency, think, seconds = text.split(":")
        return int(concurrency), float(think), float(seconds)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--run {text!r}: expected CONCURRENCY:THINK:SECONDS, such as 400:1.0:60"
        ) from None


def one_run(base: str, tokens: list[str], run, warmup: float, processes: Processes) -> dict:
    from tqdm import tqdm

    concurrency, think, seconds = run
    stats = Stats()
    bar = tqdm(total=int(seconds), desc=f"{concurrency} respondents, think {think} s", unit="s")
    last = [0]

    def tick(stats: Stats) -> None:
        done = len(stats.saves)
        bar.set_postfix(saves_per_s=done - last[0], errors=sum(stats.errors.values()))
        last[0] = done
        bar.update()

    cpu_before, own_before, wall_before = processes.cpu(), own_cpu(), time.monotonic()
    asyncio.run(
        run_respondents(
            base,
            tokens,
            concurrency=concurrency,
            think=think,
            duration=seconds,
            stats=stats,
            headers={"X-Forwarded-Proto": "https", "User-Agent": "trustmirror-bench-load"},
            on_tick=tick,
        )
    )
    bar.close()
    wall = time.monotonic() - wall_before
    cpu_after = processes.cpu()
    figures = stats.window(stats.started_at + warmup, stats.started_at + seconds)
    figures["cpu"] = {k: cpu_after[k] - cpu_before[k] for k in cpu_after}
    figures["cpu"]["load generator"] = own_cpu() - own_before
    figures["wall"] = wall
    figures["refused_stale"] = stats.refused_stale
    figures["errors"] = dict(stats.errors)
    figures["submitted"] = stats.submitted
    figures["statuses"] = {f"{k} {s}": n for (k, s), n in sorted(stats.statuses.items())}
    figures["run"] = run
    return figures


def report(figures: dict) -> None:
    concurrency, think, seconds = figures["run"]
    save, every = figures["save"], figures["all"]

    def ms(part: dict, key: str) -> str:
        return f"{part[key] * 1000:.0f}" if key in part else "-"

    print(
        f"| {concurrency} | {think:g} s | {figures['saves_per_second']:.0f} | "
        f"{ms(save, 'p50')} / {ms(save, 'p95')} / {ms(save, 'p99')} / {ms(save, 'max')} | "
        f"{figures['requests_per_second']:.0f} | "
        f"{ms(every, 'p50')} / {ms(every, 'p95')} / {ms(every, 'p99')} / {ms(every, 'max')} | "
        f"{figures['submitted']} | {figures['refused_stale']} | "
        f"{sum(figures['errors'].values())} |"
    )
    cpu = figures["cpu"]
    print(
        "  CPU seconds over "
        f"{figures['wall']:.0f} s: "
        + ", ".join(f"{k} {v:.0f}" for k, v in cpu.items())
        + f" (of {2 * figures['wall']:.0f} on two cores)"
    )
    requests = sum(figures["statuses"].values())
    if requests and cpu:
        print(
            f"  CPU per request ({requests} over the whole run): "
            + ", ".join(f"{k} {1000 * v / requests:.2f} ms" for k, v in cpu.items() if v >= 0.5)
        )
    if figures["errors"]:
        print(f"  errors: {figures['errors']}")
    odd = {k: n for k, n in figures["statuses"].items() if not k.endswith((" 200", " 302"))}
    if odd:
        print(f"  other answers: {odd}")


def print_table(results: list[dict]) -> None:
    print()
    print(
        "| respondents at once | think | saves/s | save p50 / p95 / p99 / max (ms) "
        "| requests/s | every request p50 / p95 / p99 / max (ms) | submitted "
        "| refused stale | errors |"
    )
    print("|---:|---:|---:|---|---:|---|---:|---:|---:|")
    for figures in results:
        report(figures)


class Running:
    """A server started elsewhere: its CPU is not ours to read."""

    def cpu(self) -> dict[str, float]:
        return {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=None, help="web worker processes")
    parser.add_argument(
        "--run",
        type=parse_run,
        action="append",
        help="CONCURRENCY:THINK:SECONDS (repeatable); default 8:0:40, 40:0:40 and 500:10:90",
    )
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds not counted")
    parser.add_argument(
        "--server",
        metavar="URL",
        help="load a server that runs already (with --links), e.g. to profile it",
    )
    parser.add_argument("--links", type=Path, help="its links' tokens, one per line")
    args = parser.parse_args()
    runs = args.run or [(8, 0.0, 40.0), (40, 0.0, 40.0), (500, 10.0, 90.0)]
    if args.server:
        if not args.links:
            parser.error("--server needs --links")
        tokens = args.links.read_text(encoding="ascii").split()
        processes = Running()
        for run in runs:
            figures = one_run(args.server, tokens, run, args.warmup, processes)
            tokens = tokens[figures["submitted"] + run[0] :]
            print_table([figures])
        return

    with bench_environment(args.database, "trustmirror-load-") as (env, data_dir):
        print(f"Machine: {machine()}")
        print(f"Database: {args.database}; data directory {data_dir}")
        tokens_path = data_dir / "links.txt"
        start = time.perf_counter()
        stored = manage_shell(
            env,
            STORE.format(load=str(LOAD), people=args.people, tokens=str(tokens_path)),
            "STORED",
        )
        print(
            f"Stored {stored['people']} people in {stored['teams']} teams with an open scan "
            f"of {stored['pages']} pages ({time.perf_counter() - start:.0f} s, not timed)"
        )
        tokens = tokens_path.read_text(encoding="ascii").split()
        processes = Processes(env, args.workers)
        try:
            base = processes.start()
            results = []
            used = 0
            for run in runs:
                results.append(one_run(base, tokens[used:], run, args.warmup, processes))
                used += results[-1]["submitted"] + run[0]  # links begun are not reused
            print_table(results)
        finally:
            processes.stop()


if __name__ == "__main__":
    main()
