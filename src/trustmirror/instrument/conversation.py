"""Questions for a team conversation per construct, in Dutch and English (data, versioned).

``data/conversation.toml`` holds two or three open questions per construct id of every
packaged instrument version (neutral constructs excepted: neither direction needs talking
about). A results page offers them under an attention point; reports print them. Like the
instrument, the texts are data beside the questionnaire, checked when loaded.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources

from trustmirror.instrument.model import LANGUAGES, InstrumentError

__all__ = ["conversation_questions"]

_FILE = "conversation.toml"


@functools.cache
def _questions() -> dict[str, dict[str, tuple[str, ...]]]:
    resource = resources.files("trustmirror.instrument") / "data" / _FILE
    with resource.open("rb") as handle:
        data = tomllib.load(handle)
    found: dict[str, dict[str, tuple[str, ...]]] = {}
    for position, entry in enumerate(data.get("constructs", []), start=1):
        construct_id = entry.get("id")
        where = f"{_FILE}: constructs[{position}] ({construct_id!r})"
        if not isinstance(construct_id, str) or construct_id in found:
            raise InstrumentError(f"{where}: a missing or repeated id")
        texts = entry.get("questions", {})
        if set(texts) != set(LANGUAGES):
            raise InstrumentError(f"{where}: questions need exactly the languages {LANGUAGES}")
        counts = {len(texts[lang]) for lang in LANGUAGES}
        if len(counts) != 1 or not 2 <= counts.pop() <= 3:
            raise InstrumentError(f"{where}: two or three questions, as many in every language")
        if not all(isinstance(q, str) and q.strip() for lang in LANGUAGES for q in texts[lang]):
            raise InstrumentError(f"{where}: every question must be non-empty text")
        found[construct_id] = {lang: tuple(texts[lang]) for lang in LANGUAGES}
    return found


def conversation_questions(construct_id: str, lang: str) -> list[str]:
    """The questions for ``construct_id`` in ``lang`` (``nl`` or ``en``); [] when it has none."""
    entry = _questions().get(construct_id)
    return list(entry[lang]) if entry is not None else []
