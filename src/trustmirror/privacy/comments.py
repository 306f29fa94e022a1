"""Masking the names of the organisation's people in open answers."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["MASK", "mask_names"]

# Shown in place of a masked name or e-mail address, in the reader's language.
MASK: dict[str, str] = {"nl": "[naam]", "en": "[name]"}

# Name particles (Dutch tussenvoegsels and the like) that are no name on their own: masking
# "van" or "de" everywhere would destroy the comment and protect nobody.
_PARTICLES = frozenset(
    "van de der den het ter ten te op in 't 's d' la le du des von zu al el da di del dos "
    "mc mac o".split()
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _name_parts(names: Iterable[str]) -> list[str]:
    parts: set[str] = set()
    full_names: set[str] = set()
    for name in names:
        name = " ".join(name.split())
        if not name:
            continue
        full_names.add(name)
        words = name.split(" ")
        # Surnames with particles ("de Vries", "El Amrani") are written without first names.
        for i in range(1, len(words)):
            parts.add(" ".join(words[i:]))
        for token in re.split(r"[\s\-]+", name):
            # One- and two-letter tokens are initials or particles; masking them would hit
            # ordinary words ("Jo" in "jo", "Al" in "al") far more often than people.
            if _is_name_token(token):
                parts.add(token.strip(".,()'\""))
    # A suffix that is only a particle ("de") or an initial is no name on its own.
    parts = {p for p in parts if any(_is_name_token(t) for t in re.split(r"[\s\-]+", p))}
    parts |= full_names
    # Longest first, so "Anna de Vries" is masked whole before "Anna" alone.
    return sorted(parts, key=len, reverse=True)


def _is_name_token(token: str) -> bool:
    token = token.strip(".,()'\"")
    return len(token) >= 3 and token.lower() not in _PARTICLES


def mask_names(text: str, people_names: Iterable[str], *, mask: str = MASK["en"]) -> str:
    """Replace people's names (full names and their first/last name parts) and e-mail addresses.

    Matching ignores case and needs word boundaries, so "Jan" is masked in "jan zei" and in
    "Jan's", but not inside "januari". A name that is also an ordinary word (a colleague called
    "Roos" or "Hope") is masked everywhere: a lost word costs less than a named colleague.
    """
    text = _EMAIL.sub(mask, text)
    parts = _name_parts(people_names)
    if not parts:
        return text
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(p) for p in parts) + r")(?!\w)", re.IGNORECASE
    )
    return pattern.sub(mask, text)
