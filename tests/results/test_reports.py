"""The team and organisation reports: PDF and printable HTML from the published results.

The PDFs are read back as a reader gets them: pages drawn to images (pypdfium2, a build of
PDFium) and the text the PDF carries. Acme's scan (tests/results/conftest.py): Team North is
shown (6 respondents), Team South (2) and Team East (3) are below k = 5.
"""

from __future__ import annotations

import io
import re
import zipfile

import pypdfium2 as pdfium
import pytest
from django.urls import reverse

from trustmirror.cli import main
from trustmirror.results import reports
from trustmirror.surveys.models import Response

from .test_views import K, independent_scores

pytestmark = pytest.mark.django_db

SCORE = re.compile(r"\d[.,]\d")


def pdf_pages(content: bytes) -> list[str]:
    """The text of each page of a PDF; also draws every page, which must not be blank."""
    assert content.startswith(b"%PDF-")
    document = pdfium.PdfDocument(content)
    texts = []
    for page in document:
        width, height = page.get_size()
        assert height / width == pytest.approx(297 / 210, rel=0.01)  # A4 portrait
        image = page.render(scale=0.5).to_pil().convert("L")
        assert image.getextrema()[0] < 128, "a blank page"
        texts.append(page.get_textpage().get_text_range())
    return texts


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_a_team_pdf_holds_the_story_profile_balance_and_privacy_footer(acme, scan, instrument):
    report = reports.team_report(scan, acme.north, lang="en", fmt="pdf")
    assert report.filename == "autumn-2026-team-north-en.pdf"
    pages = pdf_pages(report.content)
    assert 2 <= len(pages) <= 8
    text = one_line(" ".join(pages))
    assert pages[0].lstrip().startswith("Trustmirror · Acme")
    for heading in (
        "Team North",
        "In short",
        "Team North beside the organisation",
        "Trust in the team, the manager and the organisation",
        "Privacy: what this report shows and holds back",
        f"Numbers are shown only for groups of at least {K} respondents",
    ):
        assert heading in text, heading
    # The running footer on every page says what the report protects.
    for page in pages:
        assert f"groups of fewer than {K} people show no numbers" in one_line(page)
    # The theme means printed are the team's, computed here from the answers.
    answers = list(
        Response.objects.filter(scan=scan, unit=acme.north, submitted=True).values_list(
            "answers", flat=True
        )
    )
    from trustmirror.results.selectors import published_results

    group = published_results(scan)[0].unit_group(acme.north)
    printed = 0
    for theme in instrument.themes:
        scores = independent_scores(answers, theme).dropna()
        if group.stat(theme.id) is None:  # too few scores, or withdrawn (publishing)
            assert not re.search(re.escape(theme.label["en"]) + r" \d\.\d \d+% of", text)
            continue
        row = re.search(re.escape(theme.label["en"]) + r" (\d\.\d) \d+% of answers agree", text)
        assert row is not None, theme.id
        assert row.group(1) == f"{scores.mean():.1f}"
        printed += 1
    assert printed >= 3


def test_a_dutch_team_report_is_in_dutch_with_decimal_commas(acme, scan):
    text = one_line(
        " ".join(pdf_pages(reports.team_report(scan, acme.north, lang="nl", fmt="pdf").content))
    )
    assert "In het kort" in text and "Privacy:" in text
    assert "beside the organisation" not in text and "In short" not in text
    numbers = SCORE.findall(text)
    assert numbers and all("," in number for number in numbers), numbers[:5]


