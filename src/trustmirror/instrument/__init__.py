"""Versioned questionnaires (instruments) and their loader: the Trust Scan v1 and v2.

An instrument is a data file in ``data/`` (``<id>-v<version>.toml``): groups, constructs with
their polarity, items with Dutch and English text, referent, reverse key and sensitivity, the
answer scale, the survey pages of the full form and of shorter forms such as a pulse, and
which constructs repeat an earlier version's items. This package reads and checks such
files; it does not import Django. ``docs/instrument.md`` describes the file format.

>>> from trustmirror.instrument import load_instrument
>>> scan = load_instrument()
>>> [theme.id for theme in scan.themes][:2]
['safety_security', 'power_place']
>>> scan.scoring_keys()["psych_safety"]["psy1"]
-1
>>> scan.polarity("fear"), scan.items["psy1"].referent
('higher_worse', 'team')
"""

from trustmirror.instrument.loader import (
    available_instruments,
    load_instrument,
    load_instrument_file,
)
from trustmirror.instrument.model import (
    FULL_FORM,
    LANGUAGES,
    POLARITIES,
    REFERENTS,
    Construct,
    Form,
    Group,
    Instrument,
    InstrumentError,
    Item,
    OpenQuestion,
    Page,
    Text,
)

__all__ = [
    "FULL_FORM",
    "LANGUAGES",
    "POLARITIES",
    "REFERENTS",
    "Construct",
    "Form",
    "Group",
    "Instrument",
    "InstrumentError",
    "Item",
    "OpenQuestion",
    "Page",
    "Text",
    "available_instruments",
    "load_instrument",
    "load_instrument_file",
]
