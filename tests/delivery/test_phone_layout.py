"""The consultant's delivery pages fit a phone in both languages (WCAG 1.4.10 at 390 px).

Dutch labels are longer: "Onbekend, niet opnieuw verstuurd" once pushed the sending counts
off the right edge of the scan page.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

PASSWORD = "correct-horse-battery"
PHONE = {"width": 390, "height": 844}


def _sign_in(page, base_url: str) -> None:
    page.goto(f"{base_url}{reverse('login')}")
    page.fill("#id_username", "carla")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/o/acme/$"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["nl", "en"])
def test_scan_pages_fit_a_phone(chromium_browser, live_server, acme, language):
    from trustmirror.delivery.models import Message
    from trustmirror.orgs.models import Person
    from trustmirror.surveys.models import Scan
    from trustmirror.surveys.services import scan_create

    # Three-digit counts, as in a real organisation.
    Person.objects.bulk_create(
        Person(organisation=acme.org, name=f"P{i}", email=f"p{i}@acme.test", unit=acme.east)
        for i in range(140)
    )
    today = timezone.localdate()
    dates = {"opens_on": today - dt.timedelta(days=1), "closes_on": today + dt.timedelta(days=9)}
    by_mail = scan_create(organisation=acme.org, name="Autumn trust scan", **dates)
    # Every kind of count on the page, with numbers of more than one digit.
    messages = list(Message.objects.filter(scan=by_mail).order_by("pk"))
    states = [Message.SENT] * 120 + [Message.FAILED] * 10 + [Message.UNKNOWN] * 10
    for message, state in zip(messages, states, strict=False):
        message.state = state
        message.save(update_fields=["state"])
    on_paper = scan_create(
        organisation=acme.org, name="Spring trust scan", delivery=Scan.LETTERS, **dates
    )

    context = chromium_browser.new_context(locale="nl-NL" if language == "nl" else "en-GB")
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.set_viewport_size(PHONE)
        _sign_in(page, live_server.url)
        for path, shown in (
            (reverse("scans:manage", kwargs={"org": "acme", "scan_id": by_mail.pk}), "#delivery"),
            (reverse("scans:manage", kwargs={"org": "acme", "scan_id": on_paper.pk}), "#delivery"),
            (reverse("scans:create", kwargs={"org": "acme"}), 'input[name="delivery"]'),
        ):
            page.goto(live_server.url + path)
            assert page.locator("html").get_attribute("lang") == language
            assert page.locator(shown).first.is_visible(), path  # the page itself, not a 404
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{path} in {language} is {width} px wide"
    finally:
        context.close()
