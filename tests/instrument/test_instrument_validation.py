"""Each rule of the instrument loader rejects a broken file, naming the file and the id.

Every test starts from a small valid instrument (``minimal()``), breaks one thing, writes it
to a TOML file in ``tmp_path`` and checks the error message.
"""

import json

import pytest

from trustmirror.instrument import InstrumentError, load_instrument, load_instrument_file


def text(nl, en):
    return {"nl": nl, "en": en}


def minimal():
    """A valid instrument: two constructs in one group, three items, two pages, one form."""
    return {
        "id": "mini",
        "version": "1",
        "name": text("Mini", "Mini scan"),
        "intro": text("Een korte lijst.", "A short list."),
        "scale_points": 3,
        "dont_know": 0,
        "minutes": 2,
        "scale_labels": {"nl": ["Oneens", "Neutraal", "Eens"], "en": ["No", "Neutral", "Yes"]},
        "dont_know_label": text("Weet ik niet", "Don't know"),
        "groups": [
            {"id": "theme", "label": text("Thema", "Theme"), "explanation": text("Uitleg.", "Why.")}
        ],
        "constructs": [
            {
                "id": "trust",
                "group": "theme",
                "label": text("Vertrouwen", "Trust"),
                "explanation": text("Uitleg.", "Why."),
                "polarity": "higher_better",
            },
            {
                "id": "fear",
                "group": "theme",
                "label": text("Angst", "Fear"),
                "explanation": text("Uitleg.", "Why."),
                "polarity": "higher_worse",
            },
        ],
        "items": [
            {
                "id": "tru1",
                "construct": "trust",
                "referent": "team",
                "text": text("Ik vertrouw mijn team.", "I trust my team."),
            },
            {
                "id": "tru2",
                "construct": "trust",
                "referent": "team",
                "reverse": True,
                "text": text("Ik wantrouw mijn team.", "I distrust my team."),
            },
            {
                "id": "fea1",
                "construct": "fear",
                "referent": "self",
                "text": text("Ik ben bang.", "I am afraid."),
            },
        ],
        "open_questions": [{"id": "open_works", "text": text("Wat werkt?", "What works?")}],
        "pages": [
            {"id": "p1", "title": text("Een", "One"), "items": ["tru1", "tru2"]},
            {
                "id": "p2",
                "title": text("Twee", "Two"),
                "items": ["fea1"],
                "open_questions": ["open_works"],
            },
        ],
    }


def toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def to_toml(data):
    """Write the small subset of TOML the instrument files use."""
    lines = []
    tables = {}
    for key, value in data.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            tables[key] = value
        else:
            lines.append(f"{key} = {toml_value(value)}")
    for key, entries in tables.items():
        for entry in entries:
            lines.append(f"\n[[{key}]]")
            lines.extend(f"{k} = {toml_value(v)}" for k, v in entry.items())
    return "\n".join(lines) + "\n"


def write(tmp_path, data, name="mini-v1.toml"):
    path = tmp_path / name
    path.write_text(to_toml(data) if isinstance(data, dict) else data, encoding="utf-8")
    return path


