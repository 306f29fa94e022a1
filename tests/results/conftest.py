"""A scan of Acme with answers: enough in Team North, too few in Team South and Team East.

Who answered (k = 5): all six of Team North (Dana's team, shown), two of Team South (Eli's
team, below k: must never show a number) and all three of Team East (below k). The scan
closed on 31 October 2026 and its final results are published, as the worker would.
"""

from __future__ import annotations

import datetime as dt
import secrets

import numpy as np
import pytest

K = 5
RESPONDENTS = {"north": 6, "south": 2, "east": 3}


def random_answers(rng: np.random.Generator, item_ids: list[str]) -> dict[str, int]:
    """Answers 1..5 with some "don't know" (0) and some items left out."""
    answers = {}
    for item in item_ids:
        roll = rng.random()
        if roll < 0.05:
            continue
        answers[item] = 0 if roll < 0.10 else int(rng.integers(1, 6))
    return answers


@pytest.fixture
def instrument():
    from trustmirror.instrument import load_instrument

    return load_instrument()


@pytest.fixture
def scan(acme, instrument, publish):
    from trustmirror.surveys.models import Response
    from trustmirror.surveys.services import scan_create

    scan = scan_create(
        organisation=acme.org,
        name="Autumn 2026",
        opens_on=dt.date(2026, 10, 1),
        closes_on=dt.date(2026, 10, 31),
        min_group_size=K,
    )
    rng = np.random.default_rng(20261127)
    item_ids = list(instrument.items)
    for name, n in RESPONDENTS.items():
        unit = getattr(acme, name)
        for _ in range(n):
            Response.objects.create(
                scan=scan,
                unit=unit,
                resume_key=secrets.token_hex(32),
                answers=random_answers(rng, item_ids),
                submitted=True,
            )
    # A draft that was never submitted counts nowhere.
    Response.objects.create(
        scan=scan,
        unit=acme.north,
        resume_key=secrets.token_hex(32),
        answers={item: 1 for item in item_ids},
        submitted=False,
    )
    publish(scan)
    return scan
