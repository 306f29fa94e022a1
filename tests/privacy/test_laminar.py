"""The laminar forest against a plain, quadratic reading of the residual rule.

The naive functions below follow the definition literally (for every published set, subtract
the maximal published sets strictly inside it); the forest must agree with them on random
trees, and what it keeps after withdrawal must be safe by that definition and by the exact
linear-algebra audit.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustmirror.privacy.audit import find_disclosure
from trustmirror.privacy.laminar import Forest, NotLaminar


def naive_residuals(sets: dict, counts: dict) -> dict:
    restricted = {}
    for key, members in sets.items():
        atoms = frozenset(a for a in members if counts.get(a, 0) > 0)
        if atoms:
            restricted.setdefault(atoms, key)
    out = {}
    for atoms, key in restricted.items():
        inner = [s for s in restricted if s < atoms]
        maximal = [s for s in inner if not any(s < t for t in inner)]
        covered = set().union(*maximal) if maximal else set()
        out[key] = sum(counts[a] for a in atoms - covered)
    return out


@st.composite
def trees(draw):
    """A random unit tree: (parent per unit, counts per unit) and its subtree sets."""
    n = draw(st.integers(min_value=1, max_value=14))
    parents = [None] + [draw(st.integers(min_value=0, max_value=i - 1)) for i in range(1, n)]
    counts = {u: draw(st.integers(min_value=0, max_value=9)) for u in range(n)}
    subtree = {u: {u} for u in range(n)}
    for u in reversed(range(n)):
        if parents[u] is not None:
            subtree[parents[u]] |= subtree[u]
    shown = draw(st.sets(st.integers(min_value=0, max_value=n - 1)))
    sets = {u: subtree[u] for u in shown}
    sets["org"] = set(range(n))
    return sets, counts


@settings(max_examples=300, deadline=None)
@given(trees(), st.integers(min_value=2, max_value=6))
def test_residuals_and_violations_agree_with_the_definition(tree, k):
    sets, counts = tree
    forest = Forest(sets, [counts])
    naive = naive_residuals(sets, counts)
    residuals = forest.residuals()
    by_key = {keys[0]: int(residuals[i, 0]) for i, keys in enumerate(forest.keys)}
    assert by_key == naive
    assert forest.violations(k) == {key: r for key, r in naive.items() if 0 < r < k}


@settings(max_examples=300, deadline=None)
@given(trees(), st.integers(min_value=2, max_value=6))
def test_what_withdrawal_keeps_is_safe_exactly(tree, k):
    sets, counts = tree
    forest = Forest(sets, [counts])
    kept = forest.withdraw(k)
    published = {key: sets[key] for key in kept}
    assert not any(0 < r < k for r in naive_residuals(published, counts).values())
    # The exact oracle sees the same: no combination isolates fewer than k respondents.
    assert find_disclosure(counts, published, k) is None


@settings(max_examples=200, deadline=None)
@given(trees(), trees(), st.integers(min_value=2, max_value=5))
def test_withdrawal_holds_for_every_count_vector_at_once(tree, other, k):
    sets, counts = tree
    _sets, second = other
    second = {u: second.get(u, 0) for u in counts}
    kept = Forest(sets, [counts, second]).withdraw(k)
    published = {key: sets[key] for key in kept}
    for vector in (counts, second):
        assert not any(0 < r < k for r in naive_residuals(published, vector).values())


def test_withdrawal_takes_the_smallest_inner_set_first():
    # Department D (direct 0) with teams A (5), B (6) and two people in C, hidden: D's residual
    # is 2. Withdrawing the smaller team A makes it 7; B stays shown.
    sets = {"D": {"A", "B", "C"}, "A": {"A"}, "B": {"B"}}
    counts = {"A": 5, "B": 6, "C": 2}
    assert Forest(sets, [counts]).withdraw(5) == {"D", "B"}


def test_a_set_without_anything_inside_is_withdrawn_when_too_small():
    assert Forest({"A": {"a"}, "B": {"b"}}, [{"a": 3, "b": 5}]).withdraw(5) == {"B"}


def test_keep_limits_what_may_be_kept():
    sets = {"D": {"A", "B"}, "A": {"A"}, "B": {"B"}}
    counts = {"A": 5, "B": 6}
    assert Forest(sets, [counts]).withdraw(5, keep={"D", "B"}) == {"D", "B"}


def test_sets_equal_on_the_atoms_with_respondents_are_one():
    # Team T and department D differ only in an empty unit: publishing both says nothing more.
    forest = Forest({"D": {"T", "E"}, "T": {"T"}}, [{"T": 6, "E": 0}])
    assert len(forest.keys) == 1
    assert forest.violations(5) == {}


def test_overlapping_sets_are_refused():
    with pytest.raises(NotLaminar):
        Forest({"x": {1, 2}, "y": {2, 3}}, [{1: 5, 2: 5, 3: 5}])


def test_blocks_are_the_innermost_published_sets():
    forest = Forest({"D": {"A", "B", "C"}, "A": {"A"}}, [{"A": 5, "B": 2, "C": 4}])
    blocks = forest.blocks()
    keys = {atom: forest.keys[index][0] for atom, index in blocks.items()}
    assert keys == {"A": "A", "B": "D", "C": "D"}


@settings(max_examples=300, deadline=None)
@given(trees(), st.integers(min_value=2, max_value=6), st.data())
def test_the_quick_check_before_withdrawal_agrees_with_the_residuals(tree, k, data):
    # withdraw() skips its set-by-set examination when one vectorised pass finds no bad
    # residual among the kept sets; that pass must agree with violations() on any kept subset.
    sets, counts = tree
    forest = Forest(sets, [counts])
    nodes = list(range(len(forest.keys)))
    kept = data.draw(st.sets(st.sampled_from(nodes)) if nodes else st.just(set()))
    assert forest._any_bad(forest.totals, kept, k) == bool(forest.violations(k, keep=kept))


def test_the_quick_check_looks_through_a_set_that_is_not_kept():
    # Team C (5) lies in department P, which is not kept, inside the organisation: the
    # organisation's residual is its two people outside C, too few.
    forest = Forest({"org": {0, 1, 2}, "P": {1, 2}, "C": {2}}, [{0: 1, 1: 1, 2: 5}])
    kept = {forest.node_of["org"], forest.node_of["C"]}
    assert forest.violations(5, keep=kept) == {"org": 2}
    assert forest._any_bad(forest.totals, kept, 5)
    assert forest.withdraw(5, keep={"org", "C"}) == {"org"}


def reference_withdraw(sets: dict, vectors: list[dict], k: int, keep=None) -> set:
    """withdraw() as its docstring states it, on plain sets: every kept set examined
    innermost first; while its residual is bad, the smallest maximal kept set inside it goes
    (its first key's repr breaks ties), or the set itself when nothing is inside."""
    positive = {a for v in vectors for a, n in v.items() if n > 0}
    nodes: dict[frozenset, list] = {}
    empty = []
    for key, members in sets.items():
        atoms = frozenset(a for a in members if a in positive)
        if atoms:
            nodes.setdefault(atoms, []).append(key)
        else:
            empty.append(key)
    kept = {
        atoms for atoms, keys in nodes.items() if keep is None or any(k_ in keep for k_ in keys)
    }

    def total(atoms, v):
        return sum(v.get(a, 0) for a in atoms)

    for atoms in sorted(nodes, key=len):
        if atoms not in kept:
            continue
        while True:
            inside = [s for s in kept if s < atoms]
            inner = [s for s in inside if not any(s < t for t in inside)]
            covered = set().union(*inner) if inner else set()
            residual = [total(atoms - covered, v) for v in vectors]
            if not any(0 < r < k for r in residual):
                break
            if not inner:
                kept.discard(atoms)
                break
            kept.discard(min(inner, key=lambda s: (total(s, vectors[0]), repr(nodes[s][0]))))
    out = {key for key in empty if keep is None or key in keep}
    for atoms in kept:
        out.update(key for key in nodes[atoms] if keep is None or key in keep)
    return out


@settings(max_examples=400, deadline=None)
@given(trees(), trees(), st.integers(min_value=2, max_value=6), st.data())
def test_withdrawal_keeps_exactly_what_the_stated_procedure_keeps(tree, other, k, data):
    # withdraw() keeps residuals up to date and examines only the sets whose residual is bad
    # or changed; the procedure examines every set. They must keep the same sets.
    sets, counts = tree
    _sets, second = other
    second = {u: second.get(u, 0) for u in counts}
    keep = data.draw(st.none() | st.sets(st.sampled_from(sorted(sets, key=repr))))
    for vectors in ([counts], [counts, second]):
        forest = Forest(sets, vectors)
        assert forest.withdraw(k, keep=keep) == reference_withdraw(sets, vectors, k, keep)


@settings(max_examples=300, deadline=None)
@given(trees(), st.integers(min_value=2, max_value=6), st.data())
def test_violations_of_kept_sets_agree_with_the_definition(tree, k, data):
    sets, counts = tree
    forest = Forest(sets, [counts])
    if not forest.keys:
        return  # nobody answered: no set holds anyone
    kept = data.draw(st.sets(st.sampled_from(range(len(forest.keys)))))
    published = {forest.keys[i][0]: sets[forest.keys[i][0]] for i in kept}
    naive = naive_residuals(published, counts)
    assert forest.violations(k, keep=kept) == {key: r for key, r in naive.items() if 0 < r < k}