def rejected(tmp_path, data, *fragments):
    """Load ``data`` from a file; return the error after checking it names the file."""
    path = write(tmp_path, data)
    with pytest.raises(InstrumentError) as caught:
        load_instrument_file(path)
    message = str(caught.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message
    return message


def find(entries, entry_id):
    return next(entry for entry in entries if entry["id"] == entry_id)


# -- the valid starting point -------------------------------------------------------------


def test_minimal_instrument_loads(tmp_path):
    instrument = load_instrument_file(write(tmp_path, minimal()))
    assert instrument.scale_points == 3
    assert [c.id for c in instrument.constructs] == ["trust", "fear"]
    assert instrument.scoring_keys() == {"trust": {"tru1": 1, "tru2": -1}, "fear": {"fea1": 1}}
    assert instrument.pages[1].open_question_ids == ["open_works"]
    assert instrument.items["tru2"].reverse is True
    assert instrument.items["tru1"].reverse is False  # reverse defaults to false


def test_open_questions_may_be_left_out(tmp_path):
    data = minimal()
    del data["open_questions"]
    del data["pages"][1]["open_questions"]
    assert load_instrument_file(write(tmp_path, data)).open_questions == []


# -- unique ids ---------------------------------------------------------------------------


def test_duplicate_item_id(tmp_path):
    data = minimal()
    data["items"][2]["id"] = "tru1"
    rejected(tmp_path, data, "item 'tru1'", "duplicate item id")


def test_duplicate_construct_id(tmp_path):
    data = minimal()
    data["constructs"].append(dict(data["constructs"][0]))
    rejected(tmp_path, data, "construct 'trust'", "duplicate construct id")


def test_duplicate_group_id(tmp_path):
    data = minimal()
    data["groups"].append(dict(data["groups"][0]))
    rejected(tmp_path, data, "group 'theme'", "duplicate group id")


def test_duplicate_open_question_id(tmp_path):
    data = minimal()
    data["open_questions"].append(dict(data["open_questions"][0]))
    rejected(tmp_path, data, "open question 'open_works'", "duplicate open question id")


def test_duplicate_page_id(tmp_path):
    data = minimal()
    data["pages"][1]["id"] = "p1"
    rejected(tmp_path, data, "page 'p1'", "duplicate page id")


def test_open_question_may_not_reuse_an_item_id(tmp_path):
    data = minimal()
    data["open_questions"][0]["id"] = "fea1"
    rejected(tmp_path, data, "open question 'fea1'", "already used by an item")


def test_ids_must_be_plain(tmp_path):
    data = minimal()
    data["items"][0]["id"] = "Tru 1"
    rejected(tmp_path, data, "'Tru 1'", "lower case")


# -- texts in both languages --------------------------------------------------------------


@pytest.mark.parametrize(
    ("locate", "where"),
    [
        (lambda d: find(d["items"], "tru2")["text"], "item 'tru2'"),
        (lambda d: find(d["constructs"], "fear")["label"], "construct 'fear'"),
        (lambda d: find(d["constructs"], "fear")["explanation"], "construct 'fear'"),
        (lambda d: d["groups"][0]["explanation"], "group 'theme'"),
        (lambda d: d["open_questions"][0]["text"], "open question 'open_works'"),
        (lambda d: find(d["pages"], "p2")["title"], "page 'p2'"),
        (lambda d: d["dont_know_label"], "instrument"),
        (lambda d: d["intro"], "instrument"),
    ],
)
def test_text_missing_in_english(tmp_path, locate, where):
    data = minimal()
    del locate(data)["en"]
    rejected(tmp_path, data, where, "missing key 'en'")


@pytest.mark.parametrize("blank", ["", "   "])
def test_text_empty_in_dutch(tmp_path, blank):
    data = minimal()
    find(data["items"], "fea1")["text"]["nl"] = blank
    rejected(tmp_path, data, "item 'fea1'", "text.nl must be a non-empty text")


def test_text_given_as_plain_string(tmp_path):
    data = minimal()
    find(data["constructs"], "trust")["label"] = "Vertrouwen"
    rejected(tmp_path, data, "construct 'trust'", "label must give a text per language")


def test_text_in_unknown_language(tmp_path):
    data = minimal()
    find(data["items"], "tru1")["text"]["de"] = "Ich vertraue."
    rejected(tmp_path, data, "item 'tru1'", "unknown key 'de'")


# -- constructs, groups and items ---------------------------------------------------------


def test_construct_without_items(tmp_path):
    data = minimal()
    data["constructs"].append(
        {
            "id": "hope",
            "group": "theme",
            "label": text("Hoop", "Hope"),
            "explanation": text("U.", "W."),
            "polarity": "higher_better",
        }
    )
    rejected(tmp_path, data, "construct 'hope'", "has no items")


def test_construct_in_unknown_group(tmp_path):
    data = minimal()
    find(data["constructs"], "fear")["group"] = "themes"
    rejected(tmp_path, data, "construct 'fear'", "unknown group 'themes'")


def test_item_of_unknown_construct(tmp_path):
    data = minimal()
    find(data["items"], "fea1")["construct"] = "feer"
    # "fear" is then left without items too; the item's own mistake is the one to report.
    rejected(tmp_path, data, "item 'fea1'", "unknown construct 'feer'")


# -- pages --------------------------------------------------------------------------------


def test_item_not_on_any_page(tmp_path):
    data = minimal()
    data["pages"][0]["items"] = ["tru1"]
    rejected(tmp_path, data, "item 'tru2'", "not on any page")


def test_item_on_two_pages(tmp_path):
    data = minimal()
    data["pages"][1]["items"] = ["fea1", "tru1"]
    rejected(tmp_path, data, "item 'tru1'", "page 'p1' and again on page 'p2'")


def test_item_twice_on_one_page(tmp_path):
    data = minimal()
    data["pages"][0]["items"] = ["tru1", "tru2", "tru1"]
    rejected(tmp_path, data, "item 'tru1'", "exactly one page")


def test_page_with_unknown_item(tmp_path):
    data = minimal()
    data["pages"][1]["items"] = ["fea1", "fea2"]
    rejected(tmp_path, data, "page 'p2'", "unknown item 'fea2'")


def test_page_with_unknown_open_question(tmp_path):
    data = minimal()
    data["pages"][1]["open_questions"] = ["open_works", "open_worse"]
    rejected(tmp_path, data, "page 'p2'", "unknown open question 'open_worse'")


def test_open_question_not_on_any_page(tmp_path):
    data = minimal()
    del data["pages"][1]["open_questions"]
    rejected(tmp_path, data, "open question 'open_works'", "not on any page")


def test_empty_page(tmp_path):
    data = minimal()
    data["pages"].append({"id": "p3", "title": text("Drie", "Three"), "items": []})
    rejected(tmp_path, data, "page 'p3'", "no items and no open questions")


# -- answer scale -------------------------------------------------------------------------


def test_scale_points_below_two(tmp_path):
    data = minimal()
    data["scale_points"] = 1
    data["scale_labels"] = {"nl": ["Eens"], "en": ["Yes"]}
    rejected(tmp_path, data, "instrument", "scale_points must be at least 2, got 1")


@pytest.mark.parametrize("value", [True, "3", 3.0])
def test_scale_points_must_be_a_whole_number(tmp_path, value):
    data = minimal()
    data["scale_points"] = value
    rejected(tmp_path, data, "instrument", "scale_points must be a whole number")


@pytest.mark.parametrize("language", ["nl", "en"])
def test_wrong_number_of_scale_labels(tmp_path, language):
    data = minimal()
    data["scale_labels"][language] = data["scale_labels"][language][:2]
    rejected(tmp_path, data, f"scale_labels.{language} has 2 labels, but scale_points is 3")


def test_empty_scale_label(tmp_path):
    data = minimal()
    data["scale_labels"]["en"][1] = " "
    rejected(tmp_path, data, "scale_labels.en contains an empty label")


def test_dont_know_inside_the_scale(tmp_path):
    data = minimal()
    data["dont_know"] = 3
    rejected(tmp_path, data, "instrument", "dont_know (3) must lie outside the answer scale 1..3")


# -- reverse keys -------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["yes", 1, "true"])
def test_reverse_must_be_true_or_false(tmp_path, value):
    data = minimal()
    find(data["items"], "tru2")["reverse"] = value
    rejected(tmp_path, data, "item 'tru2'", "reverse must be true or false")


# -- keys ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locate", "typo", "where"),
    [
        (lambda d: d, "scale_point", "instrument"),
        (lambda d: find(d["items"], "tru1"), "revrese", "item 'tru1'"),
        (lambda d: find(d["constructs"], "fear"), "lable", "construct 'fear'"),
        (lambda d: d["groups"][0], "explanaton", "group 'theme'"),
        (lambda d: d["open_questions"][0], "txt", "open question 'open_works'"),
        (lambda d: find(d["pages"], "p2"), "item", "page 'p2'"),
    ],
)
def test_unknown_key(tmp_path, locate, typo, where):
    """A misspelt key is an error, not silently ignored."""
    data = minimal()
    locate(data)[typo] = "x"
    rejected(tmp_path, data, f"{where}: unknown key '{typo}'")


