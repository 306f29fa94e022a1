"""Stable reason codes for hidden numbers.

The privacy package says *why* something is not shown with one of these codes; the words
belong to the reader's language and live in :mod:`trustmirror.results.wording` (gettext).
"""

__all__ = [
    "REASON_CODES",
    "REASON_BELOW_K",
    "REASON_COMPLEMENTARY",
    "REASON_COUNT_COMBINES",
    "REASON_FEW_NONRESPONDENTS",
    "REASON_ROLLED_UP",
    "REASON_SHOWN",
    "REASON_TOO_MANY_DIMENSIONS",
]

REASON_SHOWN = "shown"
REASON_BELOW_K = "below_k"
REASON_COMPLEMENTARY = "complementary"
REASON_ROLLED_UP = "rolled_up"
REASON_FEW_NONRESPONDENTS = "few_nonrespondents"
REASON_COUNT_COMBINES = "count_combines"
REASON_TOO_MANY_DIMENSIONS = "too_many_dimensions"

#: Every code, for callers that must have a text for each (tests hold the wording to it).
REASON_CODES = frozenset(
    {
        REASON_SHOWN,
        REASON_BELOW_K,
        REASON_COMPLEMENTARY,
        REASON_ROLLED_UP,
        REASON_FEW_NONRESPONDENTS,
        REASON_COUNT_COMBINES,
        REASON_TOO_MANY_DIMENSIONS,
    }
)
