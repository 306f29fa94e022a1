"""The packaged Trust Scan v1 matches the decisions in docs/dev/HELPERS-BRIEF.md."""

import subprocess
import sys
from importlib import resources

import pytest

from trustmirror.instrument import LANGUAGES, load_instrument, load_instrument_file

# Groups and their constructs in the order the brief fixes; other code refers to these ids.
EXPECTED_CONSTRUCTS = {
    "theme": [
        "safety_security",
        "power_place",
        "reliability",
        "performance",
        "collaboration",
        "innovation",
    ],
    "team": ["team_cognitive", "team_affective"],
    "leader": ["leader_ability", "leader_benevolence", "leader_integrity"],
    "vulnerability": ["vuln_reliance", "vuln_disclosure"],
    "person": ["propensity"],
    "safety": ["psych_safety", "fear"],
    "control": ["control"],
    "organisation": ["org_trust", "top_trust"],
    "outcome": ["satisfaction", "engagement", "intention_to_stay", "team_performance"],
}

# Items per construct the brief asks for: 3-4, the leader facets 2-3, outcomes 1-2.
ITEM_RANGE = {construct: (3, 4) for ids in EXPECTED_CONSTRUCTS.values() for construct in ids}
ITEM_RANGE.update({c: (2, 3) for c in EXPECTED_CONSTRUCTS["leader"]})
ITEM_RANGE.update({c: (1, 2) for c in EXPECTED_CONSTRUCTS["outcome"]})


@pytest.fixture(scope="module")
def scan():
    return load_instrument("trustscan", "1")


def test_identity_and_answer_scale(scan):
    """Five points from 'strongly disagree' (1) to 'strongly agree' (5); 0 is don't know."""
    assert (scan.id, scan.version) == ("trustscan", "1")
    assert scan.scale_points == 5
    assert scan.dont_know == 0
    assert scan.scale_labels["en"][0] == "Strongly disagree"
    assert scan.scale_labels["en"][-1] == "Strongly agree"
    assert scan.scale_labels["nl"][0] == "Helemaal mee oneens"
    assert scan.scale_labels["nl"][-1] == "Helemaal mee eens"
    assert all(len(scan.scale_labels[language]) == 5 for language in LANGUAGES)


def test_groups_and_constructs_are_the_agreed_ones_in_order(scan):
    assert [group.id for group in scan.groups] == list(EXPECTED_CONSTRUCTS)
    for group_id, construct_ids in EXPECTED_CONSTRUCTS.items():
        assert [c.id for c in scan.constructs_in(group_id)] == construct_ids, group_id
    assert len(scan.constructs) == sum(len(ids) for ids in EXPECTED_CONSTRUCTS.values())


def test_all_six_themes_in_order(scan):
    assert [theme.id for theme in scan.themes] == EXPECTED_CONSTRUCTS["theme"]
    assert all(theme.group == "theme" for theme in scan.themes)


@pytest.mark.parametrize("construct_id", sorted(ITEM_RANGE))
def test_items_per_construct_within_the_agreed_range(scan, construct_id):
    low, high = ITEM_RANGE[construct_id]
    assert low <= len(scan.construct(construct_id).items) <= high


def test_items_dict_holds_exactly_the_items_of_the_constructs(scan):
    from_constructs = [item.id for c in scan.constructs for item in c.items]
    assert sorted(from_constructs) == sorted(scan.items)
    assert len(from_constructs) == len(set(from_constructs))
    for construct in scan.constructs:
        for item in construct.items:
            assert item.construct == construct.id
            assert scan.items[item.id] is item


def test_psych_safety_has_reverse_keyed_items(scan):
    """Like Edmondson's scale, some items are worded negatively and must be turned around."""
    keys = scan.scoring_keys()["psych_safety"]
    assert list(keys.values()).count(-1) >= 2
    assert 1 in keys.values()
    assert keys["psy1"] == -1  # mistakes held against you


def test_fear_is_scored_so_that_agreement_means_more_fear(scan):
    assert set(scan.scoring_keys()["fear"].values()) == {1}


def test_control_is_scored_so_that_agreement_means_more_control(scan):
    assert set(scan.scoring_keys()["control"].values()) == {1}