def test_unknown_key_message_lists_the_allowed_keys(tmp_path):
    data = minimal()
    data["items"][2]["revrese"] = True
    message = rejected(tmp_path, data, "item 'fea1'", "'revrese'")
    assert "allowed: 'id', 'construct', 'text', 'referent', 'reverse', 'sensitive'" in message


def test_entry_without_id_is_named_by_its_position(tmp_path):
    """Without an id, the message still points at the entry: here the third item."""
    data = minimal()
    del data["items"][2]["id"]
    rejected(tmp_path, data, "item #3", "missing key 'id'")


def test_missing_key(tmp_path):
    data = minimal()
    del find(data["items"], "fea1")["construct"]
    rejected(tmp_path, data, "item 'fea1'", "missing key 'construct'")


def test_missing_collection(tmp_path):
    data = minimal()
    data["groups"] = []
    rejected(tmp_path, data, "instrument", "at least one group")


# -- files --------------------------------------------------------------------------------


def test_not_valid_toml(tmp_path):
    rejected(tmp_path, 'id = "mini"\nversion = \n', "not valid TOML")


def test_unknown_packaged_instrument():
    with pytest.raises(InstrumentError) as caught:
        load_instrument("trustscan", "99")
    message = str(caught.value)
    assert "trustscan-v99.toml" in message
    assert "available: trustscan v1" in message


