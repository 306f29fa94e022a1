"""Dutch is a first-class language: a complete catalogue, compiled, and pages that read Dutch.

Personas from tests/conftest.py: Carla is the HR consultant (organisation admin of Acme);
Bob works in Team North and prefers Dutch, so his survey link must open in Dutch even when
his browser asks for English.
"""

from __future__ import annotations

import datetime as dt
import gettext
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

import trustmirror

PACKAGE_DIR = Path(trustmirror.__file__).resolve().parent
LC_MESSAGES = PACKAGE_DIR / "locale" / "nl" / "LC_MESSAGES"
PO_FILE = LC_MESSAGES / "django.po"
MO_FILE = LC_MESSAGES / "django.mo"

# printf-style conversions as Python's % operator reads them, "%%" included.
PRINTF = re.compile(r"%(?:\(\w+\))?[-#0 +]*(?:\d+)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
PO_LINE = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$')
PO_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def forms(self) -> list[tuple[str, str]]:
        """(source, translation) pairs: the singular, then every plural form."""
        if self.msgid_plural is None:
            return [(self.msgid, self.msgstr.get(0, ""))]
        return [
            (self.msgid if index == 0 else self.msgid_plural, text)
            for index, text in sorted(self.msgstr.items())
        ]


def _unquote(literal: str) -> str:
    body = literal[1:-1]
    return re.sub(r"\\(.)", lambda m: PO_ESCAPES.get(m.group(1), "\\" + m.group(1)), body)


def parse_po(text: str) -> tuple[Entry, list[Entry]]:
    """The header and the active entries of a .po file (obsolete ``#~`` entries are skipped)."""
    entries: list[Entry] = []
    current: Entry | None = None
    seen_msgid = False
    target: tuple[str, int] | None = None

    def finish() -> None:
        if current is not None and seen_msgid:
            entries.append(current)

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            current, seen_msgid, target = None, False, None
            continue
        if current is None:
            current = Entry(line=number)
        if line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        match = PO_LINE.match(line)
        if match:
            keyword, index, literal = match.groups()
            value = _unquote(literal)
            if keyword == "msgid":
                seen_msgid = True
                current.msgid, target = value, ("msgid", 0)
            elif keyword == "msgid_plural":
                current.msgid_plural, target = value, ("msgid_plural", 0)
            elif keyword == "msgctxt":
                current.msgctxt, target = value, ("msgctxt", 0)
            else:
                slot = int(index) if index is not None else 0
                current.msgstr[slot], target = value, ("msgstr", slot)
            continue
        assert line.startswith('"') and target is not None, f"line {number}: {raw!r}"
        value = _unquote(line)
        kind, slot = target
        if kind == "msgstr":
            current.msgstr[slot] += value
        else:
            setattr(current, kind, getattr(current, kind) + value)
    finish()
    header = next(e for e in entries if e.msgid == "" and e.msgctxt is None)
    return header, [e for e in entries if e is not header]


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    return parse_po(PO_FILE.read_text(encoding="utf-8"))[1]


def test_the_catalogue_is_complete_and_nothing_is_fuzzy():
    """Every message has a Dutch text in every plural form, and msgfmt would use them all."""
    header, entries = parse_po(PO_FILE.read_text(encoding="utf-8"))
    assert len(entries) > 150, "the Dutch catalogue looks truncated"
    assert "fuzzy" not in header.flags
    assert "Language: nl\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]
    untranslated = [e.msgid for e in entries if any(not text.strip() for _, text in e.forms)]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []
    assert all(len(e.msgstr) == 2 for e in entries if e.msgid_plural is not None)


def test_placeholders_and_html_survive_translation(catalogue):
    """A lost %(k)s or <code> would break the page or show a wrong number; order may differ."""
    problems = []
    for entry in catalogue:
        for source, text in entry.forms:
            if "python-format" in entry.flags and Counter(PRINTF.findall(source)) != Counter(
                PRINTF.findall(text)
            ):
                problems.append((entry.line, source, text))
            if Counter(HTML_TAG.findall(source)) != Counter(HTML_TAG.findall(text)):
                problems.append((entry.line, source, text))
    assert problems == []


def test_the_compiled_catalogue_matches_the_po_file(catalogue):
    """The committed .mo (used when gettext is not installed) holds exactly the .po's texts."""
    with MO_FILE.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in catalogue:
        if entry.msgctxt is not None:
            if entry.msgid_plural is None:
                got = [compiled.pgettext(entry.msgctxt, entry.msgid)]
            else:
                got = [
                    compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                    for n in (1, 2)
                ]
        elif entry.msgid_plural is None:
            got = [compiled.gettext(entry.msgid)]
        else:
            got = [compiled.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 2)]
        if got != [text for _, text in entry.forms]:
            stale.append(entry.msgid)
    assert stale == [], "run compilemessages: django.mo is older than django.po"


