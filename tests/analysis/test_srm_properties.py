"""Properties of ``analysis.srm.fit`` that hold for any round-robin data (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from trustmirror.analysis import srm

ATOL = 1e-9
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def round_robins(draw, *, max_groups: int = 3, missing: bool = True):
    """Long ratings of 1-3 groups of 5-8 persons, 1-7 ratings, some dyads missing."""
    groups = draw(st.integers(1, max_groups))
    rows = []
    for g in range(groups):
        n = draw(st.integers(5, 8))
        seed = draw(st.integers(0, 2**32 - 1))
        rng = np.random.default_rng(seed)
        actor = rng.normal(0, 1, n)
        partner = rng.normal(0, 1, n)
        for i in range(n):
            for j in range(n):
                if i == j:
                    continue
                if missing and rng.random() < 0.08 and j != (i + 1) % n:
                    continue  # the ring (i, i + 1) keeps everyone rated and rating
                value = float(np.clip(np.rint(4 + actor[i] + partner[j] + rng.normal()), 1, 7))
                rows.append((f"G{g}", f"G{g}-{i}", f"G{g}-{j}", value))
    return pd.DataFrame(rows, columns=["group", "perceiver", "target", "rating"])


def _fit(data: pd.DataFrame, **kwargs) -> srm.SRMResult:
    return srm.fit(data, group="group", se=None, **kwargs)


@SETTINGS
@given(round_robins())
def test_effects_sum_to_zero_in_every_group(data):
    result = _fit(data)
    effects = result.effects.copy()
    for column in ("actor", "partner"):
        if effects[column].notna().all():
            sums = effects.groupby("group")[column].sum()
            np.testing.assert_allclose(sums, 0, atol=ATOL)
    # and the relationship effects of complete dyads sum to zero over the whole matrix
    # only when nothing is missing
    complete = result.group_summary["n_missing"] == 0
    rel = result.relationship_effects
    for group in result.group_summary.index[complete]:
        values = rel.loc[rel["group"] == group, "relationship"]
        assert abs(values.sum()) < 1e-8


@SETTINGS
@given(round_robins(), st.randoms(use_true_random=False))
def test_relabelling_persons_and_shuffling_rows_changes_nothing(data, random):
    result = _fit(data)
    persons = sorted(set(data["perceiver"]))
    new_names = [f"x{k}" for k in range(len(persons))]
    random.shuffle(new_names)
    mapping = dict(zip(persons, new_names, strict=True))
    renamed = data.assign(
        perceiver=data["perceiver"].map(mapping), target=data["target"].map(mapping)
    ).sample(frac=1, random_state=random.randint(0, 1000))
    other = _fit(renamed)
    pd.testing.assert_frame_equal(result.components, other.components, atol=ATOL, rtol=0)
    pd.testing.assert_frame_equal(
        result.groups.reset_index(drop=True), other.groups.reset_index(drop=True), atol=ATOL
    )
    ours = result.effects.assign(person=result.effects["person"].map(mapping))
    ours = ours.set_index("person").sort_index()
    theirs = other.effects.set_index("person").sort_index()
    pd.testing.assert_frame_equal(ours, theirs, atol=ATOL, rtol=0)
    rel = result.relationship_effects.assign(
        perceiver=result.relationship_effects["perceiver"].map(mapping),
        target=result.relationship_effects["target"].map(mapping),
    ).set_index(["perceiver", "target"])["relationship"]
    rel_other = other.relationship_effects.set_index(["perceiver", "target"])["relationship"]
    pd.testing.assert_series_equal(rel.sort_index(), rel_other.sort_index(), atol=ATOL, rtol=0)


@SETTINGS
@given(round_robins(max_groups=3))
def test_a_group_fitted_alone_equals_its_row_in_a_multigroup_fit(data):
    together = _fit(data)
    for group, rows in data.groupby("group"):
        alone = srm.fit(rows, se=None)
        mine = together.groups[together.groups["group"] == group].set_index("component")
        np.testing.assert_allclose(
            mine["estimate"], alone.components["estimate"], atol=ATOL, rtol=0
        )
        np.testing.assert_allclose(
            mine["standardized"], alone.components["standardized"], atol=ATOL, rtol=0
        )
        summary = together.group_summary.loc[group]
        assert summary["n_missing"] == alone.group_summary["n_missing"].iloc[0]
        assert summary["imputation_passes"] == alone.group_summary["imputation_passes"].iloc[0]
        np.testing.assert_allclose(
            summary[["reliability_actor", "reliability_partner"]].to_numpy(float),
            alone.reliability.to_numpy(),
            atol=ATOL,
        )
        effects = together.effects[together.effects["group"] == group].set_index("person")
        single = alone.effects.set_index("person")
        for column in ("actor", "partner"):
            both = effects[column].notna() & single[column].notna()
            np.testing.assert_allclose(
                effects.loc[both, column], single.loc[both, column], atol=ATOL
            )


@SETTINGS
@given(round_robins(), st.floats(-50, 50, allow_nan=False).filter(lambda c: abs(c) > 1e-3))
def test_adding_a_constant_changes_no_component(data, constant):
    """Exactly, when the imputation of missing dyads took as many passes; otherwise within its
    stopping rule (0.01): the shift's rounding can tip a change that sits on the rule's edge,
    e.g. 3 passes against 4 for 16 ratings with 4 missing and a constant of 10.5."""
    result = _fit(data)
    shifted = _fit(data.assign(rating=data["rating"] + constant))
    passes = "imputation_passes"
    same = (result.group_summary[passes] == shifted.group_summary[passes]).all()
    atol = 1e-8 if same else 0.01
    pd.testing.assert_frame_equal(result.components, shifted.components, atol=atol, rtol=0)
    np.testing.assert_allclose(
        result.effects[["actor", "partner"]], shifted.effects[["actor", "partner"]], atol=atol
    )
    np.testing.assert_allclose(
        shifted.group_summary["grand_mean"], result.group_summary["grand_mean"] + constant
    )


@SETTINGS
@given(round_robins(max_groups=2, missing=False), st.floats(0.1, 10))
def test_scaling_scales_the_components(data, factor):
    """Complete data only: the imputation's stopping rule (0.01) is not scale-free."""
    result = _fit(data)
    scaled = _fit(data.assign(rating=data["rating"] * factor))
    np.testing.assert_allclose(
        scaled.components["estimate"], result.components["estimate"] * factor**2, atol=1e-8
    )
    # A variance estimated at zero has the sign of its rounding, which scaling can flip
    # (hypothesis found -1e-17 against +1e-16): its share, and the correlation that divides by
    # it, are NaN on one side only. Compared everywhere else.
    estimate = result.components["estimate"].to_numpy()
    at_zero = np.abs(estimate[:3]) <= 1e-9 * max(np.abs(estimate[:3]).sum(), 1e-300)
    undecided = np.array([*at_zero, at_zero[0] or at_zero[1], at_zero[2]])
    np.testing.assert_allclose(
        scaled.components["standardized"].to_numpy()[~undecided],
        result.components["standardized"].to_numpy()[~undecided],
        atol=1e-9,
    )


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([(4.0, 1.0, 0.25), (0.25, 4.0, 1.0)]))
def test_known_components_are_recovered_in_order(seed, variances):
    """Simulated actor, partner and relationship variances come back in their order."""
    rng = np.random.default_rng(seed)
    groups, n = 40, 12
    saa, sbb, scc = variances
    a = rng.normal(0, np.sqrt(saa), (groups, n))
    b = rng.normal(0, np.sqrt(sbb), (groups, n))
    g = rng.normal(0, np.sqrt(scc), (groups, n, n))
    x = 10 + a[:, :, None] + b[:, None, :] + g
    gi, i, j = np.meshgrid(np.arange(groups), np.arange(n), np.arange(n), indexing="ij")
    off = i != j
    data = pd.DataFrame(
        {
            "group": gi[off],
            "perceiver": gi[off] * n + i[off],
            "target": gi[off] * n + j[off],
            "rating": x[off],
        }
    )
    estimate = srm.fit(data, group="group", se="soremo").components["estimate"]
    found = estimate[["actor variance", "partner variance", "relationship variance"]]
    assert list(np.argsort(found.to_numpy())) == list(np.argsort(variances))
    np.testing.assert_allclose(found, variances, rtol=0.35)


@SETTINGS
@given(round_robins(max_groups=2))
def test_bivariate_with_itself_is_the_univariate_fit(data):
    result = _fit(data.assign(copy=data["rating"]), meta="copy")
    biv = result.bivariate["estimate"].to_numpy()
    uni = result.components["estimate"]
    expected = [
        uni["actor variance"],
        uni["partner variance"],
        uni["actor-partner covariance"],
        uni["actor-partner covariance"],
        uni["relationship variance"],
        uni["relationship covariance"],
    ]
    np.testing.assert_allclose(biv, expected, atol=ATOL)
    assume(result.meta is not None)
    pd.testing.assert_frame_equal(result.components, result.meta.components)