@pytest.mark.parametrize("instrument_id", ["../instrument/data/trustscan", "TrustScan"])
def test_packaged_instrument_id_must_be_plain(instrument_id):
    with pytest.raises(InstrumentError, match="no packaged instrument"):
        load_instrument(instrument_id, "1")


# -- expected minutes ---------------------------------------------------------------------


def test_minutes_are_required(tmp_path):
    data = minimal()
    del data["minutes"]
    rejected(tmp_path, data, "instrument", "missing key 'minutes'")


@pytest.mark.parametrize(("value", "problem"), [(0, "at least 1"), ("5", "a whole number")])
def test_minutes_must_be_a_positive_whole_number(tmp_path, value, problem):
    data = minimal()
    data["minutes"] = value
    rejected(tmp_path, data, "instrument", f"minutes must be {problem}")


# -- groups -------------------------------------------------------------------------------


def test_group_without_constructs(tmp_path):
    data = minimal()
    data["groups"].append(
        {"id": "extra", "label": text("Extra", "Extra"), "explanation": text("U.", "W.")}
    )
    rejected(tmp_path, data, "group 'extra'", "has no constructs")


# -- polarity -----------------------------------------------------------------------------


def test_polarity_is_read(tmp_path):
    instrument = load_instrument_file(write(tmp_path, minimal()))
    assert instrument.construct("trust").polarity == "higher_better"
    assert instrument.polarity("fear") == "higher_worse"


def test_polarity_is_required(tmp_path):
    data = minimal()
    del find(data["constructs"], "fear")["polarity"]
    rejected(tmp_path, data, "construct 'fear'", "missing key 'polarity'")


@pytest.mark.parametrize("value", ["higher_is_worse", "worse", True])
def test_polarity_must_be_known(tmp_path, value):
    data = minimal()
    find(data["constructs"], "fear")["polarity"] = value
    rejected(
        tmp_path,
        data,
        "construct 'fear'",
        "polarity must be one of 'higher_better', 'higher_worse', 'neutral'",
        f"got {value!r}",
    )


