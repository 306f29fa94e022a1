"""The survey link's token in real Chromium: used once, then never sent again.

Security review H2 (c): Chromium sent ``Referer: …/s/<token>/p/1`` with the style sheets and
the privacy page. Here Ann answers in the browser while every request the browser makes is
recorded (``context.on("request")``). After the link itself, no request URL and no Referer
holds her token: not while answering, not after a language switch, not after "save and
continue later", and not when she resumes in a second browser with only the link.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def answer_page(page, item_ids, value) -> None:
    for item_id in item_ids:
        page.locator(f'label.option:has(input[name="item-{item_id}"][value="{value}"])').click()


class Recorder:
    """Every request of a browser context with the headers it was sent with.

    The headers as the request is made (Referer included; cookies are left out); :meth:`read`
    replaces them by the full set sent on the wire where the page is still open.
    """

    def __init__(self, context) -> None:
        self.requests = []
        self.sent = []
        context.on("request", self.record)

    def record(self, request) -> None:
        self.requests.append((request, dict(request.headers)))

    def read(self) -> None:
        for request, headers in self.requests:
            if not request.frame.page.is_closed():
                headers = request.all_headers()
            self.sent.append((request.url, headers))


def assert_token_only_in_the_link(recorders, token: str, link: str) -> None:
    sent = [item for recorder in recorders for item in recorder.sent]
    assert len(sent) > 20
    with_referer = 0
    for url, headers in sent:
        referer = headers.get("referer", "")
        with_referer += bool(referer)
        assert token not in referer, f"{url} was sent Referer {referer}"
        if url != link:
            assert token not in url, url
    # Navigations inside the survey do carry a (token-free) Referer: the check saw some.
    assert with_referer > 5


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_after_the_link_no_request_carries_the_token(chromium_browser, live_server, acme):
    from trustmirror.instrument import load_instrument
    from trustmirror.surveys.models import Response
    from trustmirror.surveys.services import links_issue, scan_create

    instrument = load_instrument()
    pages = instrument.pages
    today = timezone.localdate()
    scan = scan_create(
        organisation=acme.org,
        name="Autumn trust scan",
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=14),
        min_group_size=5,
    )
    links = links_issue(scan=scan)
    token = next(link.token for link in links if link.person.name == "Ann")
    link = f"{live_server.url}/s/{token}"

    # On her laptop: the link, the promise, two pages, Dutch halfway, the privacy page.
    laptop = chromium_browser.new_context(locale="en-GB", viewport=DESKTOP)
    recorders = [Recorder(laptop)]
    page = laptop.new_page()
    page.set_default_timeout(15_000)
    page.goto(link)
    assert page.url == f"{live_server.url}/s/start"
    assert "Your answers are anonymous" in page.locator("section.promise").inner_text()
    (cookie,) = [c for c in laptop.cookies() if c["name"] == "tm_survey"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/s/"
    assert cookie["expires"] == -1  # a session cookie
    assert token not in page.evaluate("document.cookie")  # no script can read it

    page.click("#start-survey")
    page.wait_for_url(re.compile(r"/s/p/1\?lang=en$"))
    answer_page(page, pages[0].item_ids, 4)
    page.locator(".page-actions button.primary").click()
    page.wait_for_url(re.compile(r"/s/p/2$"))
    answer_page(page, pages[1].item_ids[:2], 2)
    page.click('button[name="lang"][value="nl"]')
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "nl"
    with laptop.expect_page() as popup:
        page.click("footer a[href='/privacy/']")
    popup.value.wait_for_load_state()
    popup.value.close()
    page.locator('.page-actions button[value="save"]').click()
    page.wait_for_url(re.compile(r"/s/p/2\?saved=1$"))
    recorders[0].read()
    laptop.close()

    # On her phone, with only the link: she continues at page 3, in Dutch, and submits.
    phone = chromium_browser.new_context(locale="en-GB", viewport=PHONE, has_touch=True)
    recorders.append(Recorder(phone))
    mobile = phone.new_page()
    mobile.set_default_timeout(15_000)
    mobile.goto(link)
    mobile.wait_for_url(re.compile(r"/s/p/3$"))
    assert mobile.locator("html").get_attribute("lang") == "nl"
    for number in range(3, len(pages) + 1):
        answer_page(mobile, pages[number - 1].item_ids, 3)
        mobile.locator(".page-actions button.primary").click()
        if number < len(pages):
            mobile.wait_for_url(re.compile(rf"/s/p/{number + 1}$"))
    mobile.wait_for_url(re.compile(r"/s/review$"))
    mobile.click('button[name="lang"][value="en"]')
    mobile.wait_for_url(re.compile(r"/s/review$"))
    mobile.click("#submit-answers")
    mobile.wait_for_selector("#thanks")
    assert mobile.url == f"{live_server.url}/s/thanks"
    mobile.goto(link)  # the link afterwards: only "thank you"
    mobile.wait_for_selector("#thanks")
    recorders[1].read()
    phone.close()

    assert_token_only_in_the_link(recorders, token, link)
    response = Response.objects.get(scan=scan)
    assert (
        response.submitted
        and len(response.answers) == len(instrument.items) - len(pages[1].item_ids) + 2
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_second_link_in_the_same_browser(chromium_browser, live_server, acme):
    """The link opened last wins; a tab of the first survey then saves nothing into it."""
    from trustmirror.instrument import load_instrument
    from trustmirror.surveys.models import Response
    from trustmirror.surveys.services import links_issue, scan_create

    instrument = load_instrument()
    today = timezone.localdate()
    dates = {"opens_on": today - dt.timedelta(days=1), "closes_on": today + dt.timedelta(days=9)}
    autumn = scan_create(organisation=acme.org, name="Autumn", **dates)
    spring = scan_create(organisation=acme.org, name="Spring", **dates)
    autumn_links, spring_links = links_issue(scan=autumn), links_issue(scan=spring)
    first = next(link.token for link in autumn_links if link.person.name == "Ann")
    second = next(link.token for link in spring_links if link.person.name == "Ann")

    context = chromium_browser.new_context(locale="en-GB")
    try:
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        tab.goto(f"{live_server.url}/s/{first}")
        tab.click("#start-survey")
        tab.wait_for_url(re.compile(r"/s/p/1"))
        answer_page(tab, instrument.pages[0].item_ids, 4)

        other = context.new_page()
        other.goto(f"{live_server.url}/s/{second}")
        assert "Spring" in other.locator("h1").inner_text()

        tab.locator(".page-actions button.primary").click()
        tab.wait_for_selector("#no-session[data-switched]")
        assert "Another survey link was opened" in tab.locator("h1").inner_text()
        assert not Response.objects.exists()

        other.click("#start-survey")
        other.wait_for_url(re.compile(r"/s/p/1"))
        answer_page(other, instrument.pages[0].item_ids, 2)
        other.locator(".page-actions button.primary").click()
        other.wait_for_url(re.compile(r"/s/p/2$"))
        assert Response.objects.get().scan == spring

        tab.goto(f"{live_server.url}/s/{first}")  # the first link again: its survey is back
        assert "Autumn" in tab.locator("h1").inner_text()
    finally:
        context.close()
    assert autumn.pk != spring.pk
