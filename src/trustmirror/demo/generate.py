"""The model behind the demo's answers: latent scores per construct, then item answers.

For respondent :math:`i` in team :math:`t` of department :math:`d` in scan :math:`w`, the
latent score on construct :math:`c` is

.. math::

    \\eta_{ic} = \\mu_c + \\delta_{dc}^{(w)} + \\tau_{tc}^{(w)} + u_{tc}
                 + \\sum_f \\lambda_{cf} \\sigma_f z_{if} + \\varepsilon_{ic}

with :math:`\\mu_c` the organisation's baseline, :math:`\\delta` and :math:`\\tau` the scripted
department and team effects of the story (:mod:`trustmirror.demo.story`), :math:`u_{tc}` a
small random team effect that stays the same over scans, :math:`z_{if}` standard normal
person factors (work climate, propensity to trust, the relation with the leader and with the
team) with loadings :math:`\\lambda` and spreads :math:`\\sigma`, and
:math:`\\varepsilon_{ic} \\sim N(0, 0.3^2)` what is unique to the construct.

An item answer is :math:`\\mathrm{clip}(\\mathrm{round}(\\eta_{ic} + o_j + e_{ij}), 1, 5)`
with a fixed item offset :math:`o_j` and noise :math:`e_{ij} \\sim N(0, 0.6^2)`; a
reverse-keyed item stores :math:`6 - x`. A small share becomes "don't know" (0) or stays
unanswered, more often for questions about top management, which many people cannot judge.

Pure numpy; no Django.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from trustmirror.demo import story

__all__ = [
    "FACTORS",
    "Scale",
    "answer_dicts",
    "construct_means",
    "expand",
    "item_answers",
    "latent_scores",
    "loading_matrix",
    "next_wave_traits",
]

#: Person-level factors and their spread on the answer scale.
FACTORS: dict[str, float] = {"climate": 0.45, "propensity": 0.55, "leader": 0.3, "team": 0.3}
UNIQUE_SD = 0.3
ITEM_NOISE_SD = 0.6
ITEM_OFFSET_SD = 0.15
TEAM_RANDOM_SD = 0.12
#: Correlation of a person's factors between the two scans: people change, but not wholly.
TRAIT_STABILITY = 0.8
DONT_KNOW_RATE: dict[str, float] = {"organisation": 0.06, "leader": 0.03}
DEFAULT_DONT_KNOW_RATE = 0.015
SKIP_RATE = 0.01
SKIPPED = -1


@dataclass(frozen=True)
class Scale:
    """What the generator needs of an instrument: constructs, items, keys and the scale."""

    construct_ids: tuple[str, ...]
    construct_groups: tuple[str, ...]
    item_ids: tuple[str, ...]
    item_construct: np.ndarray
    item_key: np.ndarray
    scale_points: int
    dont_know: int

    @classmethod
    def from_instrument(cls, instrument) -> Scale:
        keys = instrument.scoring_keys()
        construct_ids, groups, item_ids, item_construct, item_key = [], [], [], [], []
        for index, construct in enumerate(instrument.constructs):
            construct_ids.append(construct.id)
            groups.append(construct.group)
            for item_id, key in keys[construct.id].items():
                if item_id in item_ids:
                    continue
                item_ids.append(item_id)
                item_construct.append(index)
                item_key.append(key)
        return cls(
            construct_ids=tuple(construct_ids),
            construct_groups=tuple(groups),
            item_ids=tuple(item_ids),
            item_construct=np.array(item_construct, dtype=int),
            item_key=np.array(item_key, dtype=int),
            scale_points=instrument.scale_points,
            dont_know=instrument.dont_know,
        )


def expand(scale: Scale, values: Mapping[str, float], default: float = 0.0) -> np.ndarray:
    """Turn ``{group or construct id: value}`` into one value per construct.

    A construct id overrides its group's value; constructs named by neither get ``default``.
    """
    return np.array(
        [
            values.get(construct_id, values.get(group, default))
            for construct_id, group in zip(scale.construct_ids, scale.construct_groups, strict=True)
        ],
        dtype=float,
    )


def construct_means(scale: Scale, effects: Sequence[Mapping[str, float]]) -> np.ndarray:
    """The organisation's baseline per construct plus the sum of ``effects``."""
    means = expand(scale, story.GROUP_BASELINE, default=3.5)
    means = np.where(
        [c in story.CONSTRUCT_BASELINE for c in scale.construct_ids],
        [story.CONSTRUCT_BASELINE.get(c, 0.0) for c in scale.construct_ids],
        means,
    )
    for effect in effects:
        means = means + expand(scale, effect)
    return means


def loading_matrix(scale: Scale) -> np.ndarray:
    """Constructs x factors: each loading times the factor's spread."""
    return np.column_stack(
        [expand(scale, story.LOADINGS[name]) * sd for name, sd in FACTORS.items()]
    )


def next_wave_traits(rng: np.random.Generator, traits: np.ndarray) -> np.ndarray:
    """The same people's factors half a year later, correlated ``TRAIT_STABILITY``."""
    fresh = rng.standard_normal(traits.shape)
    return TRAIT_STABILITY * traits + np.sqrt(1 - TRAIT_STABILITY**2) * fresh


def latent_scores(
    rng: np.random.Generator, scale: Scale, means: np.ndarray, traits: np.ndarray
) -> np.ndarray:
    """Respondents x constructs latent scores for respondents with factor scores ``traits``.

    Parameters
    ----------
    rng : numpy.random.Generator
    scale : Scale
    means : ndarray, shape (n_constructs,)
        The expected score per construct in the respondents' team and scan.
    traits : ndarray, shape (n_respondents, n_factors)
        Standard normal factor scores, in the order of :data:`FACTORS`.
    """
    unique = rng.normal(0.0, UNIQUE_SD, size=(traits.shape[0], len(scale.construct_ids)))
    return means[np.newaxis, :] + traits @ loading_matrix(scale).T + unique


def item_answers(
    rng: np.random.Generator, scale: Scale, latent: np.ndarray, item_offsets: np.ndarray
) -> np.ndarray:
    """Respondents x items stored answers: 1..scale_points, ``dont_know``, or ``SKIPPED``."""
    n = latent.shape[0]
    raw = latent[:, scale.item_construct] + item_offsets[np.newaxis, :]
    raw = raw + rng.normal(0.0, ITEM_NOISE_SD, size=raw.shape)
    agree = np.clip(np.rint(raw), 1, scale.scale_points).astype(int)
    stored = np.where(scale.item_key[np.newaxis, :] < 0, scale.scale_points + 1 - agree, agree)
    groups = np.array(scale.construct_groups)[scale.item_construct]
    dont_know_rate = np.array([DONT_KNOW_RATE.get(g, DEFAULT_DONT_KNOW_RATE) for g in groups])
    draws = rng.random((n, len(scale.item_ids)))
    stored = np.where(draws < dont_know_rate, scale.dont_know, stored)
    skipped = rng.random((n, len(scale.item_ids))) < SKIP_RATE
    return np.where(skipped, SKIPPED, stored)


def answer_dicts(scale: Scale, stored: np.ndarray) -> list[dict[str, int]]:
    """One ``{item_id: answer}`` dict per respondent, without the skipped items."""
    return [
        {
            item_id: int(value)
            for item_id, value in zip(scale.item_ids, row, strict=True)
            if value != SKIPPED
        }
        for row in stored
    ]
