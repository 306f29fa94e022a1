"""``trustmirror analyze DATA.csv``: reliability and agreement for data collected elsewhere.

For researchers who ran a survey in another tool: one row per respondent, one column per item
(answers ``1..scale_points``, empty for missing, the don't-know code 0 as missing), optionally
a column with the respondent's unit (team). The command reports per scale: Cronbach's alpha,
McDonald's omega and corrected item-total correlations; per unit: n, mean, sd, a t interval
and :math:`r_{wg(J)}`; and ICC(1)/ICC(2) of the scale scores across the units it shows.

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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from trustmirror.analysis import agreement, reliability, scoring, teams
from trustmirror.analysis.invariance import measurement_invariance, testable
from trustmirror.cli.i18n import LANGUAGES, gettext_noop, translator
from trustmirror.instrument import InstrumentError, load_instrument
from trustmirror.privacy import GroupCount, Policy

__all__ = ["AnalyzeError", "add_arguments", "analyze", "run"]

CHUNK_ROWS = 50_000
# Decimals of the means the reports print (and so the most their charts may draw).
REPORT_DIGITS = 2
MAX_REPORTED_ERRORS = 20


class AnalyzeError(Exception):
    """Bad input for ``trustmirror analyze``; the message says what and where.

    As with Django's ``ValidationError``, ``message`` is a text for the catalogue (marked with
    :func:`~trustmirror.cli.i18n.gettext_noop`) whose ``%(name)s`` placeholders are filled
    from ``params`` only when it is shown, so that :meth:`text` can show it in the reader's
    language. ``details`` are more such texts, one line each below it (e.g. one per bad
    value). ``str(error)`` is the English text.
    """

    def __init__(
        self,
        message: str,
        params: Mapping[str, object] | None = None,
        *,
        details: Sequence[tuple[str, Mapping[str, object]]] = (),
        exit_code: int = 2,
    ) -> None:
        self.message = message
        self.params = dict(params or {})
        self.details = list(details)
        self.exit_code = exit_code
        super().__init__(self.text())

    def text(self, gettext: Callable[[str], str] | None = None) -> str:
        """The message and its details, translated with ``gettext`` (default: as written)."""
        translate = gettext or _as_written
        lines = [translate(self.message) % self.params]
        lines += [f"  {translate(message) % params}" for message, params in self.details]
        return "\n".join(lines)


def _as_written(message: str) -> str:
    return message


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
        "--compare",
        metavar="COLUMN",
        help="test whether the groups in COLUMN (e.g. the answer language) answer the scales "
        "alike: configural, metric and scalar invariance per group of scales (each group "
        f"needs {MIN_COMPARE} complete answers)",
    )
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
    parser.add_argument(
        "--language", "--lang", choices=LANGUAGES, default="en", help="report language"
    )
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
            compare=args.compare,
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
        print(f"trustmirror analyze: {error.text(translator(args.language))}", file=sys.stderr)
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
    compare: str | None = None,
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
        raise AnalyzeError(gettext_noop("%(path)s: no such file"), {"path": path})
    try:
        policy = Policy(min_group_size=min_group_size)
    except ValueError as error:
        raise AnalyzeError(gettext_noop("--min-group-size: %(error)s"), {"error": error}) from None
    if not 0 < min_answered <= 1:
        raise AnalyzeError(
            gettext_noop("--min-answered must be in (0, 1], got %(value)s"), {"value": min_answered}
        )
    sep = sep or _detect_separator(path)
    header = _header(path, sep)
    if unit is not None and unit not in header:
        raise _missing_columns(path, [unit], header)
    if compare is not None and compare not in header:
        raise _missing_columns(path, [compare], header)
    setup = _setup(header, path, items, instrument, list(reverse_items), scale_points, dont_know)

    item_columns = list(dict.fromkeys(i for scale in setup.keys.values() for i in scale))
    extra = [c for c in (unit, compare) if c]
    raw = _read(path, sep, list(dict.fromkeys(extra)) + item_columns, unit=unit, progress=progress)
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
    invariance = (
        _invariance(answers, raw[compare], setup, instrument) if compare is not None else None
    )
    # Per question, the share of respondents who answered "don't know" (read as missing).
    for name, keys in setup.keys.items():
        scales[name]["dont_know"] = {
            item: (
                float((pd.to_numeric(raw[item], errors="coerce") == setup.dont_know).mean())
                if setup.dont_know is not None and len(raw)
                else 0.0
            )
            for item in keys
        }
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
            "compare_column": compare,
            "invariance": invariance,
        }
    )


#: Complete answers each group needs before ``--compare`` tests it.
MIN_COMPARE = 200

#: The verdicts of --compare in plain words (the quality page's sentences, so one translation).
COMPARE_VERDICTS = {
    "comparable_scores": gettext_noop(
        "Comparable: Dutch and English measure these scales the same way and on the same "
        "scale, so their means may be compared."
    ),
    "comparable_relations": gettext_noop(
        "Partly comparable: the questions measure the same thing in both languages, but not on "
        "the same scale. Compare how the scales relate to each other, not their means."
    ),
    "not_comparable_metric": gettext_noop(
        "Not comparable: the questions weigh differently in Dutch and English. Do not compare "
        "Dutch- and English-speaking groups on these scales."
    ),
    "not_comparable_configural": gettext_noop(
        "Not comparable: the model does not fit the two languages. Do not compare Dutch- and "
        "English-speaking groups on these scales."
    ),
    "not_converged": gettext_noop("No verdict: the models could not be estimated."),
}


def _invariance(
    answers: pd.DataFrame, labels: pd.Series, setup: _Setup, instrument: str | None
) -> list[dict[str, Any]]:
    """Configural, metric and scalar invariance between the groups of ``labels``.

    With an instrument, one model per group of its constructs (each construct of at least
    three items a factor); with ``--items``, one model of every scale of three or more items.
    """
    if instrument:
        identifier, _, version = instrument.partition(":")
        loaded = load_instrument(identifier, version or "1")
        models = [
            (
                group.id,
                {
                    c.id: list(setup.keys[c.id])
                    for c in loaded.constructs_in(group.id)
                    if c.id in setup.keys and len(setup.keys[c.id]) >= 3
                },
            )
            for group in loaded.groups
        ]
    else:
        models = [("scales", {n: list(k) for n, k in setup.keys.items() if len(k) >= 3})]
    group = labels.where(labels.notna()).astype("string").reindex(answers.index)
    out = []
    for name, model in models:
        if not testable(model):
            continue
        result = measurement_invariance(answers, group, model, min_group_size=MIN_COMPARE)
        out.append(
            {
                "model": name,
                "factors": model,
                "level": result.level,
                "verdict": result.verdict.code,
                "verdict_params": dict(result.verdict.params),
                "n_used": {str(k): v for k, v in result.n_used.items()},
                "fits": {
                    level: {"cfi": fit.cfi, "rmsea": fit.rmsea, "chisq": fit.chisq, "df": fit.df}
                    for level, fit in result.fits.items()
                },
                "tests": {
                    level: {"delta_cfi": test.delta_cfi, "delta_rmsea": test.delta_rmsea}
                    for level, test in result.tests.items()
                },
            }
        )
    return out


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
    result["icc"] = _shown_units_icc(score, groups, visible)
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


def _shown_units_icc(
    score: pd.Series, groups: pd.Series, visible: Mapping[Any, Any]
) -> dict[str, Any] | None:
    """ICC(1)/ICC(2) over the units whose results are shown, as the quality page does.

    An ICC is a function of the units' sizes, means and standard deviations. Over the shown
    units those are in the report anyway, so the ICC reveals nothing more; over hidden units
    it would be a number computed from what the privacy policy withholds (see
    ``trustmirror.results.quality``). ``None`` with fewer than two shown units.
    """
    shown = [label for label in groups.cat.categories if visible[label].shown]
    if len(shown) < 2:
        return None
    in_shown = groups.isin(shown).to_numpy()
    icc = agreement.icc(score.to_numpy()[in_shown], groups[in_shown].cat.remove_unused_categories())
    return {
        "icc1": icc.icc1,
        "icc2": icc.icc2,
        "n_obs": icc.n_obs,
        "n_groups": icc.n_groups,
        "mean_group_size": icc.mean_group_size,
    }


def _reliability(block: pd.DataFrame, keys: Mapping[str, int], scale_points: int) -> dict:
    if block.shape[1] < 2:
        return {"error": gettext_noop("a single item has no internal consistency")}
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
                out["omega_error"] = gettext_noop(
                    "improper one-factor solution (a loading of 1 or more)"
                )
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
            raise AnalyzeError(
                gettext_noop("--keys goes with --items; an instrument has its own keys")
            )
        identifier, _, version = instrument.partition(":")
        try:
            loaded = load_instrument(identifier, version or "1")
        except InstrumentError as error:
            raise AnalyzeError(
                gettext_noop("--instrument %(instrument)s: %(error)s"),
                {"instrument": instrument, "error": error},
            ) from None
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
                gettext_noop(
                    "%(path)s: no construct of %(instrument)s v%(version)s has all its item "
                    "columns (item columns are named by item id, e.g. %(example)s)"
                ),
                {
                    "path": path,
                    "instrument": loaded.id,
                    "version": loaded.version,
                    "example": example,
                },
            )
        default_points, default_dont_know = loaded.scale_points, loaded.dont_know
        instrument_label = f"{loaded.id}:{loaded.version}"
    else:
        keys = _keys_from_items(items or [], reverse_items)
        absent = [item for scale in keys.values() for item in scale if item not in header]
        if absent:
            raise _missing_columns(path, absent, header)
        default_points, default_dont_know = 5, scoring.DONT_KNOW
    points = scale_points if scale_points is not None else default_points
    if points < 2:
        raise AnalyzeError(
            gettext_noop("--scale-points must be at least 2, got %(points)s"), {"points": points}
        )
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
                gettext_noop("--dont-know must be a number or 'none', got %(value)s"),
                {"value": repr(dont_know)},
            ) from None
        if 1 <= code <= points:
            raise AnalyzeError(
                gettext_noop("--dont-know %(code)s is a valid answer on 1..%(points)s"),
                {"code": dont_know, "points": points},
            )
    return _Setup(keys, points, code, skipped, instrument_label)


def _keys_from_items(specs: Iterable[str], reverse_items: list[str]) -> dict[str, dict[str, int]]:
    keys: dict[str, dict[str, int]] = {}
    for number, spec in enumerate(specs, start=1):
        name, _, columns = spec.rpartition("=")
        name = name.strip() or ("scale" if number == 1 else f"scale{number}")
        columns_list = _split(columns)
        if not columns_list:
            raise AnalyzeError(
                gettext_noop("--items %(spec)s names no columns"), {"spec": repr(spec)}
            )
        if name in keys:
            raise AnalyzeError(
                gettext_noop("--items: scale name %(name)s used twice"), {"name": repr(name)}
            )
        duplicates = sorted({c for c in columns_list if columns_list.count(c) > 1})
        if duplicates:
            raise AnalyzeError(
                gettext_noop("--items %(spec)s lists %(columns)s twice"),
                {"spec": repr(spec), "columns": ", ".join(duplicates)},
            )
        keys[name] = {column: 1 for column in columns_list}
    for item in reverse_items:
        owners = [scale for scale in keys.values() if item in scale]
        if not owners:
            raise AnalyzeError(
                gettext_noop("--keys: %(item)s is not an item of any --items scale"),
                {"item": repr(item)},
            )
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
        raise AnalyzeError(
            gettext_noop("%(path)s: cannot read the header line: %(error)s"),
            {"path": path, "error": error},
        ) from None


def _missing_columns(path: Path, missing: list[str], header: list[str]) -> AnalyzeError:
    shown = ", ".join(header[:30]) + (" ..." if len(header) > 30 else "")
    names = ", ".join(repr(c) for c in missing)
    return AnalyzeError(
        gettext_noop("%(path)s: column %(names)s not found; the file has: %(header)s"),
        {"path": path, "names": names, "header": shown},
    )


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
        raise AnalyzeError(
            gettext_noop("%(path)s: cannot read the data: %(error)s"),
            {"path": path, "error": error},
            exit_code=1,
        ) from None
    finally:
        bar.close()
    frame = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=columns)
    frame = frame[columns]
    frame.index = pd.RangeIndex(2, 2 + len(frame), name="line")  # line 1 is the header
    return frame[frame.notna().any(axis=1)]


def _validated_answers(
    raw: pd.DataFrame, path: Path, columns: list[str], setup: _Setup
) -> pd.DataFrame:
    # (line, message, params) of each bad value, sorted by line for the report.
    errors: list[tuple[int, str, dict[str, object]]] = []
    n_bad = 0
    answers = {}
    points = setup.scale_points
    if setup.dont_know is None:
        outside = gettext_noop(
            "line %(line)s, column %(column)s: %(value)s is outside 1..%(points)s"
        )
    else:
        outside = gettext_noop(
            "line %(line)s, column %(column)s: %(value)s is outside 1..%(points)s "
            "(or %(code)s for don't know)"
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
                errors.append(
                    (
                        line,
                        gettext_noop("line %(line)s, column %(column)s: %(value)s is not a number"),
                        {"line": line, "column": repr(column), "value": repr(text[line])},
                    )
                )
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
            params = {"line": line, "column": repr(column), "value": _fmt(values[line])}
            params |= {"points": points, "code": _fmt(setup.dont_know)}
            errors.append((line, outside, params))
        answers[column] = values.mask(dont_know)
    if errors:
        errors.sort(key=lambda error: error[0])
        details = [(message, params) for _line, message, params in errors[:MAX_REPORTED_ERRORS]]
        more = n_bad - MAX_REPORTED_ERRORS
        if more > 0:
            details.append((gettext_noop("... and %(more)s more"), {"more": more}))
        raise AnalyzeError(
            gettext_noop("%(path)s: bad values"), {"path": path}, details=details, exit_code=1
        )
    return pd.DataFrame(answers, index=raw.index)


def _unit_labels(raw: pd.DataFrame, path: Path, unit: str) -> pd.Series:
    labels = raw[unit].str.strip()
    blank = labels.isna() | (labels == "")
    if blank.any():
        lines = ", ".join(str(line) for line in labels.index[blank][:10])
        raise AnalyzeError(
            gettext_noop("%(path)s: no unit in column %(column)s on line %(lines)s"),
            {"path": path, "column": repr(unit), "lines": lines},
            exit_code=1,
        )
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


def _num(value: float | None, digits: int = REPORT_DIGITS) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def render_text(result: Mapping[str, Any], *, language: str = "en") -> str:
    """A plain-text summary for the terminal, in ``language`` (``"en"`` or ``"nl"``)."""
    _ = translator(language)
    lines = [
        _("Data: %(path)s (%(rows)s respondents)")
        % {"path": result["data"], "rows": result["n_rows"]}
    ]
    for name, scale in result["scales"].items():
        rel = scale["reliability"]
        lines.append("")
        lines.append(
            _("Scale %(name)s (%(items)s items): mean %(mean)s, sd %(sd)s, n %(n)s")
            % {
                "name": name,
                "items": len(scale["items"]),
                "mean": _num(scale["mean"]),
                "sd": _num(scale["sd"]),
                "n": scale["n_scored"],
            }
        )
        if "error" in rel:
            reason = _(rel["error"])
            lines.append("  " + _("Reliability: not computable (%(reason)s)") % {"reason": reason})
        else:
            coefficients = {"alpha": _num(rel["alpha"], 3), "omega": _num(rel["omega_total"], 3)}
            # Translators: alpha and omega are the statistics' names here, like ICC(1).
            lines.append("  " + _("alpha %(alpha)s, omega %(omega)s") % coefficients)
        if scale.get("dont_know"):
            shares = ", ".join(
                f"{item} {round(share * 100)} %" for item, share in scale["dont_know"].items()
            )
            lines.append("  " + _("“Don't know” per question: %(shares)s") % {"shares": shares})
            for item in rel["items"]:
                numbers = {
                    "item": item["item"],
                    "r_drop": _num(item["r_drop"]),
                    "alpha": _num(item["alpha_if_deleted"], 3),
                }
                if item["reversed"]:
                    template = _(
                        "%(item)s (reversed): corrected item-total r %(r_drop)s, "
                        "alpha without item %(alpha)s"
                    )
                else:
                    template = _(
                        "%(item)s: corrected item-total r %(r_drop)s, alpha without item %(alpha)s"
                    )
                lines.append("    " + template % numbers)
        if scale["icc"]:
            icc = {"icc1": _num(scale["icc"]["icc1"], 3), "icc2": _num(scale["icc"]["icc2"], 3)}
            lines.append("  " + _("ICC(1) %(icc1)s, ICC(2) %(icc2)s") % icc)
        elif scale["units"]:
            lines.append("  " + _("ICC: not computed, fewer than two units are shown"))
        for row in scale["units"]:
            if row["shown"]:
                text = _("%(unit)s: n %(n)s, mean %(mean)s, rwg(j) %(rwg)s") % {
                    "unit": row["unit"],
                    "n": row["n_scored"],
                    "mean": _num(row["mean"]),
                    "rwg": _num(row["rwg_j"]),
                }
            else:
                text = _(
                    "%(unit)s: not shown: fewer than %(k)s respondents, or would reveal a small "
                    "unit"
                ) % {"unit": row["unit"], "k": result["min_group_size"]}
            lines.append("    " + text)
    if result.get("invariance") is not None:
        lines.append("")
        lines.append(
            _("Do the groups of %(column)s answer alike? (measurement invariance)")
            % {"column": result["compare_column"]}
        )
        if not result["invariance"]:
            lines.append("  " + _("Nothing to test: no group of scales has three questions."))
        for one in result["invariance"]:
            code = one["verdict"]
            if code in COMPARE_VERDICTS:
                verdict = _(COMPARE_VERDICTS[code])
            else:
                verdict = _("Not tested: too few complete answers in one of the groups.")
            lines.append(f"  {one['model']}: {verdict}")
            for level, fit in one["fits"].items():
                lines.append(
                    "    "
                    + _("%(level)s: CFI %(cfi)s, RMSEA %(rmsea)s")
                    % {"level": level, "cfi": _num(fit["cfi"], 3), "rmsea": _num(fit["rmsea"], 3)}
                )
    return "\n".join(lines)


def _html(template: str, **params: object) -> str:
    """A translated text with its placeholders filled, the text and the values HTML-escaped."""
    return html.escape(template) % {key: html.escape(str(value)) for key, value in params.items()}


def render_html(result: Mapping[str, Any], *, language: str = "en") -> str:
    """A small self-contained HTML report (no scripts, no external files), in ``language``.

    Charts come first (people read them before tables): reliability of every scale, and per
    scale a dot plot of the unit means; the tables after them hold the exact numbers.
    """
    _ = translator(language)
    title = _html(_("Trustmirror analysis"))
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{language}"><head><meta charset="utf-8">',
        f"<title>{title}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
        "padding:0 1rem;color:#222}table{border-collapse:collapse;margin:.5rem 0 1.5rem}"
        "th,td{border-bottom:1px solid #ddd;padding:.25rem .6rem;text-align:right}"
        "th:first-child,td:first-child{text-align:left}.muted{color:#777}"
        "figure{margin:.5rem 0 1.5rem}figure svg{width:100%;max-width:48rem;height:auto}"
        "figcaption{color:#555;font-size:.9rem}figcaption p{margin:.3rem 0}</style>",
        "</head><body>",
        f"<h1>{title}</h1>",
        "<p>"
        + _html(
            _("Data: %(path)s — %(rows)s respondents"), path=result["data"], rows=result["n_rows"]
        )
        + "</p>",
    ]
    reliability_chart = _reliability_figure(result, gettext=_)
    if reliability_chart:
        parts.append("<h2>" + _html(_("Reliability")) + "</h2>")
        parts.append(reliability_chart)
    mean_header, reversed_flag = _html(_("mean")), _html(_("(reversed)"))
    for number, (name, scale) in enumerate(result["scales"].items(), start=1):
        rel = scale["reliability"]
        parts.append("<h2>" + _html(_("Scale %(name)s"), name=name) + "</h2>")
        summary = {"n": scale["n_scored"], "mean": _num(scale["mean"]), "sd": _num(scale["sd"])}
        if scale["icc"]:
            summary |= {
                "icc1": _num(scale["icc"]["icc1"], 3),
                "icc2": _num(scale["icc"]["icc2"], 3),
            }
            template = _("n %(n)s, mean %(mean)s, sd %(sd)s; ICC(1) %(icc1)s, ICC(2) %(icc2)s")
        elif scale["units"]:
            template = _(
                "n %(n)s, mean %(mean)s, sd %(sd)s; ICC not computed, fewer than two units are "
                "shown"
            )
        else:
            template = _("n %(n)s, mean %(mean)s, sd %(sd)s")
        parts.append(f"<p>{_html(template, **summary)}</p>")
        if "error" in rel:
            reason = _html(_("not computable: %(reason)s"), reason=_(rel["error"]))
            parts.append(f"<p class='muted'>{reason}</p>")
        else:
            coefficients = {"alpha": _num(rel["alpha"], 3), "omega": _num(rel["omega_total"], 3)}
            # Translators: alpha and omega are the statistics' names here, like ICC(1).
            line = _html(_("Reliability: alpha %(alpha)s, omega %(omega)s"), **coefficients)
            parts.append(f"<p>{line}</p>")
            headers = [_("Item"), _("corrected item-total r"), _("alpha without item")]
            cells = "".join(f"<th>{_html(header)}</th>" for header in headers)
            parts.append(f"<table><tr>{cells}<th>{mean_header}</th><th>n</th></tr>")
            for item in rel["items"]:
                flag = f" <span class='muted'>{reversed_flag}</span>" if item["reversed"] else ""
                parts.append(
                    f"<tr><td>{html.escape(item['item'])}{flag}</td>"
                    f"<td>{_num(item['r_drop'])}</td>"
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
                gettext=_,
            )
            if chart:
                parts.append(chart)
            unit_header = _html(_("Unit"))
            interval_header = _html(_("%(level)s%% CI"), level=95)
            parts.append(
                f"<table><tr><th>{unit_header}</th><th>n</th><th>{mean_header}</th>"
                f"<th>{interval_header}</th><th>sd</th><th>r<sub>wg(j)</sub></th></tr>"
            )
            hidden = _html(
                _("not shown: fewer than %(k)s respondents, or would reveal a small unit"),
                k=result["min_group_size"],
            )
            for row in scale["units"]:
                if row["shown"]:
                    parts.append(
                        f"<tr><td>{html.escape(row['unit'])}</td><td>{row['n_scored']}</td>"
                        f"<td>{_num(row['mean'])}</td><td>{_ci_text(row)}</td>"
                        f"<td>{_num(row['sd'])}</td><td>{_num(row['rwg_j'])}</td></tr>"
                    )
                else:
                    parts.append(
                        f"<tr><td>{html.escape(row['unit'])}</td>"
                        f"<td colspan='5' class='muted'>{hidden}</td></tr>"
                    )
            parts.append("</table>")
    if result["unit_column"] is None:
        parts.append("<p class='muted'>" + _html(_("No unit column given.")) + "</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _ci_text(row: Mapping[str, Any]) -> str:
    low, high = row.get("ci_low"), row.get("ci_high")
    return "–" if low is None or high is None else f"{_num(low)}–{_num(high)}"


def _reliability_figure(result: Mapping[str, Any], *, gettext: Callable[[str], str]) -> str | None:
    """Alpha and omega of every scale as bars, with the customary .70 marked."""
    # Imported here: matplotlib is only needed for this report, not for --json or the text.
    from trustmirror.charts.reliability import reliability_chart
    from trustmirror.charts.svg import Series, without_namespaces

    _ = gettext
    names = [str(name) for name in result["scales"]]
    alphas = [scale["reliability"].get("alpha") for scale in result["scales"].values()]
    omegas = [scale["reliability"].get("omega_total") for scale in result["scales"].values()]
    if all(value is None for value in alphas + omegas):
        return None
    svg = reliability_chart(
        chart_id="reliability",
        categories=names,
        series=[Series(_("Cronbach's alpha"), alphas), Series(_("McDonald's omega"), omegas)],
        title=_("Reliability per scale: Cronbach's alpha and McDonald's omega"),
        summary="; ".join(
            _("%(scale)s: alpha %(alpha)s, omega %(omega)s")
            % {"scale": name, "alpha": _num(alpha), "omega": _num(omega)}
            for name, alpha, omega in zip(names, alphas, omegas, strict=True)
        ),
        missing_label="–",
        threshold_label=".70",
    )
    note = _(
        "The line marks .70, a common lower bound for reliability. A dash: not computable "
        "(omega needs three items and a proper one-factor solution)."
    )
    return _figure_html(without_namespaces(svg), [note])


def _unit_means_figure(
    name: str,
    scale: Mapping[str, Any],
    *,
    chart_id: str,
    scale_points: int,
    gettext: Callable[[str], str],
) -> str | None:
    """A dot plot of the shown units' means with their t intervals and agreement."""
    from trustmirror.charts.svg import without_namespaces
    from trustmirror.charts.unit_means import (
        SHOWN_AT_EACH_END,
        UnitMean,
        drawn_units,
        unit_means_chart,
    )

    _ = gettext
    shown = [row for row in scale["units"] if row["shown"]]
    units = [
        UnitMean(
            row["unit"], row["n_scored"], row["mean"], row["ci_low"], row["ci_high"], row["rwg_j"]
        )
        for row in shown
    ]
    drawn = drawn_units(units, digits=REPORT_DIGITS)
    drawable = [u for u in units if u.mean is not None]
    if any(u.rwg_j is None for u in drawn):
        disagree = _("rwg(j) below .70 or not computable")
    else:
        disagree = _("rwg(j) below .70")
    svg = unit_means_chart(
        chart_id=chart_id,
        units=units,
        title=_("%(scale)s: unit means with 95%% confidence intervals") % {"scale": name},
        summary="; ".join(
            _("%(unit)s: mean %(mean)s, 95%% CI %(ci)s, n %(n)s, rwg(j) %(rwg)s")
            % {
                "unit": u.unit,
                "mean": _num(u.mean),
                "ci": _ci_text({"ci_low": u.ci_low, "ci_high": u.ci_high}),
                "n": u.n,
                "rwg": _num(u.rwg_j),
            }
            for u in drawn
        ),
        axis_label=_("mean score (1 = strongly disagree, %(points)s = strongly agree)")
        % {"points": scale_points},
        agree_label=_("rwg(j) .70 or higher"),
        disagree_label=disagree,
        overall_mean=scale["mean"],
        overall_label=_("overall mean %(mean)s") % {"mean": _num(scale["mean"])},
        scale_points=scale_points,
        # The report's tables print means with two decimals; the chart draws no more.
        digits=REPORT_DIGITS,
    )
    if svg is None:
        return None
    notes = []
    if len(drawn) < len(drawable):
        notes.append(
            _(
                "%(units)s units: the chart shows the %(each)s lowest and the %(each)s highest "
                "means; the table lists all units."
            )
            % {"units": len(drawable), "each": SHOWN_AT_EACH_END}
        )
    notes.append(
        _(
            "Hollow markers: members of the unit agree less (rwg(j) below .70). That cut-off is "
            "a convention and is criticised (random answers can pass it): read agreement as "
            "information, together with ICC(1) and ICC(2)."
        )
    )
    n_hidden = len(scale["units"]) - len(shown)
    if n_hidden:
        notes.append(
            _("Units left out to protect anonymity: %(hidden)s (see the table).")
            % {"hidden": n_hidden}
        )
    return _figure_html(without_namespaces(svg), notes)


def _figure_html(svg: str, notes: Sequence[str]) -> str:
    caption = "".join(f"<p>{html.escape(note)}</p>" for note in notes)
    return f'<figure class="chart">\n{svg}<figcaption>{caption}</figcaption>\n</figure>'
