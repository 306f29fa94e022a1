"""``python -m trustmirror.cli``: the same as the ``trustmirror`` command."""

import sys

from trustmirror.cli import main

sys.exit(main())
