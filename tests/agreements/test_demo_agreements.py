"""The demo tells the agreements' story: a history after scan 1, open ones after scan 2."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from trustmirror import demo
from trustmirror.agreements.models import Agreement, CheckIn
from trustmirror.agreements.summary import linked_changes, organisation_summary
from trustmirror.demo import story
from trustmirror.orgs.models import Unit
from trustmirror.results.selectors import published_results
from trustmirror.surveys.models import Scan


@pytest.fixture
def seeded(db, tmp_path):
    info = demo.seed_demo(data_dir=tmp_path, progress=False)
    scan1, scan2 = Scan.objects.order_by("opens_on")
    return info, scan1, scan2


def test_agreements_with_a_history_after_scan_1_and_open_ones_after_scan_2(seeded):
    """One seed for the whole history (seeding takes a while)."""
    _info, scan1, scan2 = seeded
    agreements = list(Agreement.objects.filter(scan=scan1).prefetch_related("owners"))
    per_team = Counter(a.unit.path for a in agreements)
    assert len(per_team) >= 4
    assert all(2 <= n <= 4 for n in per_team.values())
    statuses = Counter(
        CheckIn.objects.filter(agreement__scan=scan1).values_list("status", flat=True)
    )
    assert set(statuses) == {CheckIn.KEPT, CheckIn.PARTLY, CheckIn.NOT_KEPT}
    for agreement in agreements:
        assert agreement.themes
        assert agreement.due_on < scan2.opens_on
        assert agreement.check_ins.exists()
        assert all(owner.unit_id == agreement.unit_id for owner in agreement.owners.all())
        assert all(c.on <= timezone.localdate() for c in agreement.check_ins.all())
    # After scan 2: open ones, waiting for a check-in.
    today = timezone.localdate()
    open_ = list(Agreement.objects.filter(scan=scan2))
    assert open_ and all(a.due_on > today and not a.check_ins.exists() for a in open_)
    assert any(a.check_in_on is not None and a.check_in_on <= today for a in open_)
    # The member login owns one, so "waiting for your check-in" has something to show.
    member = get_user_model().objects.get(username=story.MEMBER_LOGIN[0])
    assert any(member.person in a.owners.all() for a in open_)
    # The organisation sees scan 1's pooled ratio: five teams made agreements.
    summary = organisation_summary(scan1.organisation, scan1)
    assert summary.teams == len(story.TEAMS)
    assert summary.teams_with_agreements == len({s.team for s in story.AGREEMENTS_SCAN1})
    assert summary.organisation.shown


def test_the_next_scans_team_page_shows_a_linked_change(seeded, client):
    _info, _scan1, scan2 = seeded
    planning = Unit.objects.get(path=story.IMPROVING_TEAM)
    results, _ = published_results(scan2)
    lines = linked_changes(results, results.unit_group(planning), "en")
    shown = [line for line in lines if line.own is not None and line.others.shown]
    assert shown
    client.force_login(get_user_model().objects.get(username=story.MEMBER_LOGIN[0]))
    page = client.get(
        reverse(
            "results:unit_profile",
            kwargs={"org": story.ORGANISATION_SLUG, "scan_id": scan2.pk, "unit_id": planning.pk},
        ),
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert 'id="agreements-linked"' in page
    assert re.search(r"our team [+−]\d\.\d", page)