@pytest.mark.skipif(
    shutil.which("xgettext") is None or shutil.which("msgmerge") is None,
    reason="GNU gettext is not installed (scripts/install-system-deps.sh installs it)",
)
def test_every_marked_string_in_the_code_is_in_the_catalogue(tmp_path, monkeypatch, settings):
    """A string marked for translation but missing from django.po would show in English."""
    from django.core.management import call_command

    copy = tmp_path / "trustmirror"
    shutil.copytree(
        PACKAGE_DIR,
        copy,
        ignore=shutil.ignore_patterns("locale", "demo", "static", "__pycache__", "*.pyc"),
    )
    # makemessages writes beside the sources it scans; point it at the copy, never the package.
    settings.LOCALE_PATHS = [copy / "locale"]
    (copy / "locale").mkdir()
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["nl"], verbosity=0)
    _, fresh = parse_po((copy / "locale/nl/LC_MESSAGES/django.po").read_text(encoding="utf-8"))

    def key(e: Entry) -> tuple:
        return e.msgctxt, e.msgid, e.msgid_plural

    committed = {key(e) for e in parse_po(PO_FILE.read_text(encoding="utf-8"))[1]}
    missing = sorted(e.msgid for e in fresh if key(e) not in committed)
    assert missing == [], "run `make messages` and translate the new strings"


# --- Pages --------------------------------------------------------------------------------


def _dutch(client) -> None:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "nl"


def _assert_reads(html: str, dutch: list[str], english: list[str]) -> None:
    assert '<html lang="nl">' in html
    for text in dutch:
        assert text in html, f"missing Dutch text {text!r}"
    for text in english:
        assert text not in html, f"English text {text!r} on a Dutch page"


def test_login_page_in_dutch_from_the_language_cookie(client, db):
    _dutch(client)
    html = client.get(reverse("login")).content.decode()
    _assert_reads(
        html,
        ["Inloggen", "Gebruikersnaam", "Wachtwoord", "Dan heb je geen account nodig"],
        ["Sign in", "User name", "Password", "You need no account"],
    )


def test_login_page_in_dutch_from_the_browser_language(client, db):
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="nl-NL,nl;q=0.9").content.decode()
    _assert_reads(html, ["Inloggen", "Wachtwoord"], ["Sign in", "Password"])


def test_the_language_switch_turns_the_site_dutch(client, db):
    response = client.post(reverse("set_language"), {"language": "nl", "next": "/privacy/"})
    assert response.status_code == 302
    html = client.get(reverse("privacy")).content.decode()
    _assert_reads(html, ["Privacy: wie ziet wat"], ["Privacy: who sees what"])


def test_organisation_dashboard_in_dutch(client, acme):
    client.force_login(acme.carla)
    _dutch(client)
    html = client.get(reverse("orgs:dashboard", kwargs={"org": "acme"})).content.decode()
    _assert_reads(
        html,
        ["Nog geen scans.", "Nieuwe scan", "Eenheden", "14 personen", "Personen importeren"],
        ["No scans yet", "New scan", "Units<", "14 people", "Import people", "Sign out"],
    )
    assert "Uitloggen" in html


def test_import_page_in_dutch(client, acme):
    client.force_login(acme.carla)
    _dutch(client)
    html = client.get(reverse("orgs:people_import", kwargs={"org": "acme"})).content.decode()
    _assert_reads(
        html,
        ["Personen importeren", "CSV- of XLSX-bestand", "één persoon per rij", ">Importeren<"],
        ["Import people", "CSV or XLSX file", "one person per row", "all or nothing"],
    )
    # The HTML inside the translated paragraph stays markup, not escaped text.
    assert "<code>band_tenure</code>" in html


def test_import_errors_in_dutch(client, acme):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(acme.carla)
    _dutch(client)
    upload = SimpleUploadedFile(
        "people.csv", b"name,email,language,unit,lead\nNew,new@acme.test,fr,A/B,no\n"
    )
    html = client.post(
        reverse("orgs:people_import", kwargs={"org": "acme"}), {"file": upload}
    ).content.decode()
    _assert_reads(
        html,
        ["Er is niets geïmporteerd", "Regel 2: taal fr is niet nl of en"],
        ["Nothing was imported", "Line 2", "is not nl or en"],
    )


def test_new_scan_page_in_dutch(client, acme):
    client.force_login(acme.carla)
    _dutch(client)
    html = client.get(reverse("scans:create", kwargs={"org": "acme"})).content.decode()
    _assert_reads(
        html,
        ["Nieuwe scan", "Opent op", "Sluit op", "Minimale groepsgrootte", "Scan aanmaken"],
        ["New scan", "Opens on", "Closes on", "Minimum group size", "Create scan"],
    )


