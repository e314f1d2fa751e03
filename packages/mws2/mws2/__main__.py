"""``python -m mws2``: see ``mws2.cli``."""

import sys

from .cli import main

sys.exit(main())
