"""Autobahn TestSuite cases (kosoku) against the server running on MicroPython.

The server program's echo on ``/`` accepts messages of 128 KiB (see mws2_mp_server.py),
enough for sections 1 to 7 and 10 (messages up to 64 KiB). Of section 9 (performance,
messages up to 16 MiB) only the cases a board-sized server can hold run here: 9.1.1 and
9.2.1 (64 KiB), 9.7.x and 9.8.x (1,000 small messages each); the whole of section 9 runs
on CPython in tests/mws2/cpython/test_autobahn_server.py. Sections 12 and 13 need
permessage-deflate, which mws2 does not negotiate.
"""

from kosoku_suite import not_passed, run_fuzzingclient

CASES = ("1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "10.*")
CASES += ("9.1.1", "9.2.1", "9.7.*", "9.8.*")
EXPECTED_CASES = 261  # what kosoku 0.1.0 selects with CASES
SUITE_TIMEOUT = 400


def test_autobahn_cases(mp_server, tmp_path):
    results = run_fuzzingclient(mp_server.port, tmp_path, include=CASES, exclude=(),
                                timeout=SUITE_TIMEOUT)
    assert len(results) == EXPECTED_CASES, "kosoku ran %d cases" % len(results)
    bad = not_passed(results, tmp_path)
    assert not bad, "%d case(s) not passed on %s:\n%s\n%s" % (
        len(bad),
        mp_server.runtime,
        "\n".join(bad),
        mp_server.log()[-3000:],
    )
