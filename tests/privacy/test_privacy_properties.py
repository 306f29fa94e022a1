"""Property-based checks over random unit trees, response counts and cuts.

The verifier (trustmirror.privacy.audit.find_disclosure) is exact for any family of sets, so
these tests check the tree algorithm against linear algebra, not against itself.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from trustmirror.privacy import (
    ORGANISATION,
    REASON_BELOW_K,
    REASON_ROLLED_UP,
    GroupCount,
    Policy,
    find_disclosure,
    laminar_violations,
)


@st.composite
def unit_trees(draw, max_units: int = 9):
    size = draw(st.integers(1, max_units))
    units = []
    for i in range(size):
        # Mostly one tree, sometimes a forest (several top units under the organisation).
        parent = None if i == 0 else draw(st.one_of(st.integers(0, i - 1), st.just(None)))
        if i > 0 and parent is None and draw(st.booleans()):
            parent = 0
        n = draw(st.integers(0, 9))
        units.append(GroupCount(f"u{i}", None if parent is None else f"u{parent}", n))
    k = draw(st.integers(3, 6))
    return units, k


def subtree_sizes(units):
    children = {u.id: [] for u in units}
    for u in units:
        if u.parent_id is not None:
            children[u.parent_id].append(u.id)
    direct = {u.id: u.n for u in units}

    def size(unit_id):
        return direct[unit_id] + sum(size(c) for c in children[unit_id])

    return {u.id: size(u.id) for u in units}


@settings(max_examples=400, deadline=None)
@given(unit_trees())
def test_no_combination_of_shown_numbers_isolates_fewer_than_k(case):
    units, k = case
    disclosure = Policy(k).suppress_tree_with_rollups(units)
    atoms = {u.id: u.n for u in units}
    published = disclosure.aggregates()
    assert find_disclosure(atoms, published, k) is None
    assert laminar_violations(atoms, published, k) == {}


@settings(max_examples=300, deadline=None)
@given(unit_trees())
def test_shown_numbers_are_what_they_claim(case):
    units, k = case
    disclosure = Policy(k).suppress_tree_with_rollups(units)
    sizes = subtree_sizes(units)
    direct = {u.id: u.n for u in units}
    for unit_id, vis in disclosure.visible.items():
        if vis.shown:
            assert vis.n_shown == sizes[unit_id] >= k
            assert sum(direct[u] for u in disclosure.members(unit_id)) == vis.n_shown
        else:
            assert vis.n_shown is None
        if sizes[unit_id] < k:
            assert not vis.shown
            assert vis.reason in (REASON_BELOW_K, REASON_ROLLED_UP)
        if vis.reason == REASON_ROLLED_UP:
            assert unit_id in disclosure.members(vis.rolled_into)
    for rollup in disclosure.rollups:
        assert rollup.n >= k
        assert len(rollup.member_ids) + rollup.includes_direct >= 2
        assert sum(direct[u] for u in disclosure.members(rollup.id)) == rollup.n
    total = sum(direct.values())
    assert disclosure.organisation_n == (total if total >= k else None)
    if total >= k:
        assert disclosure.members(ORGANISATION) == set(direct)


@settings(max_examples=300, deadline=None)
@given(unit_trees())
def test_nothing_is_hidden_needlessly(case):
    """When showing every unit of k or more is already safe, the policy shows all of them."""
    units, k = case
    sizes = subtree_sizes(units)
    atoms = {u.id: u.n for u in units}
    disclosure = Policy(k).suppress_tree_with_rollups(units)
    members = {u.id: {u.id} for u in units}
    for u in reversed(units):  # children come after parents in unit_trees
        if u.parent_id is not None:
            members[u.parent_id] |= members[u.id]
    naive = {u: m for u, m in members.items() if sizes[u] >= k}
    if sum(atoms.values()) >= k:
        naive[ORGANISATION] = set(atoms)
    if find_disclosure(atoms, naive, k) is None:
        shown = {u for u, v in disclosure.visible.items() if v.shown}
        assert shown == {u for u in naive if u != ORGANISATION}


@settings(max_examples=200, deadline=None)
@given(unit_trees(), st.data())
def test_item_detail_never_isolates_fewer_than_k_answers(case, data):
    units, k = case
    policy = Policy(k)
    disclosure = policy.suppress_tree_with_rollups(units)
    answers = {u.id: data.draw(st.integers(0, u.n)) for u in units}
    allowed = policy.item_detail_tree(disclosure, answers)
    published = {key: disclosure.members(key) for key, ok in allowed.items() if ok}
    assert find_disclosure(answers, published, k) is None
    assert all(sum(answers[u] for u in members) >= k for members in published.values())


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 12), min_size=1, max_size=6),
    st.integers(0, 6),
    st.integers(3, 6),
)
def test_demographic_cut_with_its_group_total_isolates_nobody(cell_counts, unknown, k):
    cells = {(("band", str(i)),): n for i, n in enumerate(cell_counts)}
    total = sum(cell_counts) + unknown
    cut = Policy(k).demographic_cuts(cells, total, 1)
    atoms = dict(cells) | {"unknown": unknown}
    published = {"group": set(atoms)} if total >= k else {}
    published |= {key: {key} for key in cut.cells}
    if cut.other is not None:
        published["other"] = set(cut.other.member_keys) | (
            {"unknown"} if cut.other.includes_unknown else set()
        )
    assert find_disclosure(atoms, published, k) is None
    for n in cut.cells.values():
        assert n >= k and total - n >= k
