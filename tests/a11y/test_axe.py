"""axe-core in real Chromium on the app's pages: no WCAG 2.1 A or AA violation, no overflow.

Every page below is opened as its persona (tests/conftest.py: Carla the admin, Alex the
analyst, Dana the lead of Team North, Eli a member of Team South, too small to report), in
Dutch and English, at 390 and 1366 px, and axe-core (from the npm registry, installed by
scripts/run-tests.sh into tests/a11y/node_modules) checks it. A new violation fails the test
with the rule, the page and the elements; so does a page wider than the screen.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.results.conftest import instrument, scan  # noqa: F401  (fixtures)

PASSWORD = "correct-horse-battery"  # the personas' password in tests/conftest.py
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = (390, 1366)
LANGUAGES = ("nl", "en")


def pages_of(acme, published) -> dict[str, list[str]]:
    """The pages each persona reads, by address."""
    base = f"/o/acme/scans/{published.pk}"
    north, south = acme.north.pk, acme.south.pk
    logistics = acme.north.parent_id
    return {
        "dana": [
            "/o/acme/",
            f"{base}/units/{north}/",
            f"{base}/units/{north}/?vs=previous",
            f"{base}/units/{north}/report.html",  # the printable report
            "/privacy/",
        ],
        "eli": [f"{base}/units/{south}/"],
        "carla": [
            f"{base}/",
            f"{base}/?level=u:{logistics}",
            f"{base}/quality/",
            f"{base}/breakdown/",
            f"{base}/units/{logistics}/",
            f"{base}/report.html",
        ],
    }


def axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async (tags) => {
            const found = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return found.violations.map(v => ({
                id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))
            }));
        }""",
        TAGS,
    )
    return [f"{v['id']} ({v['help']}): {', '.join(v['nodes'])}" for v in result]


def browser_page(chromium_browser, live_server, lang: str, *, user: str | None = None):
    """A page in ``lang``, signed in as ``user`` when given.

    axe is added as a script tag: the site's CSP (rightly) refuses that, so this test's
    browser, and only it, bypasses the policy.
    """
    context = chromium_browser.new_context(locale="en-GB", bypass_csp=True)
    context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    if user is not None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", user)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_load_state()
    return context, page


def overflow(page, width: int) -> list[str]:
    """The page runs wider than the screen (a wide table must scroll inside its card)."""
    scroll = page.evaluate("document.documentElement.scrollWidth")
    return [f"horizontal overflow: {scroll}px on a {width}px screen"] if scroll > width else []


