"""What a web process does at start so that no visitor waits for it."""

from __future__ import annotations

from pathlib import Path

from django.template import engines

import trustmirror
from trustmirror.warmup import warm_up


def test_every_template_is_compiled_at_start():
    templates = Path(trustmirror.__file__).parent / "templates"
    expected = len(list(templates.rglob("*.html")))
    assert expected > 40
    assert warm_up() == expected
    # The cached loader now holds them: a request compiles nothing.
    loader = engines["django"].engine.template_loaders[0]
    assert len(loader.get_template_cache) >= expected
