"""The recommendations library: complete for every packaged instrument, checked when read."""

from __future__ import annotations

import pytest

from trustmirror.instrument import LANGUAGES, InstrumentError, load_instrument
from trustmirror.instrument import recommendations as recs
from trustmirror.instrument.conversation import conversation_questions
from trustmirror.instrument.loader import available_instruments

#: The constructs about the manager whose reflections a lead's mirror can offer.
LEADER_RELATED = ("leader_ability", "leader_benevolence", "leader_integrity")


def every_construct():
    for instrument_id, version in available_instruments():
        for construct in load_instrument(instrument_id, version).constructs:
            yield version, construct


def test_the_packaged_library_loads_with_its_id_and_version():
    library = recs.library()
    assert library.id == "recommendations" and library.version >= 1
    assert set(library.quadrants) == set(recs.QUADRANT_IDS)
    assert set(library.directions) == set(recs.DIRECTIONS)


def test_every_scale_that_can_be_an_attention_point_has_interventions_at_both_levels():
    """Every non-neutral construct of every version: 2-3 per level, as many in nl as in en;
    neutral ones (propensity, the amount of control) have none, as they are never judged."""
    seen = 0
    for version, construct in every_construct():
        by_lang = {lang: recs.recommendations_for(construct.id, lang) for lang in LANGUAGES}
        if construct.polarity == "neutral":
            assert not by_lang["en"].team and not by_lang["en"].organisation, construct.id
            continue
        seen += 1
        for level in ("team", "organisation"):
            nl, en = getattr(by_lang["nl"], level), getattr(by_lang["en"], level)
            assert 2 <= len(nl) == len(en) <= 3, (version, construct.id, level)
            assert all(text.endswith(".") for text in nl + en), (construct.id, level)
            assert not set(nl) & set(en), (construct.id, "a Dutch text left in English")
        # The conversation questions are the library's questions, not a copy of them.
        assert by_lang["nl"].questions == conversation_questions(construct.id, "nl")
    assert seen > 40  # both versions were looked at


def test_the_library_has_no_entry_for_a_construct_no_instrument_has():
    known = {construct.id for _, construct in every_construct()}
    assert set(recs.library().constructs) <= known
    assert set(recs.library().leader) <= known


def test_quadrant_ids_are_those_the_balance_uses():
    from trustmirror.results.balance import QUADRANTS

    assert {key for key, _name, _meaning in QUADRANTS.values()} == set(recs.QUADRANT_IDS)
    for quadrant in recs.QUADRANT_IDS:
        nl, en = recs.quadrant_advice(quadrant, "nl"), recs.quadrant_advice(quadrant, "en")
        assert 2 <= len(nl) == len(en) <= 3, quadrant
    assert recs.quadrant_advice("room", "en") != recs.quadrant_advice("instead", "en")
    assert recs.quadrant_advice("nowhere", "en") == []


def test_leads_get_reflections_per_leader_construct_and_per_direction_of_their_gap():
    for construct_id in LEADER_RELATED:
        for lang in LANGUAGES:
            assert 2 <= len(recs.leader_reflections(construct_id, lang)) <= 3, construct_id
    over = recs.leader_reflections(None, "en", direction=recs.OVERESTIMATED)
    under = recs.leader_reflections(None, "en", direction=recs.UNDERESTIMATED)
    assert over and under and not set(over) & set(under)
    both = recs.leader_reflections("leader_integrity", "en", direction=recs.OVERESTIMATED)
    assert both == recs.leader_reflections("leader_integrity", "en") + over
    assert recs.leader_reflections("satisfaction", "en") == []  # not about the manager
    with pytest.raises(ValueError, match="direction"):
        recs.leader_reflections(None, "en", direction="sideways")


def test_an_unknown_language_is_an_error_not_an_empty_list():
    with pytest.raises(ValueError, match="language"):
        recs.recommendations_for("reliability", "de")


def test_the_team_interventions_are_in_the_readers_language():
    nl = recs.recommendations_for("fear", "nl").team
    en = recs.recommendations_for("fear", "en").team
    assert en[0].startswith("Agree together on what happens when someone brings bad news")
    assert nl[0].startswith("Spreek samen af wat er gebeurt als iemand slecht nieuws brengt")


