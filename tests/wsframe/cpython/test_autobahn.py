"""The Autobahn TestSuite cases 1.x-10.x (through kosoku) against a wsframe echo server.

12.x/13.x (permessage-deflate) are excluded: wsframe negotiates no extension.
"""

import collections
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kosoku_suite import not_passed, run_fuzzingclient, sections  # noqa: E402
from wsframe_echo_server import EchoServer  # noqa: E402

# Case id -> reason, for verdicts traced to a kosoku bug (see packages/wsframe/README.md).
KNOWN_KOSOKU_ERRORS = {}
KOSOKU_TIMEOUT = 240


@pytest.fixture()
def echo_server():
    server = EchoServer().start()
    yield server
    server.stop()


def test_autobahn_cases_1_to_10(echo_server, tmp_path):
    cases = run_fuzzingclient(echo_server.port, tmp_path, timeout=KOSOKU_TIMEOUT)
    assert len(cases) > 290, "kosoku ran %d cases" % len(cases)
    counts = collections.Counter(
        (verdict["behavior"], verdict["behaviorClose"]) for verdict in cases.values())
    print("kosoku verdicts (behavior, close):", dict(counts))
    assert not_passed(cases, tmp_path, KNOWN_KOSOKU_ERRORS) == []
    # Every group of the suite ran, and only those (Autobahn has no group 8).
    assert sections(cases) == [1, 2, 3, 4, 5, 6, 7, 9, 10]
