"""Benchmark of the complete analysis behind an organisation report.

Usage (from the repository root)::

    .venv/bin/python bench/run_analysis.py [--repeat 5] [--respondents 100000] [--teams 5000]
                                           [--blas-threads N]

Generates a synthetic organisation in memory (``bench/orgdata.py``, fixed seed, nothing written
to disk), then times, best of ``--repeat`` runs:

1. scale scores (``scoring.scale_scores``),
2. reliability per scale (``reliability.alpha``, every construct with at least two items),
3. team statistics with rwg(j) (``teams.team_statistics``),
4. ICC(1)/ICC(2) per level: teams, departments, divisions (``teams.level_icc``),

the whole chain, and rwg(j) on its own. Peak memory: the process's peak resident set
(VmHWM, reset before the analysis where Linux allows it; else ``ru_maxrss``), and the peak
of Python/numpy allocations during one run of the chain (``tracemalloc``).

BLAS threads: by default the benchmark runs as the product does, which sets no thread limit,
so OpenBLAS uses its own default (one thread per core). ``--blas-threads N`` limits every
OpenBLAS library loaded in the process (numpy and scipy each bring their own) to N threads,
to compare. The report says which applied, and warns when ``OPENBLAS_NUM_THREADS``,
``GOTO_NUM_THREADS`` or ``OMP_NUM_THREADS`` in the environment already limit it.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import platform
import resource
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy
from orgdata import Organisation, generate_organisation
from tqdm import tqdm

from trustmirror.analysis import agreement, teams

try:
    from trustmirror.analysis import scoring
except ImportError:  # another module may not exist yet; benchmark what does
    scoring = None
try:
    from trustmirror.analysis import reliability
except ImportError:
    reliability = None

BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")
TARGET_TOTAL_SECONDS = 3.0
TARGET_PEAK_BYTES = 1.5 * 1024**3
TARGET_RWG_J_SECONDS = 0.020


def best_of(function: Callable[[], object], repeat: int, label: str) -> float:
    timings = []
    for _ in tqdm(range(repeat), desc=label, leave=False, unit="run"):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return min(timings)


def _status_bytes(field: str) -> int | None:
    status = Path("/proc/self/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return None


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0, ``echo 5 > /proc/self/clear_refs``)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss() -> int:
    return _status_bytes("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Analysis:
    """The report's analysis chain on one organisation."""

    def __init__(self, org: Organisation) -> None:
        self.org = org
        self.scored_answers = org.answers.replace(0, np.nan)

    def scale_scores(self) -> pd.DataFrame:
        if scoring is None:
            # Fallback so the rest can run: plain keyed means (no minimum-answered rule).
            blocks = {}
            for construct, items in self.org.keys.items():
                block = self.scored_answers[list(items)].copy()
                for item, key in items.items():
                    if key == -1:
                        block[item] = 6 - block[item]
                blocks[construct] = block.mean(axis=1)
            return pd.DataFrame(blocks)
        return scoring.scale_scores(
            self.org.answers, self.org.keys, scale_points=self.org.scale_points
        )

    def reliability(self) -> dict[str, float]:
        if reliability is None:
            return {}
        results = {}
        for construct, items in self.org.keys.items():
            if len(items) < 2:
                continue
            result = reliability.alpha(self.scored_answers[list(items)], keys=dict(items))
            results[construct] = result.raw_alpha
        return results

    def team_statistics(self, scores: pd.DataFrame) -> teams.TeamStatistics:
        return teams.team_statistics(
            scores, self.org.answers, self.org.team, self.org.keys, scale_points=5
        )

    def level_icc(self, scores: pd.DataFrame) -> pd.DataFrame:
        levels = {
            "team": self.org.team,
            "department": self.org.department,
            "division": self.org.division,
        }
        return teams.level_icc(scores, levels)

    def run(self) -> None:
        scores = self.scale_scores()
        self.reliability()
        self.team_statistics(scores)
        self.level_icc(scores)


