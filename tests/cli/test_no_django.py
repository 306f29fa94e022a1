"""``trustmirror analyze`` runs without Django: no settings, no data directory, no secrets.

Importing ``trustmirror.settings`` creates the data directory and generated secret files; a
researcher analysing a CSV file must get none of that, and needs no configuration at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

SURVEY = "team,q1,q2,q3\n" + "".join(
    f"{team},{a},{b},{c}\n"
    for team in ("A", "B")
    for a, b, c in ((4, 5, 2), (5, 5, 1), (4, 4, 2), (3, 4, 2), (4, 4, 1))
)

PROBE = """
import json, sys
from trustmirror.cli import main
code = main(sys.argv[1:])
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("django", "trustmirror"))
print(json.dumps({"code": code, "modules": loaded}))
"""


@pytest.mark.parametrize("output", [["--json", "out.json"], ["--html", "out.html"], []])
def test_analyze_needs_no_django_settings_and_creates_no_data_directory(tmp_path, output):
    (tmp_path / "survey.csv").write_text(SURVEY, encoding="utf-8")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TRUSTMIRROR_", "DJANGO_"))
    }
    data_dir = tmp_path / "would-be-data-dir"
    env["TRUSTMIRROR_DATA_DIR"] = str(data_dir)
    argv = ["analyze", "survey.csv", "--unit", "team", "--items", "q1,q2,q3", "--no-progress"]

    run = subprocess.run(
        [sys.executable, "-c", PROBE, *argv, *output],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert run.returncode == 0, run.stderr
    probe = json.loads(run.stdout.strip().splitlines()[-1])
    assert probe["code"] == 0
    assert not [m for m in probe["modules"] if m == "django" or m.startswith("django.")]
    assert "trustmirror.settings" not in probe["modules"]
    assert not any(m.startswith("trustmirror.results") for m in probe["modules"])
    assert not data_dir.exists() and not (tmp_path / ".trustmirror").exists()
    # Nothing but the data and the report that was asked for.
    assert {p.name for p in tmp_path.iterdir()} == {"survey.csv", *output[1:]}


def test_python_dash_m_runs_the_command(tmp_path):
    """``python -m trustmirror.cli`` still works now that ``cli`` is a package."""
    run = subprocess.run(
        [sys.executable, "-m", "trustmirror.cli", "analyze", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert run.returncode == 0, run.stderr
    assert "--items" in run.stdout and "--json" in run.stdout
