"""The whole journey in real Chromium: a consultant starts a scan, the worker e-mails each
employee their link, employees answer (one of them leaving and coming back), and the team
lead reads her team's profile.

Personas (tests/conftest.py): Carla is the consultant (organisation admin), Dana leads Team
North, Fay is a member of Team North who answers in the browser.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

PASSWORD = "correct-horse-battery"
LINK_ANYWHERE = re.compile(r"/s/([A-Za-z0-9_-]{22})\b")


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}{reverse('login')}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/o/acme/$"))


def answer_page(page, item_ids, value) -> None:
    for item_id in item_ids:
        page.locator(f'label.option:has(input[name="item-{item_id}"][value="{value}"])').click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_scan_answer_resume_and_team_lead_profile(chromium_browser, live_server, acme, settings):
    from django.core import mail

    from trustmirror.delivery.sending import messages_send
    from trustmirror.instrument import load_instrument
    from trustmirror.surveys.answering import invitation_for_token, page_save, response_submit
    from trustmirror.surveys.models import Response, Scan

    base = live_server.url
    settings.TRUSTMIRROR_BASE_URL = base

    # 1. Carla creates the scan in the browser; nobody is shown a link. The worker e-mails
    #    everyone theirs, and the scan's page shows the sending done.
    consultant = chromium_browser.new_context(locale="en-GB")
    page = consultant.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, base, "carla")
    page.click("text=New scan")
    page.fill("#id_name", "Autumn scan")
    page.fill("#id_opens_on", "2026-01-01")
    page.fill("#id_closes_on", "2099-12-31")
    page.click("main button[type=submit]")
    page.wait_for_selector("#delivery")
    assert not LINK_ANYWHERE.search(page.content())
    assert page.locator('[data-count="to-send"]').inner_text() == "14"
    assert messages_send().sent == 14
    links = {}
    for message in mail.outbox:
        (person,) = [p for p in acme.people.values() if p.email in message.to]
        links[person.name] = LINK_ANYWHERE.search(message.body).group(1)
    assert set(links) == set(acme.people)
    page.reload()
    assert page.locator('[data-count="sent"]').inner_text() == "14"
    scan = Scan.objects.get(name="Autumn scan")
    # The form's default: the newest questionnaire, in full.
    assert (scan.instrument_version, scan.form) == ("2", "full")
    instrument = load_instrument(scan.instrument_id, scan.instrument_version, scan.form)

    # 2. Four of Fay's colleagues answer (through the same services the pages use).
    for name in ("Ann", "Bob", "Cas", "Evi"):
        token = links[name]
        for number, survey_page in enumerate(instrument.pages, start=1):
            page_save(
                invitation=invitation_for_token(token),
                token=token,
                page_number=number,
                answers={item_id: 4 for item_id in survey_page.item_ids},
                language="en",
            )
        assert response_submit(invitation=invitation_for_token(token), token=token)

    # 3. Fay answers in the browser: two pages, leaves, comes back with only her link.
    fay = chromium_browser.new_context(locale="en-GB")
    survey = fay.new_page()
    survey.set_default_timeout(20_000)
    survey.goto(f"{base}/s/{links['Fay']}")
    survey.click("#start-survey")
    for number in (1, 2):
        survey.wait_for_url(re.compile(rf"/p/{number}(\?.*)?$"))
        answer_page(survey, instrument.pages[number - 1].item_ids, 4)
        survey.locator(".page-actions button.primary").click()
    survey.wait_for_url(re.compile(r"/p/3(\?.*)?$"))
    fay.close()

    fay = chromium_browser.new_context(locale="en-GB")
    survey = fay.new_page()
    survey.set_default_timeout(20_000)
    survey.goto(f"{base}/s/{links['Fay']}")
    survey.wait_for_url(re.compile(r"/p/3(\?.*)?$"))  # resumes where she left off
    for number in range(3, len(instrument.pages) + 1):
        answer_page(survey, instrument.pages[number - 1].item_ids, 4)
        survey.locator(".page-actions button.primary").click()
    survey.wait_for_url(re.compile(r"/review$"))
    survey.click("#submit-answers")
    survey.wait_for_selector("#thanks")
    fay.close()
    assert Response.objects.filter(scan=scan, submitted=True, unit=acme.north).count() == 5

    # 4. The scan closes and the worker publishes its results, as it does on its schedule.
    from trustmirror.results.tasks import publish_scan
    from trustmirror.surveys.services import scan_close

    scan_close(scan=scan)
    assert publish_scan.call(scan.pk)[0].startswith("Published final results")

    # 5. Dana signs in and opens her team's results from the dashboard.
    lead = chromium_browser.new_context(locale="en-GB")
    dana = lead.new_page()
    dana.set_default_timeout(20_000)
    sign_in(dana, base, "dana")
    dana.click("text=Results of Team North")
    dana.wait_for_selector("svg")
    body = dana.locator("main").inner_text()
    assert "Team North beside the organisation" in body
    # The page starts with its story; a lead's tables show no counts.
    assert body.index("In short") < body.index("Team North beside the organisation")
    assert "n = " not in body
    # Everyone in North answered 4 to every statement: reverse-keyed items score 2, so each
    # theme mean lies between 2 and 4 and is shown with one decimal.
    safety = instrument.construct("safety_security")
    keyed = [4 if item.key > 0 else 2 for item in safety.items]
    expected = f"{sum(keyed) / len(keyed):.1f}"
    row = dana.locator("tr", has_text=safety.label["en"]).first
    assert expected in row.inner_text()
    lead.close()

    # 6. Carla's overview shows the organisation; one level down, Logistics' teams, with
    #    "fewer than 5 respondents" for those that have none, never a number for them.
    page.goto(f"{base}/o/acme/scans/{scan.pk}/")
    assert "Final results" in page.locator("main").inner_text()
    page.click("text=units of Operations")
    page.click("text=units of Logistics")
    overview = page.locator("main").inner_text()
    assert "Team South" in overview and "Fewer than 5 respondents" in overview
    consultant.close()