class OpenBLAS:
    """One OpenBLAS library mapped into this process, reached through ctypes.

    numpy and scipy wheels each ship their own OpenBLAS (with and without the ``64_``
    symbol suffix), each with its own thread pool; threadpoolctl would do this, but it is no
    dependency of the project.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        folder = Path(path).parent.name  # numpy.libs, scipy.libs: the wheel that brought it
        self.name = folder.removesuffix(".libs") if folder.endswith(".libs") else Path(path).name
        self._lib = ctypes.CDLL(path)
        self._suffix = next(
            suffix
            for suffix in ("64_", "")
            if hasattr(self._lib, f"scipy_openblas_get_num_threads{suffix}")
            or hasattr(self._lib, f"openblas_get_num_threads{suffix}")
        )

    def _function(self, name: str) -> Any:  # a ctypes function pointer
        for prefix in ("scipy_openblas_", "openblas_"):
            function = getattr(self._lib, f"{prefix}{name}{self._suffix}", None)
            if function is not None:
                return function
        raise AttributeError(name)

    @property
    def threads(self) -> int:
        return int(self._function("get_num_threads")())

    @threads.setter
    def threads(self, count: int) -> None:
        self._function("set_num_threads")(ctypes.c_int(count))

    @property
    def config(self) -> str:
        function = self._function("get_config")
        function.restype = ctypes.c_char_p
        corename = self._function("get_corename")
        corename.restype = ctypes.c_char_p
        return f"{function().decode()}, core {corename().decode()}"


def openblas_libraries() -> list[OpenBLAS]:
    maps = Path("/proc/self/maps")
    if not maps.exists():
        return []
    paths = []
    for line in maps.read_text().splitlines():
        fields = line.split(maxsplit=5)
        path = fields[5] if len(fields) == 6 else ""
        if "openblas" in Path(path).name.lower() and path not in paths:
            paths.append(path)
    libraries = []
    for path in paths:
        try:
            libraries.append(OpenBLAS(path))
        except (OSError, StopIteration):
            continue
    return libraries


def blas_threading(libraries: list[OpenBLAS], requested: int | None) -> str:
    """How OpenBLAS threading was set up for the runs, in one line."""
    counts = ", ".join(f"{lib.name}: {lib.threads}" for lib in libraries) or "no OpenBLAS found"
    limits = [f"{name}={os.environ[name]}" for name in BLAS_THREAD_VARIABLES if name in os.environ]
    if requested is not None:
        how = f"LIMITED by --blas-threads {requested} (not how the product runs)"
    elif limits:
        how = f"set by {', '.join(limits)} in the environment (the product sets no limit)"
    else:
        how = "not limited: library default, as the product runs"
    return f"{counts}; {how}"


def machine() -> dict[str, str]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = _meminfo_total()
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": f"{memory / 1024**3:.1f} GiB" if memory else "unknown",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
        **{f"OpenBLAS {lib.name}": lib.config for lib in openblas_libraries()},
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(not set)"),
        **{name: os.environ.get(name, "(not set)") for name in BLAS_THREAD_VARIABLES},
        "load average": load_average(),
    }


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)"


def _meminfo_total() -> int | None:
    meminfo = Path("/proc/meminfo")
    if not meminfo.exists():
        return None
    for line in meminfo.read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing (best is kept)")
    parser.add_argument("--respondents", type=int, default=100_000)
    parser.add_argument("--teams", type=int, default=5_000)
    parser.add_argument(
        "--blas-threads",
        type=int,
        metavar="N",
        help="limit OpenBLAS to N threads (default: no limit, as the product runs)",
    )
    arguments = parser.parse_args()

    libraries = openblas_libraries()
    if arguments.blas_threads is not None:
        for library in libraries:
            library.threads = arguments.blas_threads
    for name, value in machine().items():
        print(f"{name:>20}: {value}")
    threading = blas_threading(libraries, arguments.blas_threads)
    print(f"{'OpenBLAS threads':>20}: {threading}")
    missing = [
        name for name, module in (("scoring", scoring), ("reliability", reliability)) if not module
    ]
    if missing:
        print(f"NOTE: not available yet, replaced or skipped: {', '.join(missing)}")

    start = time.perf_counter()
    org = generate_organisation(arguments.respondents, arguments.teams)
    generated = time.perf_counter() - start
    print(
        f"{'organisation':>20}: {len(org.answers):,} respondents, {org.n_teams:,} teams, "
        f"{np.unique(org.department).size} departments, {np.unique(org.division).size} "
        f"divisions, {org.answers.shape[1]} items in {len(org.keys)} constructs "
        f"({org.source}); generated in {generated:.2f} s (not counted)"
    )

    analysis = Analysis(org)
    analysis.run()  # warm-up: imports, caches
    scores = analysis.scale_scores()
    repeat = arguments.repeat
    rows: list[tuple[str, float, str]] = []
    steps: list[tuple[str, Callable[[], object]]] = [
        ("1 scale scores", analysis.scale_scores),
        ("2 reliability (alpha per scale)", analysis.reliability),
        ("3 team statistics + rwg(j)", lambda: analysis.team_statistics(scores)),
        ("4 ICC per level (3 levels)", lambda: analysis.level_icc(scores)),
    ]
    for label, step in tqdm(steps, desc="steps", unit="step"):
        rows.append((label, best_of(step, repeat, label), ""))

    rss_reset = reset_peak_rss()
    rss_before = _status_bytes("VmRSS") or 0
    total = best_of(analysis.run, repeat, "whole analysis")
    rss_peak = peak_rss()
    tracemalloc.start()
    analysis.run()
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rows.append(
        (
            "whole analysis (1-4)",
            total,
            f"target < 3 s: {'met' if total < TARGET_TOTAL_SECONDS else 'MISSED'}",
        )
    )

    # rwg(j) alone: the largest scale, all respondents, all teams.
    construct = max(org.keys, key=lambda name: len(org.keys[name]))
    items = org.answers[list(org.keys[construct])].replace(0, np.nan).to_numpy()
    index = agreement.GroupIndex.from_labels(org.team)
    labels = np.char.add("team-", org.team.astype(str)).astype(object)
    rwg_rows = [
        (f"rwg(j) one scale ({items.shape[1]} items), int unit ids", org.team),
        (f"rwg(j) one scale ({items.shape[1]} items), GroupIndex", index),
        (f"rwg(j) one scale ({items.shape[1]} items), string labels", labels),
    ]
    for label, groups in rwg_rows:
        seconds = best_of(
            lambda groups=groups: agreement.rwg_j_table(items, groups, scale_points=5),
            max(repeat, 20),
            label,
        )
        met = "met" if seconds < TARGET_RWG_J_SECONDS else "MISSED"
        rows.append((label, seconds, f"target < 20 ms: {met}"))
    blocks = {
        name: org.answers[list(keys)].replace(0, np.nan).to_numpy()
        for name, keys in org.keys.items()
    }
    all_scales = best_of(
        lambda: [agreement.rwg_j_table(block, index, scale_points=5) for block in blocks.values()],
        repeat,
        "rwg(j) all scales",
    )
    rows.append((f"rwg(j) all {len(blocks)} scales, GroupIndex", all_scales, ""))

    print()
    print(f"{'step':<48} {'best of ' + str(repeat):>12}  note")
    print("-" * 90)
    for label, seconds, note in rows:
        shown = f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"
        print(f"{label:<48} {shown:>12}  {note}")
    print("-" * 90)
    met = "met" if rss_peak < TARGET_PEAK_BYTES else "MISSED"
    how = "VmHWM reset before the runs" if rss_reset else "ru_maxrss, whole process"
    print(
        f"peak RSS during the analysis runs: {rss_peak / 1024**2:,.0f} MiB ({how}; "
        f"{rss_before / 1024**2:,.0f} MiB before, with data and imports); target < 1.5 GB: {met}"
    )
    traced = traced_peak / 1024**2
    print(f"peak traced allocations of one analysis run (tracemalloc): {traced:,.0f} MiB")
    print(f"OpenBLAS threads: {threading}")
    print(f"load average at the end: {load_average()}")


if __name__ == "__main__":
    main()
