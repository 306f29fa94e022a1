"""Exports: the published aggregates (CSV, XLSX) and the researchers' respondent-level files.

Acme's closed scan (tests/results/conftest.py, k = 5): Team North's six respondents are
shown; Team South (2) and Team East (3) are below k. The aggregates must hold exactly the
numbers the pages show and none for a hidden group; the research file must merge South and
East upward until each unit value has at least five rows, and link no row to a person.
Carla (admin) may download both; Alex (analyst) the aggregates only; Dana (lead) and Eli
(member) neither; Olga (another organisation) nothing of Acme.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import zipfile

import pandas as pd
import pyreadstat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from trustmirror.audit.models import AuditEvent
from trustmirror.cli import main
from trustmirror.privacy.research import TOP, language_per_unit, research_units
from trustmirror.results import research
from trustmirror.results.reading import lines, reason_for
from trustmirror.results.selectors import Group, published_results
from trustmirror.surveys.models import Response

pytestmark = pytest.mark.django_db
NUMBERS = slice(8, 14)  # mean .. agreement: the columns that hold numbers


def _csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _download(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("attachment;")
    return b"".join(response.streaming_content) if response.streaming else response.content


def _url(scan, what: str) -> str:
    return f"/o/acme/scans/{scan.pk}/export/{what}"


# -- aggregates -------------------------------------------------------------------------------


def test_aggregates_hold_exactly_the_numbers_the_pages_show(client, acme, scan):
    """Every row against the page's context: a shown group's mean, interval, n and share
    agreeing as the page prints them; a hidden group's reason and not one number."""
    client.force_login(acme.alex)
    rows = _csv(_download(client, _url(scan, "results.csv")).decode("utf-8"))
    header, rows = rows[0], rows[1:]
    assert header[0] == "Group" and header[8] == "Mean"
    results, _participation = published_results(scan)
    constructs = results.instrument.constructs
    from trustmirror.results.models import PublishedGroup

    groups = [
        Group.from_row(g) for g in PublishedGroup.objects.filter(publication=results.publication)
    ]
    assert {g.unit.name for g in groups if g.unit and not g.shown} >= {"Team South", "Team East"}
    by_label: dict[str, list[list[str]]] = {}
    for row in rows:
        by_label.setdefault(row[0], []).append(row)
    for group in groups:
        label = "Acme" if group.is_org else (group.unit.name if group.unit else None)
        if label is None:
            continue  # a roll-up: checked through every row below
        mine = by_label.pop(label)
        if not group.shown:
            assert len(mine) == 1
            assert mine[0][3] == "no"
            assert mine[0][4] == reason_for(results, group)
            assert all(cell == "" for cell in mine[0][5:])
            continue
        page = lines(results, constructs, None if group.is_org else group, "en")
        assert [row[6] for row in mine] == [c.id for c in constructs]
        for row, line in zip(mine, page, strict=True):
            stat = line.organisation if group.is_org else line.unit
            assert row[7] == line.label
            if stat is None:
                assert row[4] and all(cell == "" for cell in row[NUMBERS])
                continue
            assert float(row[8]) == round(stat.mean, 1)
            assert row[9] == ("" if stat.ci_low is None else str(round(stat.ci_low, 1)))
            assert row[10] == ("" if stat.ci_high is None else str(round(stat.ci_high, 1)))
            assert row[11] == ("" if stat.n is None else str(stat.n))
            favourable = "" if stat.favourable is None else str(round(100 * stat.favourable))
            assert row[12] == favourable
    assert all(row[3] in ("yes", "no") for row in rows)
    for row in rows:  # no hidden row anywhere holds a number
        if row[3] == "no":
            assert all(cell == "" for cell in row[5:]), row
    assert AuditEvent.objects.filter(
        user=acme.alex, action=AuditEvent.EXPORT_AGGREGATES, target__contains="csv en"
    ).exists()


