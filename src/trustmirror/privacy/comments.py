"""Masking what points at people in open answers: names, e-mail addresses, phone numbers and
the organisation's own words (its unit names).

The masks here are plain text in the reader's language (:data:`MASK`) or, for a published
comment that is read in either language later, one private-use character per kind
(:data:`MARKS`) that the page turns into words (:func:`comment_parts`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

__all__ = [
    "MARKS",
    "MASK",
    "comment_masker",
    "comment_parts",
    "mask_comment",
    "mask_emails",
    "mask_names",
    "mask_phone_numbers",
    "mask_words",
]

# Shown in place of a masked name or e-mail address, in the reader's language.
MASK: dict[str, str] = {"nl": "[naam]", "en": "[name]"}

# Name particles (Dutch tussenvoegsels and the like) that are no name on their own: masking
# "van" or "de" everywhere would destroy the comment and protect nobody.
_PARTICLES = frozenset(
    "van de der den het ter ten te op in 't 's d' la le du des von zu al el da di del dos "
    "mc mac o".split()
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

# A published comment keeps one private-use character where something was masked, so that
# the page can say "[name]" or "[naam]" to each reader; characters of that block typed by a
# respondent are removed first, so a mark always comes from masking.
MARKS: dict[str, str] = {"name": "\ue000", "email": "\ue001", "phone": "\ue002", "unit": "\ue003"}
_KIND_OF_MARK = {mark: kind for kind, mark in MARKS.items()}
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_MARK_SPLIT = re.compile("([" + "".join(MARKS.values()) + "])")

# A run of digits that may be a phone number: digits with single separators (space, dot,
# hyphen) or a "(0)" between them, optionally after "+", not glued to a word, a decimal, a
# fraction ("3/5") or a percentage. Whether (a first part of) it is a number is decided in
# _phone_end: Dutch national numbers have exactly 10 digits and start with one 0,
# international ones start with + or 00 and have 9 to 15 digits after it (ITU E.164).
_NUMBER_RUN = re.compile(r"(?<![\w.,/+\-])\+?\d(?:(?:[ .\-]|[ ]?\(0\)[ ]?)?\d)*(?![\w%])")
_RUN_PART = re.compile(r"\+|\(0\)|\d+|.")
# A date (31-12-2024, 1.3.24) has the shape of a short run too: never a phone number.
_DATE = re.compile(r"\d{1,2}[-./]\d{1,2}[-./]\d{2,4}(?!\d)")


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


def _names_pattern(people_names: Iterable[str]) -> re.Pattern[str] | None:
    parts = _name_parts(people_names)
    if not parts:
        return None
    return re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(p) for p in parts) + r")(?!\w)", re.IGNORECASE
    )


def mask_names(text: str, people_names: Iterable[str], *, mask: str = MASK["en"]) -> str:
    """Replace people's names (full names and their first/last name parts) and e-mail addresses.

    Matching ignores case and needs word boundaries, so "Jan" is masked in "jan zei" and in
    "Jan's", but not inside "januari". A name that is also an ordinary word (a colleague called
    "Roos" or "Hope") is masked everywhere: a lost word costs less than a named colleague.
    """
    text = _EMAIL.sub(mask, text)
    pattern = _names_pattern(people_names)
    return text if pattern is None else pattern.sub(mask, text)


def mask_emails(text: str, *, mask: str = MASK["en"]) -> str:
    """Replace e-mail addresses."""
    return _EMAIL.sub(mask, text)


def _phone_end(run: str) -> int | None:
    """How many characters at the start of ``run`` are a phone number; None if none are."""
    if _DATE.match(run):
        return None
    international = run.startswith("+") or run.startswith("00")
    if not international and not run.startswith("0"):
        return None
    digits, end, best = 0, 0, None
    for part in _RUN_PART.finditer(run):
        token = part.group(0)
        end = part.end()
        if not token.isdigit():
            continue
        digits += len(token)
        if international:
            counted = digits - 2 if run.startswith("00") else digits
            if 9 <= counted <= 15:
                best = end
            elif counted > 15:
                break
        elif digits == 10:
            return end
        elif digits > 10:
            break
    return best


def mask_phone_numbers(text: str, *, mask: str = MASK["en"]) -> str:
    """Replace phone numbers: Dutch ones (06-12345678, 0612345678, 010-1234567, 020 123 45 67)
    and international ones (+31 6 1234 5678, +31 (0)6 12345678, 0031 6 12345678, +44 20 7946
    0958).

    Years, dates, percentages, scores ("3 of 5", "4/5") and other short numbers stay: a
    national number must have exactly ten digits and start with 0, an international one
    start with + or 00 and have 9 to 15 digits.
    """

    def replace(match: re.Match[str]) -> str:
        run = match.group(0)
        end = _phone_end(run)
        return run if end is None else mask + run[end:]

    return _NUMBER_RUN.sub(replace, text)


def _words_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    phrases = sorted({" ".join(w.split()) for w in words if w and w.strip()}, key=len, reverse=True)
    if not phrases:
        return None

    def pattern(phrase: str) -> str:
        body = r"\s+".join(re.escape(part) for part in phrase.split(" "))
        return body if len(phrase) > 3 else "(?-i:" + body + ")"

    return re.compile(
        r"(?<!\w)(?:" + "|".join(pattern(p) for p in phrases) + r")(?!\w)", re.IGNORECASE
    )


def mask_words(text: str, words: Iterable[str], *, mask: str = MASK["en"]) -> str:
    """Replace whole words or phrases of a list (the organisation's unit names).

    A phrase matches whole, with any spacing, ignoring case, except a short one (up to three
    letters, "HR", "ICT"): it matches in its own case only, so that a unit called "IT" does
    not take "it" out of every sentence. Longest first, so "Team North" goes before "North".
    """
    pattern = _words_pattern(words)
    return text if pattern is None else pattern.sub(mask, text)


def comment_masker(
    *, people_names: Iterable[str], unit_names: Iterable[str] = ()
) -> Callable[[str], str]:
    """:func:`mask_comment` for many comments of one organisation (its patterns built once)."""
    names = _names_pattern(people_names)
    words = _words_pattern(unit_names)

    def mask(text: str) -> str:
        text = _PRIVATE_USE.sub("", text).strip()
        text = mask_emails(text, mask=MARKS["email"])
        text = mask_phone_numbers(text, mask=MARKS["phone"])
        if names is not None:
            text = names.sub(MARKS["name"], text)
        if words is not None:
            text = words.sub(MARKS["unit"], text)
        return text

    return mask


def mask_comment(
    text: str,
    *,
    people_names: Iterable[str],
    unit_names: Iterable[str] = (),
) -> str:
    """An open answer as it may be published: stripped, with every masked thing a mark.

    E-mail addresses go first (an address holds a name), then phone numbers, the names of the
    organisation's people and the names of its units. Each is replaced by its mark in
    :data:`MARKS`; :func:`comment_parts` turns the marks into words for a reader.
    """
    return comment_masker(people_names=people_names, unit_names=unit_names)(text)


def comment_parts(text: str) -> list[tuple[str, str]]:
    """A published comment as (kind, text) parts: kind ``""`` for text, else the mask's kind
    (``name``, ``email``, ``phone`` or ``unit``) with an empty text."""
    parts = []
    for piece in _MARK_SPLIT.split(text):
        if not piece:
            continue
        kind = _KIND_OF_MARK.get(piece)
        parts.append((kind, "") if kind else ("", piece))
    return parts