# -- referents ----------------------------------------------------------------------------


def test_referent_is_read(tmp_path):
    instrument = load_instrument_file(write(tmp_path, minimal()))
    assert {item.id: item.referent for item in instrument.items.values()} == {
        "tru1": "team",
        "tru2": "team",
        "fea1": "self",
    }


def test_referent_is_required(tmp_path):
    data = minimal()
    del find(data["items"], "fea1")["referent"]
    rejected(tmp_path, data, "item 'fea1'", "missing key 'referent'")


@pytest.mark.parametrize("value", ["colleagues", "Team", "org"])
def test_referent_must_be_known(tmp_path, value):
    data = minimal()
    find(data["items"], "tru1")["referent"] = value
    rejected(
        tmp_path,
        data,
        "item 'tru1'",
        "referent must be one of 'team', 'manager', 'organisation', 'self', 'people'",
    )


# -- sensitive items ----------------------------------------------------------------------


def sensitive(data, size=10):
    find(data["items"], "fea1")["sensitive"] = True
    if size is not None:
        data["sensitive_min_group_size"] = size
    return data


def test_items_are_not_sensitive_unless_marked(tmp_path):
    instrument = load_instrument_file(write(tmp_path, minimal()))
    assert not any(item.sensitive for item in instrument.items.values())
    assert instrument.sensitive_min_group_size is None


def test_sensitive_item_and_its_threshold_are_read(tmp_path):
    instrument = load_instrument_file(write(tmp_path, sensitive(minimal(), 6)))
    assert instrument.items["fea1"].sensitive is True
    assert instrument.items["tru1"].sensitive is False
    assert instrument.sensitive_min_group_size == 6


def test_sensitive_item_needs_the_threshold(tmp_path):
    rejected(
        tmp_path,
        sensitive(minimal(), None),
        "instrument",
        "item 'fea1' is sensitive",
        "sensitive_min_group_size",
    )


@pytest.mark.parametrize("size", [5, 3])
def test_threshold_must_exceed_the_default_minimum_group_size(tmp_path, size):
    """The threshold for sensitive items is stricter than k; k itself would add nothing."""
    rejected(
        tmp_path,
        sensitive(minimal(), size),
        "instrument",
        f"sensitive_min_group_size must be greater than the default minimum group size of 5, "
        f"got {size}",
    )


def test_threshold_must_be_a_whole_number(tmp_path):
    rejected(tmp_path, sensitive(minimal(), 10.0), "sensitive_min_group_size must be a whole")


def test_threshold_without_sensitive_items(tmp_path):
    data = minimal()
    data["sensitive_min_group_size"] = 10
    rejected(tmp_path, data, "instrument", "no item is sensitive")


@pytest.mark.parametrize("value", ["yes", 1])
def test_sensitive_must_be_true_or_false(tmp_path, value):
    data = sensitive(minimal())
    find(data["items"], "fea1")["sensitive"] = value
    rejected(tmp_path, data, "item 'fea1'", "sensitive must be true or false")


# -- page intros --------------------------------------------------------------------------


def test_page_intro_is_optional_and_read(tmp_path):
    data = minimal()
    data["pages"][0]["intro"] = text("Over je team.", "About your team.")
    instrument = load_instrument_file(write(tmp_path, data))
    assert instrument.pages[0].intro == {"nl": "Over je team.", "en": "About your team."}
    assert instrument.pages[1].intro is None


def test_page_intro_needs_both_languages(tmp_path):
    data = minimal()
    data["pages"][0]["intro"] = {"nl": "Over je team."}
    rejected(tmp_path, data, "page 'p1'", "missing key 'en'")


# -- forms --------------------------------------------------------------------------------


def with_pulse(data, **changes):
    """Add a short form that asks tru1 and fea1 on one page."""
    pulse = {
        "label": text("Kort", "Short"),
        "minutes": 1,
        "pages": [
            {
                "id": "q1",
                "title": text("Kort", "Short"),
                "items": ["tru1", "fea1"],
                "open_questions": ["open_works"],
            }
        ],
    }
    pulse.update(changes)
    data["forms"] = {"pulse": pulse}
    return data


