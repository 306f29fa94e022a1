"""Trustmirror's measurement engine: pure numpy/pandas/scipy, no Django.

Statistics only: no file or screen output and no user texts (results carry codes such as
``"low"``/``"high"`` that the pages translate; ``invariance`` also keeps the English source
sentence of each of its codes, ``invariance.ENGLISH``, for the catalogue). The
``trustmirror analyze`` command is :mod:`trustmirror.cli.analyze`; charts are
:mod:`trustmirror.charts`.

Import the topic modules directly, e.g.::

    from trustmirror.analysis import agreement, reliability, scoring

Modules: ``scoring`` (scale scores), ``reliability`` (alpha, omega, item-total),
``factor`` (CFA fit), ``invariance`` (configural, metric and scalar invariance between
groups), ``agreement`` (rwg, rwg(j), ICC), ``teams`` (per-unit statistics),
``change`` (differences between scans), ``srm`` (Social Relations Model for round-robin
ratings).
"""
