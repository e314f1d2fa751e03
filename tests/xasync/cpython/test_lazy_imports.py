"""`import xasync` loads the TCP-server path only; the rest loads on first use (its
public names still come from `xasync`). Checked in fresh interpreters, CPython and
MicroPython, and the import's heap on MicroPython is held to its budget."""

import os
import shutil
import subprocess
import sys
import tempfile

import pytest

REPO = __file__.rsplit("/tests/", 1)[0]
PACKAGE = os.path.join(REPO, "packages", "xasync")
# The TCP-server path's budget from .mpy files on the unix port (bench/heap.py).
# (29 KiB since the timer heap drops closed sockets' entries: +0.2 KiB of code that keeps
# thousands of closed TLS clients from being held for seconds under a flood.)
IMPORT_BUDGET = 29 * 1024

PROBE = """
import sys
sys.path.insert(0, %(pkg)r)

def loaded():
    return sorted([m for m in sys.modules if m.startswith('xasync.')])

import xasync
print('EAGER', ' '.join(loaded()))
print('SSL', 'ssl' in sys.modules)
from xasync import *
print('STAR', len([n for n in dir() if n.startswith('XAsync') or n[:2] in ('XB', 'XF', 'XC')]))
print('LAZY', ' '.join(loaded()))
print('SAME', XFiFo is xasync.XFiFo and xasync._workers.XFiFo is XFiFo)
try:
    xasync.NoSuchName
except AttributeError:
    print('MISSING AttributeError')
"""

EAGER = {"xasync._compat", "xasync._pool", "xasync._tcp"}


def _probe(command):
    done = subprocess.run(command + ["-c", PROBE % {"pkg": PACKAGE}], capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    return dict(line.split(" ", 1) for line in done.stdout.splitlines())


def _check(found, extra_eager=()):
    assert set(found["EAGER"].split()) == EAGER | set(extra_eager), found
    assert found["SSL"] == "False"
    assert found["STAR"] == "15"  # every public name, the lazy ones loaded for it
    assert {"xasync._udp", "xasync._buffers", "xasync._workers", "xasync._names"} <= set(
        found["LAZY"].split())
    assert found["SAME"] == "True"
    assert found["MISSING"] == "AttributeError"


def test_cpython_imports_the_server_path_only():
    _check(_probe([sys.executable]), extra_eager=["xasync._cpython"])


def _micropython():
    if not shutil.which("micropython"):
        pytest.skip("needs the micropython command")
    return ["micropython", "-X", "heapsize=4M"]


def test_micropython_imports_the_server_path_only():
    _check(_probe(_micropython()))


def test_micropython_import_heap_stays_in_budget():
    command = _micropython()
    if not shutil.which("mpy-cross"):
        pytest.skip("needs mpy-cross")
    with tempfile.TemporaryDirectory() as build:
        target = os.path.join(build, "xasync")
        os.mkdir(target)
        for name in os.listdir(os.path.join(PACKAGE, "xasync")):
            if name.endswith(".py"):
                subprocess.run(["mpy-cross", "-o", os.path.join(target, name[:-3] + ".mpy"),
                                os.path.join(PACKAGE, "xasync", name)], check=True)
        code = ("import sys\nsys.path[:0] = [%r]\nimport gc\ngc.collect()\n"
                "before = gc.mem_alloc()\nimport xasync\ngc.collect()\n"
                "print(gc.mem_alloc() - before)\n" % build)
        done = subprocess.run(command[:1] + ["-X", "heapsize=8M", "-c", code],
                              capture_output=True, text=True, timeout=30,
                              env=dict(os.environ, MICROPYPATH=".frozen"))
    held = int(done.stdout.split()[-1])
    assert held <= IMPORT_BUDGET, "import xasync holds %d bytes (budget %d)" % (
        held, IMPORT_BUDGET)
