"""Respondent-level data of a closed scan for researchers: a data frame, a codebook, and the
files (CSV, XLSX, SPSS ``.sav``, and a zip of all of them).

Only for a closed scan whose final results are published, and only the responses those
results include. A row holds no person, no response id, no resume key and nothing else that
links it to someone: a random respondent number (1..n, in a random order), the unit as the
privacy rules for research files merge it (:mod:`trustmirror.privacy.research`: every unit
value has at least *k* rows), the bands as stored on the response, the answering language
where it hides, every question's answer (``0`` = don't know, a user-missing value in SPSS,
empty where not answered) and every scale's score as the results compute it.
"""

from __future__ import annotations

import io
import math
import re
import secrets
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from trustmirror.analysis.scoring import scale_scores
from trustmirror.csvexport import csv_lines
from trustmirror.instrument import Instrument
from trustmirror.orgs.models import Unit
from trustmirror.privacy.research import TOP, language_per_unit, research_units
from trustmirror.results.exports import LANGUAGES, ExportError, Table, final_results
from trustmirror.surveys.models import Response, Scan
from trustmirror.xlsxexport import xlsx_bytes

__all__ = [
    "FORMATS",
    "ResearchData",
    "codebook_table",
    "research_csv",
    "research_data",
    "research_sav",
    "research_xlsx",
    "research_zip",
]

FORMATS = ("csv", "xlsx", "sav", "zip")
RESPONDENT = "respondent"
UNIT = "unit"
LANGUAGE = "language"
BAND_PREFIX = "band_"
SCORE_PREFIX = "score_"
_NAME = re.compile(r"[^A-Za-z0-9_]")


@dataclass(frozen=True)
class ResearchData:
    """The research frame of one scan and what its codebook needs."""

    scan: Scan
    instrument: Instrument
    k: int
    frame: pd.DataFrame
    items: list[str]
    scores: dict[str, str]  # column -> construct id
    bands: dict[str, str]  # column -> band name as imported


def band_columns(names: list[str]) -> dict[str, str]:
    """A column name for each band name: ``band_`` and the name in letters, digits and ``_``.

    Names that come out the same ("Tenure band" and "tenure-band", "Locatie" and "locatie":
    SPSS does not tell capitals apart) get ``_2``, ``_3``, ... in the order of ``names``,
    so that no band overwrites another. Every column fits SPSS's 64 bytes.
    """
    columns: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        base = (BAND_PREFIX + _NAME.sub("_", name))[:64]
        column, number = base, 1
        while column.lower() in taken:
            number += 1
            suffix = f"_{number}"
            column = base[: 64 - len(suffix)] + suffix
        taken.add(column.lower())
        columns[column] = name
    return columns


