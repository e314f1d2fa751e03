"""Put tests/mws2 and tests/mws2/cpython on sys.path (pytest runs in importlib mode)."""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
for _path in (_HERE, os.path.join(_HERE, "cpython")):
    if _path not in sys.path:
        sys.path.insert(0, _path)
