"""Every template compiles, and no comment of a developer reaches a page as text.

Django's ``{# ... #}`` comment ends at the end of its line: written over several lines it is
printed verbatim (it once stood above the header of every survey page). The check walks the
compiled node tree of every template, so it covers templates no test happens to render, and
the rendering tests below look at real pages as respondents and consultants get them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.template import engines
from django.template.base import TextNode

import trustmirror

TEMPLATE_DIR = Path(trustmirror.__file__).resolve().parent / "templates"
TEMPLATES = sorted(
    str(path.relative_to(TEMPLATE_DIR))
    for path in TEMPLATE_DIR.rglob("*")
    if path.suffix in (".html", ".txt", ".svg", ".xml")
)
COMMENT_MARKS = ("{#", "#}", "{% comment", "{% endcomment")


def test_there_are_templates_to_check():
    assert len(TEMPLATES) > 20, TEMPLATES
    assert "surveys/base.html" in TEMPLATES


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_prints_no_comment_text(name):
    template = engines["django"].get_template(name).template
    leaks = [
        node.s.strip()[:80]
        for node in template.nodelist.get_nodes_by_type(TextNode)
        if any(mark in node.s for mark in COMMENT_MARKS)
    ]
    assert not leaks, f"{name} prints comment text: {leaks}"


def test_a_multi_line_comment_would_be_caught():
    """The check itself: the shape that leaked before is found."""
    template = engines["django"].from_string("<p>\n{# one\n two #}\n</p>").template
    texts = [node.s for node in template.nodelist.get_nodes_by_type(TextNode)]
    assert any("{#" in text for text in texts)
