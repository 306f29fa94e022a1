"""Trustmirror's measurement engine: pure numpy/pandas/scipy, no Django.

Import the topic modules directly, e.g.::

    from trustmirror.analysis import agreement, reliability, scoring

Modules: ``scoring`` (scale scores), ``reliability`` (alpha, omega, item-total),
``factor`` (CFA fit), ``agreement`` (rwg, rwg(j), ICC), ``teams`` (per-unit statistics),
``change`` (differences between scans).
"""
