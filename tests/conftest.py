"""Shared fixtures: named personas in a small organisation, and a real headless Chromium.

The personas (used across the suite):
- Carla is the HR consultant: organisation admin of Acme, may import, create scans, see all.
- Dana leads Team North (Operations/Logistics/Team North) and sees its subtree only.
- Eli is a member of Team South and must not see North's numbers.
- Alex is Acme's analyst: sees all results, manages nothing.
- Olga is admin of another organisation (Globex) and must see nothing of Acme.
"""

from __future__ import annotations

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; Django's guard against ORM calls
# from async code would then refuse the test's own database set-up.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 with production iterations costs ~0.3 s a user; tests need no real hashing cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _language_reset():
    # LocaleMiddleware leaves the last request's language active in this thread: a test that
    # reads a page in Dutch would otherwise leave later tests' messages (services, commands,
    # forms) in Dutch, depending on the order the tests happen to run in.
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture
def acme(db):
    from django.contrib.auth import get_user_model

    from trustmirror.orgs.importing import ensure_unit
    from trustmirror.orgs.models import Organisation, Person, Role

    User = get_user_model()
    org = Organisation.objects.create(name="Acme", slug="acme", default_language="en")
    cache: dict = {}
    north, _ = ensure_unit(org, "Operations/Logistics/Team North", cache)
    south, _ = ensure_unit(org, "Operations/Logistics/Team South", cache)
    east, _ = ensure_unit(org, "Sales/Team East", cache)
    people = {}
    for unit, names in (
        (north, ["Ann", "Bob", "Cas", "Dana", "Evi", "Fay"]),
        (south, ["Eli", "Gus", "Hal", "Ivo", "Jet"]),
        (east, ["Kim", "Lou", "Max"]),
    ):
        for name in names:
            people[name] = Person.objects.create(
                organisation=org,
                name=name,
                email=f"{name.lower()}@acme.test",
                language="nl" if name in ("Bob", "Gus") else "en",
                unit=unit,
                is_lead=name == "Dana",
            )
    carla = User.objects.create_user("carla", password=PASSWORD)
    dana = User.objects.create_user("dana", password=PASSWORD)
    eli = User.objects.create_user("eli", password=PASSWORD)
    alex = User.objects.create_user("alex", password=PASSWORD)
    Role.objects.create(user=carla, organisation=org, kind=Role.ADMIN)
    Role.objects.create(user=alex, organisation=org, kind=Role.ANALYST)
    Role.objects.create(user=dana, organisation=org, kind=Role.LEAD, unit=north)
    Role.objects.create(user=eli, organisation=org, kind=Role.MEMBER, unit=south)
    people["Dana"].user = dana
    people["Dana"].save()
    people["Eli"].user = eli
    people["Eli"].save()
    globex = Organisation.objects.create(name="Globex", slug="globex")
    olga = User.objects.create_user("olga", password=PASSWORD)
    Role.objects.create(user=olga, organisation=globex, kind=Role.ADMIN)

    class Acme:
        pass

    acme = Acme()
    acme.org, acme.globex = org, globex
    acme.north, acme.south, acme.east = north, south, east
    acme.people = people
    acme.carla, acme.dana, acme.eli, acme.olga = carla, dana, eli, olga
    acme.alex = alex
    return acme


@pytest.fixture
def issue_survey(acme):
    """``issue_survey(name=..., **scan options)``: an open scan of Acme with everyone's link.

    Opened yesterday, closing in two weeks, k = 5; its links come from ``scan_create`` and
    ``links_issue`` exactly as the consultant's scan gets them. The result has ``scan``,
    ``acme``, ``tokens`` and ``invitations`` (both by person name).
    """
    import datetime as dt

    from django.utils import timezone

    from trustmirror.surveys.services import links_issue, scan_create

    def issue(*, name: str, **options):
        today = timezone.localdate()
        scan = scan_create(
            organisation=acme.org,
            name=name,
            opens_on=today - dt.timedelta(days=1),
            closes_on=today + dt.timedelta(days=14),
            min_group_size=5,
            **options,
        )
        links = links_issue(scan=scan)

        class Survey:
            pass

        survey = Survey()
        survey.scan = scan
        survey.acme = acme
        survey.tokens = {link.person.name: link.token for link in links}
        survey.invitations = {
            inv.person.name: inv for inv in scan.invitations.select_related("person")
        }
        return survey

    return issue


def publish_now(scan, *, again: bool = False):
    """Publish a scan's next version as the worker would (``again``: rebuild from scratch).

    ``again`` forgets every earlier version of the scan first, for tests that change the
    answers of a closed scan and want to see what its final results would have been.
    """
    from trustmirror.results.models import IncludedResponse, Publication
    from trustmirror.results.publishing import publication_attempt

    if again:
        Publication.objects.filter(scan=scan).delete()
        IncludedResponse.objects.filter(scan=scan).delete()
    outcome = publication_attempt(scan=scan, force=True)
    assert outcome.kind == "published", outcome.lines
    return outcome.publication


@pytest.fixture
def xlsx_without_worksheet() -> bytes:
    """A workbook whose list of sheets is empty (Excel never writes one; other tools may)."""
    import io
    import re
    import zipfile

    from openpyxl import Workbook

    template = io.BytesIO()
    Workbook().save(template)
    source = zipfile.ZipFile(template)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/workbook.xml":
                data = re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", data)
            archive.writestr(info.filename, data)
    return out.getvalue()


@pytest.fixture
def frozen_today(monkeypatch):
    """``frozen_today(date)``: from now on the local date (phases, actions, forms) is ``date``.

    Only :func:`django.utils.timezone.localdate` without an argument is frozen, which is what
    the code asks when it means "today"; clock times (audit, publications) stay real.
    """
    from django.utils import timezone

    real = timezone.localdate

    def freeze(date):
        def localdate(value=None, timezone=None):
            return date if value is None else real(value, timezone)

        monkeypatch.setattr("django.utils.timezone.localdate", localdate)
        return date

    return freeze


@pytest.fixture
def publish():
    """``publish(scan)``: publish the scan's next version now (see :func:`publish_now`)."""
    return publish_now


@pytest.fixture(scope="session")
def chromium_browser():
    """A real headless Debian Chromium driven by Playwright (no downloaded browser)."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("TRUSTMIRROR_CHROMIUM") or shutil.which("chromium")
    if not executable:
        pytest.fail("Debian's chromium is not installed: run `make test`, which installs it.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium_browser):
    context = chromium_browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
