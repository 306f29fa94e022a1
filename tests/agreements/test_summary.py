"""Agreements across teams: the organisation's say-do ratio and change on linked themes.

The organisation Beta (tests/agreements/conftest.py) has six teams in two departments and
k = 3. Expected figures are counted here by hand from the agreements each test writes, not
with :func:`trustmirror.agreements.services.say_do`.
"""

from __future__ import annotations

import datetime as dt
from statistics import fmean

import pytest

from trustmirror.agreements.summary import (
    linked_changes,
    organisation_linked_changes,
    organisation_summary,
    teams_of,
)
from trustmirror.privacy.teams import team_aggregates
from trustmirror.results.selectors import published_results

from .conftest import TEAMS, K, agreement

TODAY = dt.date(2026, 8, 20)
DUE = dt.date(2026, 6, 30)
BEFORE_DUE = dt.date(2026, 6, 20)
AFTER_DUE = dt.date(2026, 7, 10)


# --- The privacy rule ------------------------------------------------------------------------


def test_whole_and_parts_below_k_teams_are_hidden():
    decided = team_aggregates(2, {"a": 2}, 3)
    assert not decided.whole and decided.parts == frozenset()


def test_a_part_is_shown_when_it_is_the_whole():
    assert team_aggregates(3, {"a": 3, "b": 0}, 3).parts == {"a"}


def test_a_part_is_hidden_when_the_rest_would_be_fewer_than_k_teams():
    # 4 - 3 = 1 team would be the organisation's figure minus the department's.
    decided = team_aggregates(4, {"a": 3, "b": 1}, 3)
    assert decided.whole and decided.parts == frozenset()


def test_the_smallest_parts_go_first_until_the_rest_is_k_teams():
    decided = team_aggregates(11, {"a": 3, "b": 3, "c": 4}, 3)
    assert decided.parts == {"b", "c"} or decided.parts == {"a", "c"}
    assert 11 - sum({"a": 3, "b": 3, "c": 4}[p] for p in decided.parts) >= 3


@pytest.mark.parametrize("total,parts", [(2, {"a": 3}), (5, {"a": -1})])
def test_parts_outside_the_whole_are_refused(total, parts):
    with pytest.raises(ValueError):
        team_aggregates(total, parts, 3)


# --- The organisation's say-do ratio ---------------------------------------------------------


def kept_on_time(beta, team):
    return agreement(beta, team, due=DUE, check_ins=[(BEFORE_DUE, "kept")])


def not_kept(beta, team):
    return agreement(beta, team, due=DUE, check_ins=[(BEFORE_DUE, "partly")])


def test_teams_are_leaf_units_with_people(beta):
    assert [unit.name for unit in teams_of(beta.org)] == [f"Team {t}" for t in TEAMS]  # tree order


def test_the_ratio_is_hidden_below_k_teams_and_teams_are_counted(beta):
    kept_on_time(beta, "S1")
    not_kept(beta, "S2")
    # Open (due later) and withdrawn agreements do not make a team count as settled.
    agreement(beta, "P1", due=dt.date(2026, 12, 1))
    summary = organisation_summary(beta.org, beta.spring, TODAY)
    assert summary.teams == 6
    assert summary.teams_with_agreements == 3
    assert summary.organisation.say_do is None
    assert str(K) in summary.organisation.reason
    assert all(d.say_do is None for d in summary.departments)


def test_the_ratio_is_shown_from_k_teams_and_equals_a_count_by_hand(beta):
    from django.utils import timezone

    kept_on_time(beta, "S1")
    kept_on_time(beta, "S1")
    not_kept(beta, "S2")
    agreement(beta, "S3", due=DUE, check_ins=[(BEFORE_DUE, "partly"), (AFTER_DUE, "kept")])
    kept_on_time(beta, "S3")
    withdrawn = kept_on_time(beta, "S4")
    withdrawn.withdrawn_at = timezone.now()
    withdrawn.save()
    agreement(beta, "P1", due=dt.date(2026, 12, 1))  # open: counts as a team, not in the ratio
    summary = organisation_summary(beta.org, beta.spring, TODAY)
    # By hand: S1 2 kept on time; S2 1 not kept; S3 one kept late, one on time.
    assert (summary.organisation.say_do.kept_on_time, summary.organisation.say_do.settled) == (
        3,
        5,
    )
    assert summary.organisation.say_do.percent == 60
    assert summary.organisation.teams == 3
    assert summary.teams_with_agreements == 4  # S1, S2, S3, P1 (S4's one was withdrawn)
    assert summary.open == 1
    # Sales holds all three settled teams: its figure is the organisation's, so it may show.
    sales, support = summary.departments
    assert (sales.label, support.label) == ("Sales", "Support")
    assert sales.say_do is not None and sales.say_do.settled == 5
    assert support.say_do is None


