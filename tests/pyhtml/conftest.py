"""Puts this folder on sys.path so the portable tests import ``pyhtml_files`` the same
way under pytest as under tests/mprun.py (which adds the test file's folder)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