def test_aggregates_xlsx_equal_the_csv(client, acme, scan):
    client.force_login(acme.carla)
    rows = _csv(_download(client, _url(scan, "results.csv")).decode("utf-8"))
    book = load_workbook(io.BytesIO(_download(client, _url(scan, "results.xlsx"))))
    assert book.sheetnames == ["Results"]
    cells = list(book["Results"].iter_rows(values_only=True))
    assert len(cells) == len(rows)
    for in_xlsx, in_csv in zip(cells, rows, strict=True):
        for value, text in zip(in_xlsx, in_csv, strict=True):
            if isinstance(value, int | float):  # a number stays a number in the workbook
                assert value == float(text)
            else:
                assert ("" if value is None else value) == text


def test_a_dutch_reader_gets_dutch_headers_reasons_and_scales(client, acme, scan):
    client.force_login(acme.carla)
    response = client.get(_url(scan, "results.csv"), HTTP_ACCEPT_LANGUAGE="nl")
    rows = _csv(b"".join(response.streaming_content).decode("utf-8"))
    assert rows[0][0] == "Groep"
    assert {"Schaal", "Deelname", "Eensgezindheid in de groep"} <= set(rows[0])
    south = next(row for row in rows if row[0] == "Team South")
    assert south[4].startswith("Minder dan 5")
    results, _p = published_results(scan)
    theme = results.instrument.themes[0]
    assert theme.label["nl"] in {row[7] for row in rows}
    assert "-nl.csv" in response["Content-Disposition"]
    # ?lang= chooses, whatever the browser says.
    again = client.get(_url(scan, "results.csv") + "?lang=en", HTTP_ACCEPT_LANGUAGE="nl")
    assert _csv(b"".join(again.streaming_content).decode("utf-8"))[0][0] == "Group"


def test_cells_are_formula_safe_in_csv_and_xlsx(client, acme, scan):
    """A name that a spreadsheet would run as a formula is written as text."""
    evil = '=HYPERLINK("http://evil.example/","x")'
    acme.org.name = evil
    acme.org.save()
    acme.east.name = "+cmd"
    acme.east.save()
    client.force_login(acme.carla)
    rows = _csv(_download(client, _url(scan, "results.csv")).decode("utf-8"))
    assert any(row[0] == "'" + evil for row in rows)
    assert any(row[0] == "'+cmd" for row in rows)
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)
    book = load_workbook(io.BytesIO(_download(client, _url(scan, "results.xlsx"))))
    cells = [cell for row in book.active.iter_rows() for cell in row]
    assert any(cell.value == "'" + evil for cell in cells)
    assert all(cell.data_type != "f" for cell in cells)
    data = research.research_data(scan)
    archive = zipfile.ZipFile(io.BytesIO(research.research_zip(data, lang="en")))
    assert "'" + evil in {row[1] for row in _csv(archive.read("data.csv").decode("utf-8"))}
    sheet = load_workbook(io.BytesIO(archive.read("data.xlsx")))["data"]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_a_scan_without_results_has_no_export(client, acme, issue_survey):
    survey = issue_survey(name="Open")
    client.force_login(acme.carla)
    response = client.get(_url(survey.scan, "results.csv"))
    assert response.status_code == 404
    assert "no published results yet" in response.content.decode()
    assert client.get(_url(survey.scan, "research.zip")).status_code == 404
    assert not AuditEvent.objects.filter(
        action__in=[AuditEvent.EXPORT_AGGREGATES, AuditEvent.EXPORT_RESEARCH]
    ).exists()