# -- validation through the loader's seam -----------------------------------------------------

TWO = '["Een.", "Twee."]'
TWO_EN = '["One.", "Two."]'

QUADRANTS = "\n".join(
    f'[[quadrants]]\nid = "{q}"\nadvice.nl = {TWO}\nadvice.en = {TWO_EN}\n'
    for q in ("complement", "room", "instead", "neither")
)
DIRECTIONS = "\n".join(
    f'[[leader_directions]]\nid = "{d}"\nreflections.nl = {TWO}\nreflections.en = {TWO_EN}\n'
    for d in ("overestimated", "underestimated")
)


def construct(cid="reliability", team_en=TWO_EN, organisation=True, extra=""):
    text = f'[[constructs]]\nid = "{cid}"\nteam.nl = {TWO}\nteam.en = {team_en}\n'
    if organisation:
        text += f"organisation.nl = {TWO}\norganisation.en = {TWO_EN}\n"
    return text + extra


def write(tmp_path, body, head='id = "recommendations"\nversion = 1\n'):
    path = tmp_path / "broken.toml"
    path.write_text(head + body, encoding="utf-8")
    return path


def test_a_small_valid_file_loads_through_the_seam(tmp_path):
    library = recs._load(write(tmp_path, construct() + QUADRANTS + DIRECTIONS))
    assert library.constructs["reliability"]["team"]["en"] == ("One.", "Two.")
    assert library.quadrants["room"]["nl"] == ("Een.", "Twee.")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            construct(team_en='["One.", "Two.", "Three."]') + QUADRANTS + DIRECTIONS,
            r"constructs\[1\] \('reliability'\): team needs two or three texts, as many in "
            r"every language \(has nl 2, en 3\)",
        ),
        (
            construct(team_en='["One."]') + QUADRANTS + DIRECTIONS,
            r"constructs\[1\] \('reliability'\): team needs two or three texts",
        ),
        (
            construct(organisation=False) + QUADRANTS + DIRECTIONS,
            r"constructs\[1\] \('reliability'\): organisation needs exactly the languages nl, en",
        ),
        (
            construct(team_en='["One.", "  "]') + QUADRANTS + DIRECTIONS,
            r"constructs\[1\] \('reliability'\): team.en must be a list of non-empty texts",
        ),
        (
            construct() + construct() + QUADRANTS + DIRECTIONS,
            r"constructs\[2\] \('reliability'\): the id 'reliability' appears twice",
        ),
        (
            construct(extra='teams.en = ["typo"]\n') + QUADRANTS + DIRECTIONS,
            r"constructs\[1\] \('reliability'\): unknown key\(s\) teams",
        ),
        (
            construct() + QUADRANTS.replace('"room"', '"roomy"') + DIRECTIONS,
            r"quadrants\[2\] \('roomy'\): the id must be one of complement, room",
        ),
        (
            construct() + QUADRANTS.split('[[quadrants]]\nid = "neither"')[0] + DIRECTIONS,
            r"\[\[quadrants\]\] has no entry for neither",
        ),
        (
            construct() + QUADRANTS,
            r"\[\[leader_directions\]\] has no entry for overestimated, underestimated",
        ),
        ("[[constructs]]\nteam.nl = []\n", r"constructs\[1\] \(None\): an entry needs an id"),
        ("id = [", r"cannot be read"),
    ],
)
def test_a_broken_file_names_the_file_the_entry_and_what_is_wrong(tmp_path, body, message):
    head = "" if body.startswith("id = [") else 'id = "recommendations"\nversion = 1\n'
    with pytest.raises(InstrumentError, match=r"broken\.toml: " + message):
        recs._load(write(tmp_path, body, head))


def test_a_file_without_id_or_version_is_refused(tmp_path):
    with pytest.raises(InstrumentError, match=r"broken\.toml: needs an id .* and a version"):
        recs._load(write(tmp_path, construct(), head='version = "one"\n'))
