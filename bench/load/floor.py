"""What a request costs before the survey does anything: the floor under the load benchmark.

Usage (from the repository root)::

    .venv/bin/python bench/load/floor.py
    .venv/bin/python bench/load/floor.py --database postgresql --seconds 20

Starts ``trustmirror serve`` as ``run_load.py`` does (production settings behind a proxy,
Redis cache, the task worker beside it) on an empty, migrated database and sends, from
``--clients`` kept-alive httpx clients, requests for

- ``/healthz``: a JSON answer through the whole middleware stack (security headers, sessions,
  language, CSRF, authentication, messages, CSP, body limit, rate limits), no database;
- ``/privacy/``: a page rendered from a template in the site's frame, no database;

and reports requests per second and the CPU milliseconds per request of the web server and of
the load generator. A survey request (two reads, a form, a page, a signed cookie; a save also
writes) costs these and more: the figures bound how many page saves two cores can take
(BENCHMARKS.md, "Respondents answering at once").
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from processes import Processes  # noqa: E402
from run_load import own_cpu  # noqa: E402
from run_publishing import PYTHON, bench_environment, machine  # noqa: E402

PATHS = ("/healthz", "/privacy/")


async def hammer(base: str, path: str, clients: int, seconds: float) -> int:
    """Requests for ``path`` from ``clients`` at once, each after the last; how many answered."""
    answered = 0
    stop = time.monotonic() + seconds

    async def client() -> None:
        nonlocal answered
        headers = {"X-Forwarded-Proto": "https", "User-Agent": "trustmirror-bench-floor"}
        async with httpx.AsyncClient(base_url=base, headers=headers) as session:
            while time.monotonic() < stop:
                response = await session.get(path)
                if response.status_code != 200:
                    raise SystemExit(f"{path} answered {response.status_code}")
                answered += 1

    await asyncio.gather(*(client() for _ in range(clients)))
    return answered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    with bench_environment(args.database, "trustmirror-floor-") as (env, _data_dir):
        print(f"Machine: {machine()}")
        print(f"Database: {args.database}; {args.clients} clients; {args.seconds:g} s a path")
        subprocess.run(
            [PYTHON, "-m", "trustmirror.cli", "manage", "migrate", "--verbosity", "0"],
            env=env,
            check=True,
        )
        processes = Processes(env, None)
        try:
            base = processes.start()
            print("| path | requests/s | web CPU per request | load generator CPU per request |")
            print("|---|---:|---:|---:|")
            for path in PATHS:
                asyncio.run(hammer(base, path, args.clients, 3))  # warm the workers
                web, own = processes.cpu()["web"], own_cpu()
                answered = asyncio.run(hammer(base, path, args.clients, args.seconds))
                web, own = processes.cpu()["web"] - web, own_cpu() - own
                print(
                    f"| `{path}` | {answered / args.seconds:.0f} | "
                    f"{1000 * web / answered:.2f} ms | {1000 * own / answered:.2f} ms |"
                )
        finally:
            processes.stop()


if __name__ == "__main__":
    main()
