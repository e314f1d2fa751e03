"""Autobahn TestSuite cases (kosoku) against the server running on MicroPython.

The server program's echo on ``/`` accepts messages of 128 KiB (see mws2_mp_server.py),
enough for sections 1 to 7 and 10 (messages up to 64 KiB). Of section 9 (performance,
messages up to 16 MiB) only the cases a board-sized server can hold run here: 9.1.1 and
9.2.1 (64 KiB), 9.7.x and 9.8.x (1,000 small messages each); the whole of section 9 runs
on CPython in tests/mws2/cpython/test_autobahn_server.py. Sections 12 and 13 need
permessage-deflate, which mws2 does not negotiate.
"""

import json
import shutil
import subprocess
import sys

import pytest

CASES = ("1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "10.*")
CASES += ("9.1.1", "9.2.1", "9.7.*", "9.8.*")
EXPECTED_CASES = 261  # what kosoku 0.1.0 selects with CASES
ACCEPTED = ("OK", "NON-STRICT", "INFORMATIONAL")
SUITE_TIMEOUT = 400


def kosoku_command():
    path = shutil.which("kosoku")
    if path:
        return [path]
    try:
        import kosoku  # noqa: F401
    except ImportError:
        pytest.skip("kosoku (the Autobahn TestSuite runner) is not installed")
    return [sys.executable, "-m", "kosoku"]


def test_autobahn_cases(mp_server, tmp_path):
    command = kosoku_command() + ["-m", "fuzzingclient", "127.0.0.1:%d" % mp_server.port]
    for pattern in CASES:
        command += ["-i", pattern]
    command += ["-o", str(tmp_path)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=SUITE_TIMEOUT)
    index = tmp_path / "index.json"
    assert index.exists(), "kosoku wrote no report:\n%s\n%s" % (run.stdout, run.stderr)
    with open(index) as f:
        (results,) = json.load(f).values()
    assert len(results) == EXPECTED_CASES, "kosoku ran %d cases" % len(results)
    bad = []
    for case, result in sorted(results.items()):
        verdicts = (result["behavior"], result["behaviorClose"])
        if not all(verdict in ACCEPTED for verdict in verdicts):
            with open(tmp_path / result["reportfile"]) as f:
                detail = json.load(f)
            bad.append("%s %s/%s: %s" % (case, verdicts[0], verdicts[1], detail.get("result")))
    assert not bad, "%d case(s) not passed on %s:\n%s\n%s" % (
        len(bad),
        mp_server.runtime,
        "\n".join(bad),
        mp_server.log()[-3000:],
    )
