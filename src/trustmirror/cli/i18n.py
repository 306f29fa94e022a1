"""Translations for the command line, without Django: stdlib gettext on the project catalogue.

``trustmirror analyze`` must run without Django settings: importing them creates the data
directory and secret files, which a researcher analysing a CSV file must not get. So the
command looks its texts up with Python's own :mod:`gettext` in the compiled catalogue the web
app uses, ``locale/<language>/LC_MESSAGES/django.mo``.

Texts are written as ``_("...")`` calls on literal strings (``_`` being the function
:func:`translator` returns), or marked with :func:`gettext_noop` where they are translated
later, so that ``make messages`` (Django's ``makemessages``) collects them into
``locale/nl/LC_MESSAGES/django.po`` beside the web app's texts.
"""

from __future__ import annotations

import gettext as stdlib_gettext
from collections.abc import Callable
from pathlib import Path

__all__ = ["DOMAIN", "LANGUAGES", "LOCALE_DIR", "gettext_noop", "translator"]

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
DOMAIN = "django"
# English is the language the texts are written in; it needs no catalogue.
LANGUAGES = ("en", "nl")


def translator(language: str) -> Callable[[str], str]:
    """The ``gettext`` function of ``language``, to be bound to ``_``.

    Parameters
    ----------
    language : {"en", "nl"}
        ``"en"`` returns every text as written.

    Returns
    -------
    callable
        Maps a text (msgid) to its translation; a text without one comes back unchanged.

    Raises
    ------
    ValueError
        For a language the command does not offer.
    FileNotFoundError
        When the compiled catalogue is missing (a packaging error, not a user's).
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    if language == "en":
        return stdlib_gettext.NullTranslations().gettext
    return stdlib_gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[language]).gettext


def gettext_noop(message: str) -> str:
    """Mark ``message`` for the catalogue and return it as written; translate it when shown."""
    return message
