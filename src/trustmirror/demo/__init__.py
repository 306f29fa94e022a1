"""The demo organisation behind ``trustmirror demo``: a fictional company with a story.

Kwartelhaven Logistiek (made up) has 147 people in 3 departments and 14 teams. Two scans
of the Trust Scan ran half a year apart: the first (version 1 of the questionnaire) is
closed, the second (version 2) is open and about three quarters of the people have answered
it so far. Change between them is shown only for the scales whose questions stayed the
same. The answers come from a fixed seed and a model (:mod:`trustmirror.demo.generate`), not
from noise, so a reader sees a story:

- **Operations/Warehouse/Returns was reorganised between the scans** (returns handling
  moved from Tilburg to Rotterdam, new shifts, three jobs cut). In scan 2 safety and
  security, psychological safety and the wish to stay drop sharply and fear rises; fewer
  people answered.
- **Support/IT is a high-trust team**: above the organisation on every theme, high team
  trust and psychological safety, low fear, in both scans.
- **Customer Services lost trust in its leaders' integrity**: management promised extra
  staff for the peak season and withdrew it. Leader integrity drops in all four of its
  teams in scan 2, benevolence and trust in top management a little.
- **Operations/Transport/Planning improved after agreements**: low on reliability and
  collaboration in scan 1, it agreed on a fixed daily handover with the drivers and a board
  of who promised what; in scan 2 both are back at or above the organisation's level.
- **The drivers' teams work under much control** (tachographs, GPS, delivery scans) and
  trust no less for it: control and trust are not opposites.
- **Support/Legal has 3 people**: below the minimum group size of 5, so no
  number of theirs is ever shown, in either scan.

Privacy works as in production: random tokens with only their hashes stored, responses with
no person, no time and in random row order. Only the demo keeps passwords and a few survey
links, in ``demo-info.json`` (owner-readable), so you can log in and answer.

The story is told in English and Dutch in ``docs/demo.md``. :mod:`trustmirror.demo.story`
holds the organisation and the effects as data; :mod:`trustmirror.demo.seed` writes them.

The Django-facing names below are imported on first use, so :mod:`trustmirror.demo.generate`
and :mod:`trustmirror.demo.story` also work without a configured Django.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_SEED",
    "INFO_FILE",
    "DemoInfo",
    "Login",
    "ScanSummary",
    "SurveyLink",
    "demo_info",
    "describe",
    "seed_demo",
]


def __getattr__(name: str):
    if name in __all__:
        from trustmirror.demo import seed

        return getattr(seed, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
