"""The real mws2 server under MicroPython, driven from CPython.

``MWS2_RUNTIME=micropython`` (what the nox ``micropython`` session sets) starts
``mws2_mp_server.py`` with the ``micropython`` command on PATH; without it the same
program runs on this CPython, so the tests also run in the plain ``tests`` session.
The server listens on 127.0.0.1 port 0; its ``READY <port>`` line says where. It is
stopped with SIGINT at the end of the session (killed if it does not stop in time).
"""

import os
import sys
import time

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:  # pytest runs in importlib mode: helper modules need the path
    sys.path.insert(0, HERE)

from mws2_mp_process import START_TIMEOUT, ServerProcess, server_command  # noqa: E402

# 8 MiB: room for the test traffic (WebSocket messages up to 2 MiB are refused early);
# tests/mws2_micropython/test_mp_small_heap.py runs its own server on a 1 MiB heap.
MICROPYTHON_HEAP = os.environ.get("MWS2_MP_HEAP", "8M")


@pytest.fixture(scope="session", params=["pool", "asyncio"])
def mp_server(request):
    """The server, once in each mode: pool (2 worker threads) and asyncio."""
    mode = "2" if request.param == "pool" else "asyncio"
    server = ServerProcess(server_command(MICROPYTHON_HEAP, mode))
    try:
        _wait_until_answering(server)
        yield server
    finally:
        server.stop()


def _wait_until_answering(server, timeout=START_TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(server.url("/hello"), timeout=2).status_code == 200:
                return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.1)