def test_the_organisation_report_opens_with_its_executive_summary(acme, scan):
    report = reports.organisation_report(scan, lang="en", fmt="pdf")
    pages = pdf_pages(report.content)
    first = one_line(pages[0])
    assert "Executive summary" in first and "Participation" in first
    assert "UNITS WITH RESULTS" in first  # a key figure (its label in capitals)
    text = one_line(" ".join(pages))
    assert "Units and themes" in text and "Operations" in text and "Logistics" in text
    assert text.index("Executive summary") < text.index("Trust profile of the organisation")
    # The privacy footer counts the units without numbers (Team South and Team East, and
    # whatever the tree rule hid with them), by reason; roll-ups are no units.
    from trustmirror.results.models import PublishedGroup

    hidden = PublishedGroup.objects.filter(
        publication__scan=scan, publication__status="published", shown=False, unit__isnull=False
    ).count()
    assert hidden >= 2
    counts = [int(n) for n in re.findall(r"(\d+) units? below shows? no numbers", text)]
    assert sum(counts) == hidden


def test_no_number_of_a_group_below_k_appears_in_any_report(acme, scan, tmp_path):
    """Team South and Team East are below k: no report of their own, and in every report
    their rows carry a reason and no number."""
    for unit in (acme.south, acme.east):
        with pytest.raises(reports.ReportError, match="No report for"):
            reports.team_report(scan, unit, lang="en", fmt="pdf")
    assert acme.south not in reports.reportable_units(scan)
    archive = zipfile.ZipFile(
        io.BytesIO(reports.unit_reports_zip(scan, lang="en", fmt="pdf", workers=1))
    )
    names = archive.namelist()
    assert names[0] == "autumn-2026-acme-en.pdf"
    assert "autumn-2026-team-north-en.pdf" in names
    assert not any("south" in name or "east" in name for name in names)
    for name in names:
        for page in pdf_pages(archive.read(name)):
            for line in page.splitlines():
                if "Team South" in line or "Team East" in line:
                    assert SCORE.findall(line) == [], (name, line)


def test_the_html_report_is_the_same_document_with_its_stylesheet(acme, scan):
    report = reports.team_report(scan, acme.north, lang="en", fmt="html")
    html = report.content.decode()
    assert report.media_type.startswith("text/html") and html.startswith("<!doctype html>")
    assert "<style>" in html and "@page" in html
    # Every chart is an image with a text alternative, and its numbers are in a table too.
    charts = re.findall(r'<img class="chart" alt="([^"]*)" src="data:image/svg\+xml;base64,', html)
    assert len(charts) >= 2 and all(alt for alt in charts)
    assert charts[0].startswith("Team North beside the organisation over the six themes: ")
    assert html.count('<table class="data') >= 3
    assert "<svg" not in html  # drawn as images (see reports._as_image)
    served = reports.team_report(scan, acme.north, lang="en", fmt="html", standalone=False)
    assert "<style>" not in served.content.decode()
    assert "trustmirror/report.css" in served.content.decode()


# -- the command ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the worker processes read what was committed
def test_the_command_writes_a_zip_of_the_organisation_and_each_shown_unit(
    acme, scan, tmp_path, capsys
):
    """One process per core draws the reports (reports.unit_reports_zip)."""
    target = tmp_path / "out" / "reports.zip"
    code = main(
        ["report", "--scan", str(scan.pk), "--all-units", "--lang", "nl", "-o", str(target)]
    )
    assert code == 0, capsys.readouterr().err
    assert capsys.readouterr().out.strip() == str(target)
    names = zipfile.ZipFile(target).namelist()
    assert names[0] == "autumn-2026-acme-nl.pdf"
    assert "autumn-2026-team-north-nl.pdf" in names
    assert len(names) == 1 + len(reports.reportable_units(scan))
    assert list(tmp_path.rglob("*.part")) == []


