"""The Social Relations Model (``analysis.srm``) against TripleR 1.5.4.

Every ``tripler_*.json`` in the reference folder (``tests/reference``, or
``TRUSTMIRROR_REFERENCE_DIR``) is checked case by case: the R call of each case is parsed
for the variables, the columns and the options, and every number of the case is compared at
the README's 1e-9 (p-values below 1e-6 relatively), matching groups, persons and dyads by
id, never by position. ``"NA"``/``"NaN"`` strings are NaN (README 2). The latent cases (two
indicators per construct) are out of scope for :mod:`trustmirror.analysis.srm` and are
skipped with that reason. Property tests are in ``test_srm_properties.py``.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trustmirror.analysis import srm

TOLERANCE = 1e-9
KNOWN_FILES = ("tripler_likingLong", "tripler_multiLikingLong", "tripler_multiGroup")
LATENT_REASON = (
    "latent (two-indicator) SRM is out of scope for trustmirror.analysis.srm (module docstring)"
)


# --------------------------------------------------------------------------- case discovery


def _reference_dir() -> Path:
    configured = os.environ.get("TRUSTMIRROR_REFERENCE_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parents[1] / "reference"


def _case_params() -> list:
    """(file, case id) of every TripleR case; latent ones marked as skipped."""
    import json

    folder = _reference_dir() / "expected"
    names = sorted(path.stem for path in folder.glob("tripler_*.json")) or list(KNOWN_FILES)
    params = []
    for name in names:
        path = folder / f"{name}.json"
        if not path.is_file():  # fails loudly in the test through the fixture
            params.append(pytest.param(name, None, id=f"{name}-missing"))
            continue
        for case_id, case in json.loads(path.read_text(encoding="utf-8"))["cases"].items():
            marks = [pytest.mark.skip(reason=LATENT_REASON)] if _is_latent(case) else []
            params.append(pytest.param(name, case_id, id=f"{name}-{case_id}", marks=marks))
    return params


def _is_latent(case: dict) -> bool:
    return "/" in case["call"].split("~")[0]


CASES = _case_params()


# --------------------------------------------------------------------------- helpers


def num(value: object) -> float:
    if value is None:
        return math.nan
    if isinstance(value, str):
        return {"NA": math.nan, "NaN": math.nan, "Inf": math.inf, "-Inf": -math.inf}[value]
    return float(value)


class Mismatches:
    """Collects every difference of a case, so that one failure lists them all."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.compared = 0

    def close(self, where: str, actual: object, expected: object, *, p: bool = False) -> None:
        actual, expected = float(actual), num(expected)
        self.compared += 1
        if math.isnan(expected) or math.isnan(actual):
            if not (math.isnan(expected) and math.isnan(actual)):
                self.items.append(f"{where}: got {actual!r}, expected {expected!r}")
            return
        tolerance = TOLERANCE
        if p and expected < 1e-6:
            # Tiny p: relative, with R's 1 - pt() rounding (about 1e-16) as the floor.
            tolerance = max(1e-6 * expected, 5e-16)
        if not abs(actual - expected) <= tolerance:
            self.items.append(f"{where}: got {actual!r}, expected {expected!r}")

    def check(self) -> None:
        assert self.compared > 0, "nothing was compared"
        shown = "\n".join(self.items[:40])
        assert not self.items, f"{len(self.items)} of {self.compared} differ:\n{shown}"


@pytest.fixture
def tripler(reference_case):
    def load(name: str, case_id: str | None):
        loaded = reference_case(name)
        if case_id is None:
            pytest.fail(f"no cases in {name}", pytrace=False)
        return loaded.data, loaded.expected["cases"][case_id]

    return load


def parse_call(call: str) -> dict:
    """Arguments of ``RR(lhs ~ perceiver * target | group, data = ..., ...)``."""
    inner = call[call.index("(") + 1 : call.rindex(")")]
    formula, _, rest = inner.partition(",")
    lhs, rhs = (part.strip() for part in formula.split("~"))
    rhs, _, group = rhs.partition("|")
    perceiver, target = (part.strip() for part in rhs.split("*"))
    variables = [part.strip() for part in lhs.split("+")]
    options = dict(re.findall(r"([\w.]+)\s*=\s*(\"[^\"]*\"|[\w.]+)", rest))
    se = options.get("se", '"LashleyBond"').strip('"')
    return {
        "variables": variables,
        "perceiver": perceiver,
        "target": target,
        "group": group.strip() or None,
        "na_rm": options.get("na.rm", "FALSE") == "TRUE",
        "se": {"LashleyBond": "lashley-bond", "SOREMO": "soremo"}[se],
        "min_data": int(options.get("minData", "1")),
    }


