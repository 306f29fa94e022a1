"""Printed letters: one mail-merge file with every person's link, made once and never again.

The tokens are made while the file is written, a thousand at a time, and only their hashes
are kept: the file is the only copy of the links. An invitation that already has a link is
never put in a file again, so a second download has nothing to offer and is refused. If a
download breaks off halfway, the people it did not reach still have no link, and a new
download gives theirs (and only theirs).

Whoever holds the file, or the letters printed from it, can open those people's surveys:
this is the weaker promise the consultant accepts by choosing letters (docs/privacy.md).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import translation
from django.utils.translation import gettext as _

from trustmirror.csvexport import csv_lines
from trustmirror.surveys.models import Invitation, Scan
from trustmirror.surveys.services import links_issue

__all__ = ["CHUNK", "HEADER", "letters_file", "letters_left"]

CHUNK = 1000
HEADER = ["name", "email", "language", "unit", "link"]
#: A scan with the relational round adds a column: the sentence every letter must carry.
ROUND_COLUMN = "round_notice"


def round_notice(language: str) -> str:
    """What a letter of a scan with the relational round says about it, in ``language``."""
    with translation.override(language if language in ("nl", "en") else "en"):
        return _(
            "This survey includes a part where you say how you work with each colleague. "
            "That part is confidential, not anonymous, and you can skip it."
        )


def letters_left(scan: Scan) -> int:
    """How many invited people of ``scan`` have no link yet."""
    return Invitation.objects.filter(scan=scan, token_hash__isnull=True).count()


def _rows(scan: Scan, base_url: str) -> Iterator[list[str]]:
    while True:
        links = links_issue(scan=scan, limit=CHUNK)
        if not links:
            return
        for link in links:
            person = link.person
            row = [
                person.name,
                person.email,
                person.language,
                person.unit.path,
                base_url + link.path,
            ]
            if scan.relational_round:
                row.append(round_notice(person.language))
            yield row


def letters_file(scan: Scan, *, base_url: str) -> Iterator[str]:
    """The letter file of ``scan``, a line at a time: name, e-mail, language, unit, link,
    and for a scan with the relational round the sentence about it in the person's language.

    Sorted by unit and name. Every cell is safe to open in a spreadsheet
    (:func:`trustmirror.csvexport.safe_cell`).
    """
    header = [*HEADER, ROUND_COLUMN] if scan.relational_round else HEADER
    return csv_lines(header, _rows(scan, base_url.rstrip("/")))
