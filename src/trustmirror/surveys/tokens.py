"""Survey tokens: 128 random bits in the link, only their SHA-256 in the database."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from django.conf import settings

TOKEN_BYTES = 16  # 128 bits, the minimum the privacy model asks for
# token_urlsafe(16) gives 22 characters of [A-Za-z0-9_-]; anything else is not ours.
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22}$")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def resume_key(token: str) -> str:
    """The key under which a respondent's draft is stored: HMAC(server secret, token).

    A database dump alone cannot link a response to an invitation: that needs both the
    server's resume secret and the token, which only the respondent has.
    """
    return hmac.new(
        settings.RESUME_SECRET.encode("utf-8"), token.encode("ascii"), hashlib.sha256
    ).hexdigest()


def looks_like_token(token: str) -> bool:
    return bool(TOKEN_PATTERN.match(token))
