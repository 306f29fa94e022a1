"""``trustmirror analyze``: numbers from a CSV, error messages, reports and privacy.

Reference numbers: ``tests/reference/expected/multilevel_lq2002.json`` (multilevel 2.7's
``rwg.j`` and ``ICC1``/``ICC2`` on the LEAD items by company, README section 5.1). Other
expected values are computed independently in the test (closed forms on complete data).
"""

from __future__ import annotations

import argparse
import html
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trustmirror.cli import analyze as analyze_cli

LEAD_ITEMS = [f"LEAD{i:02d}" for i in range(1, 12)]


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="trustmirror analyze")
    analyze_cli.add_arguments(parser)
    code = analyze_cli.run(parser.parse_args([*argv, "--no-progress"]))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _json(argv: list[str], capsys) -> dict:
    code, out, err = _run([*argv, "--json", "-"], capsys)
    assert code == 0, err
    return json.loads(out)


def test_rwg_j_and_icc_per_company_match_multilevel(lq2002, capsys):
    csv, expected = lq2002

    result = _json(
        [str(csv), "--unit", "COMPID", "--items", "LEAD=" + ",".join(LEAD_ITEMS)], capsys
    )

    lead = result["scales"]["LEAD"]
    reference = {row["grpid"]: row for row in expected["rwg_j"]["LEAD"]["per_group"]}
    units = {row["unit"]: row for row in lead["units"]}
    assert set(units) == set(reference)
    for unit, row in reference.items():
        assert units[unit]["shown"], unit
        assert units[unit]["rwg_j"] == pytest.approx(row["rwg_j"], abs=1e-9), unit
        assert units[unit]["rwg_j_lindell"] == pytest.approx(row["rwg_j_lindell"], abs=1e-9)
        assert units[unit]["rwg_j_n"] == row["gsize"]
    # multilevel's ICC used the shipped LEAD score (the item mean); the CSV rounds it to
    # 9 decimals, our score is the exact mean, hence 1e-7 rather than 1e-9.
    icc = expected["icc"]["LEAD"]
    assert lead["icc"]["icc1"] == pytest.approx(icc["ICC1"], abs=1e-7)
    assert lead["icc"]["icc2"] == pytest.approx(icc["ICC2"], abs=1e-7)
    assert lead["icc"]["n_groups"] == icc["n_groups"]
    assert lead["icc"]["n_obs"] == icc["n_obs"]
    assert result["n_rows"] == expected["n_rows"]
    assert [row["unit"] for row in result["units"]][:3] == ["2", "3", "4"]  # numeric order


def test_reliability_and_unit_means_equal_closed_forms(lq2002, capsys):
    csv, _ = lq2002
    data = pd.read_csv(csv)
    items = data[LEAD_ITEMS]

    result = _json([str(csv), "--unit", "COMPID", "--items", ",".join(LEAD_ITEMS)], capsys)

    scale = result["scales"]["scale"]
    k = len(LEAD_ITEMS)
    alpha = k / (k - 1) * (1 - items.var(ddof=1).sum() / items.sum(axis=1).var(ddof=1))
    assert scale["reliability"]["alpha"] == pytest.approx(alpha, abs=1e-12)
    first = scale["reliability"]["items"][0]
    rest = items.drop(columns="LEAD01").sum(axis=1)
    assert first["r_drop"] == pytest.approx(np.corrcoef(items["LEAD01"], rest)[0, 1], abs=1e-12)
    means = items.mean(axis=1).groupby(data["COMPID"]).mean()
    for row in scale["units"]:
        assert row["mean"] == pytest.approx(means[int(row["unit"])], abs=1e-12)
    assert scale["reliability"]["omega_total"] > alpha  # congeneric items: omega >= alpha


