"""Trust Scan v2 counts a lead's answers in the unit above the one they lead
(``leads_count_in_parent`` in the file; surveys.answering.counting_unit_id): there "my
manager" is the lead's own manager, so a team's scores about its manager come only from the
people that manager leads. Version 1 keeps every answer in the person's own unit.

Acme: Dana leads Team North (under Operations/Logistics, with Team South); k = 5.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from trustmirror.instrument import load_instrument
from trustmirror.surveys.answering import (
    counting_unit_id,
    invitation_for_token,
    invited_per_counting_unit,
    page_save,
    response_submit,
)
from trustmirror.surveys.models import Response
from trustmirror.surveys.services import links_issue, scan_create

pytestmark = pytest.mark.django_db


def open_scan(acme, version: str, *, cuts: int = 0):
    today = timezone.localdate()
    scan = scan_create(
        organisation=acme.org,
        name=f"Scan v{version}",
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=14),
        min_group_size=5,
        max_cut_dimensions=cuts,
        instrument_version=version,
    )
    tokens = {link.person.name: link.token for link in links_issue(scan=scan)}
    return scan, tokens


def answer_and_submit(scan, token: str) -> None:
    instrument = load_instrument(scan.instrument_id, scan.instrument_version, scan.form)
    page = instrument.pages[0]
    invitation = invitation_for_token(token)
    page_save(
        invitation=invitation,
        token=token,
        page_number=1,
        answers={item: 4 for item in page.item_ids},
        open_answers={},
        language="en",
    )
    assert response_submit(invitation=invitation_for_token(token), token=token)


def unit_of_response(scan, token: str) -> int:
    from trustmirror.surveys.tokens import resume_key

    return Response.objects.get(scan=scan, resume_key=resume_key(token)).unit_id


def test_the_files_say_where_leads_count():
    assert load_instrument("trustscan", "2").leads_count_in_parent
    assert load_instrument("trustscan", "2", "pulse").leads_count_in_parent
    assert not load_instrument("trustscan", "1").leads_count_in_parent


def test_a_leads_answers_count_in_the_unit_above_in_v2_and_in_their_own_in_v1(acme):
    logistics = acme.north.parent
    v2, tokens2 = open_scan(acme, "2")
    v1, tokens1 = open_scan(acme, "1")
    for scan, tokens in ((v2, tokens2), (v1, tokens1)):
        for name in ("Dana", "Ann"):
            answer_and_submit(scan, tokens[name])
    # The draft already counts there, and the submission keeps it there.
    assert unit_of_response(v2, tokens2["Dana"]) == logistics.pk
    assert unit_of_response(v2, tokens2["Ann"]) == acme.north.pk
    assert unit_of_response(v1, tokens1["Dana"]) == acme.north.pk
    assert unit_of_response(v1, tokens1["Ann"]) == acme.north.pk


def test_a_lead_of_the_top_of_the_tree_counts_in_their_own_unit(acme):
    from trustmirror.orgs.models import Unit

    top = Unit.objects.get(organisation=acme.org, parent=None, name="Operations")
    boss = acme.people["Eli"]
    boss.unit, boss.is_lead = top, True
    boss.save()
    v2 = load_instrument("trustscan", "2")
    assert counting_unit_id(boss, v2) == top.pk
    assert counting_unit_id(acme.people["Dana"], v2) == acme.north.parent_id


def test_participation_counts_the_invited_where_their_answers_count(acme):
    v2, _ = open_scan(acme, "2")
    v1, _ = open_scan(acme, "1")
    logistics = acme.north.parent
    assert invited_per_counting_unit(v2)[acme.north.pk] == 5  # six people, Dana counted above
    assert invited_per_counting_unit(v2)[logistics.pk] == 1
    assert invited_per_counting_unit(v1)[acme.north.pk] == 6
    assert logistics.pk not in invited_per_counting_unit(v1)


def test_a_leads_bands_are_recoded_among_those_counted_in_the_same_unit(acme):
    """Bands are stored only as far as k invited people of the unit share them: for Dana
    that is the unit above, where she is the only one counted, so none of hers are kept."""
    for person in acme.people.values():
        person.bands = {"tenure": "1-5"}
        person.save()
    scan, tokens = open_scan(acme, "2", cuts=1)
    answer_and_submit(scan, tokens["Dana"])
    answer_and_submit(scan, tokens["Ann"])
    from trustmirror.surveys.tokens import resume_key

    dana = Response.objects.get(scan=scan, resume_key=resume_key(tokens["Dana"]))
    ann = Response.objects.get(scan=scan, resume_key=resume_key(tokens["Ann"]))
    assert ann.bands == {"tenure": "1-5"}  # five invited in North share it
    assert dana.bands == {}


def test_a_teams_published_scores_about_its_manager_come_from_the_people_they_lead(acme, publish):
    """North's members rate their manager (Dana) 2 on every manager question; Dana rates
    her own manager 5. North's published manager scores are 2 exactly: Dana's view of her
    manager is not mixed into her team's view of her."""
    from trustmirror.results.selectors import published_results
    from trustmirror.surveys.models import Scan

    scan, tokens = open_scan(acme, "2")
    v2 = load_instrument("trustscan", "2")
    manager_scales = [c.id for c in v2.constructs if all(i.referent == "manager" for i in c.items)]
    assert {"leader_integrity", "reliance_manager"} <= set(manager_scales)
    for name in ["Ann", "Bob", "Cas", "Dana", "Evi", "Fay", "Eli", "Gus", "Hal", "Ivo", "Jet"]:
        token = tokens[name]
        for number, page in enumerate(v2.pages, start=1):
            answers = {
                item: (5 if name == "Dana" else 2) if v2.items[item].referent == "manager" else 3
                for item in page.item_ids
            }
            page_save(
                invitation=invitation_for_token(token),
                token=token,
                page_number=number,
                answers=answers,
                open_answers={},
                language="en",
            )
        assert response_submit(invitation=invitation_for_token(token), token=token)
    scan.closes_on = timezone.localdate() - dt.timedelta(days=1)
    scan.status = Scan.CLOSED
    scan.save()
    publish(scan)
    results, _ = published_results(scan)
    north = results.unit_group(acme.north)
    assert north.shown
    for construct in manager_scales:
        stat = north.stat(construct)
        if stat is not None and stat.mean is not None:
            assert stat.mean == pytest.approx(2.0, abs=1e-9), construct
    assert north.stat("leader_integrity").mean == pytest.approx(2.0, abs=1e-9)
