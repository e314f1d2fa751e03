"""Puts this folder on sys.path so the portable tests import ``wsframe_vectors`` the same
way under pytest as under tests/mprun.py (which adds the test file's folder)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    # Appended, not inserted: tests/conftest.py must stay the `conftest` others import.
    sys.path.append(HERE)
