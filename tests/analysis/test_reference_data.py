"""The R reference data ship with the repository, and a missing file fails instead of skipping."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parents[1]


def test_reference_data_are_in_the_repository(monkeypatch, reference_case):
    """Without TRUSTMIRROR_REFERENCE_DIR the cases load from tests/reference/."""
    monkeypatch.delenv("TRUSTMIRROR_REFERENCE_DIR", raising=False)
    assert (TESTS_DIR / "reference" / "README.md").is_file()

    case = reference_case("multilevel_lq2002")

    assert len(case.data) == case.expected["n_rows"]


def test_a_missing_reference_file_fails_the_test_and_names_it(
    monkeypatch, tmp_path, reference_case
):
    monkeypatch.setenv("TRUSTMIRROR_REFERENCE_DIR", str(tmp_path))

    with pytest.raises(pytest.fail.Exception) as failure:
        reference_case("multilevel_bh1996")

    message = str(failure.value)
    assert "multilevel_bh1996.csv" in message and str(tmp_path) in message
