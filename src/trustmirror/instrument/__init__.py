"""Versioned questionnaires (instruments) and their loader, starting with the Trust Scan v1.

An instrument is a data file in ``data/`` (``<id>-v<version>.toml``): groups, constructs,
items with Dutch and English text, reverse keys, the answer scale and the survey pages. This
package reads and checks such files; it does not import Django.

>>> from trustmirror.instrument import load_instrument
>>> scan = load_instrument()
>>> [theme.id for theme in scan.themes][:2]
['safety_security', 'power_place']
>>> scan.scoring_keys()["psych_safety"]["psy1"]
-1
"""

from trustmirror.instrument.loader import (
    available_instruments,
    load_instrument,
    load_instrument_file,
)
from trustmirror.instrument.model import (
    LANGUAGES,
    Construct,
    Group,
    Instrument,
    InstrumentError,
    Item,
    OpenQuestion,
    Page,
    Text,
)

__all__ = [
    "LANGUAGES",
    "Construct",
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
