"""Keep survey tokens out of every log line.

A token in an access log, next to a time, would let whoever reads the logs open that person's
survey link. Since the link's token is exchanged for a cookie at first use
(:mod:`trustmirror.surveys.session`), only the request for the link itself holds it; but that
request, a mistyped or percent-encoded copy of it, and any address that merely mentions it (a
``?next=`` parameter, a Referer) must not be written down either.

So :func:`redact` cuts everything after ``/s/`` in a line, in whatever spelling reaches a
log: ``/`` or ``\\`` or ``%2F``/``%5C`` (also double-encoded, ``%252F``), ``s`` or ``%73``,
any case, then the rest of that address up to white space or a quote, query string included.
Only the token-free survey pages (``/s/start``, ``/s/p/<n>``, ``/s/review``, ``/s/thanks``)
keep their name, so a log still tells them apart; their query string goes too. A personal
follow link to one's agreements (``/a/<token>``, :mod:`trustmirror.agreements.links`) is cut
the same way, in the same spellings: whatever follows ``/a/`` becomes ``/a/[token]``.
Django's request and development-server loggers and gunicorn's error and access logs all pass
through :class:`RedactSurveyTokens`; gunicorn's access log atoms are also redacted before
they are formatted (``trustmirror.server``), whatever format an operator chooses.
"""

from __future__ import annotations

import logging
import re

__all__ = ["FOLLOW_REDACTED", "REDACTED", "RedactSurveyTokens", "redact"]

_SLASH = r"(?:/|\\|%(?:25)*(?:2f|5c))"
_S = r"(?:s|%(?:25)*73)"
_A = r"(?:a|%(?:25)*61)"
_SURVEY_ADDRESS = re.compile(rf"{_SLASH}{_S}{_SLASH}([^\s\"'<>]*)", re.IGNORECASE)
_FOLLOW_ADDRESS = re.compile(rf"{_SLASH}{_A}{_SLASH}[^\s\"'<>]+", re.IGNORECASE)
_TOKEN_FREE_PAGE = re.compile(r"(start|p/\d{1,4}|review|thanks)(?=$|[?#])")
REDACTED = "/s/[token]"
FOLLOW_REDACTED = "/a/[token]"


def _replace(match: re.Match) -> str:
    page = _TOKEN_FREE_PAGE.match(match.group(1))
    if page is not None and match.group(0).startswith("/s/"):
        return "/s/" + page.group(1)
    return REDACTED


def redact(text: str) -> str:
    return _FOLLOW_ADDRESS.sub(FOLLOW_REDACTED, _SURVEY_ADDRESS.sub(_replace, text))


class RedactSurveyTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = ()
        # the development server also keeps the request line on the record
        request = getattr(record, "request", None)
        if request is not None and isinstance(request, str):
            record.request = redact(request)
        return True