def test_the_command_writes_one_units_html_report(acme, scan, tmp_path, capsys):
    target = tmp_path / "north.html"
    code = main(
        ["report", "--scan", str(scan.pk), "--unit", str(acme.north.pk), "--lang", "en"]
        + ["--format", "html", "-o", str(target)]
    )
    assert code == 0
    assert "Team North" in target.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--scan", "9999"], 2, "No scan with number 9999."),
        (["--unit", "9999"], 2, "No unit with number 9999 in Acme"),
        (["--unit", "SOUTH"], 1, "No report for Team South: Fewer than 5 respondents"),
    ],
)
def test_the_command_says_what_is_wrong_and_writes_nothing(
    acme, scan, tmp_path, capsys, args, code, message
):
    args = [str(acme.south.pk) if a == "SOUTH" else a for a in args]
    if "--scan" not in args:
        args = ["--scan", str(scan.pk), *args]
    target = tmp_path / "report.pdf"
    assert main(["report", *args, "--lang", "en", "-o", str(target)]) == code
    assert message in capsys.readouterr().err
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_a_scan_without_published_results_has_no_report(acme, tmp_path, capsys):
    import datetime as dt

    from trustmirror.surveys.services import scan_create

    scan = scan_create(
        organisation=acme.org,
        name="Never published",
        opens_on=dt.date(2026, 10, 1),
        closes_on=dt.date(2026, 10, 31),
        min_group_size=K,
    )
    assert main(["report", "--scan", str(scan.pk), "-o", str(tmp_path / "r.pdf")]) == 1
    assert "has no published results yet" in capsys.readouterr().err


# -- downloads on the pages -----------------------------------------------------------------


def report_url(scan, unit=None, fmt="pdf"):
    if unit is None:
        return reverse("results:report", kwargs={"org": "acme", "scan_id": scan.pk, "fmt": fmt})
    return reverse(
        "results:unit_report",
        kwargs={"org": "acme", "scan_id": scan.pk, "unit_id": unit.pk, "fmt": fmt},
    )


@pytest.mark.parametrize(
    ("user", "unit", "status"),
    [
        ("carla", "north", 200),
        ("dana", "north", 200),
        ("dana", "south", 404),  # not her team
        ("eli", "south", 404),  # his team, but below k: no report
        ("eli", "north", 404),
        ("olga", "north", 404),
        ("carla", None, 200),
        ("alex", None, 200),  # an analyst
        ("dana", None, 404),  # the organisation's report is for those who analyse
        ("olga", None, 404),
    ],
)
def test_report_downloads_follow_the_pages_role_matrix(client, acme, scan, user, unit, status):
    from trustmirror.audit.models import AuditEvent

    client.force_login(getattr(acme, user))
    target = getattr(acme, unit) if unit else None
    response = client.get(report_url(scan, target))
    assert response.status_code == status
    downloads = AuditEvent.objects.filter(action=AuditEvent.DOWNLOAD_REPORT)
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response.content.startswith(b"%PDF-")
        assert downloads.get().user == getattr(acme, user)
    else:
        assert downloads.count() == 0


def test_a_hidden_teams_report_link_says_why(client, acme, scan):
    client.force_login(acme.eli)
    response = client.get(report_url(scan, acme.south))
    assert response.status_code == 404
    assert "No report for Team South" in response.content.decode()


def test_the_printable_page_is_served_in_the_readers_language(client, acme, scan):
    client.force_login(acme.dana)
    response = client.get(report_url(scan, acme.north, fmt="html") + "?lang=nl")
    html = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert '<html lang="nl">' in html and "In het kort" in html
    assert "<style>" not in html  # the site's Content-Security-Policy allows no inline style
    assert client.get(report_url(scan, acme.north, fmt="docx")).status_code == 404


def test_the_pages_offer_the_download_only_where_there_is_a_report(client, acme, scan):
    client.force_login(acme.carla)
    north = client.get(
        reverse(
            "results:unit_profile",
            kwargs={"org": "acme", "scan_id": scan.pk, "unit_id": acme.north.pk},
        )
    ).content.decode()
    assert report_url(scan, acme.north) in north
    south = client.get(
        reverse(
            "results:unit_profile",
            kwargs={"org": "acme", "scan_id": scan.pk, "unit_id": acme.south.pk},
        )
    ).content.decode()
    assert "report.pdf" not in south
    overview = client.get(
        reverse("results:scan_overview", kwargs={"org": "acme", "scan_id": scan.pk})
    ).content.decode()
    assert report_url(scan) in overview
