"""When the organisation's drivers (correlations of themes with outcomes) may be published.

A correlation over respondents tells nothing about one person when many answered; with few,
one answer moves it visibly. Drivers are therefore published only for the organisation as a
whole (never per unit), only when the organisation is shown, and each pair only over at least
:data:`DRIVERS_MIN_N` respondents, never fewer than k, and never fewer than the sensitive
minimum for an outcome made of sensitive questions. The pair's count is printed only where the
organisation's count is.
"""

from __future__ import annotations

__all__ = ["DRIVERS_MIN_N", "drivers_min_n"]

#: Respondents a correlation needs before it is published: below about 30 its interval is
#: too wide to say anything, and a single answer moves it.
DRIVERS_MIN_N = 30


def drivers_min_n(*, k: int, sensitive_min: int | None = None) -> int:
    """The fewest respondents with both scores for one published correlation."""
    return max(DRIVERS_MIN_N, k, sensitive_min or 0)
