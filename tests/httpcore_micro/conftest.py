"""Put this folder on sys.path so the portable tests find httpcore_micro_feed.py
(tests/mprun.py does the same on MicroPython)."""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
