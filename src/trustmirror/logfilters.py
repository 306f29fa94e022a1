"""Keep survey tokens out of every log line.

A token in an access log, next to a time, would let whoever reads the logs open that person's
survey link. Django's request and development-server loggers print the path, so both pass
through this filter, which replaces the token with a fixed marker.
"""

from __future__ import annotations

import logging
import re

_TOKEN_IN_PATH = re.compile(r"/s/[A-Za-z0-9_-]+")
REDACTED = "/s/[token]"


def redact(text: str) -> str:
    return _TOKEN_IN_PATH.sub(REDACTED, text)


class RedactSurveyTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/s/" in message:
            record.msg = redact(message)
            record.args = ()
        # the development server also keeps the request line on the record
        request = getattr(record, "request", None)
        if request is not None and isinstance(request, str):
            record.request = redact(request)
        return True
