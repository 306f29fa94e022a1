"""Pseudonyms of the relational round: who a person is in the rating matrix of one scan."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

from trustmirror.relational.models import PSEUDONYM_LENGTH


def pseudonym(scan_id: int, person_id: int) -> str:
    """HMAC-SHA256(resume secret, ``round:<scan>:<person>``), shortened to 128 bits.

    Stable within a scan (a rater and a target are the same person), different between
    scans (rounds of two scans cannot be joined without the secret), and unlinkable to a
    person from a database dump alone.
    """
    message = f"round:{int(scan_id)}:{int(person_id)}".encode("ascii")
    digest = hmac.new(settings.RESUME_SECRET.encode("utf-8"), message, hashlib.sha256)
    return digest.hexdigest()[:PSEUDONYM_LENGTH]