def test_instrument_without_forms_has_only_the_full_form(tmp_path):
    instrument = load_instrument_file(write(tmp_path, minimal()))
    assert list(instrument.forms) == ["full"]
    full = instrument.form("full")
    assert full.pages is instrument.pages
    assert full.minutes == instrument.minutes == 2
    assert full.label == instrument.name
    assert full.intro == instrument.intro
    assert full.item_ids == ["tru1", "tru2", "fea1"]


def test_pulse_form_is_read(tmp_path):
    instrument = load_instrument_file(write(tmp_path, with_pulse(minimal())))
    assert list(instrument.forms) == ["full", "pulse"]
    pulse = instrument.form("pulse")
    assert (pulse.id, pulse.minutes, pulse.label["en"]) == ("pulse", 1, "Short")
    assert pulse.item_ids == ["tru1", "fea1"]
    assert pulse.open_question_ids == ["open_works"]
    assert pulse.intro == instrument.intro  # a form without its own intro uses the file's
    assert instrument.pages == instrument.form("full").pages  # pages stay the full form's


def test_pulse_form_may_have_its_own_intro(tmp_path):
    data = with_pulse(minimal(), intro=text("Kort: 1 minuut.", "Short: 1 minute."))
    assert load_instrument_file(write(tmp_path, data)).form("pulse").intro["en"].startswith("Sh")


def test_pulse_is_scored_with_the_same_keys_on_its_items(tmp_path):
    instrument = load_instrument_file(write(tmp_path, with_pulse(minimal())))
    assert instrument.scoring_keys(form_id="pulse") == {"trust": {"tru1": 1}, "fear": {"fea1": 1}}
    assert instrument.scoring_keys(form_id="full") == instrument.scoring_keys()


def test_unknown_form(tmp_path):
    instrument = load_instrument_file(write(tmp_path, minimal()))
    with pytest.raises(KeyError, match="no form 'pulse'"):
        instrument.form("pulse")


def test_full_form_may_not_be_declared(tmp_path):
    data = minimal()
    data["forms"] = {"full": with_pulse(minimal())["forms"]["pulse"]}
    rejected(tmp_path, data, "form 'full'", "cannot be declared again")


def test_form_item_must_be_an_item_of_the_instrument(tmp_path):
    data = with_pulse(minimal())
    data["forms"]["pulse"]["pages"][0]["items"] = ["tru1", "tru9"]
    rejected(tmp_path, data, "form 'pulse': page 'q1'", "unknown item 'tru9'")


def test_form_open_question_must_be_one_of_the_instrument(tmp_path):
    data = with_pulse(minimal())
    data["forms"]["pulse"]["pages"][0]["open_questions"] = ["open_worse"]
    rejected(tmp_path, data, "form 'pulse': page 'q1'", "unknown open question 'open_worse'")


def test_form_asks_an_item_at_most_once(tmp_path):
    data = with_pulse(minimal())
    data["forms"]["pulse"]["pages"].append(
        {"id": "q2", "title": text("Twee", "Two"), "items": ["tru1"]}
    )
    rejected(tmp_path, data, "form 'pulse': item 'tru1'", "page 'q1' and again on page 'q2'")


def test_form_page_ids_are_unique(tmp_path):
    data = with_pulse(minimal())
    data["forms"]["pulse"]["pages"].append(
        {"id": "q1", "title": text("Twee", "Two"), "items": ["tru2"]}
    )
    rejected(tmp_path, data, "form 'pulse': page 'q1'", "duplicate page id")


def test_form_needs_a_page(tmp_path):
    rejected(tmp_path, with_pulse(minimal(), pages=[]), "form 'pulse'", "at least one page")


