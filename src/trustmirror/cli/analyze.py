"""``trustmirror analyze DATA.csv``: reliability and agreement for data collected elsewhere.

For researchers who ran a survey in another tool: one row per respondent, one column per item
(answers ``1..scale_points``, empty for missing, the don't-know code 0 as missing), optionally
a column with the respondent's unit (team). The command reports per scale: Cronbach's alpha,
McDonald's omega and corrected item-total correlations; per unit: n, mean, sd and
:math:`r_{wg(J)}`; and ICC(1)/ICC(2) of the scale scores across units.

Scales come from ``--items`` (ad hoc, reverse items with ``--keys``) or ``--instrument
trustscan`` (the instrument's constructs whose item columns are all present). Unit results
pass the privacy policy: a unit below ``--min-group-size`` respondents, or one that would let
a small unit be worked out from the others, is reported without numbers.

Wired into the ``trustmirror`` command by :mod:`trustmirror.cli` through
:func:`add_arguments` and :func:`run`. The statistics come from :mod:`trustmirror.analysis`;
this module adds what a command needs around them: options, CSV input, progress bars, the
privacy policy and the text and HTML reports.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from trustmirror.analysis import agreement, reliability, scoring, teams
from trustmirror.instrument import InstrumentError, load_instrument
from trustmirror.privacy import GroupCount, Policy

__all__ = ["AnalyzeError", "add_arguments", "analyze", "run"]

CHUNK_ROWS = 50_000
# Decimals of the means the reports print (and so the most their charts may draw).
REPORT_DIGITS = 2
MAX_REPORTED_ERRORS = 20

LABELS: dict[str, dict[str, str]] = {
    "title": {"en": "Trustmirror analysis", "nl": "Trustmirror-analyse"},
    "data": {"en": "Data", "nl": "Gegevens"},
    "rows": {"en": "respondents", "nl": "respondenten"},
    "scale": {"en": "Scale", "nl": "Schaal"},
    "items": {"en": "items", "nl": "items"},
    "reliability": {"en": "Reliability", "nl": "Betrouwbaarheid"},
    "item": {"en": "Item", "nl": "Item"},
    "reversed": {"en": "reversed", "nl": "omgepoold"},
    "r_drop": {"en": "corrected item-total r", "nl": "gecorrigeerde item-totaal r"},
    "alpha_if_deleted": {"en": "alpha without item", "nl": "alpha zonder item"},
    "units": {"en": "Units", "nl": "Eenheden"},
    "unit": {"en": "Unit", "nl": "Eenheid"},
    "suppressed": {
        "en": "not shown: fewer than %(k)s respondents, or would reveal a small unit",
        "nl": "niet getoond: minder dan %(k)s respondenten, of zou een kleine eenheid onthullen",
    },
    "no_units": {"en": "No unit column given.", "nl": "Geen kolom met eenheden opgegeven."},
    "not_computable": {"en": "not computable", "nl": "niet te berekenen"},
    "ci95": {"en": "95% CI", "nl": "95%-BI"},
    "means_title": {
        "en": "%(scale)s: unit means with 95%% confidence intervals",
        "nl": "%(scale)s: gemiddelden per eenheid met 95%%-betrouwbaarheidsintervallen",
    },
    "means_axis": {
        "en": "mean score (1 = strongly disagree, %(points)s = strongly agree)",
        "nl": "gemiddelde score (1 = helemaal oneens, %(points)s = helemaal eens)",
    },
    "overall": {"en": "overall mean %(mean)s", "nl": "totaal gemiddelde %(mean)s"},
    "agree": {"en": "rwg(j) .70 or higher", "nl": "rwg(j) .70 of hoger"},
    "disagree": {"en": "rwg(j) below .70", "nl": "rwg(j) lager dan .70"},
    "disagree_or_none": {
        "en": "rwg(j) below .70 or not computable",
        "nl": "rwg(j) lager dan .70 of niet te berekenen",
    },
    "agreement_note": {
        "en": "Hollow markers: members of the unit agree less (rwg(j) below .70). That cut-off "
        "is a convention and is criticised (random answers can pass it): read agreement as "
        "information, together with ICC(1) and ICC(2).",
        "nl": "Open markers: leden van de eenheid zijn het minder eens (rwg(j) lager dan .70). "
        "Die grens is een conventie en staat ter discussie (willekeurige antwoorden kunnen "
        "hem halen): lees overeenstemming als informatie, samen met ICC(1) en ICC(2).",
    },
    "extremes_note": {
        "en": "%(units)s units: the chart shows the %(each)s lowest and the %(each)s highest "
        "means; the table lists all units.",
        "nl": "%(units)s eenheden: de grafiek toont de %(each)s laagste en de %(each)s hoogste "
        "gemiddelden; de tabel noemt alle eenheden.",
    },
    "hidden_note": {
        "en": "Units left out to protect anonymity: %(hidden)s (see the table).",
        "nl": "Eenheden weggelaten om de anonimiteit te beschermen: %(hidden)s (zie de tabel).",
    },
    "unit_point": {
        "en": "%(unit)s: mean %(mean)s, 95%% CI %(ci)s, n %(n)s, rwg(j) %(rwg)s",
        "nl": "%(unit)s: gemiddelde %(mean)s, 95%%-BI %(ci)s, n %(n)s, rwg(j) %(rwg)s",
    },
    "reliability_title": {
        "en": "Reliability per scale: Cronbach's alpha and McDonald's omega",
        "nl": "Betrouwbaarheid per schaal: Cronbachs alfa en McDonalds omega",
    },
    "alpha": {"en": "alpha", "nl": "alfa"},
    "omega": {"en": "omega", "nl": "omega"},
    "cutoff_line": {"en": ".70", "nl": ".70"},
    "scale_point": {
        "en": "%(scale)s: alpha %(alpha)s, omega %(omega)s",
        "nl": "%(scale)s: alfa %(alpha)s, omega %(omega)s",
    },
    "reliability_note": {
        "en": "The line marks .70, a common lower bound for reliability. A dash: not "
        "computable (omega needs three items and a proper one-factor solution).",
        "nl": "De lijn staat op .70, een gangbare ondergrens voor betrouwbaarheid. Een streepje: "
        "niet te berekenen (omega vraagt drie items en een goede één-factoroplossing).",
    },
    "not_available": {"en": "–", "nl": "–"},
}


class AnalyzeError(Exception):
    """Bad input for ``trustmirror analyze``; the message says what and where."""

    def __init__(self, message: str, *, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``analyze`` options to ``parser`` (a subcommand parser)."""
    parser.add_argument("data", help="CSV file: one row per respondent, one column per item")
    parser.add_argument("--unit", metavar="COLUMN", help="column with each respondent's unit")
    scales = parser.add_mutually_exclusive_group(required=True)
    scales.add_argument(
        "--items",
        action="append",
        metavar="[NAME=]COL,COL,...",
        help="item columns of one scale; repeat for more scales",
    )
    scales.add_argument(
        "--instrument",
        metavar="ID[:VERSION]",
        help="score with a packaged instrument's keys, e.g. trustscan or trustscan:1",
    )
    parser.add_argument("--keys", metavar="COL,COL,...", help="reverse-keyed items (with --items)")
    parser.add_argument(
        "--scale-points",
        type=int,
        default=None,
        help="answer options 1..N (default 5, or the instrument's)",
    )
    parser.add_argument(
        "--dont-know",
        default=None,
        metavar="CODE|none",
        help="answer code meaning 'don't know', read as missing (default 0; 'none' for none)",
    )
    parser.add_argument(
        "--min-answered",
        type=float,
        default=2 / 3,
        help="share of a scale's items needed for a scale score (default 2/3)",
    )
    parser.add_argument(
        "--min-group-size",
        type=int,
        default=5,
        help="fewest respondents for unit results to be shown (default 5, at least 3)",
    )
    parser.add_argument("--sep", default=None, help="field separator (default: detected)")
    parser.add_argument("--json", metavar="OUT", help="write results as JSON ('-' for stdout)")
    parser.add_argument("--html", metavar="OUT", help="write a self-contained HTML summary")
    parser.add_argument("--language", choices=("en", "nl"), default="en", help="report language")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")