def research_data(scan: Scan) -> ResearchData:
    """The respondent-level frame of a closed scan with final results (else ExportError)."""
    results = final_results(scan)
    instrument = results.instrument
    k = results.k
    rows = list(
        Response.objects.filter(scan=scan, submitted=True, included__isnull=False)
        .order_by()
        .values_list("unit_id", "language", "answers", "bands")
    )
    units = list(Unit.objects.filter(organisation_id=scan.organisation_id).order_by("path"))
    counts: dict[int, int] = {}
    for unit_id, *_rest in rows:
        counts[unit_id] = counts.get(unit_id, 0) + 1
    try:
        where = research_units({u.pk: u.parent_id for u in units}, counts, k=k)
    except ValueError as error:
        raise ExportError(
            _("Scan %(scan)s has too few respondents for a research file.") % {"scan": scan.name}
        ) from error
    paths = {u.pk: u.path for u in units}
    organisation = scan.organisation.name

    # A random order and numbers 1..n: the database's order and ids say nothing here.
    order = list(range(len(rows)))
    secrets.SystemRandom().shuffle(order)
    rows = [rows[i] for i in order]
    unit_values = [
        organisation if where[unit_id] is TOP else paths[where[unit_id]] for unit_id, *_r in rows
    ]
    keep_language = language_per_unit(
        [(unit, row[1]) for unit, row in zip(unit_values, rows, strict=True)], k=k
    )
    frame = pd.DataFrame(
        {
            RESPONDENT: np.arange(1, len(rows) + 1, dtype=np.int64),
            UNIT: unit_values,
        }
    )
    band_names = sorted({name for row in rows for name in (row[3] or {})})
    bands = band_columns(band_names)
    for column, name in bands.items():
        frame[column] = [str((row[3] or {}).get(name, "")) for row in rows]
    frame[LANGUAGE] = [
        row[1] if keep_language[unit] else "" for unit, row in zip(unit_values, rows, strict=True)
    ]
    items = list(instrument.items)
    answers = pd.DataFrame(
        [[_answer(row[2], item, instrument) for item in items] for row in rows],
        columns=items,
        dtype=float,
    )
    for item in items:
        frame[item] = answers[item].to_numpy()
    scored = scale_scores(
        answers.replace(float(instrument.dont_know), np.nan),
        instrument.scoring_keys(),
        scale_points=instrument.scale_points,
    )
    scores = {}
    for construct in instrument.constructs:
        column = SCORE_PREFIX + construct.id
        scores[column] = construct.id
        frame[column] = scored[construct.id].round(4).to_numpy()
    return ResearchData(scan, instrument, k, frame, items, scores, bands)


def _answer(answers: dict | None, item: str, instrument: Instrument) -> float:
    """An answer as stored (1..scale points, or the don't-know value); NaN otherwise."""
    value = (answers or {}).get(item)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return math.nan
    if value == instrument.dont_know or 1 <= value <= instrument.scale_points:
        return float(value)
    return math.nan


# -- the codebook ------------------------------------------------------------------------------


def _values_text(instrument: Instrument, lang: str) -> str:
    labels = [f"{i} = {label}" for i, label in enumerate(instrument.scale_labels[lang], 1)]
    labels.append(
        _("%(value)s = %(label)s (missing)")
        % {"value": instrument.dont_know, "label": instrument.dont_know_label[lang]}
    )
    return "; ".join(labels)


def codebook_table(data: ResearchData, lang: str) -> Table:
    """One row per column of the data: what it is, its texts in both languages, key, values.

    Call it with ``lang`` active: the headers and descriptions are in that language; the
    questions' and scales' texts are there in Dutch and in English.
    """
    instrument = data.instrument
    header = [
        _("Variable"),
        _("Kind"),
        _("Scale id"),
        _("Text (Dutch)"),
        _("Text (English)"),
        _("Key"),
        _("Values"),
        _("Instrument"),
        _("Version"),
        _("Form"),
    ]
    source = [instrument.id, instrument.version, instrument.form_id]

    def row(variable, kind, construct="", nl="", en="", key="", values=""):
        return [variable, kind, construct, nl, en, key, values, *source]

    rows = [
        row(
            RESPONDENT,
            _("respondent number"),
            values=_("A random number, 1 to n, for this file only; it links to nobody."),
        ),
        row(
            UNIT,
            _("unit"),
            values=_(
                "The unit's path; a unit with fewer than %(k)s respondents is merged into the "
                "nearest unit above it that has at least %(k)s, or into the organisation."
            )
            % {"k": data.k},
        ),
    ]
    rows += [
        row(column, _("band"), values=_("As stored with the response (%(name)s).") % {"name": name})
        for column, name in data.bands.items()
    ]
    rows.append(
        row(
            LANGUAGE,
            _("answering language"),
            values=_(
                "nl or en; empty for a whole unit where a language has fewer than %(k)s "
                "respondents."
            )
            % {"k": data.k},
        )
    )
    values = _values_text(instrument, lang)
    for item_id in data.items:
        item = instrument.items[item_id]
        rows.append(
            row(
                item_id,
                _("question"),
                item.construct,
                item.text["nl"],
                item.text["en"],
                item.key,
                values,
            )
        )
    for column, construct_id in data.scores.items():
        construct = instrument.construct(construct_id)
        keys = ", ".join(f"{item.id} ({item.key:+d})" for item in construct.items)
        rows.append(
            row(
                column,
                _("scale score"),
                construct_id,
                construct.label["nl"],
                construct.label["en"],
                keys,
                _(
                    "Mean of the answered questions, reverse-keyed ones (-1) turned around; "
                    "empty when fewer than two thirds were answered."
                ),
            )
        )
    return Table(header=header, rows=rows)


