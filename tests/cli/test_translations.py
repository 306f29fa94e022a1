"""``trustmirror analyze`` speaks Dutch through the project's gettext catalogue, without Django.

The texts are ``_("...")`` calls that ``make messages`` collects into ``locale/nl``; that
every one of them is translated is checked with the web app's texts in
``tests/i18n/test_dutch.py``. Here: the command's reports and errors come out in the chosen
language, and no ``{"nl": ..., "en": ...}`` dictionary is left beside the catalogue.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

import pytest

import trustmirror
from trustmirror.cli import analyze
from trustmirror.cli.i18n import translator

PACKAGE_DIR = Path(trustmirror.__file__).resolve().parent

SURVEY = "team,q1,q2,q3\n" + "".join(
    f"{team},{a},{b},{c}\n"
    for team, rows in {
        "North": ((4, 5, 2), (5, 5, 1), (4, 4, 2), (3, 4, 2), (4, 4, 1), (4, 5, 1)),
        "South": ((2, 1, 5), (1, 2, 4), (2, 2, 5), (1, 1, 5), (2, 2, 4), (2, 1, 4)),
        "East": ((3, 3, 3), (4, 3, 3), (3, 4, 2), (3, 3, 4), (4, 4, 2)),
        "Tiny": ((3, 3, 3), (4, 3, 3)),
    }.items()
    for a, b, c in rows
)


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="trustmirror analyze")
    analyze.add_arguments(parser)
    code = analyze.run(parser.parse_args([*argv, "--no-progress"]))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def survey(tmp_path) -> Path:
    path = tmp_path / "survey.csv"
    path.write_text(SURVEY, encoding="utf-8")
    return path


def test_the_html_report_in_dutch(survey, tmp_path, capsys):
    out = tmp_path / "rapport.html"

    code, _, err = _run(
        [str(survey), "--unit", "team", "--items", "Trust=q1,q2,q3", "--keys", "q3"]
        + ["--html", str(out), "--lang", "nl"],
        capsys,
    )

    assert code == 0, err
    page = out.read_text(encoding="utf-8")
    assert '<html lang="nl">' in page
    for dutch in (
        "<h1>Trustmirror-analyse</h1>",
        "<h2>Betrouwbaarheid</h2>",
        "<h2>Schaal Trust</h2>",
        "gecorrigeerde item-totaal r",
        "(omgepoold)",
        "<th>Eenheid</th>",
        "95%-BI",
        "Trust: gemiddelden per eenheid met 95%-betrouwbaarheidsintervallen",
        "gemiddelde score (1 = helemaal oneens, 5 = helemaal eens)",
        "Open markers: leden van de eenheid zijn het minder eens",
        "Eenheden weggelaten om de anonimiteit te beschermen: 2 (zie de tabel).",
        "niet getoond: minder dan 5 respondenten, of zou een kleine eenheid onthullen",
        "Cronbachs alfa",
    ):
        assert dutch in page, dutch
    for english in ("Reliability", "Scale Trust", "unit means", "Hollow markers", "not shown"):
        assert english not in page, english


def test_the_text_summary_in_dutch_and_in_english(survey, capsys):
    argv = [str(survey), "--unit", "team", "--items", "q1,q2,q3"]

    _, dutch, _ = _run([*argv, "--language", "nl"], capsys)
    _, english, _ = _run(argv, capsys)

    assert "Gegevens: " in dutch and "(19 respondenten)" in dutch
    assert "Schaal scale (3 items): gemiddelde " in dutch
    assert "Tiny: niet getoond: minder dan 5 respondenten" in dutch
    assert "Data: " in english and "(19 respondents)" in english
    assert "Scale scale (3 items): mean " in english
    assert "Tiny: not shown: fewer than 5 respondents" in english


def test_errors_in_the_readers_language(survey, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(SURVEY.replace("North,4,5,2", "North,4,7,2"), encoding="utf-8")

    code, _, err = _run([str(bad), "--items", "q1,q2,q3", "--language", "nl"], capsys)
    assert code == 1
    assert f"{bad}: ongeldige waarden" in err
    assert "regel 2, kolom 'q2': 7 ligt buiten 1..5 (of 0 voor weet niet)" in err

    code, _, err = _run([str(tmp_path / "nope.csv"), "--items", "q1", "--lang", "nl"], capsys)
    assert code == 2
    assert "nope.csv: bestand bestaat niet" in err

    code, _, err = _run([str(tmp_path / "nope.csv"), "--items", "q1"], capsys)
    assert "nope.csv: no such file" in err


def test_the_translator_reads_the_compiled_catalogue_and_refuses_other_languages():
    assert translator("nl")("Reliability") == "Betrouwbaarheid"
    assert translator("en")("Reliability") == "Reliability"
    with pytest.raises(ValueError, match="language"):
        translator("de")


@pytest.mark.parametrize("package", ["cli", "charts", "analysis"])
def test_no_language_dictionaries_beside_the_catalogue(package):
    """A dict literal keyed by "nl" and "en" is a text translators never see."""
    found = []
    for path in sorted((PACKAGE_DIR / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
                if {"nl", "en"} <= keys:
                    found.append(f"{path.relative_to(PACKAGE_DIR)}:{node.lineno}")
    assert found == []