def run(args: argparse.Namespace) -> int:
    """Run the analysis for parsed arguments; return the process exit code.

    0: done. 1: the data has bad values (each reported with its line and column).
    2: a usage problem (missing file or column, contradictory options).
    """
    try:
        result = analyze(
            Path(args.data),
            unit=args.unit,
            items=args.items,
            instrument=args.instrument,
            reverse_items=_split(args.keys) if args.keys else [],
            scale_points=args.scale_points,
            dont_know=args.dont_know,
            min_answered=args.min_answered,
            min_group_size=args.min_group_size,
            sep=args.sep,
            progress=not args.no_progress,
        )
    except AnalyzeError as error:
        print(f"trustmirror analyze: {error}", file=sys.stderr)
        return error.exit_code
    if args.json:
        text = json.dumps(result, indent=2, ensure_ascii=False, allow_nan=False)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n", encoding="utf-8")
    if args.html:
        Path(args.html).write_text(render_html(result, language=args.language), encoding="utf-8")
    if not args.json and not args.html:
        print(render_text(result, language=args.language))
    return 0


@dataclass(frozen=True)
class _Setup:
    keys: dict[str, dict[str, int]]
    scale_points: int
    dont_know: float | None
    skipped: dict[str, list[str]]
    instrument: str | None