def test_a_department_is_hidden_when_the_rest_is_fewer_than_k_teams(beta):
    for team in ("S1", "S2", "S3", "P1"):
        kept_on_time(beta, team)
    summary = organisation_summary(beta.org, beta.spring, TODAY)
    assert summary.organisation.say_do.settled == 4
    # Sales (3 teams) shown would give P1's own ratio as the organisation's minus Sales'.
    assert [d.say_do for d in summary.departments] == [None, None]


def test_no_ratio_on_another_scan(beta):
    for team in ("S1", "S2", "S3"):
        kept_on_time(beta, team)
    summary = organisation_summary(beta.org, beta.autumn, TODAY)
    assert summary.teams_with_agreements == 0
    assert summary.organisation.say_do is None


# --- Change on the linked themes at the next scan --------------------------------------------


def published_change(results, unit, theme):
    change = results.unit_group(unit).change(theme)
    return change.difference if change is not None else None


def test_all_teams_are_shown_with_a_change(beta):
    results, _ = published_results(beta.autumn)
    assert results.previous_scan == beta.spring
    for unit in beta.units.values():
        assert published_change(results, unit, "reliability") is not None


def test_linked_change_beside_the_mean_of_teams_without_such_an_agreement(beta):
    agreement(beta, "S1", themes=("reliability", "collaboration"), due=DUE)
    agreement(beta, "S2", themes=("collaboration",), due=DUE)
    results, _ = published_results(beta.autumn)
    group = results.unit_group(beta.units["S1"])
    lines = {line.construct_id: line for line in linked_changes(results, group, "en")}
    assert list(lines) == ["reliability", "collaboration"]
    reliability = lines["reliability"]
    assert reliability.label == "Reliability"
    assert reliability.compared
    assert reliability.own.difference == published_change(results, beta.units["S1"], "reliability")
    others = [published_change(results, beta.units[t], "reliability") for t in TEAMS if t != "S1"]
    assert reliability.others.teams == 5
    assert reliability.others.difference == pytest.approx(fmean(others), abs=1e-9)
    # S2 agreed on collaboration too: it is not among the teams without such an agreement.
    collaboration = lines["collaboration"]
    others = [
        published_change(results, beta.units[t], "collaboration")
        for t in TEAMS
        if t not in ("S1", "S2")
    ]
    assert collaboration.others.teams == 4
    assert collaboration.others.difference == pytest.approx(fmean(others), abs=1e-9)


def test_the_other_teams_are_hidden_below_k_teams(beta):
    for team in ("S1", "S2", "S3", "S4"):
        agreement(beta, team, due=DUE)
    results, _ = published_results(beta.autumn)
    (line,) = linked_changes(results, results.unit_group(beta.units["S1"]), "en")
    assert line.others.teams == 2
    assert not line.others.shown and line.others.difference is None
    assert line.own is not None


def test_no_linked_changes_without_agreements_or_on_the_first_scan(beta):
    agreement(beta, "S1", due=DUE)
    autumn, _ = published_results(beta.autumn)
    spring, _ = published_results(beta.spring)
    assert linked_changes(autumn, autumn.unit_group(beta.units["S2"]), "en") == []
    assert linked_changes(spring, spring.unit_group(beta.units["S1"]), "en") == []


def test_the_organisation_compares_teams_with_and_without_only_from_k_each(beta):
    for team in ("S1", "S2", "S3"):
        agreement(beta, team, themes=("reliability",), due=DUE)
    agreement(beta, "P1", themes=("innovation",), due=DUE)
    results, _ = published_results(beta.autumn)
    themes = {line.construct_id: line for line in organisation_linked_changes(results, "en")}
    assert list(themes) == ["reliability", "innovation"]  # the instrument's order
    reliability = themes["reliability"]
    with_ = [published_change(results, beta.units[t], "reliability") for t in ("S1", "S2", "S3")]
    without = [published_change(results, beta.units[t], "reliability") for t in ("S4", "P1", "P2")]
    assert reliability.shown
    assert reliability.with_agreement.difference == pytest.approx(fmean(with_), abs=1e-9)
    assert reliability.without_agreement.difference == pytest.approx(fmean(without), abs=1e-9)
    # One team with an agreement on innovation: neither mean is shown.
    innovation = themes["innovation"]
    assert not innovation.shown
    assert innovation.with_agreement.difference is None
    assert innovation.without_agreement.difference is None