@pytest.mark.parametrize(
    ("user", "aggregates", "research_zip"),
    [
        ("carla", 200, 200),
        ("alex", 200, 404),
        ("dana", 404, 404),
        ("eli", 404, 404),
        ("olga", 404, 404),
    ],
)
def test_who_may_download_what(client, acme, scan, user, aggregates, research_zip):
    client.force_login(getattr(acme, user))
    assert client.get(_url(scan, "results.xlsx")).status_code == aggregates
    assert client.get(_url(scan, "research.zip")).status_code == research_zip
    assert client.get(_url(scan, "results.docx")).status_code == 404
    audited = AuditEvent.objects.filter(action=AuditEvent.EXPORT_RESEARCH)
    assert audited.count() == (1 if research_zip == 200 else 0)
    if research_zip == 200:
        event = audited.get()
        assert event.user == acme.carla and event.organisation == acme.org
        assert event.target == f"scan {scan.pk} respondent-level data zip en"


def test_anonymous_readers_are_sent_to_log_in(client, scan):
    assert client.get(_url(scan, "results.csv")).status_code == 302
    assert client.get(_url(scan, "research.zip")).status_code == 302


def test_the_overview_offers_the_downloads_to_those_who_may(client, acme, scan):
    research_url = _url(scan, "research.zip")
    client.force_login(acme.carla)
    page = client.get(f"/o/acme/scans/{scan.pk}/").content.decode()
    assert _url(scan, "results.csv") in page and research_url in page
    client.force_login(acme.alex)
    page = client.get(f"/o/acme/scans/{scan.pk}/").content.decode()
    assert _url(scan, "results.xlsx") in page and research_url not in page


def test_no_research_data_while_the_scan_is_open(client, acme, scan, frozen_today):
    frozen_today(dt.date(2026, 10, 20))
    client.force_login(acme.carla)
    response = client.get(_url(scan, "research.zip"))
    assert response.status_code == 404
    assert "once the scan has closed" in response.content.decode()
    page = client.get(f"/o/acme/scans/{scan.pk}/").content.decode()
    assert _url(scan, "research.zip") not in page


# -- respondent-level data --------------------------------------------------------------------


def test_the_research_file_identifies_nobody(client, acme, scan):
    """No column or value links a row to a person: no ids, names, e-mails, tokens, keys."""
    client.force_login(acme.carla)
    archive = zipfile.ZipFile(io.BytesIO(_download(client, _url(scan, "research.zip"))))
    assert sorted(archive.namelist()) == ["codebook.csv", "data.csv", "data.sav", "data.xlsx"]
    rows = _csv(archive.read("data.csv").decode("utf-8"))
    header, rows = rows[0], rows[1:]
    results, _p = published_results(scan)
    items = list(results.instrument.items)
    scores = ["score_" + c.id for c in results.instrument.constructs]
    assert header == ["respondent", "unit", "language", *items, *scores]
    responses = Response.objects.filter(scan=scan)
    secrets_ = {str(r.id) for r in responses} | {r.resume_key for r in responses}
    people = acme.org.people.all()
    secrets_ |= {p.name for p in people} | {p.email for p in people}
    values = {cell for row in rows for cell in row}
    assert not values & secrets_
    text = archive.read("data.csv").decode("utf-8") + archive.read("codebook.csv").decode()
    assert not any(secret in text for secret in secrets_ if len(secret) > 3)
    sav = archive.read("data.sav")
    assert not any(secret.encode() in sav for secret in secrets_ if len(secret) > 3)
    assert sorted(int(row[0]) for row in rows) == list(
        range(1, responses.filter(submitted=True).count() + 1)
    )


def test_units_below_k_are_merged_upward(scan):
    """South (2) and East (3) climb to the organisation together (5); North keeps its 6."""
    frame = research.research_data(scan).frame
    counts = frame["unit"].value_counts().to_dict()
    assert counts == {"Operations/Logistics/Team North": 6, "Acme": 5}
    assert all(n >= 5 for n in counts.values())


