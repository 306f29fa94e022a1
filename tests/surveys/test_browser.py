"""End to end in real headless Chromium: Ann answers the trust scan from her private link.

Ann works in Team North and reads English. She starts on a laptop, switches to Dutch halfway
through a page, leaves, comes back on her phone, finishes, double-clicks "submit", and finds
the link closed to her afterwards. The database must hold exactly one submitted response with
her answers and her unit, and nothing that points to her.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

PHONE = {"width": 390, "height": 844}


def assert_no_sideways_scroll(page):
    """Nothing on the page is wider than the screen (WCAG 1.4.10 at 390 px)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width} px wide"


def answer(page, item_id, value, expected):
    """Click the label (not the tiny radio) of one option, as a person would."""
    page.locator(f'label.option:has(input[name="item-{item_id}"][value="{value}"])').click()
    expected[item_id] = value


def assert_checked(page, answers):
    for item_id, value in answers.items():
        radio = page.locator(f'input[name="item-{item_id}"][value="{value}"]')
        assert radio.is_checked(), f"{item_id} should show answer {value}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_ann_answers_leaves_resumes_and_submits_once(
    page, chromium_browser, live_server, acme, settings
):
    from trustmirror.instrument import load_instrument
    from trustmirror.surveys.models import Invitation, Response
    from trustmirror.surveys.services import links_issue, scan_create

    instrument = load_instrument()
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
    invitations_before = list(Invitation.objects.filter(scan=scan).values())
    link = f"{live_server.url}/s/{token}"
    pages = instrument.pages
    expected: dict[str, int] = {}

    # The link: the privacy promise first, in Ann's language.
    page.goto(link)
    assert page.request.get(f"{live_server.url}/static/trustmirror/survey.css").ok
    promise = page.locator("section.promise")
    assert "Your answers are anonymous" in promise.inner_text()
    assert "at least 5 people" in promise.inner_text()
    assert promise.locator('a[href="/privacy/"]').count() == 1
    page.click("#start-survey")
    page.wait_for_url(re.compile(r"/p/1"))
    assert f"Page 1 of {len(pages)}" in page.locator("#progress").inner_text()
    assert page.locator("h1").inner_text() == pages[0].title["en"]

    # Page 1, all answered; "don't know" (0) included.
    for i, item_id in enumerate(pages[0].item_ids):
        answer(page, item_id, i % 6, expected)
    page.locator(".page-actions button.primary").click()
    page.wait_for_url(re.compile(r"/p/2$"))

    # Page 2: half answered, then Dutch, mid-page. The answers stay, the texts change.
    half = pages[1].item_ids[: len(pages[1].item_ids) // 2]
    for item_id in half:
        answer(page, item_id, 4, expected)
    page.click('button[name="lang"][value="nl"]')
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.locator("h1").inner_text() == pages[1].title["nl"]
    assert instrument.items[half[0]].text["nl"] in page.locator(f"#q-{half[0]}").inner_text()
    assert_checked(page, {item_id: expected[item_id] for item_id in half})

    # Ann leaves: her laptop session is gone.
    page.context.close()

    # Back on her phone, with a fresh browser: no cookie, only the link.
    phone = chromium_browser.new_context(locale="en-GB", viewport=PHONE, has_touch=True)
    try:
        mobile = phone.new_page()
        mobile.set_default_timeout(15_000)
        mobile.goto(link)
        # Pages 1 and 2 hold answers: she continues at page 3, still in Dutch.
        mobile.wait_for_url(re.compile(r"/p/3$"))
        assert mobile.locator("html").get_attribute("lang") == "nl"
        assert mobile.locator("h1").inner_text() == pages[2].title["nl"]
        # One option per row on a phone, each big enough for a thumb.
        first = mobile.locator(f'label.option:has(input[name="item-{pages[2].item_ids[0]}"])')
        boxes = [first.nth(i).bounding_box() for i in range(first.count())]
        assert all(box["height"] >= 40 and box["width"] >= 300 for box in boxes)
        assert len({round(box["x"]) for box in boxes}) == 1

        # Back to page 2: the earlier answers are there; finish the page.
        mobile.locator('.page-actions button[value="back"]').click()
        mobile.wait_for_url(re.compile(r"/p/2$"))
        assert_checked(mobile, {item_id: expected[item_id] for item_id in half})
        for item_id in pages[1].item_ids[len(half) :]:
            answer(mobile, item_id, 2, expected)
        mobile.locator(".page-actions button.primary").click()
        mobile.wait_for_url(re.compile(r"/p/3$"))

        # The rest; one statement on page 4 is skipped on purpose.
        skipped = pages[3].item_ids[0]
        open_texts = {}
        for number, survey_page in enumerate(pages[2:], start=3):
            assert f"{number}" in mobile.locator("#progress").inner_text()
            for i, item_id in enumerate(survey_page.item_ids):
                if item_id != skipped:
                    answer(mobile, item_id, 1 + (i % 5), expected)
            for question_id in survey_page.open_question_ids:
                open_texts[question_id] = f"Answer to {question_id}: talk more often."
                mobile.fill(f'textarea[name="open-{question_id}"]', open_texts[question_id])
            mobile.locator(".page-actions button.primary").click()
            if number < len(pages):
                mobile.wait_for_url(re.compile(rf"/p/{number + 1}$"))

        # Review: a gentle note about the skipped statement, then submit (double-clicked).
        mobile.wait_for_url(re.compile(r"/review$"))
        assert_no_sideways_scroll(mobile)
        assert "1" in mobile.locator("#skipped-note").inner_text()
        mobile.locator("#submit-answers").dblclick()
        mobile.wait_for_selector("#thanks")
        assert_no_sideways_scroll(mobile)
        assert mobile.locator("html").get_attribute("lang") == "nl"

        # The link now only says thank you; the answers cannot be read back.
        mobile.goto(link)
        assert mobile.locator("#thanks").count() == 1
        assert mobile.locator('input[type="radio"]').count() == 0
        mobile.goto(f"{link}/p/1")
        assert mobile.locator("#thanks").count() == 1
    finally:
        phone.close()

    responses = list(Response.objects.filter(scan=scan))
    assert len(responses) == 1
    response = responses[0]
    assert response.submitted is True
    assert response.answers == expected
    assert skipped not in response.answers
    assert response.open_answers == open_texts
    assert response.unit_id == acme.north.pk
    assert response.language == "nl"
    # Answering wrote nothing to any invitation: nobody can tell who answered.
    assert list(Invitation.objects.filter(scan=scan).values()) == invitations_before


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_error_summary_focus_and_phone_tab_order(chromium_browser, live_server, acme):
    """Accessibility review, items 4 and 9: after a failed POST focus is on the error summary,
    which leads to the question; on a phone Tab follows the page actions as they are shown."""
    from trustmirror.instrument import load_instrument
    from trustmirror.surveys.services import links_issue, scan_create

    instrument = load_instrument()
    today = timezone.localdate()
    scan = scan_create(
        organisation=acme.org,
        name="Autumn",
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=9),
    )
    links = links_issue(scan=scan)
    token = next(link.token for link in links if link.person.name == "Ann")
    phone = chromium_browser.new_context(locale="en-GB", viewport=PHONE, has_touch=True)
    try:
        page = phone.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/s/{token}")
        assert_no_sideways_scroll(page)  # the promise
        page.goto(f"{live_server.url}/s/p/2")
        assert_no_sideways_scroll(page)

        # Tab order of the actions = the order shown, top to bottom: next, save, previous.
        items = instrument.pages[1].item_ids
        page.locator(f'input[name="item-{items[-1]}"][value="0"]').focus()
        order = []
        for _ in range(3):
            page.keyboard.press("Tab")
            order.append(page.evaluate("document.activeElement.value"))
        assert order == ["next", "save", "back"]
        tops = [
            page.locator(f'.page-actions button[value="{value}"]').bounding_box()["y"]
            for value in order
        ]
        assert tops == sorted(tops) and len(set(tops)) == 3

        # A tampered answer: after the POST, focus is on the summary, which leads to it.
        page.evaluate(
            "name => { const r = document.querySelector(`input[name='${name}']`);"
            " r.value = '7'; r.checked = true; }",
            f"item-{items[1]}",
        )
        page.locator(".page-actions button.primary").click()
        page.wait_for_selector("#page-errors")
        assert page.evaluate("document.activeElement.id") == "page-errors"
        assert page.title().startswith("Error: ")
        assert_no_sideways_scroll(page)
        page.locator(f'#page-errors a[href="#q-{items[1]}"]').click()
        assert page.url.endswith(f"#q-{items[1]}")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.name") == f"item-{items[1]}"
    finally:
        phone.close()
