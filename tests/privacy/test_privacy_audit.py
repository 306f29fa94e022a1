"""The verifier itself: it must find the leaks we know of, and accept safe publications."""

from __future__ import annotations

from fractions import Fraction

import pytest

from trustmirror.privacy import find_disclosure, laminar_violations


def test_parent_minus_all_but_one_child_is_found():
    atoms = {"A": 6, "B": 7, "C": 2}
    published = {"org": {"A", "B", "C"}, "A": {"A"}, "B": {"B"}}
    found = find_disclosure(atoms, published, 5)
    assert found is not None
    assert found.atoms == {"C"} and found.n == 2
    # The reported combination really isolates C: org - A - B.
    assert found.combination == {"org": Fraction(1), "A": Fraction(-1), "B": Fraction(-1)}
    assert laminar_violations(atoms, published, 5) == {"org": 2}


def test_a_published_group_below_k_is_itself_a_disclosure():
    found = find_disclosure({"A": 1, "B": 2}, {"team": {"A", "B"}}, 5)
    assert found is not None and found.n == 3


def test_overlapping_marginals_reveal_the_difference_of_two_cells():
    """Tenure x location 2x2: rows and columns published, the cross cells are not.

    row1 - col1 = cell(1,2) - cell(2,1): a statement about those two cells alone.
    """
    atoms = {(1, 1): 10, (1, 2): 1, (2, 1): 2, (2, 2): 10}
    published = {
        "total": set(atoms),
        "row1": {(1, 1), (1, 2)},
        "row2": {(2, 1), (2, 2)},
        "col1": {(1, 1), (2, 1)},
        "col2": {(1, 2), (2, 2)},
    }
    found = find_disclosure(atoms, published, 5)
    assert found is not None
    assert found.atoms == {(1, 2), (2, 1)} and found.n == 3
    with pytest.raises(ValueError, match="overlap"):
        laminar_violations(atoms, published, 5)


def test_safe_hierarchy_is_accepted_by_both_checks():
    atoms = {"P": 0, "A": 6, "B": 3, "C": 3, "D": 9}
    published = {"P": set(atoms), "A": {"A"}, "D": {"D"}, "other": {"B", "C"}}
    assert find_disclosure(atoms, published, 5) is None
    assert laminar_violations(atoms, published, 5) == {}


def test_atoms_without_respondents_carry_nothing():
    """An empty team beside a shown one: subtracting gives zero people, which is no leak."""
    atoms = {"A": 6, "B": 0}
    published = {"org": {"A", "B"}, "A": {"A"}}
    assert find_disclosure(atoms, published, 5) is None
    assert laminar_violations(atoms, published, 5) == {}


def test_scaled_combinations_are_found_too():
    """X = {a, b}, Y = {b, c}, Z = {a, c}: (X + Z - Y) / 2 isolates a."""
    atoms = {"a": 1, "b": 7, "c": 8}
    published = {"X": {"a", "b"}, "Y": {"b", "c"}, "Z": {"a", "c"}}
    found = find_disclosure(atoms, published, 5)
    assert found is not None and found.atoms == {"a"}
    assert found.combination == {"X": Fraction(1, 2), "Y": Fraction(-1, 2), "Z": Fraction(1, 2)}


def test_unknown_atoms_are_refused():
    with pytest.raises(ValueError, match="unknown atoms"):
        find_disclosure({"a": 5}, {"X": {"a", "zz"}}, 5)