def test_privacy_page_in_dutch(client, db):
    _dutch(client)
    html = client.get(reverse("privacy")).content.decode()
    _assert_reads(
        html,
        # "…%%" in the catalogue must come out as a single percent sign.
        [
            "Privacy: wie ziet wat",
            "Je rechten",
            "128 bits",
            "anoniem",
            'ten minste …%"',
            "krijgt je browser er een cookie voor in de plaats",
        ],
        ["who sees what", "Your rights", "Honest limits", "anonymous", "%%"],
    )


@pytest.fixture
def bob_link(acme) -> str:
    from trustmirror.surveys.services import links_issue, scan_create

    today = timezone.localdate()
    scan_ = scan_create(
        organisation=acme.org,
        name="Najaarsscan",
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=14),
        min_group_size=5,
    )
    links = links_issue(scan=scan_)
    return next(link.path for link in links if link.person.name == "Bob")


def test_survey_of_a_dutch_speaker_opens_in_dutch(client, bob_link):
    """Bob's language comes from his person record, not from an English browser."""
    html = client.get(bob_link, HTTP_ACCEPT_LANGUAGE="en", follow=True).content.decode()
    _assert_reads(
        html,
        [
            "Je antwoorden zijn anoniem",
            "Niemand kan zien welke antwoorden van jou zijn",
            "ten minste 5 mensen",
            "pagina's met stellingen",
            ">Beginnen<",
        ],
        ["Your answers are anonymous", "pages of statements", "You can answer until"],
    )


def test_survey_page_of_a_dutch_speaker_in_dutch(client, bob_link):
    client.get(bob_link)  # the link gives this browser its survey session
    html = client.get("/s/p/1", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    _assert_reads(
        html,
        [
            "Pagina 1 van",
            "Opslaan en later verdergaan",
            "Volgende pagina",
            "Geef bij elke stelling",
        ],
        ["Page 1 of", "Save and continue later", "Next page", "For each statement"],
    )


@pytest.fixture
def answered_scan(acme, publish):
    """Team North and Team South answer (shown at k = 5); Team East, below k, does not.

    The scan has closed and its results are published, as the worker would."""
    from trustmirror.instrument import load_instrument
    from trustmirror.surveys.models import Response
    from trustmirror.surveys.services import scan_create

    scan = scan_create(
        organisation=acme.org,
        name="Najaarsscan",
        opens_on=dt.date(2026, 10, 1),
        closes_on=dt.date(2026, 10, 31),
        min_group_size=5,
    )
    items = list(load_instrument().items)
    for unit, n in ((acme.north, 6), (acme.south, 5)):
        for i in range(n):
            Response.objects.create(
                scan=scan,
                unit=unit,
                resume_key=f"{unit.pk}-{i}".ljust(64, "0"),
                answers={item: 1 + (i + j) % 5 for j, item in enumerate(items)},
                submitted=True,
            )
    publish(scan)
    return scan


def test_results_in_dutch(client, acme, answered_scan):
    client.force_login(acme.carla)
    _dutch(client)
    kwargs = {"org": "acme", "scan_id": answered_scan.pk}
    overview = client.get(reverse("results:scan_overview", kwargs=kwargs)).content.decode()
    _assert_reads(
        overview,
        [
            "Resultaten: Najaarsscan",
            "Definitieve uitkomsten",
            "Deelname",
            "Vertrouwensprofiel van de organisatie",
            "Respons",
            "Minder dan 5 respondenten",
            "Eenheden en thema's",
        ],
        [
            "Participation",
            "Final results",
            "Trust profile",
            "Response rate",
            "Fewer than 5 respondents",
            "Units and themes",
            "Mean on a scale",
        ],
    )
    unit = client.get(
        reverse("results:unit_profile", kwargs={**kwargs, "unit_id": acme.north.pk})
    ).content.decode()
    _assert_reads(
        unit,
        [
            "naast de organisatie",
            "95%-betrouwbaarheidsinterval",
            "Eensgezindheid in de groep",
            "De groep ziet dit",
        ],
        [
            "beside the organisation",
            "confidence interval",
            "Agreement in the group",
            "The group sees this",
        ],
    )


def test_measurement_quality_in_dutch(client, acme, answered_scan):
    client.force_login(acme.carla)
    _dutch(client)
    kwargs = {"org": "acme", "scan_id": answered_scan.pk}
    html = client.get(reverse("results:quality", kwargs=kwargs)).content.decode()
    _assert_reads(
        html,
        ["Meetkwaliteit: Najaarsscan", "Betrouwbaarheid van de schalen", "Cronbachs alfa"],
        ["Measurement quality", "Reliability of the scales", "Cronbach's alpha", "Verdict"],
    )