def test_language_and_bands_only_where_they_hide(acme, scan, publish):
    """Bands exactly as stored; a language with fewer than k rows in a unit blanks it there."""
    north = list(Response.objects.filter(scan=scan, unit=acme.north, submitted=True))
    for response in north:
        response.bands = {"tenure": "5+ years"}
        response.language = "en"
        response.save()
    frame = research.research_data(scan).frame
    rows = frame[frame["unit"] == "Operations/Logistics/Team North"]
    assert set(rows["band_tenure"]) == {"5+ years"}
    assert set(frame[frame["unit"] == "Acme"]["band_tenure"]) == {""}
    assert set(rows["language"]) == {"en"}  # six in English: at least k
    north[0].language = "nl"
    north[0].save()
    frame = research.research_data(scan).frame
    assert set(frame[frame["unit"] == "Operations/Logistics/Team North"]["language"]) == {""}
    assert set(frame[frame["unit"] == "Acme"]["language"]) == {"nl"}


def test_band_names_that_read_alike_keep_a_column_each(acme, scan, tmp_path):
    """ "Tenure band", "tenure-band" and "Tenure_Band" would all be band_Tenure_band: one
    column kept the last band's values and the others were lost (SPSS ignores capitals)."""
    names = {"Tenure band": "0-2 years", "tenure-band": "3-5 years", "Tenure_Band": "5+ years"}
    for response in Response.objects.filter(scan=scan, unit=acme.north, submitted=True):
        response.bands = names
        response.save()
    data = research.research_data(scan)
    assert data.bands == {
        "band_Tenure_band": "Tenure band",
        "band_Tenure_Band_2": "Tenure_Band",
        "band_tenure_band_3": "tenure-band",
    }
    rows = data.frame[data.frame["unit"] == "Operations/Logistics/Team North"]
    for column, name in data.bands.items():
        assert set(rows[column]) == {names[name]}
    path = tmp_path / "data.sav"
    path.write_bytes(research.research_sav(data, lang="en"))
    frame, meta = pyreadstat.read_sav(str(path))
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    for column, name in data.bands.items():
        assert set(frame[column][data.frame["unit"] == "Operations/Logistics/Team North"]) == {
            names[name]
        }
        assert name in labels[column]


def test_band_columns_fit_spss_and_stay_apart():
    long = "x" * 80
    columns = research.band_columns([long, long.upper(), "Plaats", "plaats", "PLAATS"])
    assert list(columns.values()) == [long, long.upper(), "Plaats", "plaats", "PLAATS"]
    assert all(len(column.encode()) <= 64 for column in columns)
    assert len({column.lower() for column in columns}) == 5
    assert list(columns)[1] == ("band_" + "X" * 80)[:62] + "_2"
    assert list(columns)[2:] == ["band_Plaats", "band_plaats_2", "band_PLAATS_3"]


def test_the_sav_file_reads_back_with_its_values_and_labels(scan, tmp_path):
    data = research.research_data(scan)
    instrument = data.instrument
    path = tmp_path / "data.sav"
    path.write_bytes(research.research_sav(data, lang="nl"))
    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    assert list(frame.columns) == list(data.frame.columns)
    for column in data.frame.columns:
        written, read = data.frame[column], frame[column]
        if not pd.api.types.is_numeric_dtype(written):
            assert list(read) == list(written), column
        else:
            assert all(
                (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b)
                for a, b in zip(written.astype(float), read.astype(float), strict=True)
            ), column
    assert (data.frame[data.items] == 0).to_numpy().any()  # "don't know" is in the data
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    for item_id in data.items:
        assert labels[item_id] == instrument.items[item_id].text["nl"][:256]
        assert meta.variable_value_labels[item_id] == {
            **{float(i): label for i, label in enumerate(instrument.scale_labels["nl"], 1)},
            0.0: instrument.dont_know_label["nl"],
        }
        assert meta.missing_ranges[item_id] == [{"lo": 0.0, "hi": 0.0}]
    construct = instrument.constructs[0]
    assert labels["score_" + construct.id] == construct.label["nl"]
    # Read as SPSS users do, "don't know" is missing and scores are unchanged.
    plain, _meta = pyreadstat.read_sav(str(path))
    assert not (plain[data.items] == 0).to_numpy().any()
    pd.testing.assert_series_equal(
        plain["score_" + construct.id], data.frame["score_" + construct.id], check_names=False
    )


