"""The command's tests read the R references through the one loader in tests/analysis.

``tests/analysis/conftest.py`` owns the reference data (``tests/reference``, the
``TRUSTMIRROR_REFERENCE_DIR`` override, failing on a missing file); it is loaded here by path
because test folders are not packages, and its ``lq2002`` fixture is offered to these tests.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_LOADER = Path(__file__).resolve().parents[1] / "analysis" / "conftest.py"
_spec = importlib.util.spec_from_file_location("trustmirror_tests_reference", _LOADER)
assert _spec is not None and _spec.loader is not None
_reference = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _reference  # its dataclass looks its module up while being built
_spec.loader.exec_module(_reference)

lq2002 = _reference.lq2002
reference_case = _reference.reference_case
