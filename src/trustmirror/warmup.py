"""Work a web process does once at start instead of on some visitor's first request.

gunicorn forks its workers from a process that imported :mod:`trustmirror.wsgi`
(``preload_app``), so what is done here is done once and shared. Measured on the benchmark's
2-core machine: compiling a results page's templates took 100-200 ms of a worker's first
request, and matplotlib's first drawing (fonts, text layout caches) more than later ones.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template

__all__ = ["warm_up"]

logger = logging.getLogger(__name__)


def warm_up() -> int:
    """Compile every template of the project and draw one chart; return the templates."""
    compiled = 0
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(directory.rglob("*.html")):
            name = path.relative_to(directory).as_posix()
            try:
                get_template(name)
            except (TemplateDoesNotExist, TemplateSyntaxError):  # pragma: no cover - a bug
                logger.exception("template %s could not be compiled", name)
                continue
            compiled += 1
    from trustmirror.charts.profile import profile_chart
    from trustmirror.charts.svg import Series

    profile_chart(
        chart_id="warm-up",
        categories=["a", "b"],
        series=[Series("a", [3.0, None], [2.5, None], [3.5, None]), Series("b", [4.0, 2.0])],
        title="warm-up",
        summary="warm-up",
        suppressed_label="-",
        midpoint_label="3",
    )
    return compiled
