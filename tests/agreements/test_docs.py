"""The privacy documentation's agreements section says what the code does."""

from __future__ import annotations

import re
from pathlib import Path

from trustmirror.agreements.links import VALID_DAYS
from trustmirror.surveys.tokens import TOKEN_BYTES

DOC = (Path(__file__).parents[2] / "docs" / "privacy.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = DOC.index(title)
    end = DOC.find("\n### ", start + 1)
    return DOC[start : end if end != -1 else len(DOC)]


def test_the_follow_link_facts_match_the_code():
    for title, days in (("### Agreements", "days"), ("### Afspraken", "dagen")):
        text = _section(title)
        assert re.search(rf"\b{VALID_DAYS} {days}\b", text), title
        assert f"{TOKEN_BYTES * 8} " in text, title
