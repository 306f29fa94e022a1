"""Loader for the independent reference values in ``tests/reference`` (made with R).

The reference data ship with the repository (``tests/reference/``, see its README.md), so a
fresh clone runs every comparison with R. ``TRUSTMIRROR_REFERENCE_DIR`` points the loader at
another folder in the same format, e.g. one with more cases. A reference file that is
missing fails the test that needs it, naming the file and the folder: a comparison with R
is never skipped, and never falls back to numbers produced by our own code.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

TESTS_DIR = Path(__file__).resolve().parents[1]
DEFAULT_REFERENCE_DIR = TESTS_DIR / "reference"


def reference_dir() -> Path:
    """``TRUSTMIRROR_REFERENCE_DIR`` if set, else ``tests/reference``."""
    configured = os.environ.get("TRUSTMIRROR_REFERENCE_DIR")
    if configured:
        return Path(configured)
    return DEFAULT_REFERENCE_DIR


def _require(*paths: Path) -> None:
    """Fail, naming what is missing and where it was looked for."""
    missing = [path for path in paths if not path.is_file()]
    if missing:
        names = ", ".join(str(path) for path in missing)
        pytest.fail(
            f"reference file missing: {names}. The reference data ship in tests/reference/ "
            "(restore them from the repository); TRUSTMIRROR_REFERENCE_DIR, when set, must "
            "point at a complete folder in the same format.",
            pytrace=False,
        )


@dataclass(frozen=True)
class ReferenceCase:
    """A data set (``data/<name>.csv``) with its R results (``expected/<name>.json``)."""

    name: str
    data: pd.DataFrame
    expected: dict


def load_case(name: str) -> ReferenceCase:
    folder = reference_dir()
    csv = folder / "data" / f"{name}.csv"
    expected = folder / "expected" / f"{name}.json"
    _require(csv, expected)
    return ReferenceCase(
        name=name,
        data=pd.read_csv(csv),
        expected=json.loads(expected.read_text(encoding="utf-8")),
    )


MULTILEVEL_CASES = ("multilevel_bh1996", "multilevel_lq2002", "multilevel_cohesion")


def multilevel_case_names() -> list[str]:
    """Every ``multilevel_*`` case in the folder (more may be added), else the known three.

    An empty or absent folder still yields the known three, so that each of them fails
    loudly instead of the comparison silently running on nothing.
    """
    found = sorted(path.stem for path in (reference_dir() / "expected").glob("multilevel_*.json"))
    return found or list(MULTILEVEL_CASES)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "multilevel_case" in metafunc.fixturenames:
        metafunc.parametrize("multilevel_case", multilevel_case_names(), indirect=True)


@pytest.fixture
def multilevel_case(request: pytest.FixtureRequest) -> ReferenceCase:
    """Each ``multilevel_*`` reference data set in turn (bh1996, lq2002, cohesion, ...)."""
    return load_case(request.param)


@pytest.fixture
def reference_case() -> Callable[[str], ReferenceCase]:
    """Load one reference case by name, e.g. ``reference_case("multilevel_bh1996")``."""
    return load_case


def reference_files(data: str, expected: str) -> tuple[Path, Path]:
    """Paths of a data file and its expected values; fail (naming them) when absent."""
    folder = reference_dir()
    csv, result = folder / "data" / data, folder / "expected" / expected
    _require(csv, result)
    return csv, result


@pytest.fixture(scope="session")
def bfi() -> tuple[pd.DataFrame, dict]:
    """psych's bfi items (A1..A5, C1..C5) and the psych/lavaan results on them."""
    csv, expected = reference_files("psych_bfi_AC.csv", "psych_bfi.json")
    return pd.read_csv(csv), json.loads(expected.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def lq2002() -> tuple[Path, dict]:
    """The multilevel lq2002 CSV (as a path, for the CLI) and multilevel's results on it."""
    csv, expected = reference_files("multilevel_lq2002.csv", "multilevel_lq2002.json")
    return csv, json.loads(expected.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def hs1939() -> tuple[pd.DataFrame, dict]:
    """lavaan's HolzingerSwineford1939 (two schools) and lavaan's invariance fits on it."""
    csv, expected = reference_files("lavaan_hs1939.csv", "lavaan_hs1939_invariance.json")
    return pd.read_csv(csv), json.loads(expected.read_text(encoding="utf-8"))