def test_form_page_needs_a_question(tmp_path):
    data = with_pulse(minimal())
    data["forms"]["pulse"]["pages"][0]["items"] = []
    data["forms"]["pulse"]["pages"][0]["open_questions"] = []
    rejected(tmp_path, data, "form 'pulse': page 'q1'", "no items and no open questions")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"minutes": 0}, "minutes must be at least 1"),
        ({"minuten": 1}, "unknown key 'minuten'"),
        ({"label": "Kort"}, "label must give a text per language"),
    ],
)
def test_form_keys(tmp_path, change, problem):
    rejected(tmp_path, with_pulse(minimal(), **change), "form 'pulse'", problem)


def test_form_without_minutes(tmp_path):
    data = with_pulse(minimal())
    del data["forms"]["pulse"]["minutes"]
    rejected(tmp_path, data, "form 'pulse'", "missing key 'minutes'")


def test_form_id_must_be_plain(tmp_path):
    data = with_pulse(minimal())
    data["forms"] = {"Pulse": data["forms"]["pulse"]}
    rejected(tmp_path, data, "form 'Pulse'", "lower case")


# -- comparable constructs ----------------------------------------------------------------

# These tests compare with the packaged Trust Scan v1, whose construct org_trust has the
# items org1, org2 and org3 (org3 reverse-keyed).


def successor(**comparable):
    """A 'trustscan' version 9 whose construct 'org' repeats v1's org_trust item for item."""
    v1 = load_instrument("trustscan", "1")
    data = minimal()
    data.update(
        id="trustscan",
        version="9",
        scale_points=v1.scale_points,
        dont_know=v1.dont_know,
        scale_labels={language: list(labels) for language, labels in v1.scale_labels.items()},
    )
    data["constructs"].append(
        {
            "id": "org",
            "group": "theme",
            "label": text("Organisatie", "Organisation"),
            "explanation": text("Uitleg.", "Why."),
            "polarity": "higher_better",
            "comparable": comparable or {"1": "org_trust"},
        }
    )
    for item in v1.construct("org_trust").items:
        entry = {
            "id": item.id,
            "construct": "org",
            "referent": "organisation",
            "text": dict(item.text),
        }
        if item.reverse:
            entry["reverse"] = True
        data["items"].append(entry)
    data["pages"][1]["items"] += [item.id for item in v1.construct("org_trust").items]
    return data


def test_comparable_construct_is_read(tmp_path):
    instrument = load_instrument_file(write(tmp_path, successor(), "trustscan-v9.toml"))
    assert instrument.construct("org").comparable == {"1": "org_trust"}
    assert instrument.construct("trust").comparable == {}


def test_comparable_items_may_come_in_another_order(tmp_path):
    data = successor()
    data["pages"][1]["items"] = ["fea1", "org3", "org1", "org2"]
    data["items"] = data["items"][:3] + list(reversed(data["items"][3:]))
    assert load_instrument_file(write(tmp_path, data)).construct("org").comparable


@pytest.mark.parametrize("language", ["nl", "en"])
def test_comparable_refused_when_a_text_differs(tmp_path, language):
    data = successor()
    find(data["items"], "org2")["text"][language] += " "
    rejected(
        tmp_path,
        data,
        "construct 'org'",
        "comparable with version '1' construct 'org_trust'",
        f"item 'org2' has a different text.{language}",
    )


def test_comparable_refused_when_a_key_differs(tmp_path):
    data = successor()
    del find(data["items"], "org3")["reverse"]
    rejected(tmp_path, data, "construct 'org'", "item 'org3' is keyed differently")


def test_comparable_refused_when_an_item_is_missing(tmp_path):
    data = successor()
    data["items"] = [item for item in data["items"] if item["id"] != "org3"]
    data["pages"][1]["items"].remove("org3")
    rejected(tmp_path, data, "construct 'org'", "version '1''s item 'org3' is missing here")


def test_comparable_refused_when_an_item_is_added(tmp_path):
    data = successor()
    data["items"].append(
        {
            "id": "org4",
            "construct": "org",
            "referent": "organisation",
            "text": text("Nieuw.", "New."),
        }
    )
    data["pages"][1]["items"].append("org4")
    rejected(tmp_path, data, "construct 'org'", "item 'org4' is not in version '1''s construct")