def analyze(
    path: Path,
    *,
    unit: str | None = None,
    items: Iterable[str] | None = None,
    instrument: str | None = None,
    reverse_items: Iterable[str] = (),
    scale_points: int | None = None,
    dont_know: str | float | None = None,
    min_answered: float = 2 / 3,
    min_group_size: int = 5,
    sep: str | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Read ``path``, score, and compute reliability and agreement; return a JSON-ready dict.

    Raises
    ------
    AnalyzeError
        With exit code 2 for usage problems and 1 for bad values in the data.
    """
    if not path.is_file():
        raise AnalyzeError(f"{path}: no such file")
    try:
        policy = Policy(min_group_size=min_group_size)
    except ValueError as error:
        raise AnalyzeError(f"--min-group-size: {error}") from None
    if not 0 < min_answered <= 1:
        raise AnalyzeError(f"--min-answered must be in (0, 1], got {min_answered}")
    sep = sep or _detect_separator(path)
    header = _header(path, sep)
    if unit is not None and unit not in header:
        raise AnalyzeError(_missing_columns(path, [unit], header))
    setup = _setup(header, path, items, instrument, list(reverse_items), scale_points, dont_know)

    item_columns = list(dict.fromkeys(i for scale in setup.keys.values() for i in scale))
    raw = _read(path, sep, ([unit] if unit else []) + item_columns, unit=unit, progress=progress)
    answers = _validated_answers(raw, path, item_columns, setup)
    groups = _unit_labels(raw, path, unit) if unit else None

    scores = scoring.scale_scores(
        answers, setup.keys, scale_points=setup.scale_points, min_answered=min_answered
    )
    visible: dict[str, Any] = {}
    unit_sizes = pd.Series(dtype=int)
    per_unit = None
    if groups is not None:
        unit_sizes = groups.value_counts(sort=False).reindex(groups.cat.categories)
        visible = policy.suppress_tree(
            [GroupCount(label, None, int(n)) for label, n in unit_sizes.items()]
        )
        # The web app's per-unit statistics (mean, SD, t interval, rwg(j)) for all scales at
        # once; the answers are already checked, with "don't know" read as missing.
        per_unit = teams.team_statistics(
            scores, answers, groups, setup.keys, scale_points=setup.scale_points
        ).scales

    scales = {}
    steps = tqdm(setup.keys.items(), desc="analysing", unit="scale", disable=_quiet(progress))
    for name, keys in steps:
        scales[name] = _scale_result(
            answers[list(keys)],
            keys,
            scores[name],
            groups,
            None if per_unit is None else per_unit.xs(name, level="construct"),
            visible,
            setup,
        )
    units = []
    for label, n in unit_sizes.items():
        shown = visible[label].shown
        units.append({"unit": str(label), "shown": shown, "n": int(n) if shown else None})
    return _clean(
        {
            "data": str(path),
            "n_rows": len(answers),
            "unit_column": unit,
            "instrument": setup.instrument,
            "scale_points": setup.scale_points,
            "dont_know": setup.dont_know,
            "min_answered": min_answered,
            "min_group_size": policy.k,
            "missing_data": "reliability: pairwise-complete covariances (as psych::alpha); "
            "rwg(j): complete cases per scale (as multilevel::rwg.j)",
            "skipped_constructs": setup.skipped,
            "units": units,
            "scales": scales,
        }
    )


def _scale_result(
    block: pd.DataFrame,
    keys: Mapping[str, int],
    score: pd.Series,
    groups: pd.Series | None,
    per_unit: pd.DataFrame | None,
    visible: Mapping[Any, Any],
    setup: _Setup,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "items": list(keys),
        "reverse_items": [item for item, key in keys.items() if key == -1],
        "n_scored": int(score.notna().sum()),
        "mean": float(score.mean()),
        "sd": float(score.std(ddof=1)),
        "reliability": _reliability(block, keys, setup.scale_points),
        "icc": None,
        "units": [],
    }
    if groups is None or per_unit is None:
        return result
    icc = agreement.icc(score.to_numpy(), groups)
    result["icc"] = {
        "icc1": icc.icc1,
        "icc2": icc.icc2,
        "n_obs": icc.n_obs,
        "n_groups": icc.n_groups,
        "mean_group_size": icc.mean_group_size,
    }
    for label, row in zip(per_unit.index, per_unit.itertuples(index=False), strict=True):
        if not visible[label].shown:
            result["units"].append({"unit": str(label), "shown": False})
            continue
        result["units"].append(
            {
                "unit": str(label),
                "shown": True,
                "n_scored": int(row.n),
                "mean": float(row.mean),
                "sd": float(row.sd),
                "ci_low": float(row.ci_low),
                "ci_high": float(row.ci_high),
                "rwg_j": float(row.rwg_j),
                "rwg_j_lindell": float(row.rwg_j_lindell),
                "rwg_j_n": int(row.rwg_j_n),
            }
        )
    return result


def _reliability(block: pd.DataFrame, keys: Mapping[str, int], scale_points: int) -> dict:
    if block.shape[1] < 2:
        return {"error": "a single item has no internal consistency"}
    try:
        fit = reliability.alpha(block, keys=dict(keys), scale_range=(1, scale_points))
    except ValueError as error:
        return {"error": str(error)}
    out: dict[str, Any] = {
        "alpha": fit.raw_alpha,
        "std_alpha": fit.std_alpha,
        "average_r": fit.average_r,
        "n": fit.n,
        "n_complete": fit.n_complete,
        "omega_total": None,
        "omega_model_implied": None,
        "items": [
            {
                "item": str(item),
                "reversed": bool(row["key"] == -1),
                "n": int(row["n"]),
                "mean": float(row["mean"]),
                "sd": float(row["sd"]),
                "r_drop": float(row["r_drop"]),
                "alpha_if_deleted": float(row["alpha_if_deleted"]),
            }
            for item, row in fit.items.iterrows()
        ],
    }
    if block.shape[1] >= 3:
        try:
            omega = reliability.omega_total(block, keys=dict(keys))
        except ValueError as error:
            out["omega_error"] = str(error)
        else:
            if not omega.heywood:
                out["omega_total"] = omega.omega_psych
                out["omega_model_implied"] = omega.omega_model_implied
            else:
                out["omega_error"] = "improper one-factor solution (a loading of 1 or more)"
    return out


def _setup(
    header: list[str],
    path: Path,
    items: Iterable[str] | None,
    instrument: str | None,
    reverse_items: list[str],
    scale_points: int | None,
    dont_know: str | float | None,
) -> _Setup:
    skipped: dict[str, list[str]] = {}
    instrument_label = None
    if instrument:
        if reverse_items:
            raise AnalyzeError("--keys goes with --items; an instrument has its own keys")
        identifier, _, version = instrument.partition(":")
        try:
            loaded = load_instrument(identifier, version or "1")
        except InstrumentError as error:
            raise AnalyzeError(f"--instrument {instrument}: {error}") from None
        keys = {}
        for construct, construct_keys in loaded.scoring_keys().items():
            absent = [item for item in construct_keys if item not in header]
            if absent and len(absent) < len(construct_keys):
                skipped[construct] = absent
            elif not absent:
                keys[construct] = dict(construct_keys)
        if not keys:
            example = ", ".join(list(loaded.items)[:4])
            raise AnalyzeError(
                f"{path}: no construct of {loaded.id} v{loaded.version} has all its item "
                f"columns (item columns are named by item id, e.g. {example})"
            )
        default_points, default_dont_know = loaded.scale_points, loaded.dont_know
        instrument_label = f"{loaded.id}:{loaded.version}"
    else:
        keys = _keys_from_items(items or [], reverse_items)
        absent = [item for scale in keys.values() for item in scale if item not in header]
        if absent:
            raise AnalyzeError(_missing_columns(path, absent, header))
        default_points, default_dont_know = 5, scoring.DONT_KNOW
    points = scale_points if scale_points is not None else default_points
    if points < 2:
        raise AnalyzeError(f"--scale-points must be at least 2, got {points}")
    code: float | None
    if dont_know is None:
        code = float(default_dont_know)
    elif str(dont_know).lower() == "none":
        code = None
    else:
        try:
            code = float(dont_know)
        except ValueError:
            raise AnalyzeError(
                f"--dont-know must be a number or 'none', got {dont_know!r}"
            ) from None
        if 1 <= code <= points:
            raise AnalyzeError(f"--dont-know {dont_know} is a valid answer on 1..{points}")
    return _Setup(keys, points, code, skipped, instrument_label)


def _keys_from_items(specs: Iterable[str], reverse_items: list[str]) -> dict[str, dict[str, int]]:
    keys: dict[str, dict[str, int]] = {}
    for number, spec in enumerate(specs, start=1):
        name, _, columns = spec.rpartition("=")
        name = name.strip() or ("scale" if number == 1 else f"scale{number}")
        columns_list = _split(columns)
        if not columns_list:
            raise AnalyzeError(f"--items {spec!r} names no columns")
        if name in keys:
            raise AnalyzeError(f"--items: scale name {name!r} used twice")
        duplicates = sorted({c for c in columns_list if columns_list.count(c) > 1})
        if duplicates:
            raise AnalyzeError(f"--items {spec!r} lists {', '.join(duplicates)} twice")
        keys[name] = {column: 1 for column in columns_list}
    for item in reverse_items:
        owners = [scale for scale in keys.values() if item in scale]
        if not owners:
            raise AnalyzeError(f"--keys: {item!r} is not an item of any --items scale")
        for scale in owners:
            scale[item] = -1
    return keys


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _detect_separator(path: Path) -> str:
    with path.open(encoding="utf-8-sig", errors="replace") as handle:
        first = handle.readline()
    counts = {sep: first.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _header(path: Path, sep: str) -> list[str]:
    try:
        return [str(c) for c in pd.read_csv(path, sep=sep, nrows=0, encoding="utf-8-sig").columns]
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise AnalyzeError(f"{path}: cannot read the header line: {error}") from None


def _missing_columns(path: Path, missing: list[str], header: list[str]) -> str:
    shown = ", ".join(header[:30]) + (" ..." if len(header) > 30 else "")
    names = ", ".join(repr(c) for c in missing)
    return f"{path}: column {names} not found; the file has: {shown}"


def _count_rows(path: Path) -> int:
    lines = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
    return max(lines - 1, 0)


def _quiet(progress: bool) -> bool | None:
    # None lets tqdm decide: bars on a terminal, silence in pipes and tests.
    return True if not progress else None


def _read(
    path: Path, sep: str, columns: list[str], *, unit: str | None, progress: bool
) -> pd.DataFrame:
    total = _count_rows(path) if progress else None
    chunks = []
    bar = tqdm(total=total, desc="reading", unit="rows", disable=_quiet(progress))
    try:
        reader = pd.read_csv(
            path,
            sep=sep,
            usecols=columns,
            # Items are left to the fast C number parser; a column with text in it comes back
            # as objects and is checked value by value in _validated_answers.
            dtype={unit: str} if unit else None,
            encoding="utf-8-sig",
            chunksize=CHUNK_ROWS,
            # Keep blank lines so that row positions map to line numbers in messages.
            skip_blank_lines=False,
        )
        for chunk in reader:
            chunks.append(chunk)
            bar.update(len(chunk))
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise AnalyzeError(f"{path}: {error}", exit_code=1) from None
    finally:
        bar.close()
    frame = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=columns)
    frame = frame[columns]
    frame.index = pd.RangeIndex(2, 2 + len(frame), name="line")  # line 1 is the header
    return frame[frame.notna().any(axis=1)]


def _validated_answers(
    raw: pd.DataFrame, path: Path, columns: list[str], setup: _Setup
) -> pd.DataFrame:
    errors: list[str] = []
    n_bad = 0
    answers = {}
    points = setup.scale_points
    allowed = f"1..{points}" + (
        f" (or {_fmt(setup.dont_know)} for don't know)" if setup.dont_know is not None else ""
    )
    for column in columns:
        if pd.api.types.is_numeric_dtype(raw[column]) and not pd.api.types.is_bool_dtype(
            raw[column]
        ):
            values = raw[column].astype(float)
        else:
            text = raw[column].astype("string").str.strip()
            values = pd.Series(
                pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan),
                index=raw.index,
            )
            not_number = text.notna() & (text != "") & values.isna()
            n_bad += int(not_number.sum())
            for line in not_number.index[not_number][:MAX_REPORTED_ERRORS]:
                errors.append(f"line {line}, column {column!r}: {text[line]!r} is not a number")
        if setup.dont_know is None:
            dont_know = pd.Series(False, index=values.index)
        else:
            dont_know = values == setup.dont_know
        valid = (
            values.isna()
            | dont_know
            | ((values >= 1) & (values <= points) & (values == np.round(values)))
        )
        n_bad += int((~valid).sum())
        for line in valid.index[~valid][:MAX_REPORTED_ERRORS]:
            errors.append(
                f"line {line}, column {column!r}: {_fmt(values[line])} is outside {allowed}"
            )
        answers[column] = values.mask(dont_know)
    if errors:
        errors.sort(key=lambda message: int(message.split(",")[0].removeprefix("line ")))
        more = n_bad - MAX_REPORTED_ERRORS
        listing = "\n  ".join(errors[:MAX_REPORTED_ERRORS])
        tail = f"\n  ... and {more} more" if more > 0 else ""
        raise AnalyzeError(f"{path}: bad values\n  {listing}{tail}", exit_code=1)
    return pd.DataFrame(answers, index=raw.index)


def _unit_labels(raw: pd.DataFrame, path: Path, unit: str) -> pd.Series:
    labels = raw[unit].str.strip()
    blank = labels.isna() | (labels == "")
    if blank.any():
        lines = ", ".join(str(line) for line in labels.index[blank][:10])
        raise AnalyzeError(f"{path}: no unit in column {unit!r} on line {lines}", exit_code=1)
    distinct = labels.unique()
    numeric = pd.to_numeric(pd.Series(distinct), errors="coerce")
    if numeric.notna().all():
        # Unit ids like 2, 10, 100 read better in numeric order than as text.
        order = [label for _, label in sorted(zip(numeric, distinct, strict=True))]
    else:
        order = sorted(distinct)
    return pd.Series(pd.Categorical(labels, categories=order), index=raw.index, name=unit)


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return str(int(value)) if float(value).is_integer() else str(value)


def _clean(value: Any) -> Any:
    """Make a result JSON-ready: NaN and infinities become null, numpy scalars plain numbers."""
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    return value


# --------------------------------------------------------------------------- reports


def _num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def render_text(result: Mapping[str, Any], *, language: str = "en") -> str:
    """A plain-text summary for the terminal."""
    t = {key: texts[language] for key, texts in LABELS.items()}
    lines = [f"{t['data']}: {result['data']} ({result['n_rows']} {t['rows']})"]
    for name, scale in result["scales"].items():
        rel = scale["reliability"]
        lines.append("")
        lines.append(
            f"{t['scale']} {name} ({len(scale['items'])} {t['items']}): "
            f"mean {_num(scale['mean'])}, sd {_num(scale['sd'])}, n {scale['n_scored']}"
        )
        if "error" in rel:
            lines.append(f"  {t['reliability']}: {t['not_computable']} ({rel['error']})")
        else:
            lines.append(f"  alpha {_num(rel['alpha'], 3)}, omega {_num(rel['omega_total'], 3)}")
            for item in rel["items"]:
                flag = f" ({t['reversed']})" if item["reversed"] else ""
                lines.append(
                    f"    {item['item']}{flag}: {t['r_drop']} {_num(item['r_drop'])}, "
                    f"{t['alpha_if_deleted']} {_num(item['alpha_if_deleted'], 3)}"
                )
        if scale["icc"]:
            lines.append(
                f"  ICC(1) {_num(scale['icc']['icc1'], 3)}, ICC(2) {_num(scale['icc']['icc2'], 3)}"
            )
        for row in scale["units"]:
            if row["shown"]:
                lines.append(
                    f"    {row['unit']}: n {row['n_scored']}, mean {_num(row['mean'])}, "
                    f"rwg(j) {_num(row['rwg_j'])}"
                )
            else:
                lines.append(
                    f"    {row['unit']}: " + t["suppressed"] % {"k": result["min_group_size"]}
                )
    return "\n".join(lines)


def render_html(result: Mapping[str, Any], *, language: str = "en") -> str:
    """A small self-contained HTML report (no scripts, no external files).

    Charts come first (people read them before tables): reliability of every scale, and per
    scale a dot plot of the unit means; the tables after them hold the exact numbers.
    """
    t = {key: texts[language] for key, texts in LABELS.items()}
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{language}"><head><meta charset="utf-8">',
        f"<title>{e(t['title'])}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
        "padding:0 1rem;color:#222}table{border-collapse:collapse;margin:.5rem 0 1.5rem}"
        "th,td{border-bottom:1px solid #ddd;padding:.25rem .6rem;text-align:right}"
        "th:first-child,td:first-child{text-align:left}.muted{color:#777}"
        "figure{margin:.5rem 0 1.5rem}figure svg{width:100%;max-width:48rem;height:auto}"
        "figcaption{color:#555;font-size:.9rem}figcaption p{margin:.3rem 0}</style>",
        "</head><body>",
        f"<h1>{e(t['title'])}</h1>",
        f"<p>{e(t['data'])}: {e(str(result['data']))} — {result['n_rows']} {e(t['rows'])}</p>",
    ]
    reliability_chart = _reliability_figure(result, t)
    if reliability_chart:
        parts.append(f"<h2>{e(t['reliability'])}</h2>")
        parts.append(reliability_chart)
    for number, (name, scale) in enumerate(result["scales"].items(), start=1):
        rel = scale["reliability"]
        parts.append(f"<h2>{e(t['scale'])} {e(name)}</h2>")
        parts.append(
            f"<p>n {scale['n_scored']}, mean {_num(scale['mean'])}, sd {_num(scale['sd'])}"
            + (
                f"; ICC(1) {_num(scale['icc']['icc1'], 3)}, ICC(2) {_num(scale['icc']['icc2'], 3)}"
                if scale["icc"]
                else ""
            )
            + "</p>"
        )
        if "error" in rel:
            parts.append(f"<p class='muted'>{e(t['not_computable'])}: {e(rel['error'])}</p>")
        else:
            parts.append(
                f"<p>{e(t['reliability'])}: alpha {_num(rel['alpha'], 3)}, "
                f"omega {_num(rel['omega_total'], 3)}</p>"
            )
            parts.append(
                f"<table><tr><th>{e(t['item'])}</th><th>{e(t['r_drop'])}</th>"
                f"<th>{e(t['alpha_if_deleted'])}</th><th>mean</th><th>n</th></tr>"
            )
            for item in rel["items"]:
                flag = (
                    f" <span class='muted'>({e(t['reversed'])})</span>" if item["reversed"] else ""
                )
                parts.append(
                    f"<tr><td>{e(item['item'])}{flag}</td><td>{_num(item['r_drop'])}</td>"
                    f"<td>{_num(item['alpha_if_deleted'], 3)}</td><td>{_num(item['mean'])}</td>"
                    f"<td>{item['n']}</td></tr>"
                )
            parts.append("</table>")
        if scale["units"]:
            chart = _unit_means_figure(
                str(name),
                scale,
                chart_id=f"scale-{number}",
                scale_points=result["scale_points"],
                t=t,
            )
            if chart:
                parts.append(chart)
            parts.append(
                f"<table><tr><th>{e(t['unit'])}</th><th>n</th><th>mean</th>"
                f"<th>{e(t['ci95'])}</th><th>sd</th><th>r<sub>wg(j)</sub></th></tr>"
            )
            for row in scale["units"]:
                if row["shown"]:
                    parts.append(
                        f"<tr><td>{e(row['unit'])}</td><td>{row['n_scored']}</td>"
                        f"<td>{_num(row['mean'])}</td><td>{_ci_text(row)}</td>"
                        f"<td>{_num(row['sd'])}</td><td>{_num(row['rwg_j'])}</td></tr>"
                    )
                else:
                    note = t["suppressed"] % {"k": result["min_group_size"]}
                    parts.append(
                        f"<tr><td>{e(row['unit'])}</td>"
                        f"<td colspan='5' class='muted'>{e(note)}</td></tr>"
                    )
            parts.append("</table>")
    if result["unit_column"] is None:
        parts.append(f"<p class='muted'>{e(t['no_units'])}</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _ci_text(row: Mapping[str, Any]) -> str:
    low, high = row.get("ci_low"), row.get("ci_high")
    return "–" if low is None or high is None else f"{_num(low)}–{_num(high)}"


def _reliability_figure(result: Mapping[str, Any], t: Mapping[str, str]) -> str | None:
    """Alpha and omega of every scale as bars, with the customary .70 marked."""
    # Imported here: matplotlib is only needed for this report, not for --json or the text.
    from trustmirror.charts.reliability import reliability_chart
    from trustmirror.charts.svg import Series, without_namespaces

    names = [str(name) for name in result["scales"]]
    alphas = [scale["reliability"].get("alpha") for scale in result["scales"].values()]
    omegas = [scale["reliability"].get("omega_total") for scale in result["scales"].values()]
    if all(value is None for value in alphas + omegas):
        return None
    svg = reliability_chart(
        chart_id="reliability",
        categories=names,
        series=[Series(t["alpha"], alphas), Series(t["omega"], omegas)],
        title=t["reliability_title"],
        summary="; ".join(
            t["scale_point"] % {"scale": name, "alpha": _num(alpha), "omega": _num(omega)}
            for name, alpha, omega in zip(names, alphas, omegas, strict=True)
        ),
        missing_label=t["not_available"],
        threshold_label=t["cutoff_line"],
    )
    return _figure_html(without_namespaces(svg), [t["reliability_note"]])


def _unit_means_figure(
    name: str, scale: Mapping[str, Any], *, chart_id: str, scale_points: int, t: Mapping[str, str]
) -> str | None:
    """A dot plot of the shown units' means with their t intervals and agreement."""
    from trustmirror.charts.svg import without_namespaces
    from trustmirror.charts.unit_means import (
        SHOWN_AT_EACH_END,
        UnitMean,
        drawn_units,
        unit_means_chart,
    )

    shown = [row for row in scale["units"] if row["shown"]]
    units = [
        UnitMean(
            row["unit"], row["n_scored"], row["mean"], row["ci_low"], row["ci_high"], row["rwg_j"]
        )
        for row in shown
    ]
    drawn = drawn_units(units, digits=REPORT_DIGITS)
    drawable = [u for u in units if u.mean is not None]
    overall = scale["mean"]
    svg = unit_means_chart(
        chart_id=chart_id,
        units=units,
        title=t["means_title"] % {"scale": name},
        summary="; ".join(
            t["unit_point"]
            % {
                "unit": u.unit,
                "mean": _num(u.mean),
                "ci": _ci_text({"ci_low": u.ci_low, "ci_high": u.ci_high}),
                "n": u.n,
                "rwg": _num(u.rwg_j),
            }
            for u in drawn
        ),
        axis_label=t["means_axis"] % {"points": scale_points},
        agree_label=t["agree"],
        disagree_label=t["disagree_or_none" if any(u.rwg_j is None for u in drawn) else "disagree"],
        overall_mean=overall,
        overall_label=t["overall"] % {"mean": _num(overall)},
        scale_points=scale_points,
        # The report's tables print means with two decimals; the chart draws no more.
        digits=REPORT_DIGITS,
    )
    if svg is None:
        return None
    notes = []
    if len(drawn) < len(drawable):
        notes.append(t["extremes_note"] % {"units": len(drawable), "each": SHOWN_AT_EACH_END})
    notes.append(t["agreement_note"])
    n_hidden = len(scale["units"]) - len(shown)
    if n_hidden:
        notes.append(t["hidden_note"] % {"hidden": n_hidden})
    return _figure_html(without_namespaces(svg), notes)


def _figure_html(svg: str, notes: Sequence[str]) -> str:
    caption = "".join(f"<p>{html.escape(note)}</p>" for note in notes)
    return f'<figure class="chart">\n{svg}<figcaption>{caption}</figcaption>\n</figure>'
