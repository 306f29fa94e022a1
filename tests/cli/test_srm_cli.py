"""``trustmirror srm``: the Social Relations Model from a CSV file, checked against TripleR."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from trustmirror.cli import main

ARGS = ["--perceiver", "perceiver.id", "--target", "target.id", "--group", "group.id"]


@pytest.fixture
def liking(reference_case):
    return reference_case("tripler_multiLikingLong")


def test_prints_the_pooled_components_as_triple_r_and_writes_effects(liking, tmp_path, capsys):
    data = tmp_path / "liking.csv"
    liking.data.to_csv(data, index=False)
    effects = tmp_path / "effects.csv"
    out_json = tmp_path / "out.json"

    code = main(
        [
            "srm",
            str(data),
            *ARGS,
            "--value",
            "liking_a",
            "--effects",
            str(effects),
            "--json",
            str(out_json),
        ]
    )

    assert code == 0
    printed = capsys.readouterr().out
    expected = liking.expected["cases"]["liking_a"]["varComp"]
    for row in expected:
        if row["type"] == "error variance":
            continue
        assert f"{row['estimate']:.3f}" in printed
    written = json.loads(out_json.read_text())
    estimates = {r["component"]: r["estimate"] for r in written["components"]}
    for row in expected:
        if row["type"] in estimates:
            assert estimates[row["type"]] == pytest.approx(row["estimate"], abs=1e-9)
    table = pd.read_csv(effects)
    assert len(table) == 50 and {"group", "person", "actor", "partner"} <= set(table.columns)


def test_bad_input_says_what_and_where(tmp_path, capsys):
    data = tmp_path / "bad.csv"
    data.write_text("perceiver,target,rating\n1,2,4\n2,1,four\n", encoding="utf-8")
    assert main(["srm", str(data)]) == 2
    assert "line 3, column 'rating': 'four' is not a number" in capsys.readouterr().err

    assert main(["srm", str(data), "--value", "score"]) == 2
    assert "no column 'score'" in capsys.readouterr().err

    assert main(["srm", str(tmp_path / "none.csv")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_runs_without_django(liking, tmp_path):
    data = tmp_path / "liking.csv"
    liking.data.to_csv(data, index=False)
    probe = (
        "import json, sys\nfrom trustmirror.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "print(json.dumps({'code': code, 'django': any(m.split('.')[0] == 'django' "
        "for m in sys.modules)}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRUSTMIRROR_", "DJANGO_"))}
    env["TRUSTMIRROR_DATA_DIR"] = str(tmp_path / "would-be-data-dir")
    run = subprocess.run(
        [sys.executable, "-c", probe, "srm", str(data), *ARGS, "--value", "liking_a"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    outcome = json.loads(run.stdout.strip().splitlines()[-1])
    assert outcome == {"code": 0, "django": False}
    assert not (tmp_path / "would-be-data-dir").exists()