def test_some_themes_have_reverse_keyed_items(scan):
    with_reverse = [t.id for t in scan.themes if any(item.reverse for item in t.items)]
    assert len(with_reverse) >= 2


def test_scoring_keys_score_every_construct_and_every_item_once(scan):
    keys = scan.scoring_keys()
    assert list(keys) == [construct.id for construct in scan.constructs]
    scored = [item_id for construct_keys in keys.values() for item_id in construct_keys]
    assert sorted(scored) == sorted(scan.items)
    for construct_keys in keys.values():
        for item_id, key in construct_keys.items():
            assert key == (-1 if scan.items[item_id].reverse else 1)


def test_scoring_keys_cannot_change_the_cached_instrument(scan):
    scan.scoring_keys()["fear"]["fea1"] = -1
    assert scan.scoring_keys()["fear"]["fea1"] == 1


def test_pages_ask_themes_first_and_open_questions_last(scan):
    assert 6 <= len(scan.pages) <= 9
    assert all(6 <= len(page.item_ids) <= 10 for page in scan.pages)
    asked = [item_id for page in scan.pages for item_id in page.item_ids]
    is_theme = [scan.items[item_id].construct in EXPECTED_CONSTRUCTS["theme"] for item_id in asked]
    n_theme = sum(is_theme)
    assert all(is_theme[:n_theme]) and not any(is_theme[n_theme:])
    assert scan.pages[-1].open_question_ids == ["open_increase", "open_works"]
    assert all(not page.open_question_ids for page in scan.pages[:-1])


def test_open_questions(scan):
    assert [question.id for question in scan.open_questions] == ["open_increase", "open_works"]


def test_load_instrument_is_cached(scan):
    assert load_instrument() is scan
    assert load_instrument(instrument_id="trustscan", version="1") is scan


def test_load_instrument_file_reads_the_same_instrument(scan):
    resource = resources.files("trustmirror.instrument") / "data" / "trustscan-v1.toml"
    with resources.as_file(resource) as path:
        from_file = load_instrument_file(path)
    assert from_file is not scan
    assert from_file == scan
    assert from_file.source == str(path)


def test_package_does_not_import_django():
    """The instrument package must stay usable by analysis code and scripts without Django."""
    code = (
        "import sys, trustmirror.instrument as m; m.load_instrument(); "
        "sys.exit('django' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# -- metadata added after publication (it must not change the meaning: see
# test_frozen_versions.py) ------------------------------------------------------------------


def test_polarity_fear_is_worse_and_control_and_propensity_neutral(scan):
    not_better = {c.id: c.polarity for c in scan.constructs if c.polarity != "higher_better"}
    assert not_better == {"fear": "higher_worse", "control": "neutral", "propensity": "neutral"}


def test_referents(scan):
    referents = {item.id: item.referent for item in scan.items.values()}
    for construct_id in ("leader_ability", "leader_benevolence", "leader_integrity"):
        assert {referents[i.id] for i in scan.construct(construct_id).items} == {"manager"}
    assert {referents[i] for i in ("vre1", "vre2", "vdi1", "vdi2")} == {"team"}
    assert {referents[i] for i in ("vre3", "vre4", "vdi3", "vdi4")} == {"manager"}
    assert {referents[i.id] for i in scan.construct("propensity").items} == {"people"}
    # Items with a bare "hier" are tagged with the widest reading.
    bare_here = ("saf3", "saf4", "pow3", "rel1", "per3", "col3", "inn1", "inn3")
    assert {referents[i] for i in bare_here} == {"organisation"}


def test_sensitive_items_are_those_the_review_names(scan):
    sensitive = {item.id for item in scan.items.values() if item.sensitive}
    assert sensitive == {"sta1", "sta2", "fea2", "vdi3", "vdi4", "psy2"}
    assert scan.sensitive_min_group_size == 10


def test_one_form_of_a_quarter_of_an_hour(scan):
    assert list(scan.forms) == ["full"]
    assert scan.minutes == 15
    assert all(page.intro is None for page in scan.pages)
    assert not any(construct.comparable for construct in scan.constructs)
