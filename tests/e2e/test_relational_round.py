"""The relational round in real Chromium: members answer it, the results are published, each
member opens only their own mirror, and the lead sees the team picture and her self-other
mirror; no page names who rated whom.

Personas (tests/conftest.py): Team North is Ann, Bob, Cas, Dana (its lead, signs in as
"dana"), Evi and Fay. Fay answers the round in the browser; the others through the same
services the pages use. Ann is generous to everyone, so her "given" is high; everybody rates
Fay 2, so what she receives is low.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

PASSWORD = "correct-horse-battery"
NORTH = ("Ann", "Bob", "Cas", "Dana", "Evi", "Fay")


def _value(rater: str, target: str) -> int:
    if target == "Fay":
        return 2
    if rater == "Ann":
        return 5
    return 4 if (len(rater) + len(target)) % 2 else 3


def _answer_round_by_services(invitation, names_by_pseudonym):
    from trustmirror.relational.answering import (
        prediction_save,
        round_page_save,
        round_plan,
        round_submit,
    )

    plan = round_plan(invitation=invitation)
    rater = invitation.person.name
    for number in range(1, plan.colleague_page_count + 1):
        ratings = {}
        for colleague in plan.colleagues_on_page(number):
            value = _value(rater, names_by_pseudonym[colleague.pseudonym])
            ratings[colleague.pseudonym] = {"reliance": value, "disclosure": value, "meta": 4}
        round_page_save(plan=plan, page_number=number, ratings=ratings)
    if plan.predicts:
        from trustmirror.relational.answering import leader_items

        prediction_save(plan=plan, answers={item.id: 5 for item in leader_items(plan.scan)})
    assert round_submit(plan=plan)


def _sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}{reverse('login')}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/o/acme/$"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_round_answered_published_and_each_mirror_only_for_its_person(
    chromium_browser, live_server, acme
):
    from trustmirror.instrument import load_instrument
    from trustmirror.relational.pseudonyms import pseudonym
    from trustmirror.results.tasks import publish_scan
    from trustmirror.surveys.answering import invitation_for_token, page_save, response_submit
    from trustmirror.surveys.models import Scan
    from trustmirror.surveys.services import links_issue, scan_create

    base = live_server.url
    today = timezone.localdate()
    scan = scan_create(
        organisation=acme.org,
        name="Round scan",
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=14),
        min_group_size=5,
        relational_round=True,
        leader_mirror=True,
    )
    links = {link.person.name: link.token for link in links_issue(scan=scan)}
    instrument = load_instrument(scan.instrument_id, scan.instrument_version, scan.form)
    names = {pseudonym(scan.pk, p.pk): name for name, p in acme.people.items()}

    # 1. Everyone in North answers the questionnaire; all but Fay also answer the round.
    for name in NORTH:
        token = links[name]
        for number, page in enumerate(instrument.pages, start=1):
            page_save(
                invitation=invitation_for_token(token),
                token=token,
                page_number=number,
                answers={item_id: 4 for item_id in page.item_ids},
                language="en",
            )
        assert response_submit(invitation=invitation_for_token(token), token=token)
        if name != "Fay":
            _answer_round_by_services(invitation_for_token(token), names)

    # 2. Fay opens her link: her questionnaire is submitted, so she goes on to the round,
    #    is told it is confidential, rates her five colleagues on two pages and submits.
    fay_context = chromium_browser.new_context(locale="en-GB")
    fay = fay_context.new_page()
    fay.set_default_timeout(20_000)
    fay.goto(f"{base}/s/{links['Fay']}")
    fay.wait_for_selector("#round-start")
    assert "confidential, not anonymous" in fay.locator("main").inner_text()
    fay.click("#start-round")
    for number in (1, 2):
        fay.wait_for_url(re.compile(rf"/s/round/p/{number}(\?.*)?$"))
        assert f"Page {number} of 2" in fay.locator("#progress").inner_text()
        for question in fay.locator("section.colleague fieldset").all():
            question.locator('label.option:has(input[value="4"])').click()
        fay.locator(".page-actions button.primary").click()
    fay.wait_for_url(re.compile(r"/s/round/review(\?.*)?$"))
    fay.click("#submit-round")
    fay.wait_for_selector("#thanks")
    assert fay.locator("#mirror-later").is_visible()

    # 3. The scan closes; the worker publishes the final results with the round.
    Scan.objects.filter(pk=scan.pk).update(closes_on=today - dt.timedelta(days=1))
    assert publish_scan.call(scan.pk)[0].startswith("Published final results")

    # 4. Fay's link now leads to her own mirror: what she gives and receives.
    fay.goto(f"{base}/s/{links['Fay']}")
    fay.click("#open-mirror")
    fay.wait_for_selector("#mirror-given-received")
    mirror = fay.locator("main").inner_text()
    assert "Trust you give and receive" in mirror
    assert fay.locator("#mirror-given-received svg").count() == 1
    for colleague in NORTH:
        assert colleague not in mirror  # never a colleague's name, never who said what
    fay_context.close()

    # 5. Ann, with her own link, sees her own mirror, and nothing can open Fay's: a browser
    #    without a link has no mirror at all.
    ann_context = chromium_browser.new_context(locale="en-GB")
    ann = ann_context.new_page()
    ann.set_default_timeout(20_000)
    ann.goto(f"{base}/s/{links['Ann']}")
    ann.click("#open-mirror")
    ann.wait_for_selector("#mirror-given-received")
    assert ann.locator("main").inner_text() != mirror
    ann_context.close()
    stranger = chromium_browser.new_context(locale="en-GB").new_page()
    response = stranger.goto(f"{base}/s/mirror")
    assert response.status == 403 and stranger.locator("#no-session").count() == 1
    stranger.context.close()

    # 6. Dana signs in: her team's page shows how trust is built up, without a name; her
    #    own mirror sets her prediction (5) beside the team's view of her.
    lead_context = chromium_browser.new_context(locale="en-GB")
    dana = lead_context.new_page()
    dana.set_default_timeout(20_000)
    _sign_in(dana, base, "dana")
    dana.goto(f"{base}/o/acme/scans/{scan.pk}/units/{acme.north.pk}/")
    dana.wait_for_selector("#relational svg")
    team_page = dana.locator("#relational").inner_text()
    assert "Trust given and received in this team" in team_page
    for colleague in NORTH:
        assert colleague not in team_page
    dana.click("text=Your own mirror")
    dana.wait_for_selector("#mirror-leader svg")
    leader = dana.locator("#mirror-leader").inner_text()
    assert "Manager's ability" in leader and "5.0" in leader
    for colleague in ("Ann", "Bob", "Cas", "Evi", "Fay"):
        assert colleague not in dana.locator("main").inner_text()
    lead_context.close()
