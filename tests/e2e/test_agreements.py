"""Issue 12 end to end in real Chromium, on the demo organisation.

Mark, the lead of Returns, runs a team session on the May scan and records two agreements; a
member of Returns opens her personal link and checks one in as kept. The team's say-do ratio
and the organisation's overview follow, and the November scan's page of Returns shows the
change on the theme the new agreement linked, beside the teams without such an agreement.
Expected figures are read from the pages before the change and then counted on by hand.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

RETURNS = "Operations/Warehouse/Returns"


def _sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def _ratio(page) -> tuple[int, int]:
    """(kept on time, that count) from a team's say-do figure."""
    text = page.locator("#say-do").inner_text()
    found = re.search(r"(\d+) of (\d+) that are due or kept", text)
    assert found, text
    return int(found[1]), int(found[2])


def _organisation(page) -> tuple[int, int, int]:
    """(agreements in all, kept on time, that count) from the organisation's section."""
    text = " ".join(page.locator("#agreements-organisation").inner_text().split())
    total = re.search(r"(\d+) agreements in all", text)
    kept = re.search(r"\((\d+) of (\d+) agreements that are due or kept", text)
    assert total and kept, text
    return int(total[1]), int(kept[1]), int(kept[2])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_team_session_leads_to_agreements_that_are_kept_and_followed(
    chromium_browser, live_server, tmp_path
):
    from trustmirror.agreements.links import follow_link_issue
    from trustmirror.agreements.models import Agreement
    from trustmirror.demo import seed_demo
    from trustmirror.orgs.models import Person, Unit
    from trustmirror.surveys.models import Scan

    info = seed_demo(data_dir=tmp_path, progress=False)
    logins = {login.username: login.password for login in info.logins}
    base = live_server.url
    returns = Unit.objects.get(path=RETURNS)
    org = returns.organisation.slug
    may, november = Scan.objects.order_by("opens_on")
    members = list(Person.objects.filter(unit=returns, is_lead=False).order_by("name")[:2])
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    team_url = f"{base}/o/{org}/agreements/units/{returns.pk}/"

    context = chromium_browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 900})
    context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    _sign_in(page, base, "mark", logins["mark"])

    # Before: the team's ratio, the organisation's figures, and November's page of Returns.
    page.goto(team_url)
    kept_before, counted_before = _ratio(page)
    page.goto(f"{base}/o/{org}/scans/{november.pk}/units/{returns.pk}/")
    assert "Trust in senior management" not in page.locator("#agreements-linked").inner_text()

    # The team session on the May scan: the story first, one theme a screen, then the form.
    page.goto(f"{base}/o/{org}/scans/{may.pk}/units/{returns.pk}/session/")
    assert page.locator("#step-count").inner_text().startswith("1 of ")
    while not page.locator("#agreement-form").count():
        with page.expect_navigation():
            page.keyboard.press("ArrowRight")
    assert "Welcome" not in page.locator("main").inner_text()

    def record(what: str, theme: str, owners: list[Person]) -> None:
        page.fill("#id_what", what)
        box = page.locator(f"input[name=themes][value={theme}]")
        if not box.is_visible():
            page.locator("summary", has_text="Other scales").click()
        box.check()
        for owner in owners:
            page.locator(f"input[name=owners][value='{owner.pk}']").check()
        page.fill("#id_due_on", due)
        with page.expect_navigation():
            page.locator("#agreement-form button[type=submit]").click()
        assert "The agreement is recorded." in page.locator("main").inner_text()
        assert what in page.locator("main").inner_text()

    record(
        "We ask the site management to explain each decision in our morning talk",
        "top_trust",
        members,
    )
    record("Whoever promises a pick-up writes it on the board", "reliability", members[:1])
    first = Agreement.objects.get(what__startswith="We ask the site management")
    assert first.scan == may and list(first.themes) == ["top_trust"]
    assert {p.pk for p in first.owners.all()} == {p.pk for p in members}

    # A member without a login opens her personal link and checks the first one in as kept.
    member_context = chromium_browser.new_context(locale="nl-NL")
    member = member_context.new_page()
    member.goto(f"{base}/a/{follow_link_issue(members[0])}?lang=en")
    assert member.url == f"{base}/a/"  # the token left the address bar
    card = member.locator(f"#agreement-{first.pk}")
    card.locator("summary", has_text="Check in").click()
    card.locator("input[name=status][value=kept]").check()
    card.locator("textarea[name=note]").fill("Done in every morning talk since")
    with member.expect_navigation():
        card.locator("button[type=submit]", has_text="Record the check-in").click()
    assert "the check-in is recorded" in member.locator("main").inner_text()
    assert member.locator(f"#agreement-{first.pk}").get_attribute("data-state") == "kept_on_time"
    member_context.close()

    # The team's ratio: one more agreement counts, and it was kept on time.
    page.goto(team_url)
    assert _ratio(page) == (kept_before + 1, counted_before + 1)
    assert members[0].name in page.locator(f"#agreement-{first.pk} .history").inner_text()

    # The organisation's overview of the May scan (the consultant).
    admin_context = chromium_browser.new_context(locale="en-GB")
    admin_context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    admin = admin_context.new_page()
    _sign_in(admin, base, "consultant", logins["consultant"])
    admin.goto(f"{base}/o/{org}/scans/{may.pk}/")
    total, kept, counted = _organisation(admin)
    assert total == Agreement.objects.filter(scan=may, withdrawn_at__isnull=True).count()
    assert (kept, counted) == (8, 12)  # the demo's 7 of 11, and the agreement just kept
    admin_context.close()

    # November's page of Returns: the linked theme's change beside the teams without one.
    page.goto(f"{base}/o/{org}/scans/{november.pk}/units/{returns.pk}/")
    linked = " ".join(page.locator("#agreements-linked").inner_text().split())
    assert "A description, not proof of cause." in linked
    assert re.search(
        r"Trust in senior management: our team [+−-]?\d\.\d; \d+ teams without", linked
    )
    assert "We ask the site management to explain each decision" in linked
    context.close()
