"""Each adapter test module runs its programs under CPython and under MicroPython."""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:  # pytest runs in importlib mode: helper modules need the path
    sys.path.insert(0, HERE)

RUNTIMES = ("cpython", "micropython")


@pytest.fixture(scope="module", params=RUNTIMES)
def runtime(request):
    return request.param