def visit_all(chromium_browser, live_server, visits: dict) -> list[str]:
    """Open each (address, expected status) of ``visits`` as its user (None: signed out) in
    both languages at both widths; return every axe violation and overflow found."""
    found: list[str] = []
    for user, addresses in visits.items():
        for lang in LANGUAGES:
            context, page = browser_page(chromium_browser, live_server, lang, user=user)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                for address, status in addresses:
                    response = page.goto(f"{live_server.url}{address}")
                    assert response is not None and response.status == status, (user, address)
                    found += [
                        f"{user or 'anyone'} {lang} {width}px {address}: {problem}"
                        for problem in axe_violations(page) + overflow(page, width)
                    ]
            context.close()
    return found


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_results_pages_have_no_wcag_violations(chromium_browser, live_server, acme, scan):  # noqa: F811
    if not AXE.is_file():
        pytest.fail("axe-core is not installed: run `make test` (scripts/run-tests.sh).")
    found: list[str] = []
    for user, addresses in pages_of(acme, scan).items():
        for lang in LANGUAGES:
            context, page = browser_page(chromium_browser, live_server, lang, user=user)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                for address in addresses:
                    response = page.goto(f"{live_server.url}{address}")
                    assert response is not None and response.status == 200, (user, address)
                    found += [
                        f"{user} {lang} {width}px {address}: {problem}"
                        for problem in axe_violations(page) + overflow(page, width)
                    ]
            context.close()
    assert found == [], "\n".join(found)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_survey_pages_and_the_dashboard_of_an_open_scan_have_no_wcag_violations(
    chromium_browser, live_server, acme, issue_survey
):
    """Ann (in Dutch) and Bob (in English) answer by their links (start, every page, review,
    the round's start), submit and skip the round (the thanks page); Carla's dashboard lists
    the open scan."""
    if not AXE.is_file():
        pytest.fail("axe-core is not installed: run `make test` (scripts/run-tests.sh).")
    survey = issue_survey(name="Autumn pulse", relational_round=True)
    found: list[str] = []
    for lang in LANGUAGES:
        who = {"nl": "Ann", "en": "Bob"}[lang]  # each submits once, below
        context, page = browser_page(chromium_browser, live_server, lang)
        page.goto(f"{live_server.url}/s/{survey.tokens[who]}")  # the link leaves the URL
        addresses = ["/s/start", "/s/p/1", "/s/p/2", "/s/review", "/s/round"]
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for address in addresses:
                response = page.goto(f"{live_server.url}{address}?lang={lang}")
                assert response is not None and response.status == 200, address
                problems = axe_violations(page) + overflow(page, width)
                found += [f"{who} {lang} {width}px {address}: {p}" for p in problems]
        # The thanks page, after submitting from the review and skipping the round.
        page.goto(f"{live_server.url}/s/review?lang={lang}")
        page.click("#submit-answers")
        page.wait_for_selector("#decline-round")
        page.click("#decline-round")
        page.wait_for_selector("#thanks")
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            problems = axe_violations(page) + overflow(page, width)
            found += [f"{who} {lang} {width}px {page.url}: {p}" for p in problems]
        context.close()
        admin, page = browser_page(chromium_browser, live_server, lang, user="carla")
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{live_server.url}/o/acme/")
            problems = axe_violations(page) + overflow(page, width)
            found += [f"carla {lang} {width}px /o/acme/: {p}" for p in problems]
        admin.close()
    assert found == [], "\n".join(found)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_consultants_and_the_public_pages_have_no_wcag_violations(
    chromium_browser, live_server, acme, issue_survey
):
    """Carla's scan pages, people import and API tokens, the sign-in and lost-link pages for
    everyone, and the page a lead gets for an address out of reach (404)."""
    if not AXE.is_file():
        pytest.fail("axe-core is not installed: run `make test` (scripts/run-tests.sh).")
    from trustmirror.api.services import api_token_create

    survey = issue_survey(name="Autumn pulse")
    api_token_create(organisation=acme.org, name="HR system", scope="write", created_by=None)
    visits = {
        "carla": [
            ("/o/acme/scans/new/", 200),
            (f"/o/acme/scans/{survey.scan.pk}/manage/", 200),
            ("/o/acme/people/import/", 200),
            ("/o/acme/api-tokens/", 200),
        ],
        None: [("/accounts/login/", 200), ("/s/lost/", 200), ("/privacy/", 200)],
        "dana": [("/o/acme/scans/999/", 404)],
    }
    found = visit_all(chromium_browser, live_server, visits)
    assert found == [], "\n".join(found)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_agreements_pages_have_no_wcag_violations(chromium_browser, live_server, acme, scan):  # noqa: F811
    """The team session's welcome, a theme and the form; a team's agreements with a check-in
    and its form open; the index; and the page a personal link opens (issue 12)."""
    import datetime as dt

    from django.utils import timezone

    from trustmirror.agreements.links import follow_link_issue
    from trustmirror.agreements.services import Viewer, agreement_check_in, agreement_create

    if not AXE.is_file():
        pytest.fail("axe-core is not installed: run `make test` (scripts/run-tests.sh).")
    dana = Viewer.for_user(acme.dana, acme.org)
    agreement = agreement_create(
        viewer=dana,
        scan=scan,
        unit=acme.north,
        what="We say it early when a delivery slips",
        signal="No customer hears it first",
        themes=["reliability"],
        owners=[acme.people["Ann"], acme.people["Dana"]],
        due_on=timezone.localdate() + dt.timedelta(days=20),
        check_in_on=timezone.localdate(),
    )
    agreement_check_in(viewer=dana, agreement=agreement, status="partly", note="Twice so far")
    session = f"/o/acme/scans/{scan.pk}/units/{acme.north.pk}/session/"
    visits = {
        "dana": [
            (f"{session}?step=0", 200),
            (f"{session}?step=3", 200),
            (f"{session}?step=7", 200),
            (f"/o/acme/agreements/units/{acme.north.pk}/", 200),
        ],
        "carla": [("/o/acme/agreements/", 200)],
        None: [(f"/a/{follow_link_issue(acme.people['Ann'])}", 200)],
    }
    found = visit_all(chromium_browser, live_server, visits)
    assert found == [], "\n".join(found)
