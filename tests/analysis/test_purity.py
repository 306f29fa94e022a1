"""``trustmirror.analysis`` is pure statistics: numpy, pandas, scipy and nothing of the app.

No Django, no other Trustmirror package (privacy, instrument, charts, cli), no command-line,
plotting or progress-bar libraries, and no user texts: those live in ``cli/``, ``charts/``
and the gettext catalogue. Imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import trustmirror.analysis

ANALYSIS = Path(trustmirror.analysis.__file__).resolve().parent
ALLOWED = {
    "__future__",
    "collections",
    "contextlib",
    "dataclasses",
    "functools",
    "math",
    "numpy",
    "pandas",
    "scipy",
    "semopy",  # the SEM fitter behind factor.cfa
    "threadpoolctl",  # keeps BLAS to one thread while semopy fits
    "typing",
    "warnings",
}


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


@pytest.mark.parametrize("path", sorted(ANALYSIS.glob("*.py")), ids=lambda p: p.name)
def test_analysis_imports_only_statistics_libraries(path):
    foreign = [
        f"{path.name}:{line} imports {module}"
        for line, module in _imports(path)
        if not (module == "trustmirror.analysis" or module.startswith("trustmirror.analysis."))
        and module.split(".")[0] not in ALLOWED
    ]
    assert foreign == []