def _write(tmp_path: Path, text: str, name: str = "survey.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


SMALL = """team,q1,q2,q3
A,4,5,2
A,5,5,1
A,4,4,2
A,3,4,2
A,4,4,1
B,2,1,5
B,1,2,4
B,2,2,5
B,1,1,5
B,2,2,4
"""


def test_reverse_keys_and_dont_know_are_applied(tmp_path, capsys):
    path = _write(tmp_path, SMALL.replace("A,3,4,2", "A,3,0,2"))

    result = _json([str(path), "--unit", "team", "--items", "q1,q2,q3", "--keys", "q3"], capsys)

    scale = result["scales"]["scale"]
    assert scale["reverse_items"] == ["q3"]
    unit_a = scale["units"][0]
    # Team A keyed scores: (4+5+4)/3, (5+5+5)/3, (4+4+4)/3, (3+4)/2 (q2 "don't know"), (4+4+5)/3
    expected = np.mean([13 / 3, 5, 4, 3.5, 13 / 3])
    assert unit_a["unit"] == "A"
    assert unit_a["mean"] == pytest.approx(expected, abs=1e-12)
    assert unit_a["rwg_j_n"] == 4  # rwg(j) uses complete answers only
    assert scale["reliability"]["items"][2]["reversed"] is True
    assert scale["reliability"]["items"][2]["r_drop"] > 0.8


def test_small_units_are_not_shown(tmp_path, capsys):
    text = SMALL + "C,3,3,3\nC,4,3,3\n"
    path = _write(tmp_path, text)

    result = _json([str(path), "--unit", "team", "--items", "q1,q2,q3"], capsys)

    rows = {row["unit"]: row for row in result["scales"]["scale"]["units"]}
    assert rows["C"] == {"unit": "C", "shown": False}
    # With C hidden, A or B must go too, or the total would give C away.
    assert sum(row["shown"] for row in rows.values()) <= 1
    assert all(u["n"] is None for u in result["units"] if not u["shown"])


def test_bad_values_are_reported_with_line_and_column(tmp_path, capsys):
    path = _write(tmp_path, SMALL.replace("B,1,2,4", "B,1,x,4").replace("A,4,4,1", "A,4,7,1"))

    code, out, err = _run([str(path), "--unit", "team", "--items", "q1,q2,q3"], capsys)

    assert code == 1
    assert out == ""
    assert "line 6, column 'q2': 7 is outside 1..5" in err
    assert "line 8, column 'q2': 'x' is not a number" in err
    assert err.index("line 6") < err.index("line 8")


def test_missing_column_and_missing_unit_are_clear_errors(tmp_path, capsys):
    path = _write(tmp_path, SMALL.replace("B,1,2,4", ",1,2,4"))

    code, _, err = _run([str(path), "--unit", "team", "--items", "q1,q9"], capsys)
    assert code == 2
    assert "column 'q9' not found; the file has: team, q1, q2, q3" in err

    code, _, err = _run([str(path), "--unit", "group", "--items", "q1,q2"], capsys)
    assert code == 2
    assert "column 'group' not found" in err

    code, _, err = _run([str(path), "--unit", "team", "--items", "q1,q2"], capsys)
    assert code == 1
    assert "no unit in column 'team' on line 8" in err

    code, _, err = _run([str(tmp_path / "nope.csv"), "--items", "q1,q2"], capsys)
    assert code == 2
    assert "no such file" in err

    code, _, err = _run([str(path), "--items", "q1,q2", "--keys", "q7"], capsys)
    assert code == 2
    assert "'q7' is not an item of any --items scale" in err


def test_semicolon_files_wider_scales_and_no_unit(tmp_path, capsys):
    path = _write(tmp_path, "a;b;c\n7;6;7\n1;2;1\n4;4;5\n6;7;6\n")

    result = _json([str(path), "--items", "a,b,c", "--scale-points", "7"], capsys)

    scale = result["scales"]["scale"]
    assert result["unit_column"] is None
    assert scale["units"] == [] and scale["icc"] is None
    assert scale["mean"] == pytest.approx(np.mean([20 / 3, 4 / 3, 13 / 3, 19 / 3]))


def test_instrument_mode_scores_the_constructs_whose_columns_exist(tmp_path, capsys):
    from trustmirror.instrument import load_instrument

    keys = load_instrument().scoring_keys()
    construct = next(c for c, k in keys.items() if -1 in k.values() and len(k) >= 3)
    partial = next(c for c, k in keys.items() if c != construct and len(k) >= 2)
    items = list(keys[construct])
    rng = np.random.default_rng(4)
    frame = pd.DataFrame(rng.integers(1, 6, size=(30, len(items))), columns=items)
    frame[list(keys[partial])[0]] = 3
    path = tmp_path / "scan.csv"
    frame.to_csv(path, index=False)

    result = _json([str(path), "--instrument", "trustscan"], capsys)

    assert list(result["scales"]) == [construct]
    assert result["skipped_constructs"] == {partial: list(keys[partial])[1:]}
    keyed = frame[items].copy()
    for item, key in keys[construct].items():
        if key == -1:
            keyed[item] = 6 - keyed[item]
    assert result["scales"][construct]["mean"] == pytest.approx(keyed.mean(axis=1).mean())


def test_html_report_is_self_contained_and_escaped(tmp_path, capsys):
    path = _write(tmp_path, SMALL.replace("team", "team").replace("\nB,", "\n<b>,"))
    out = tmp_path / "report.html"

    code, stdout, err = _run(
        [str(path), "--unit", "team", "--items", "Trust=q1,q2,q3", "--html", str(out)], capsys
    )

    assert code == 0, err
    assert stdout == ""
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "Trust" in page and "&lt;b&gt;" in page and "<b>" not in page
    assert "<script" not in page and "http" not in page


def test_text_summary_is_printed_without_output_options(tmp_path, capsys):
    path = _write(tmp_path, SMALL)

    code, out, _ = _run([str(path), "--items", "q1,q2,q3", "--language", "nl"], capsys)

    assert code == 0
    assert "Schaal scale" in out and "alpha" in out


# --------------------------------------------------------------------------- charts

# R 4.3: qt(0.975, 4); the t quantile behind a 95% interval of a five-person unit.
QT_975_DF4 = 2.7764451051977987


def _html(argv: list[str], tmp_path: Path, capsys, name: str = "report.html") -> str:
    out = tmp_path / name
    code, _, err = _run([*argv, "--html", str(out)], capsys)
    assert code == 0, err
    return out.read_text(encoding="utf-8")


def _svgs(page: str) -> list[str]:
    return re.findall(r"<svg.*?</svg>", page, flags=re.DOTALL)


def _desc(svg: str) -> str:
    return html.unescape(re.search(r"<desc[^>]*>(.*?)</desc>", svg, flags=re.DOTALL).group(1))


def _charted_units(svg: str) -> list[str]:
    # The <desc> lists one "unit: mean ..." entry per drawn unit, top to bottom.
    return [entry.split(": mean ")[0] for entry in _desc(svg).split("; ")]


def _team_rows(name: str, size: int, centre: int, *, spread: int = 1, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    answers = np.clip(centre + rng.integers(-spread, spread + 1, size=(size, 3)), 1, 5)
    return "\n".join(f"{name},{a},{b},{c}" for a, b, c in answers)


def test_html_report_has_a_chart_per_scale_and_one_for_reliability(lq2002, tmp_path, capsys):
    csv, _ = lq2002
    argv = [str(csv), "--unit", "COMPID", "--items", "LEAD=LEAD01,LEAD02,LEAD03,LEAD04,LEAD05"]
    argv += ["--items", "TSIG=TSIG01,TSIG02,TSIG03"]
    result = _json(argv, capsys)

    page = _html(argv, tmp_path, capsys)

    svgs = _svgs(page)
    assert len(svgs) == 3  # reliability, LEAD, TSIG
    reliability = _desc(svgs[0])
    for name, scale in result["scales"].items():
        rel = scale["reliability"]
        assert f"{name}: alpha {rel['alpha']:.2f}, omega {rel['omega_total']:.2f}" in reliability
    for svg, (name, scale) in zip(svgs[1:], result["scales"].items(), strict=True):
        assert f"{name}: unit means" in svg
        units = [row for row in scale["units"] if row["shown"]]
        # 49 companies: more than fit, so the 20 lowest and the 20 highest means are drawn.
        assert len(units) > 40
        # Ordered by the mean as printed (two decimals), equal printed means in table order:
        # the order of two dots tells no more than the table does.
        by_mean = sorted(units, key=lambda row: -round(row["mean"], 2))
        expected = by_mean[:20] + by_mean[-20:]
        assert _charted_units(svg) == [row["unit"] for row in expected]
        # One hollow marker per drawn unit with rwg(j) below .70, plus the legend's.
        low = sum(row["rwg_j"] < 0.70 for row in expected)
        assert svg.count('fill="#ffffff" stroke="#0072b2"') == low + 1
    assert page.count("the chart shows the 20 lowest and the 20 highest means") == 2
    assert "criticised" in page


def test_unit_chart_lists_the_table_units_and_leaves_hidden_units_out(tmp_path, capsys):
    text = "team,q1,q2,q3\n" + "\n".join(
        [
            _team_rows("Northwind", 6, 4, seed=1),
            _team_rows("Southgate", 5, 2, spread=2, seed=2),
            _team_rows("Eastbrook", 7, 3, spread=2, seed=3),
            _team_rows("Westmoor", 8, 4, seed=4),
            _team_rows("Tinyteam", 2, 1, seed=5),
        ]
    )
    path = _write(tmp_path, text + "\n")
    argv = [str(path), "--unit", "team", "--items", "Trust=q1,q2,q3"]
    result = _json(argv, capsys)

    page = _html(argv, tmp_path, capsys)

    units = result["scales"]["Trust"]["units"]
    shown = [row for row in units if row["shown"]]
    hidden = [row["unit"] for row in units if not row["shown"]]
    assert "Tinyteam" in hidden and len(hidden) >= 2  # one more hidden, or the total tells
    _, chart = _svgs(page)
    by_mean = sorted(shown, key=lambda row: row["mean"], reverse=True)
    assert _charted_units(chart) == [row["unit"] for row in by_mean]
    for name in hidden:
        assert name not in chart
        assert f"<td>{name}</td>" in page  # the table still names it, without numbers
    assert f"Units left out to protect anonymity: {len(hidden)}" in page
    # Same units in the chart as with numbers in the table.
    table_units = re.findall(r"<tr><td>([^<]+)</td><td>\d+</td>", page.split(chart)[1])
    assert sorted(table_units) == sorted(row["unit"] for row in shown)


def test_confidence_interval_in_table_and_chart_is_t_based(tmp_path, capsys):
    path = _write(tmp_path, SMALL)
    scores = pd.read_csv(path).set_index("team")[["q1", "q2", "q3"]].mean(axis=1)
    a = scores["A"]
    half = QT_975_DF4 * a.std(ddof=1) / np.sqrt(len(a))

    page = _html([str(path), "--unit", "team", "--items", "q1,q2,q3"], tmp_path, capsys)

    interval = f"{a.mean() - half:.2f}–{a.mean() + half:.2f}"
    assert f"<td>{interval}</td>" in page
    assert f"A: mean {a.mean():.2f}, 95% CI {interval}, n 5" in _desc(_svgs(page)[1])


def test_html_report_is_byte_identical_across_runs(tmp_path, capsys):
    path = _write(tmp_path, SMALL)
    argv = [str(path), "--unit", "team", "--items", "Trust=q1,q2,q3", "--keys", "q3"]

    first = _html(argv, tmp_path, capsys, "one.html")
    second = _html(argv, tmp_path, capsys, "two.html")

    assert len(_svgs(first)) == 2
    assert first == second
    ids = re.findall(r' id="([^"]+)"', first)
    assert len(ids) == len(set(ids))  # several charts on one page: no id twice


def test_chart_labels_are_escaped_and_never_math(tmp_path, capsys):
    evil = "<script>alert(1)</script>"
    text = SMALL.replace("\nA,", f"\n{evil},").replace("\nB,", "\n$x$ & co,")
    path = _write(tmp_path, text)

    page = _html(
        [str(path), "--unit", "team", "--items", "$a$<i>=q1,q2,q3", "--language", "nl"],
        tmp_path,
        capsys,
    )

    assert "<script" not in page and "<i>" not in page and "http" not in page
    reliability, chart = _svgs(page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in chart
    assert "$a$&lt;i&gt;: gemiddelden per eenheid" in chart
    # Math mode would have drawn "x" in italics and dropped the dollars.
    assert re.search(r"<text[^>]*>\$x\$ &amp; co</text>", chart)
    assert re.search(r"<text[^>]*>\$a\$&lt;i&gt;</text>", reliability)


# --------------------------------------------------------------------------- ICC and privacy


def _one_way_icc(scores: pd.Series, units: pd.Series) -> tuple[float, float]:
    """ICC(1) and ICC(2) by the one-way ANOVA of Bliese (2000), k = N / G, written out."""
    groups = scores.groupby(units)
    n, g = len(scores), groups.ngroups
    msb = (groups.size() * (groups.mean() - scores.mean()) ** 2).sum() / (g - 1)
    msw = ((scores - groups.transform("mean")) ** 2).sum() / (n - g)
    k = n / g
    return (msb - msw) / (msb + (k - 1) * msw), (msb - msw) / msb


def test_icc_uses_only_the_units_whose_results_are_shown(tmp_path, capsys):
    """A hidden unit's answers never enter the ICC, as on the quality page.

    Tinyteam (two people, all answering 1) is below k; the policy hides one more unit so
    that the total does not give Tinyteam away. Both hidden units would pull the ICC up.
    """
    text = "team,q1,q2,q3\n" + "\n".join(
        [
            _team_rows("Northwind", 6, 4, seed=1),
            _team_rows("Southgate", 7, 3, spread=2, seed=2),
            _team_rows("Eastbrook", 8, 3, spread=2, seed=3),
            _team_rows("Westmoor", 9, 4, seed=4),
            _team_rows("Tinyteam", 2, 1, spread=0, seed=5),
        ]
    )
    path = _write(tmp_path, text + "\n")
    data = pd.read_csv(path)
    scores = data[["q1", "q2", "q3"]].mean(axis=1)

    result = _json([str(path), "--unit", "team", "--items", "Trust=q1,q2,q3"], capsys)

    units = result["scales"]["Trust"]["units"]
    shown = [row["unit"] for row in units if row["shown"]]
    hidden = [row["unit"] for row in units if not row["shown"]]
    assert "Tinyteam" in hidden and len(shown) >= 2
    in_shown = data["team"].isin(shown)
    icc = result["scales"]["Trust"]["icc"]
    assert icc["n_groups"] == len(shown)
    assert icc["n_obs"] == int(in_shown.sum())
    icc1, icc2 = _one_way_icc(scores[in_shown], data["team"][in_shown])
    assert icc["icc1"] == pytest.approx(icc1, abs=1e-12)
    assert icc["icc2"] == pytest.approx(icc2, abs=1e-12)
    # Over every unit, hidden ones included, it would have been another number.
    assert icc["icc1"] != pytest.approx(_one_way_icc(scores, data["team"])[0], abs=1e-3)


def test_no_icc_with_fewer_than_two_shown_units(tmp_path, capsys):
    path = _write(tmp_path, SMALL + "C,3,3,3\nC,4,3,3\n")
    argv = [str(path), "--unit", "team", "--items", "q1,q2,q3"]

    result = _json(argv, capsys)
    code, out, _ = _run(argv, capsys)
    page = _html(argv, tmp_path, capsys)

    assert sum(row["shown"] for row in result["scales"]["scale"]["units"]) <= 1
    assert result["scales"]["scale"]["icc"] is None
    assert code == 0 and "ICC: not computed, fewer than two units are shown" in out
    summary = re.search(r"<h2>Scale scale</h2>\n<p>(.*?)</p>", page).group(1)
    assert summary.endswith("; ICC not computed, fewer than two units are shown")


def _simulated_scan(instrument, n, rng, *, shift=None):
    """Answers from one factor per construct (reverse-keyed items reflected), 1..5."""
    columns = {}
    for construct in instrument.constructs:
        latent = rng.normal(size=n)
        for item in construct.items:
            x = 3.0 + 0.9 * latent + rng.normal(scale=0.7, size=n) + (shift or {}).get(item.id, 0)
            x = np.clip(np.rint(x), 1, 5)
            columns[item.id] = (6 - x if item.reverse else x).astype(int)
    return pd.DataFrame(columns)


def test_compare_tests_whether_the_languages_answer_alike(tmp_path, capsys):
    """A known answer by simulation: one question about the manager's integrity is answered
    0.6 points higher in Dutch at the same trust; its group of scales may be related but not
    compared on means, every other group may be compared."""
    from trustmirror.instrument import load_instrument

    v2 = load_instrument("trustscan", "2")
    rng = np.random.default_rng(5)
    shifted = v2.construct("leader_integrity").items[1].id
    # 400 each: at the minimum of 200, chance alone moves RMSEA past Chen's bound now and then.
    english = _simulated_scan(v2, 400, rng).assign(language="en")
    dutch = _simulated_scan(v2, 400, rng, shift={shifted: 0.6}).assign(language="nl")
    path = tmp_path / "scan.csv"
    pd.concat([english, dutch]).to_csv(path, index=False)

    result = _json([str(path), "--instrument", "trustscan:2", "--compare", "language"], capsys)
    verdicts = {one["model"]: one["verdict"] for one in result["invariance"]}
    assert verdicts.pop("leader") == "comparable_relations"
    assert len(verdicts) >= 8 and set(verdicts.values()) == {"comparable_scores"}
    leader = next(one for one in result["invariance"] if one["model"] == "leader")
    assert leader["n_used"] == {"en": 400, "nl": 400} and leader["level"] == "metric"

    code, out, _err = _run(
        [str(path), "--instrument", "trustscan:2", "--compare", "language", "--lang", "nl"],
        capsys,
    )
    assert code == 0
    assert "Meten de groepen van language hetzelfde? (meetinvariantie)" in out
    assert "  leader: Deels vergelijkbaar: de vragen meten in beide talen hetzelfde" in out

    # Too few in one group: refused, and said so.
    small = tmp_path / "small.csv"
    pd.concat([english, dutch.head(50)]).to_csv(small, index=False)
    code, out, _err = _run(
        [str(small), "--instrument", "trustscan:2", "--compare", "language"], capsys
    )
    assert "leader: Not tested: too few complete answers in one of the groups." in out


def test_compare_needs_its_column(tmp_path, capsys):
    path = tmp_path / "scan.csv"
    pd.DataFrame({"a": [1, 2], "b": [2, 3], "c": [3, 4]}).to_csv(path, index=False)
    code, _out, err = _run([str(path), "--items", "a,b,c", "--compare", "language"], capsys)
    assert code == 2 and "language" in err


def test_each_questions_share_of_dont_know_is_reported(tmp_path, capsys):
    path = tmp_path / "scan.csv"
    pd.DataFrame(
        {
            "a": [1, 0, 3, 4, 0, 2, 5, 3],
            "b": [2, 3, 0, 4, 5, 1, 2, 3],
            "c": [3, 4, 5, 1, 2, 3, 4, 5],
        }
    ).to_csv(path, index=False)
    result = _json([str(path), "--items", "trust=a,b,c"], capsys)
    assert result["scales"]["trust"]["dont_know"] == {"a": 0.25, "b": 0.125, "c": 0.0}
    _code, out, _err = _run([str(path), "--items", "trust=a,b,c", "--lang", "nl"], capsys)
    assert "“Weet niet” per vraag: a 25 %, b 12 %, c 0 %" in out
