"""Loader for the independent reference values in ``../shared/reference`` (made with R).

The folder lives next to the repository (``<repo>/../shared/reference``) or wherever
``TRUSTMIRROR_REFERENCE_DIR`` points. Tests that need it are skipped, with the reason, when it
is absent; they never fall back to numbers produced by our own code.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def reference_dir() -> Path:
    configured = os.environ.get("TRUSTMIRROR_REFERENCE_DIR")
    if configured:
        return Path(configured)
    return REPO_ROOT.parent / "shared" / "reference"


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
    if not csv.is_file() or not expected.is_file():
        pytest.skip(
            f"reference data {name} not found in {folder} "
            "(set TRUSTMIRROR_REFERENCE_DIR to the shared/reference folder)"
        )
    return ReferenceCase(
        name=name,
        data=pd.read_csv(csv),
        expected=json.loads(expected.read_text(encoding="utf-8")),
    )


MULTILEVEL_CASES = ("multilevel_bh1996", "multilevel_lq2002", "multilevel_cohesion")


def multilevel_case_names() -> list[str]:
    """Every ``multilevel_*`` case in the folder (more may be added), else the known three."""
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
    """Paths of a data file and its expected values; skip (with the reason) when absent."""
    folder = reference_dir()
    csv, result = folder / "data" / data, folder / "expected" / expected
    if not csv.is_file() or not result.is_file():
        pytest.skip(
            f"reference {data} / {expected} not found in {folder} "
            "(set TRUSTMIRROR_REFERENCE_DIR to the shared/reference folder)"
        )
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