def fit_case(data: pd.DataFrame, case: dict, *, se: object = "call") -> srm.SRMResult:
    args = parse_call(case["call"])
    return srm.fit(
        data,
        perceiver=args["perceiver"],
        target=args["target"],
        value=args["variables"][0],
        meta=args["variables"][1] if len(args["variables"]) > 1 else None,
        group=args["group"],
        se=args["se"] if se == "call" else se,
        na_rm=args["na_rm"],
        min_data=args["min_data"],
    )


def _by_str(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    return frame.set_index([frame[column].astype(str) for column in columns])


# --------------------------------------------------------------------------- comparisons

ESTIMATES = (("estimate", "estimate"), ("standardized", "standardized"))
TESTS = (("se", "se"), ("t", "t.value"))


def compare_table(
    out: Mismatches, where: str, table: pd.DataFrame, records: list[dict], *, tests: bool
) -> None:
    """A varComp/bivariate table (records by ``type``) against ``components``/``bivariate``."""
    for record in records:
        if record["type"] == "error variance":  # latent only; not a row of ours
            assert all(num(record[key]) != num(record[key]) for key in ("estimate", "se"))
            continue
        row = table.loc[record["type"]]
        for ours, theirs in ESTIMATES + (TESTS if tests else ()):
            out.close(f"{where} {record['type']} {ours}", row[ours], record[theirs])
        if tests:
            sevar = num(record["SEVAR"])
            if not math.isnan(sevar):  # NA where TripleR gates it; ours may be kept
                out.close(f"{where} {record['type']} sevar", row["sevar"], sevar)
            out.close(f"{where} {record['type']} p", row["p"], record["p.value"], p=True)


def compare_group_tables(
    out: Mismatches, where: str, groups: pd.DataFrame, records: list[dict], *, tests: bool
) -> None:
    indexed = _by_str(groups, "group", "component")
    for record in records:
        if record["type"] == "error variance":
            continue
        group = str(record.get("group.id", record.get("group_id")))
        row = indexed.loc[(group, record["type"])]
        label = f"{where} group {group} {record['type']}"
        size = record.get("group.size", record.get("group_size"))
        out.close(f"{label} n", row["n"], size)
        for ours, theirs in ESTIMATES + (TESTS if tests else ()):
            out.close(f"{label} {ours}", row[ours], record[theirs])
        if tests:
            out.close(f"{label} sevar", row["sevar"], record["SEVAR"])
            out.close(f"{label} p", row["p"], record["p.value"], p=True)


def compare_univariate(out: Mismatches, where: str, result: srm.SRMResult, block: dict) -> None:
    """Everything of a univariate block except the standard errors."""
    compare_table(out, where, result.components, block["varComp"], tests=False)
    for effect in ("actor", "partner"):
        out.close(f"{where} reliability {effect}", result.reliability[effect],
                  block["reliability"][effect])  # fmt: skip
    summary = result.group_summary.set_index(result.group_summary.index.astype(str))
    if "group_size" in block:  # one group
        out.close(f"{where} group size", summary["n"].iloc[0], block["group_size"])
        out.close(f"{where} n NA", summary["n_missing"].iloc[0], block["n_NA_offdiagonal"])
    else:
        assert list(summary.index) == [str(g) for g in block["groups_included"]], where
        assert len(summary) == block["n_groups"]
        for group, size in block["group_sizes"].items():
            out.close(f"{where} group {group} size", summary.loc[str(group), "n"], size)
        out.close(f"{where} group_var", result.group_var, block["group_var"])
        for record in block["per_group"]:
            group = str(record["group_id"])
            out.close(f"{where} {group} n", summary.loc[group, "n"], record["group_size"])
            out.close(f"{where} {group} n NA", summary.loc[group, "n_missing"],
                      record["n_NA_offdiagonal"])  # fmt: skip
            for effect in ("actor", "partner"):
                out.close(f"{where} {group} reliability {effect}",
                          summary.loc[group, f"reliability_{effect}"],
                          record["reliability"][effect])  # fmt: skip
        compare_group_tables(out, where, result.groups, block["varComp_groups"], tests=False)
    compare_effects(out, where, result.effects, block["effects"]["columns"], "effects")
    compare_effects(out, where, result.effects_gm(), block["effects_gm"]["columns"], "effects_gm")
    compare_relationships(out, where, result.relationship_effects, block["effectsRel"])
    for key in ("selfCor", "selfCor_partial"):
        if key in block:
            assert result.self_correlation is not None, f"{where}: no self correlation"
            for record in block[key]:
                row = result.self_correlation.loc[record["effect"]]
                for column in ("r", "t", "df"):
                    out.close(f"{where} {key} {record['effect']} {column}", row[column],
                              record[column])  # fmt: skip
                out.close(f"{where} {key} {record['effect']} p", row["p"], record["p"], p=True)
    if "selfCor" not in block and "selfCor_partial" not in block:
        assert result.self_correlation is None, where


def compare_effects(
    out: Mismatches, where: str, effects: pd.DataFrame, columns: dict, what: str
) -> None:
    indexed = effects.set_index(effects["person"].astype(str))
    assert len(indexed) == len(columns["id"]), f"{where} {what}: number of persons"
    assert indexed.index.is_unique
    for position, person in enumerate(columns["id"]):
        if "group_id" in columns:
            assert str(indexed.loc[person, "group"]) == columns["group_id"][position]
        for column in ("actor", "partner", "self", "enhance"):
            if column in columns:
                out.close(f"{where} {what} {person} {column}", indexed.loc[person, column],
                          columns[column][position])  # fmt: skip


def compare_relationships(out: Mismatches, where: str, table: pd.DataFrame, expected: dict):
    indexed = _by_str(table, "perceiver", "target")
    assert len(indexed) == len(expected["perceiver"]), f"{where}: number of dyads"
    relationship = indexed["relationship"]
    dyads = indexed["dyad"]
    for position, key in enumerate(zip(expected["perceiver"], expected["target"], strict=True)):
        out.close(f"{where} relationship {key}", relationship.loc[key],
                  expected["relationship"][position])  # fmt: skip
        if dyads.loc[key] != expected["dyad"][position]:
            out.items.append(
                f"{where} dyad {key}: {dyads.loc[key]} != {expected['dyad'][position]}"
            )
        if "group_id" in expected:
            assert str(indexed.loc[key, "group"]) == expected["group_id"][position]


# --------------------------------------------------------------------------- the cases


@pytest.mark.parametrize(("name", "case_id"), CASES)
def test_estimates_effects_and_reliabilities(tripler, name, case_id):
    """Everything but the Lashley-Bond standard errors (which need ``srm_se``)."""
    data, case = tripler(name, case_id)
    if "error" in case:
        pytest.skip("an error case: see test_error_cases")
    out = Mismatches()
    if case.get("se") == "SOREMO":
        result = fit_case(data, case)
        compare_table(out, "SOREMO", result.components, case["varComp"], tests=True)
        assert [str(g) for g in result.group_summary.index] == case["groups_included"]
        out.check()
        return
    result = fit_case(data, case, se=None)
    if "bivariate" in case:
        compare_univariate(out, "variable 1", result, case["univariate"][0])
        compare_univariate(out, "variable 2", result.meta, case["univariate"][1])
        compare_table(out, "bivariate", result.bivariate, case["bivariate"], tests=False)
        if "bivariate_groups" in case:
            compare_group_tables(
                out, "bivariate", result.bivariate_groups, case["bivariate_groups"], tests=False
            )
        codes = dict(zip(srm.BIVARIATE, srm.BIVARIATE_META_CODES, strict=True))
        for record in case["bivariate"]:
            expected_code = record["label_meta"].lower().replace(" ", "_").replace("-", "_")
            assert codes[record["type"]] == expected_code
            assert result.bivariate.loc[record["type"], "code"] == expected_code
    else:
        compare_univariate(out, "univariate", result, case)
    out.check()


@pytest.mark.parametrize(("name", "case_id"), CASES)
def test_lashley_bond_standard_errors(tripler, name, case_id):
    """se, SEVAR, t and p of every table (needs ``trustmirror.analysis.srm_se``)."""
    data, case = tripler(name, case_id)
    if "error" in case or case.get("se") == "SOREMO":
        pytest.skip("no Lashley-Bond table in this case")
    result = fit_case(data, case)
    out = Mismatches()
    if "bivariate" in case:
        blocks = [(result, case["univariate"][0]), (result.meta, case["univariate"][1])]
        compare_table(out, "bivariate", result.bivariate, case["bivariate"], tests=True)
        if "bivariate_groups" in case:
            compare_group_tables(
                out, "bivariate", result.bivariate_groups, case["bivariate_groups"], tests=True
            )
    else:
        blocks = [(result, case)]
    for fitted, block in blocks:
        compare_table(out, fitted.variable, fitted.components, block["varComp"], tests=True)
        if "varComp_groups" in block:
            compare_group_tables(
                out, fitted.variable, fitted.groups, block["varComp_groups"], tests=True
            )
    out.check()


WARNING = re.compile(r"excluded from group (\S+) due to .*?id\(s\) = (.*?) \.")


@pytest.mark.parametrize(("name", "case_id"), CASES)
def test_exclusions_match_the_warnings(tripler, name, case_id):
    """Excluded persons (and groups) as TripleR warns about them, in the same order."""
    data, case = tripler(name, case_id)
    if "error" in case:
        pytest.skip("an error case: see test_error_cases")
    result = fit_case(data, case, se=None)
    expected_persons: list[tuple[str, str]] = []
    expected_groups: list[str] = []
    for warning in case["warnings"]:
        match = WARNING.search(warning)
        if match:
            group, ids = match.groups()
            expected_persons += [(group, person.strip()) for person in ids.split(",")]
        elif "exclu" in warning.lower():
            found = re.search(r"group\s+['\"]?([^\s'\",:]+)", warning)
            assert found, f"cannot read the warning {warning!r}"
            expected_groups.append(found.group(1))
    excluded = result.excluded
    persons = excluded[excluded["person"].notna()]
    actual = [
        ("1" if g is None else str(g), str(p))
        for g, p in zip(persons["group"], persons["person"], strict=True)
    ]
    if parse_call(case["call"])["group"] is None:
        expected_persons = [("1", person) for _, person in expected_persons]
    assert actual == expected_persons
    assert set(persons["reason"]) <= {"no_ratings_given", "no_ratings_received"}
    groups = excluded[excluded["person"].isna()]
    assert sorted(map(str, groups["group"])) == sorted(expected_groups)
    assert set(groups["reason"]) <= {"too_few_members"}
    for group in expected_groups:
        assert group not in set(map(str, result.group_summary.index))


@pytest.mark.parametrize(("name", "case_id"), CASES)
def test_error_cases(tripler, name, case_id):
    """A case whose R call failed must fail here too, with a ValueError naming the cell."""
    data, case = tripler(name, case_id)
    if "error" not in case:
        assert fit_case(data, case, se=None) is not None
        return
    assert "NA" in case["error"]  # the only error TripleR gives here: NAs off the diagonal
    with pytest.raises(ValueError, match="missing rating outside the diagonal") as raised:
        fit_case(data, case, se=None)
    message = str(raised.value)
    assert "perceiver" in message and "target" in message
    if parse_call(case["call"])["group"]:
        assert "group" in message


def test_imputation_traces(reference_case):
    """``imputation_trace_<group>`` entries: the number of passes of that group (README 5.5)."""
    found = 0
    for param in CASES:
        name, case_id = param.values
        if case_id is None or any(mark.name == "skip" for mark in param.marks):
            continue
        loaded = reference_case(name)
        case = loaded.expected["cases"][case_id]
        traces = {key: value for key, value in case.items() if key.startswith("imputation_trace")}
        if not traces or "error" in case:
            continue
        result = fit_case(loaded.data, case, se=None)
        summary = result.group_summary.set_index(result.group_summary.index.astype(str))
        for key, trace in traces.items():
            group = key.removeprefix("imputation_trace_")
            passes = trace["iterations"] if isinstance(trace, dict) else trace
            assert summary.loc[group, "imputation_passes"] == int(num(passes)), key
            found += 1
    if not found:
        pytest.skip("no imputation_trace_* entry in the reference folder's TripleR cases")


# --------------------------------------------------------------------------- imputation


def _multigroup(reference_case) -> pd.DataFrame:
    return reference_case("tripler_multiGroup").data


def _group_matrix(data: pd.DataFrame, group: int, column: str = "ex") -> np.ndarray:
    rows = data[data["group.id"] == group]
    matrix = rows.pivot(index="perceiver.id", columns="target.id", values=column)
    persons = matrix.index.intersection(matrix.columns)
    matrix = np.array(matrix.loc[persons, persons], dtype=float)
    np.fill_diagonal(matrix, np.nan)
    keep = ~(np.isnan(matrix).all(axis=0) | np.isnan(matrix).all(axis=1))
    return matrix[np.ix_(keep, keep)]


def test_impute_follows_the_stopping_rule(reference_case):
    matrix = _group_matrix(_multigroup(reference_case), 8)  # 39 missing dyads
    imputed, trace = srm.impute(matrix)
    assert trace.converged and trace.iterations == len(trace.stress) >= 2
    assert all(stress > srm.IMPUTATION_TOLERANCE for stress in trace.stress[:-1])
    assert trace.stress[-1] <= srm.IMPUTATION_TOLERANCE
    missing = np.isnan(matrix) & ~np.eye(len(matrix), dtype=bool)
    np.testing.assert_array_equal(imputed[~missing], matrix[~missing])
    assert np.isnan(np.diag(imputed)).all() and not np.isnan(imputed[missing]).any()
    # The imputed cells are those of the last pass, whose diagonal was imputed too.
    np.testing.assert_allclose(imputed[missing], trace.matrices[-1][missing], rtol=0, atol=0)
    assert not np.isnan(np.diag(trace.matrices[0])).any()
    # First pass: (row mean + column mean) / 2 of the available cells.
    rows, cols = np.nanmean(matrix, axis=1), np.nanmean(matrix, axis=0)
    i, j = np.nonzero(missing)
    np.testing.assert_allclose(trace.matrices[0][i, j], (rows[i] + cols[j]) / 2, atol=1e-15)
    # The stress of the first pass compares with the effects of the unimputed matrix.
    first = max(
        np.abs(trace.actor[0] - trace.initial_actor).max(),
        np.abs(trace.partner[0] - trace.initial_partner).max(),
    )
    assert trace.stress[0] == pytest.approx(first, abs=1e-15)
    # A tighter tolerance runs more passes and gives other numbers: the rule matters.
    tight, tight_trace = srm.impute(matrix, tolerance=1e-12, max_passes=1000)
    assert tight_trace.iterations > trace.iterations
    assert np.nanmax(np.abs(tight - imputed)) > 1e-6


def test_fit_uses_the_imputed_matrix(reference_case):
    data = _multigroup(reference_case)
    result = srm.fit(data, perceiver="perceiver.id", target="target.id", value="ex",
                     group="group.id", se=None)  # fmt: skip
    summary = result.group_summary
    assert (summary.loc[summary["n_missing"] == 0, "imputation_passes"] == 0).all()
    assert (summary.loc[summary["n_missing"] > 0, "imputation_passes"] >= 1).all()
    matrix = _group_matrix(data, 8)
    _, trace = srm.impute(matrix)
    assert summary.loc[8, "imputation_passes"] == trace.iterations
    actor, partner, relationship = srm.round_robin_effects(matrix)
    effects = result.effects[result.effects["group"] == 8]
    np.testing.assert_allclose(effects["actor"], actor, atol=1e-12)
    np.testing.assert_allclose(effects["partner"], partner, atol=1e-12)
    assert np.isnan(relationship[np.isnan(matrix)]).all()


def test_no_convergence_keeps_the_first_pass(reference_case):
    matrix = _group_matrix(_multigroup(reference_case), 8)
    imputed, trace = srm.impute(matrix, tolerance=0.0, max_passes=3)
    assert not trace.converged and trace.iterations == 3
    missing = np.isnan(matrix) & ~np.eye(len(matrix), dtype=bool)
    np.testing.assert_array_equal(imputed[missing], trace.matrices[0][missing])


# --------------------------------------------------------------------------- exclusions


def _complete(n: int, groups: int = 1, seed: int = 0, self_ratings: bool = False):
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(groups):
        for i in range(n):
            for j in range(n):
                if i != j or self_ratings:
                    rows.append((f"g{g}", f"g{g}p{i}", f"g{g}p{j}", float(rng.integers(1, 8))))
    return pd.DataFrame(rows, columns=["team", "perceiver", "target", "rating"])


def test_small_groups_and_silent_persons_are_excluded_with_reasons():
    data = pd.concat([_complete(6, 1, seed=1), _complete(3, 1, seed=2).replace("g0", "t3",
                      regex=True)], ignore_index=True)  # fmt: skip
    # g0p5 gives no rating (all NaN), g0p4 receives none (rows absent)
    data.loc[data["perceiver"] == "g0p5", "rating"] = np.nan
    data = data[data["target"] != "g0p4"]
    result = srm.fit(data, group="team", se=None)
    excluded = result.excluded
    assert list(zip(excluded["group"], excluded["person"], excluded["reason"], strict=True)) == [
        ("g0", "g0p4", "no_ratings_received"),
        ("g0", "g0p5", "no_ratings_given"),
        ("t3", None, "too_few_members"),
    ]
    assert list(result.group_summary.index) == ["g0"]
    assert result.group_summary.loc["g0", "n"] == 4


def test_no_group_left_is_an_error():
    with pytest.raises(ValueError, match="no group left"):
        srm.fit(_complete(3), se=None)


def test_na_outside_the_diagonal_with_na_rm_false_names_the_cell():
    data = _complete(5, groups=2)
    data.loc[(data["perceiver"] == "g1p2") & (data["target"] == "g1p3"), "rating"] = np.nan
    with pytest.raises(ValueError, match=r"group 'g1', perceiver 'g1p2', target 'g1p3'"):
        srm.fit(data, group="team", na_rm=False, se=None)
    # an absent row is the same as a NaN
    absent = data[~((data["perceiver"] == "g1p2") & (data["target"] == "g1p3"))]
    with pytest.raises(ValueError, match=r"perceiver 'g1p2', target 'g1p3'"):
        srm.fit(absent, group="team", na_rm=False, se=None)
    # NaN self ratings are fine
    selfs = _complete(5, self_ratings=True)
    selfs.loc[selfs["perceiver"] == selfs["target"], "rating"] = np.nan
    srm.fit(selfs, na_rm=False, se=None)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.drop(columns="rating"), r"column 'rating' \(value\) is not in ratings"),
        (lambda d: d.assign(rating=d["rating"].astype(object).where(d.index != 3, "x")),
         r"column 'rating' must be numeric.*row 3 holds 'x'"),
        (lambda d: d.assign(rating=d["rating"] > 2), r"column 'rating' must be numeric"),
        (lambda d: d.assign(rating=d["rating"].where(d.index != 2, np.inf)), "infinite"),
        (lambda d: pd.concat([d, d.iloc[[4]]]),
         r"duplicated rows for perceiver 'g0p1' and target 'g0p0'"),
        (lambda d: d.assign(team=d["team"].where(d.index != 0, "g1")),
         r"person 'g0p\d' appears in more than one group"),
        (lambda d: d.assign(perceiver=d["perceiver"].where(d.index != 1, None)),
         r"column 'perceiver' has a missing id in row 1"),
    ],
)  # fmt: skip
def test_bad_input_is_named(change, message):
    data = _complete(5, groups=2)
    with pytest.raises(ValueError, match=message):
        srm.fit(change(data), group="team", se=None)