# -- the files ---------------------------------------------------------------------------------


def _cells(frame: pd.DataFrame) -> Iterator[list[object]]:
    for values in frame.itertuples(index=False, name=None):
        yield [None if isinstance(v, float) and math.isnan(v) else _plain(v) for v in values]


def _plain(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value.item() if hasattr(value, "item") else value


def _checked(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ExportError(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")


def research_csv(data: ResearchData) -> Iterator[str]:
    """The data as CSV lines: one row per respondent, the columns of the codebook."""
    return csv_lines(list(data.frame.columns), _cells(data.frame))


def codebook_csv(data: ResearchData, *, lang: str) -> Iterator[str]:
    _checked(lang)
    with translation.override(lang):
        table = codebook_table(data, lang)
    return csv_lines(table.header, table.rows)


def research_xlsx(data: ResearchData, *, lang: str) -> bytes:
    """A workbook with the sheets "data" and "codebook"."""
    _checked(lang)
    with translation.override(lang):
        table = codebook_table(data, lang)
    return xlsx_bytes(
        [
            ("data", list(data.frame.columns), _cells(data.frame)),
            ("codebook", table.header, table.rows),
        ]
    )


def research_sav(data: ResearchData, *, lang: str) -> bytes:
    """The data as an SPSS file: questions labelled with their text in ``lang``, the answer
    scale as value labels, "don't know" a user-missing value; scales labelled by name."""
    import pyreadstat

    _checked(lang)
    instrument = data.instrument
    with translation.override(lang):
        labels = {
            RESPONDENT: _("Respondent (random number)"),
            UNIT: _("Unit"),
            LANGUAGE: _("Answering language"),
        }
    labels.update({column: name for column, name in data.bands.items()})
    labels.update({item: instrument.items[item].text[lang] for item in data.items})
    labels.update(
        {column: instrument.construct(c).label[lang] for column, c in data.scores.items()}
    )
    scale = {float(i): label for i, label in enumerate(instrument.scale_labels[lang], 1)} | {
        float(instrument.dont_know): instrument.dont_know_label[lang]
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.sav"
        pyreadstat.write_sav(
            data.frame,
            path,
            file_label=data.scan.name[:64],
            column_labels={column: text[:256] for column, text in labels.items()},
            variable_value_labels={item: scale for item in data.items},
            missing_ranges={item: [float(instrument.dont_know)] for item in data.items},
            variable_measure={
                **{item: "ordinal" for item in data.items},
                **{column: "scale" for column in data.scores},
                RESPONDENT: "nominal",
                UNIT: "nominal",
                LANGUAGE: "nominal",
            },
        )
        return path.read_bytes()


def research_zip(data: ResearchData, *, lang: str) -> bytes:
    """data.csv, data.xlsx (data and codebook), data.sav and codebook.csv in one zip."""
    _checked(lang)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.csv", "".join(research_csv(data)))
        archive.writestr("codebook.csv", "".join(codebook_csv(data, lang=lang)))
        archive.writestr("data.xlsx", research_xlsx(data, lang=lang))
        archive.writestr("data.sav", research_sav(data, lang=lang))
    return buffer.getvalue()


def research_filename(scan: Scan, fmt: str, lang: str) -> str:
    return f"{slugify(scan.name) or 'scan'}-research-{lang}.{fmt}"
