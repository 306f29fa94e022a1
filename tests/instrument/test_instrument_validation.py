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
    """A valid instrument: two constructs in one group, three items, two pages."""
    return {
        "id": "mini",
        "version": "1",
        "name": text("Mini", "Mini scan"),
        "intro": text("Een korte lijst.", "A short list."),
        "scale_points": 3,
        "dont_know": 0,
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
            },
            {
                "id": "fear",
                "group": "theme",
                "label": text("Angst", "Fear"),
                "explanation": text("Uitleg.", "Why."),
            },
        ],
        "items": [
            {"id": "tru1", "construct": "trust", "text": text("Ik vertrouw.", "I trust.")},
            {
                "id": "tru2",
                "construct": "trust",
                "reverse": True,
                "text": text("Ik wantrouw.", "I distrust."),
            },
            {"id": "fea1", "construct": "fear", "text": text("Ik ben bang.", "I am afraid.")},
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
    assert "allowed: 'id', 'construct', 'text', 'reverse'" in message


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