def test_bad_options():
    data = _complete(5)
    with pytest.raises(ValueError, match="se must be one of"):
        srm.fit(data, se="bootstrap")
    with pytest.raises(ValueError, match="needs several groups"):
        srm.fit(data, se="soremo")
    with pytest.raises(ValueError, match="min_data"):
        srm.fit(data, min_data=0)
    with pytest.raises(ValueError, match="must differ"):
        srm.fit(data, meta="rating")
    with pytest.raises(ValueError, match="DataFrame"):
        srm.fit(data.to_numpy())


def test_result_shape_and_codes():
    data = _complete(6, groups=3, self_ratings=True)
    data["meta"] = data["rating"].sample(frac=1, random_state=1).to_numpy()
    result = srm.fit(data, group="team", meta="meta", se=None)
    assert list(result.components.index) == list(srm.COMPONENTS)
    assert list(result.components.columns) == ["estimate", "standardized", "se", "sevar", "t", "p"]
    assert list(result.bivariate.index) == list(srm.BIVARIATE)
    assert list(result.bivariate["code"]) == list(srm.BIVARIATE_META_CODES)
    assert len(result.groups) == 3 * 5 and len(result.bivariate_groups) == 3 * 6
    assert {"self", "enhance"} <= set(result.effects.columns)
    gm = result.effects_gm()
    np.testing.assert_array_equal(gm["enhance"], result.effects["enhance"])
    assert result.meta.variable == "meta" and result.meta.bivariate is None
    assert result.df == 3 * 5 and result.bivariate_df == 3 * 5
    assert len(srm.COMPONENT_CODES) == len(srm.COMPONENTS)
    assert result.n_groups == 3
