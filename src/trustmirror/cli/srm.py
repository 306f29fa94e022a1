"""``trustmirror srm RATINGS.csv``: the Social Relations Model for round-robin ratings.

For researchers with round-robin data from anywhere: a long CSV file, one row per ordered
pair (perceiver, target), optionally a group column (one round-robin group per value) and a
second rating column for a bivariate analysis (e.g. the meta-perception "<target> trusts
me"). A row whose perceiver is its target holds a self rating. The command prints the
variance components (actor, partner, relationship variance; generalized and dyadic
reciprocity) with their significance, the reliabilities of the person effects and every
excluded person or group with the reason; ``--effects`` writes each person's actor and
partner effects, ``--json`` everything.

Like ``trustmirror analyze`` it runs without Django. The statistics are
:func:`trustmirror.analysis.srm.fit`; this module reads the file, reports bad input with its
line and column, and writes the results.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from trustmirror.analysis import srm
from trustmirror.cli.i18n import LANGUAGES, gettext_noop, translator

__all__ = ["add_arguments", "run"]

COMPONENT_LABELS = {
    "actor variance": gettext_noop("actor (perceiver) variance"),
    "partner variance": gettext_noop("partner (target) variance"),
    "relationship variance": gettext_noop("relationship variance"),
    "actor-partner covariance": gettext_noop("actor-partner covariance (generalized reciprocity)"),
    "relationship covariance": gettext_noop("relationship covariance (dyadic reciprocity)"),
}


class SRMInputError(Exception):
    """Bad input; the message says what and where."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", help="CSV file: one row per ordered pair (perceiver, target)")
    parser.add_argument("--perceiver", default="perceiver", help="perceiver column")
    parser.add_argument("--target", default="target", help="target column")
    parser.add_argument("--value", default="rating", help="rating column")
    parser.add_argument("--group", default=None, help="group column (several round robins)")
    parser.add_argument(
        "--meta", default=None, help="second rating column for the bivariate analysis"
    )
    parser.add_argument(
        "--se",
        choices=("lashley-bond", "soremo"),
        default="lashley-bond",
        help="significance across groups: Lashley & Bond standard errors (default) or the "
        "between-groups t-test (several groups)",
    )
    parser.add_argument("--sep", default=",", help="field separator (default ',')")
    parser.add_argument("--effects", metavar="OUT", help="write person effects as CSV")
    parser.add_argument("--json", metavar="OUT", help="write all results as JSON ('-': stdout)")
    parser.add_argument(
        "--language", "--lang", choices=LANGUAGES, default="en", help="report language"
    )


def run(args: argparse.Namespace) -> int:
    """0: done; 2: bad input (a message on standard error says what and where)."""
    _ = translator(args.language)
    try:
        ratings = _read(Path(args.data), args)
        result = srm.fit(
            ratings,
            perceiver=args.perceiver,
            target=args.target,
            value=args.value,
            group=args.group,
            meta=args.meta,
            se=args.se,
        )
    except (SRMInputError, ValueError) as error:
        print(f"trustmirror srm: {error}", file=sys.stderr)
        return 2
    if args.effects:
        result.effects.to_csv(args.effects, index=False)
    if args.json:
        text = json.dumps(_as_json(result), indent=2, ensure_ascii=False)
        if args.json == "-":
            print(text)
            return 0
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    print(render_text(result, _))
    return 0


def _read(path: Path, args: argparse.Namespace) -> pd.DataFrame:
    if not path.is_file():
        raise SRMInputError(f"{path}: no such file")
    try:
        frame = pd.read_csv(path, sep=args.sep, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise SRMInputError(f"{path}: not a readable CSV file ({error})") from None
    columns = [args.perceiver, args.target, args.value, args.group, args.meta]
    missing = [c for c in columns if c and c not in frame.columns]
    if missing:
        raise SRMInputError(
            f"{path}: no column {', '.join(repr(c) for c in missing)} "
            f"(the file has {', '.join(frame.columns)})"
        )
    for column in (args.value, args.meta):
        if not column:
            continue
        text = frame[column].str.strip()
        values = pd.to_numeric(text.where(text != "", None), errors="coerce")
        bad = values.isna() & (text != "") & ~text.str.upper().isin(["NA", "NAN"])
        if bad.any():
            line = int(bad.to_numpy().nonzero()[0][0]) + 2  # the header is line 1
            raise SRMInputError(
                f"{path}, line {line}, column {column!r}: "
                f"{frame[column].iloc[line - 2]!r} is not a number"
            )
        frame[column] = values
    return frame


def _number(value: float, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:.{digits}f}"


def _p(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return "<.001" if value < 0.001 else f"{value:.3f}"


def render_text(result: srm.SRMResult, _: Callable[[str], str]) -> str:
    """The components table, reliabilities and exclusions of ``result`` as plain text."""
    lines = [
        _("Social Relations Model: %(variable)s, %(groups)s group(s), %(people)s people")
        % {
            "variable": result.variable,
            "groups": result.n_groups,
            "people": int(result.group_summary["n"].sum()),
        },
        "",
    ]
    header = f"{'':52} {_('estimate'):>9} {_('standardized'):>12} {'se':>8} {'t':>8} {'p':>7}"
    lines.append(header)
    for name, row in result.components.iterrows():
        label = _(COMPONENT_LABELS.get(name, name))
        lines.append(
            f"{label:52} {_number(row['estimate']):>9} {_number(row['standardized']):>12} "
            f"{_number(row['se']):>8} {_number(row['t'], 2):>8} {_p(row['p']):>7}"
        )
    if result.bivariate is not None:
        lines += ["", _("Bivariate (with %(meta)s)") % {"meta": result.meta.variable}]
        for name, row in result.bivariate.iterrows():
            lines.append(
                f"{name:52} {_number(row['estimate']):>9} {_number(row['standardized']):>12} "
                f"{_number(row['se']):>8} {_number(row['t'], 2):>8} {_p(row['p']):>7}"
            )
    lines += [
        "",
        _("Reliability of the effects: actor %(actor)s, partner %(partner)s")
        % {
            "actor": _number(result.reliability.get("actor")),
            "partner": _number(result.reliability.get("partner")),
        },
    ]
    if len(result.excluded):
        lines += ["", _("Excluded:")]
        for row in result.excluded.itertuples():
            who = row.group if row.person is None else f"{row.group} / {row.person}"
            lines.append(f"  {who}: {row.reason}")
    return "\n".join(lines)


def _clean(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def _records(frame: pd.DataFrame | None, *, index: str | None = None) -> list[dict] | None:
    if frame is None:
        return None
    data = frame.reset_index(names=index) if index else frame
    return [{k: _clean(v) for k, v in row.items()} for row in data.to_dict("records")]


def _as_json(result: srm.SRMResult) -> Mapping:
    return {
        "variable": result.variable,
        "groups_analysed": result.n_groups,
        "df": _clean(result.df),
        "components": _records(result.components, index="component"),
        "groups": _records(result.groups),
        "reliability": {k: _clean(v) for k, v in result.reliability.items()},
        "effects": _records(result.effects),
        "excluded": _records(result.excluded),
        "group_var": _clean(result.group_var),
        "bivariate": _records(result.bivariate, index="component"),
    }
