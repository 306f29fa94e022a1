"""Publishing: when a version is due, what a failed or dead build leaves, the worker's tasks
and the ``publish_results`` command.

The scan of tests/results/conftest.py closed on 31 October 2026 and its final results are
published (Team North 6, Team South 2, Team East 3; k = 5).
"""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from trustmirror.results import publishing
from trustmirror.results.models import (
    IncludedResponse,
    Publication,
    PublishedChart,
)
from trustmirror.results.publishing import (
    STALE_BUILD,
    publication_attempt,
    publication_due,
    publication_is_due,
)
from trustmirror.surveys.models import Response, Scan
from trustmirror.surveys.services import scan_create

pytestmark = pytest.mark.django_db


def open_scan(acme, *, interim: bool, name="Open"):
    today = timezone.localdate()
    scan = scan_create(
        organisation=acme.org,
        name=name,
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=10),
        max_cut_dimensions=0 if interim else 1,
        interim_results=interim,
    )
    return scan


def add(scan, unit, n: int) -> None:
    for _ in range(n):
        Response.objects.create(
            scan=scan,
            unit=unit,
            resume_key=secrets.token_hex(32),
            answers={"saf1": 4, "saf2": 3},
            submitted=True,
        )


def test_what_is_due_follows_the_scans_phase(acme):
    today = timezone.localdate()
    scheduled = scan_create(
        organisation=acme.org,
        name="Next year",
        opens_on=today + dt.timedelta(days=30),
        closes_on=today + dt.timedelta(days=60),
    )
    assert publication_due(scheduled) is None
    assert publication_due(open_scan(acme, interim=False)) == Publication.PARTICIPATION
    assert publication_due(open_scan(acme, interim=True, name="Interim")) == Publication.RESULTS
    closed = open_scan(acme, interim=False, name="Closed early")
    closed.status = Scan.CLOSED
    assert publication_due(closed) == Publication.RESULTS


def test_an_open_scan_publishes_at_most_once_per_interval(acme, settings):
    settings.TRUSTMIRROR_PUBLISH_INTERVAL_MINUTES = 15
    scan = open_scan(acme, interim=True)
    add(scan, acme.north, 5)
    now = timezone.now()
    assert publication_is_due(scan, now=now)
    first = publication_attempt(scan=scan, now=now)
    assert first.kind == "published"
    assert not publication_is_due(scan, now=now + dt.timedelta(minutes=14))
    assert publication_attempt(scan=scan, now=now + dt.timedelta(minutes=14)).kind == "not_due"
    assert publication_is_due(scan, now=now + dt.timedelta(minutes=16))


def test_a_closed_scan_publishes_its_final_results_once(acme, scan):
    assert not publication_is_due(scan)
    again = publication_attempt(scan=scan, force=True)
    assert again.kind == "not_due" and "final results are published" in again.lines[0]
    assert Publication.objects.filter(scan=scan, status=Publication.PUBLISHED).count() == 1


def test_a_build_that_fails_while_writing_leaves_the_previous_version_in_place(acme, monkeypatch):
    scan = open_scan(acme, interim=True)
    add(scan, acme.north, 5)
    first = publication_attempt(scan=scan, force=True).publication
    add(scan, acme.north, 5)

    original = publishing._insert_groups  # bulk_create on SQLite, COPY on PostgreSQL

    def half_then_crash(groups):
        original(groups[:2])
        raise OSError("disk full")

    monkeypatch.setattr(publishing, "_insert_groups", half_then_crash)
    outcome = publication_attempt(scan=scan, force=True)
    assert outcome.kind == "failed" and "disk full" in outcome.lines[0]
    failed = Publication.objects.get(scan=scan, status=Publication.FAILED)
    assert failed.version is None and not failed.groups.exists()  # nothing half-written
    assert IncludedResponse.objects.filter(scan=scan).count() == 5  # none marked
    latest = Publication.objects.filter(scan=scan, status=Publication.PUBLISHED).get()
    assert latest == first


def test_a_build_left_by_a_dead_worker_is_never_served_and_is_taken_over(client, acme):
    scan = open_scan(acme, interim=True)
    add(scan, acme.north, 5)
    first = publication_attempt(scan=scan, force=True).publication
    # A worker was killed while building: its row stays "building".
    dead = Publication.objects.create(
        scan=scan,
        track=Publication.RESULTS,
        started_at=timezone.now() - STALE_BUILD - dt.timedelta(minutes=1),
        k=5,
        instrument_id="trustscan",
        instrument_version="1",
    )
    client.force_login(acme.carla)
    url = reverse("results:scan_overview", kwargs={"org": "acme", "scan_id": scan.pk})
    assert client.get(url).context["publication"] == first
    # A build that started a minute ago is still alive: the next attempt waits for it.
    alive = Publication.objects.create(
        scan=scan,
        track=Publication.RESULTS,
        started_at=timezone.now() - dt.timedelta(minutes=1),
        k=5,
        instrument_id="trustscan",
        instrument_version="1",
    )
    assert publication_attempt(scan=scan, force=True).kind == "busy"
    alive.delete()
    add(scan, acme.north, 5)
    second = publication_attempt(scan=scan, force=True)
    assert second.kind == "published" and second.publication.version == 2
    dead.refresh_from_db()
    assert dead.status == Publication.FAILED and "did not finish" in dead.error


