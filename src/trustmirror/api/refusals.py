"""The words of the API's refusals, in the reader's language: what is wrong, and where.

Pure wording: the handlers in :mod:`trustmirror.api.endpoints` choose the status and shape.
A client's developer reads these in a log or an error box, so each names the header, the
parameter or the form field, and what would be accepted instead.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trustmirror.api.services import TokenRefused
from trustmirror.ratelimit import Exceeded

SHOWN_CHARACTERS = 40  # of a value sent back in a message; a longer one is cut


def token_refused(reason: str) -> str:
    """Why a request's ``Authorization`` header names no token (a :class:`TokenRefused`)."""
    messages = {
        TokenRefused.MISSING: _(
            "No API token was sent. Send it in the header Authorization: Bearer <token>."
        ),
        TokenRefused.NOT_BEARER: _(
            "The Authorization header must be the word Bearer, a space and the token."
        ),
        TokenRefused.NO_TOKEN: _("The Authorization header holds no token after Bearer."),
        TokenRefused.SEVERAL: _(
            "The Authorization header holds more than one word after Bearer: send one token."
        ),
        TokenRefused.UNKNOWN: _(
            "The token in the Authorization header is not known here. Check that it was "
            "copied whole; an admin of your organisation can create a new one."
        ),
        TokenRefused.REVOKED: _(
            "The token in the Authorization header has been revoked. An admin of your "
            "organisation can create a new one."
        ),
    }
    return messages[reason]


def rate_limited(exceeded: Exceeded) -> str:
    return ngettext(
        "Too many requests with this API token: at most %(limit)d in %(window)d seconds. "
        "Try again in %(seconds)d second.",
        "Too many requests with this API token: at most %(limit)d in %(window)d seconds. "
        "Try again in %(seconds)d seconds.",
        exceeded.retry_after,
    ) % {"limit": exceeded.limit, "window": exceeded.window, "seconds": exceeded.retry_after}


def unreadable_body(error: Exception) -> str:
    """A body Django refused to parse (two files, too many fields, a broken multipart)."""
    if isinstance(error, TooManyFilesSent):
        return _("Send one file only: the people file, in the form field file.")
    if isinstance(error, TooManyFieldsSent):
        return _("The form has more than %(n)d fields; send only the people file.") % {
            "n": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        }
    return _("The body is not a form that can be read: send multipart/form-data.")


def not_a_form(content_type: str) -> str:
    """An import whose body is no multipart form at all."""
    if not content_type:
        return _(
            "Send the people file as multipart/form-data, in the form field file "
            "(for example curl -F file=@people.csv); this request has no content type."
        )
    return _(
        "Send the people file as multipart/form-data, in the form field file "
        "(for example curl -F file=@people.csv); the content type of this request is "
        "%(type)s."
    ) % {"type": content_type}


def _where(loc: tuple) -> str:
    source, name = (str(loc[0]), ".".join(str(part) for part in loc[1:])) if loc else ("", "")
    if source == "path":
        return _("Path parameter %(name)s") % {"name": name}
    if source == "query":
        return _("Query parameter %(name)s") % {"name": name}
    if source == "file":
        return _("Form field %(name)s") % {"name": name}
    return _("Field %(name)s") % {"name": name or source}


def _sent(request: HttpRequest, loc: tuple) -> str:
    """The value sent at ``loc``, as far as it is shown back (django-ninja drops it)."""
    source, name = (loc + ("", ""))[:2]
    if source == "path" and request.resolver_match is not None:
        value = str(request.resolver_match.kwargs.get(name, ""))
    elif source == "query":
        value = request.GET.get(name, "")
    else:
        value = ""
    if len(value) <= SHOWN_CHARACTERS:
        return value
    return value[:SHOWN_CHARACTERS] + "…"


def parameter_problem(request: HttpRequest, item: dict) -> str:
    """One of pydantic's errors in words a client's developer reads, in the reader's language."""
    kind = item.get("type", "")
    loc = tuple(item.get("loc", ()))
    context = item.get("ctx") or {}
    values = {"where": _where(loc), "value": _sent(request, loc)}
    if kind == "missing":
        if loc == ("file", "file"):
            return _(
                "Form field file is missing: send the people file in it "
                "(for example curl -F file=@people.csv)."
            )
        return _("%(where)s is missing.") % values
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("%(where)s: “%(value)s” is not a whole number.") % values
    if kind == "greater_than_equal":
        return _("%(where)s: %(value)s is less than %(limit)s.") % {
            **values,
            "limit": context.get("ge", ""),
        }
    if kind == "less_than_equal":
        return _("%(where)s: %(value)s is more than %(limit)s.") % {
            **values,
            "limit": context.get("le", ""),
        }
    if kind == "literal_error":
        expected = ", ".join(re.findall(r"'([^']*)'", str(context.get("expected", ""))))
        return _("%(where)s: “%(value)s” is not one of %(expected)s.") % {
            **values,
            "expected": expected,
        }
    return f"{values['where']}: {item.get('msg', '')}"