def test_the_codebook_covers_every_item_in_both_languages(scan):
    data = research.research_data(scan)
    instrument = data.instrument
    xlsx = load_workbook(io.BytesIO(research.research_xlsx(data, lang="en")))
    assert xlsx.sheetnames == ["data", "codebook"]
    rows = list(xlsx["codebook"].iter_rows(values_only=True))
    header, rows = rows[0], rows[1:]
    assert header[:5] == ("Variable", "Kind", "Scale id", "Text (Dutch)", "Text (English)")
    by_variable = {row[0]: row for row in rows}
    assert set(by_variable) == set(data.frame.columns)
    for item in instrument.items.values():
        row = by_variable[item.id]
        assert row[2:6] == (item.construct, item.text["nl"], item.text["en"], item.key)
        assert row[7:] == (instrument.id, instrument.version, instrument.form_id)
    reverse = next(item for item in instrument.items.values() if item.reverse)
    assert by_variable[reverse.id][5] == -1
    for construct in instrument.constructs:
        row = by_variable["score_" + construct.id]
        assert (row[3], row[4]) == (construct.label["nl"], construct.label["en"])


def test_the_command_writes_each_export(acme, scan, tmp_path, capsys):
    target = tmp_path / "out" / "data.sav"
    args = ["export", "--scan", str(scan.pk), "--kind", "research", "--format", "sav"]
    assert main([*args, "--lang", "en", "-o", str(target)]) == 0
    frame, _meta = pyreadstat.read_sav(str(target))
    assert len(frame) == 11
    target = tmp_path / "results.xlsx"
    args = ["export", "--scan", str(scan.pk), "--format", "xlsx", "-o", str(target)]
    assert main(args) == 0
    assert load_workbook(target).sheetnames == ["Resultaten"]
    assert main(["export", "--scan", str(scan.pk), "--format", "sav"]) == 2
    assert "aggregates is written as csv, xlsx, not sav" in capsys.readouterr().err
    assert list(tmp_path.rglob("*.part")) == []


# -- the merging rule, on any tree ------------------------------------------------------------


@st.composite
def trees(draw):
    size = draw(st.integers(1, 12))
    parents: dict[int, int | None] = {}
    for unit in range(size):
        parents[unit] = (
            None
            if unit == 0 or draw(st.booleans()) and unit < 3
            else draw(st.integers(0, unit - 1))
        )
    counts = {unit: draw(st.integers(0, 9)) for unit in parents}
    return parents, counts


@settings(max_examples=300, deadline=None)
@given(trees(), st.integers(3, 6))
def test_every_unit_value_gets_zero_or_at_least_k_rows(tree, k):
    parents, counts = tree
    if sum(counts.values()) < k:
        with pytest.raises(ValueError):
            research_units(parents, counts, k=k)
        return
    where = research_units(parents, counts, k=k)
    totals: dict[int | None, int] = {}
    for unit, target in where.items():
        totals[target] = totals.get(target, 0) + counts[unit]
        # Rows go to the unit itself, one of its ancestors or the organisation.
        ancestors, current = set(), unit
        while current is not None:
            ancestors.add(current)
            current = parents[current]
        assert target is TOP or target in ancestors
        if counts[unit] >= k:  # a unit with k of its own keeps them (or the top needs them)
            assert target in (unit, TOP)
    assert all(n >= k for n in totals.values()), totals


def test_language_is_kept_only_where_each_language_has_k_rows():
    rows = [("a", "nl")] * 5 + [("a", "en")] * 5 + [("b", "nl")] * 6 + [("b", "en")]
    assert language_per_unit(rows, k=5) == {"a": True, "b": False}
