"""A reload must not reveal a colleague: the attack of two moments, through the pages.

Dana leads Team North (six people). With interim results on, five of North answer, a version
is published and Dana reads her team's page; a sixth answers, the worker publishes again and
Dana reloads. Without the release rule, ``6 x new mean - 5 x old mean`` gave the sixth
person's score on every scale. With it, nothing on any page moves until at least k new
answers of North enter together, and the closing version obeys the same rule.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone

from trustmirror.instrument import load_instrument
from trustmirror.privacy.audit import find_disclosure
from trustmirror.results.models import IncludedResponse, Publication, PublishedGroup
from trustmirror.results.publishing import publication_attempt
from trustmirror.surveys.answering import invitation_for_token, page_save, response_submit
from trustmirror.surveys.services import links_issue, scan_close, scan_create

pytestmark = pytest.mark.django_db

K = 5
STATUS = re.compile(r'<div class="status-line".*?</div>', re.S)
# The open answers' section: at close it says which k the answers need; its answers are
# checked in tests/results/test_open_answers.py.
COMMENTS = re.compile(r'<section class="card" id="comments".*?</section>', re.S)


def answer(token: str, rng: np.random.Generator) -> None:
    """One respondent answers every page with their own answers and submits."""
    invitation = invitation_for_token(token)
    instrument = load_instrument()
    for number, page in enumerate(instrument.pages, start=1):
        page_save(
            invitation=invitation,
            token=token,
            page_number=number,
            answers={item: int(rng.integers(1, 6)) for item in page.item_ids},
            language="en",
        )
    assert response_submit(invitation=invitation, token=token)


def worker_runs(scan) -> Publication:
    """What the worker does on its schedule (without waiting for the interval)."""
    outcome = publication_attempt(scan=scan, force=True)
    assert outcome.kind == "published", outcome.lines
    return outcome.publication


def visible_numbers(html: str) -> list[str]:
    """Every number a reader sees in the page's main part, apart from the version line."""
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    main = COMMENTS.sub("", STATUS.sub("", main))
    return re.findall(r"\d+(?:[.,]\d+)?", " ".join(re.findall(r">([^<]*)<", main)))


def main_part(html: str) -> str:
    return STATUS.sub("", html.split("<main", 1)[1].split("</main>", 1)[0])


@pytest.fixture
def interim(acme):
    today = timezone.localdate()
    scan = scan_create(
        organisation=acme.org,
        name="Open with interim results",
        opens_on=today - dt.timedelta(days=2),
        closes_on=today + dt.timedelta(days=12),
        min_group_size=K,
        max_cut_dimensions=0,
        interim_results=True,
    )
    links = links_issue(scan=scan)
    tokens = {link.person.name: link.token for link in links}
    return scan, tokens


def north_page(client, acme, scan) -> str:
    client.force_login(acme.dana)
    url = reverse(
        "results:unit_profile", kwargs={"org": "acme", "scan_id": scan.pk, "unit_id": acme.north.pk}
    )
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_sixth_answer_changes_nothing_on_the_leads_page(client, acme, interim):
    scan, tokens = interim
    rng = np.random.default_rng(11)
    for name in ("Ann", "Bob", "Cas", "Dana", "Evi"):
        answer(tokens[name], rng)
    first = worker_runs(scan)
    before = north_page(client, acme, scan)
    assert 'class="score"' in before and "Team North beside the organisation" in before

    answer(tokens["Fay"], rng)  # the sixth
    second = worker_runs(scan)
    after = north_page(client, acme, scan)

    assert second.version == first.version + 1
    assert visible_numbers(after) == visible_numbers(before)
    # Text, tables and charts alike: the page is the same but for its version line.
    assert main_part(after) == main_part(before)
    # The stored versions agree: North, its department and the organisation did not move.
    for key in ("org", f"u:{acme.north.pk}", f"u:{acme.north.parent_id}"):
        old = PublishedGroup.objects.get(publication=first, key=key)
        new = PublishedGroup.objects.get(publication=second, key=key)
        assert (old.n, old.stats) == (new.n, new.stats), key
    assert "The numbers include 5 answers" in after


