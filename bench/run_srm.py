"""Benchmark of the Social Relations Model (``trustmirror.analysis.srm.fit``).

Usage (from the repository root)::

    .venv/bin/python bench/run_srm.py [--repeat 7] [--groups 1000] [--size 10]
                                      [--missing 0.05] [--seed 1]

Builds ``--groups`` round-robin groups of ``--size`` persons in memory (fixed seed) from
known components: actor variance 0.5, partner variance 0.3, actor-partner covariance 0.1,
relationship variance 1.0, relationship covariance 0.3, grand mean 4. Then times ``fit``
(median of ``--repeat`` runs after one warm-up) on:

1. complete data, no standard errors (``se=None``),
2. complete data, Lashley-Bond standard errors (the default),
3. complete data, SOREMO,
4. ``--missing`` of the dyads dropped at random (iterative imputation), Lashley-Bond,
5. complete data, bivariate (a second, correlated variable), Lashley-Bond.

Target: 1,000 groups of 10 with complete data in under 0.5 s (TripleR 1.5.4: about 24 s).
It also prints the recovered pooled components next to the true ones, as a sanity check.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import scipy

from trustmirror.analysis import srm

TARGET_SECONDS = 0.5
TRUE = {
    "actor variance": 0.5,
    "partner variance": 0.3,
    "relationship variance": 1.0,
    "actor-partner covariance": 0.1,
    "relationship covariance": 0.3,
}


def simulate(groups: int, size: int, seed: int) -> pd.DataFrame:
    """Long ratings (``group``, ``perceiver``, ``target``, ``rating``, ``meta``)."""
    rng = np.random.default_rng(seed)
    person = rng.multivariate_normal(
        [0, 0],
        [
            [TRUE["actor variance"], TRUE["actor-partner covariance"]],
            [TRUE["actor-partner covariance"], TRUE["partner variance"]],
        ],
        size=(groups, size),
    )
    dyad = rng.multivariate_normal(
        [0, 0],
        [
            [TRUE["relationship variance"], TRUE["relationship covariance"]],
            [TRUE["relationship covariance"], TRUE["relationship variance"]],
        ],
        size=(groups, size, size),
    )
    upper = np.triu(np.ones((size, size), dtype=bool), 1)
    relationship = np.zeros((groups, size, size))
    relationship[:, upper] = dyad[:, upper, 0]
    relationship.transpose(0, 2, 1)[:, upper] = dyad[:, upper, 1]
    x = 4.0 + person[:, :, None, 0] + person[:, None, :, 1] + relationship
    meta = 0.5 * x + rng.normal(0, 0.8, x.shape)
    g, i, j = np.meshgrid(np.arange(groups), np.arange(size), np.arange(size), indexing="ij")
    off = i != j
    return pd.DataFrame(
        {
            "group": g[off],
            "perceiver": g[off] * size + i[off],
            "target": g[off] * size + j[off],
            "rating": x[off],
            "meta": meta[off],
        }
    )


def median_of(function: Callable[[], object], repeat: int) -> tuple[float, float]:
    function()  # warm-up
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), min(timings)


def machine() -> dict[str, str]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    one, five, fifteen = os.getloadavg()
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
        "load average": f"{one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed runs (median is kept)")
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--size", type=int, default=10)
    parser.add_argument("--missing", type=float, default=0.05, help="share of dyads dropped")
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()

    for name, value in machine().items():
        print(f"{name:>14}: {value}")
    start = time.perf_counter()
    data = simulate(arguments.groups, arguments.size, arguments.seed)
    rng = np.random.default_rng(arguments.seed + 1)
    holes = data[rng.random(len(data)) >= arguments.missing]
    print(
        f"{'data':>14}: {arguments.groups:,} groups of {arguments.size}, {len(data):,} rows; "
        f"{len(data) - len(holes):,} dyads dropped ({arguments.missing:.0%}) for run 4; "
        f"built in {time.perf_counter() - start:.2f} s (not counted)"
    )

    def run(frame: pd.DataFrame, **options) -> Callable[[], srm.SRMResult]:
        return lambda: srm.fit(frame, group="group", **options)

    label = f"{arguments.groups:,} groups of {arguments.size}"
    steps = [
        (f"1 {label}, complete, se=None", run(data, se=None), False),
        (f"2 {label}, complete, Lashley-Bond", run(data), True),
        (f"3 {label}, complete, SOREMO", run(data, se="soremo"), False),
        (f"4 {label}, {arguments.missing:.0%} missing, Lashley-Bond", run(holes), False),
        (f"5 {label}, complete, bivariate, Lashley-Bond", run(data, meta="meta"), False),
    ]
    rows = []
    for name, function, targeted in steps:
        median, best = median_of(function, arguments.repeat)
        note = ""
        if targeted:
            note = f"target < {TARGET_SECONDS} s: {'met' if median < TARGET_SECONDS else 'MISSED'}"
        rows.append((name, median, best, note))

    print()
    print(f"{'step':<58} {'median':>9} {'best':>9}  note")
    print("-" * 100)
    for name, median, best, note in rows:
        print(f"{name:<58} {median * 1000:>6.1f} ms {best * 1000:>6.1f} ms  {note}")
    print("-" * 100)

    result = srm.fit(holes, group="group")
    passes = result.group_summary["imputation_passes"]
    imputed = passes[passes > 0]
    print(
        f"imputation: {imputed.size:,} groups with missing dyads, passes min/median/max "
        f"{imputed.min()}/{imputed.median():.0f}/{imputed.max()}"
        if imputed.size
        else "imputation: no group with missing dyads"
    )
    complete = srm.fit(data, group="group").components
    print(f"{'component':<26} {'true':>7} {'estimate':>9} {'se':>7}")
    for component, value in TRUE.items():
        row = complete.loc[component]
        print(f"{component:<26} {value:>7.3f} {row['estimate']:>9.4f} {row['se']:>7.4f}")
    one, five, fifteen = os.getloadavg()
    print(f"load average at the end: {one:.2f} / {five:.2f} / {fifteen:.2f}")


if __name__ == "__main__":
    main()