def test_comparable_refused_when_the_earlier_construct_does_not_exist(tmp_path):
    rejected(
        tmp_path,
        successor(**{"1": "org_trusts"}),
        "construct 'org'",
        "version '1' has no such construct",
    )


def test_comparable_refused_when_the_earlier_version_does_not_exist(tmp_path):
    rejected(
        tmp_path,
        successor(**{"7": "org_trust"}),
        "construct 'org'",
        "cannot load that version",
        "no packaged instrument 'trustscan' version '7'",
    )


@pytest.mark.parametrize("version", ["9", "12"])
def test_comparable_only_with_an_earlier_version(tmp_path, version):
    rejected(
        tmp_path,
        successor(**{version: "org_trust"}),
        "construct 'org'",
        f"version '{version}' is not earlier than '9'",
    )


def test_comparable_refused_when_the_answer_scales_differ(tmp_path):
    data = successor()
    data["scale_points"] = 4
    data["scale_labels"] = {
        language: labels[:4] for language, labels in data["scale_labels"].items()
    }
    rejected(tmp_path, data, "construct 'org'", "the answer scales differ")


def test_comparable_must_be_a_table(tmp_path):
    data = successor()
    find(data["constructs"], "org")["comparable"] = "org_trust"
    rejected(tmp_path, data, "construct 'org'", "comparable must be a table")


# -- fingerprint --------------------------------------------------------------------------


def fingerprint(tmp_path, data):
    return load_instrument_file(write(tmp_path, data)).fingerprint()


@pytest.mark.parametrize(
    "change",
    [
        lambda d: find(d["items"], "tru1")["text"].update(en="I trust my team a lot."),
        lambda d: find(d["items"], "tru1")["text"].update(nl="Ik vertrouw mijn team echt."),
        lambda d: find(d["items"], "tru1").update(reverse=True),
        lambda d: find(d["items"], "tru2").update(construct="fear"),
        lambda d: (
            find(d["items"], "tru1").update(id="tru3")
            or d["pages"][0].update(items=["tru3", "tru2"])
        ),
        lambda d: d["scale_labels"]["nl"].__setitem__(1, "Niet eens, niet oneens"),
        lambda d: d.update(dont_know=9),
        lambda d: d.update(version="2"),
        lambda d: d.update(id="maxi"),
    ],
)
def test_fingerprint_changes_with_what_gives_answers_meaning(tmp_path, change):
    before = fingerprint(tmp_path, minimal())
    data = minimal()
    change(data)
    assert fingerprint(tmp_path, data) != before


@pytest.mark.parametrize(
    "change",
    [
        lambda d: find(d["constructs"], "fear").update(polarity="neutral"),
        lambda d: find(d["items"], "tru1").update(referent="manager"),
        lambda d: sensitive(d),
        lambda d: find(d["constructs"], "fear")["explanation"].update(en="Why not."),
        lambda d: d["groups"][0]["label"].update(nl="Thema's"),
        lambda d: d["pages"][0].update(items=["tru2", "tru1"], intro=text("Team.", "Team.")),
        lambda d: d["items"].reverse(),
        lambda d: d.update(minutes=3),
        lambda d: with_pulse(d),
        lambda d: d["open_questions"][0]["text"].update(en="What works well?"),
        lambda d: d["dont_know_label"].update(en="Not sure"),
    ],
)
def test_fingerprint_ignores_what_only_describes_or_presents_answers(tmp_path, change):
    before = fingerprint(tmp_path, minimal())
    data = minimal()
    change(data)
    assert fingerprint(tmp_path, data) == before


def test_fingerprint_is_a_sha256_hex_digest(tmp_path):
    digest = fingerprint(tmp_path, minimal())
    assert len(digest) == 64 and int(digest, 16) >= 0