def test_the_worker_task_publishes_and_draws_the_organisation_charts(acme, settings):
    from trustmirror.results.tasks import enqueue_due, publish_scan

    scan = open_scan(acme, interim=True)
    add(scan, acme.north, 6)
    lines = publish_scan.call(scan.pk)
    assert lines[0].startswith("Published results of scan")
    publication = Publication.objects.get(scan=scan, status=Publication.PUBLISHED)
    charts = set(
        PublishedChart.objects.filter(publication=publication).values_list("key", "language")
    )
    assert {("profile-chart:org", "en"), ("profile-chart:org", "nl")} <= charts
    # Nothing is due for this scan now; the scheduler enqueues only what is.
    assert scan.pk not in enqueue_due()


def test_the_scheduler_enqueues_each_due_scan_once(acme):
    from django_tasks_db.models import DBTaskResult

    from trustmirror.results.tasks import enqueue_due, publish_scan

    scan = open_scan(acme, interim=False)
    add(scan, acme.north, 5)
    assert scan.pk in enqueue_due()
    assert scan.pk not in enqueue_due()  # already waiting
    waiting = DBTaskResult.objects.ready().filter(task_path=publish_scan.module_path)
    assert [r.args_kwargs["args"] for r in waiting] == [[scan.pk]]


def test_publish_results_says_what_it_published_and_what_waits(acme, capsys):
    scan = open_scan(acme, interim=True)
    add(scan, acme.north, 6)
    add(scan, acme.south, 3)
    call_command("publish_results", str(scan.pk), "--quiet")
    out = capsys.readouterr().out
    assert f"Published results of scan {scan.pk}" in out and "version 1" in out
    assert "6 answers in the numbers" in out
    assert "held back: 3 answer(s) of Operations/Logistics/Team South" in out


def test_publish_results_refuses_an_unknown_scan(db):
    with pytest.raises(CommandError, match="no scan 987654"):
        call_command("publish_results", "987654", "--quiet")


def test_an_answer_committed_while_the_final_version_is_built_is_never_half_counted(
    acme, monkeypatch
):
    """The closing moment: an answer that was being submitted when the scan closed commits
    after the build read the answers. It must not be recorded as included without being in
    the numbers: nothing is published, and the next attempt includes it."""
    from trustmirror.results import publishing

    scan = open_scan(acme, interim=False)
    add(scan, acme.north, 5)
    scan.status = Scan.CLOSED
    scan.save()
    real_read = publishing._read

    def read_then_one_more(*args, **kwargs):
        data = real_read(*args, **kwargs)
        add(scan, acme.north, 1)
        return data

    monkeypatch.setattr(publishing, "_read", read_then_one_more)
    failed = publication_attempt(scan=scan, force=True)
    assert failed.kind == "failed" and "arrived" in failed.lines[0]
    assert not IncludedResponse.objects.filter(scan=scan).exists()
    monkeypatch.setattr(publishing, "_read", real_read)
    final = publication_attempt(scan=scan, force=True)
    assert final.kind == "published" and final.publication.respondents == 6
    assert IncludedResponse.objects.filter(scan=scan).count() == 6


def published_again(scan) -> dict:
    """Forget the scan's versions, publish it anew; each group's count, statistics, reason
    and change basis by key."""
    from trustmirror.results.models import PublishedGroup

    Publication.objects.filter(scan=scan).delete()
    outcome = publication_attempt(scan=scan, force=True)
    assert outcome.kind == "published"
    groups = PublishedGroup.objects.filter(publication=outcome.publication)
    return {g.key: (g.n, g.stats, g.reason, g.change_basis) for g in groups}


def test_answers_read_from_their_lines_publish_exactly_what_the_json_publishes(scan, instrument):
    """Submissions write each response's answers as a line of numbers too
    (surveys.answer_rows) and publishing reads those; the fixture's responses have no lines
    (as responses stored before lines existed), so the same scan is published from the JSON
    and, after the lines are written for some and then all responses, from the lines."""
    from trustmirror.surveys import answer_rows

    from_json = published_again(scan)
    assert any(stats for _, stats, _, _ in from_json.values())
    item_ids = list(instrument.items)
    responses = list(Response.objects.filter(scan=scan, submitted=True).order_by("pk"))
    assert all(r.answer_row == "" for r in responses)
    for i, response in enumerate(responses):
        response.answer_row = answer_rows.encode(item_ids, response.answers)
        assert response.answer_row
        if i % 2:
            response.save(update_fields=["answer_row"])
    assert published_again(scan) == from_json
    Response.objects.bulk_update(responses, ["answer_row"])
    assert published_again(scan) == from_json


def test_statistics_computed_in_chunks_of_groups_are_the_same(scan, monkeypatch):
    """The build computes group statistics in chunks of whole groups to keep its memory
    down (publishing._STATISTICS_CHUNK); chunks as small as one group publish the same."""
    whole = published_again(scan)
    assert sum(bool(stats) for _, stats, _, _ in whole.values()) >= 2
    monkeypatch.setattr(publishing, "_STATISTICS_CHUNK", 1)
    assert published_again(scan) == whole