def test_the_organisation_and_the_closing_version_keep_the_sixth_out_too(client, acme, interim):
    scan, tokens = interim
    rng = np.random.default_rng(12)
    for name in ("Ann", "Bob", "Cas", "Dana", "Evi", "Eli", "Gus", "Hal", "Ivo", "Jet"):
        answer(tokens[name], rng)  # North five, South five
    first = worker_runs(scan)
    client.force_login(acme.carla)
    overview = reverse("results:scan_overview", kwargs={"org": "acme", "scan_id": scan.pk})
    before = client.get(overview).content.decode()
    # 10 of Acme's 14: with 4 missing the count itself is withheld (it would say "4 of you").
    assert "The numbers include" not in before and "At least 71% answered" in before

    answer(tokens["Fay"], rng)  # North's sixth
    answer(tokens["Kim"], rng)  # and one of East (three people, never k)
    scan_close(scan=scan)
    final = worker_runs(scan)
    assert final.final and final.respondents is None
    assert IncludedResponse.objects.filter(scan=scan).count() == 10
    after = client.get(overview).content.decode()
    assert visible_numbers(after) == visible_numbers(before)
    assert "Final results" in after and "The numbers include" not in after

    # Everything ever published for this scan, in all its versions together: atoms are
    # (unit, version of entry), a number of version v covers its group's atoms up to v.
    entered = {}
    for publication in (first, final):
        added = publication.meta["added"]["respondents"]
        for unit, n in zip(publication.meta["units"], added, strict=True):
            if n:
                entered[(int(unit), publication.version)] = n
    published = {}
    for publication in (first, final):
        for name in publication.meta["families"]["respondents"]:
            members = set(publication.meta["members"][name])
            published[(publication.version, name)] = {
                (unit, version)
                for unit, version in entered
                if unit in members and version <= publication.version
            }
    assert find_disclosure(entered, published, K) is None


def test_without_interim_results_the_pages_show_participation_until_close(client, acme):
    today = timezone.localdate()
    scan = scan_create(
        organisation=acme.org,
        name="Open, results at close",
        opens_on=today - dt.timedelta(days=2),
        closes_on=today + dt.timedelta(days=12),
        min_group_size=K,
    )
    links = links_issue(scan=scan)
    tokens = {link.person.name: link.token for link in links}
    rng = np.random.default_rng(13)
    for name in ("Ann", "Bob", "Cas", "Dana", "Evi", "Fay"):
        answer(tokens[name], rng)
    participation = worker_runs(scan)
    assert participation.track == Publication.PARTICIPATION
    page = north_page(client, acme, scan)
    assert "Results appear when it closes" in page
    assert "Participation" in page and 'class="score"' not in page and "<svg" not in page

    scan_close(scan=scan)
    results = worker_runs(scan)
    assert results.track == Publication.RESULTS and results.final
    page = north_page(client, acme, scan)
    assert "Team North beside the organisation" in page and "<svg" in page
    north = PublishedGroup.objects.get(publication=results, key=f"u:{acme.north.pk}")
    assert north.n == 6  # everyone, at once: a single moment


def test_participation_moves_in_steps_too(client, acme):
    """A participation figure that rose by one would tell who has just answered."""
    today = timezone.localdate()
    scan = scan_create(
        organisation=acme.org,
        name="Participation in steps",
        opens_on=today - dt.timedelta(days=2),
        closes_on=today + dt.timedelta(days=12),
        min_group_size=K,
    )
    links = links_issue(scan=scan)
    tokens = {link.person.name: link.token for link in links}
    rng = np.random.default_rng(14)
    for name in ("Eli", "Gus", "Hal", "Ivo", "Jet"):  # all five of South
        answer(tokens[name], rng)
    worker_runs(scan)
    client.force_login(acme.carla)
    url = reverse("results:scan_overview", kwargs={"org": "acme", "scan_id": scan.pk})
    before = client.get(url + f"?level=u:{acme.south.parent_id}").content.decode()
    assert "100%" in before  # South: five of five
    answer(tokens["Ann"], rng)  # one of North
    worker_runs(scan)
    after = client.get(url + f"?level=u:{acme.south.parent_id}").content.decode()
    assert visible_numbers(after) == visible_numbers(before)
