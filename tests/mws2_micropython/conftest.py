"""The real mws2 server under MicroPython, driven from CPython.

``MWS2_RUNTIME=micropython`` (what the nox ``micropython`` session sets) starts
``mws2_mp_server.py`` with the ``micropython`` command on PATH; without it the same
program runs on this CPython, so the tests also run in the plain ``tests`` session.
The server listens on 127.0.0.1 port 0; its ``READY <port>`` line says where. It is
stopped with SIGINT at the end of the session (killed if it does not stop in time).
"""

import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER_PROGRAM = os.path.join(HERE, "mws2_mp_server.py")
START_TIMEOUT = 30
STOP_TIMEOUT = 10
# A board-sized heap would not hold the test traffic (16 MiB-ish WebSocket messages are
# refused anyway); 8 MiB keeps the run honest about memory without flakiness.
MICROPYTHON_HEAP = os.environ.get("MWS2_MP_HEAP", "8M")


def runtime():
    return os.environ.get("MWS2_RUNTIME", "cpython").lower()


def server_command():
    if runtime() == "micropython":
        exe = shutil.which("micropython")
        if exe is None:
            pytest.fail("MWS2_RUNTIME=micropython but no `micropython` command on PATH")
        return [exe, "-X", "heapsize=" + MICROPYTHON_HEAP, SERVER_PROGRAM, "0", "2"]
    if runtime() != "cpython":
        pytest.fail("MWS2_RUNTIME must be micropython or cpython, not %r" % runtime())
    return [sys.executable, SERVER_PROGRAM, "0", "2"]


def _read_ready_line(proc, timeout):
    """The port from the server's ``READY <port>`` line, skipping its log lines."""
    deadline = time.monotonic() + timeout
    buffered = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        chunk = os.read(proc.stdout.fileno(), 4096)
        if not chunk:
            break
        buffered += chunk
        for line in buffered.split(b"\n")[:-1]:
            if line.startswith(b"READY "):
                return int(line.split()[1]), buffered
    raise RuntimeError("server did not start (%s): %r" % (runtime(), buffered[-2000:]))


def _drain(proc, sink):
    """Keep reading the server's output so a full pipe never blocks it."""

    def pump():
        while True:
            try:
                data = os.read(proc.stdout.fileno(), 65536)
            except OSError:
                return
            if not data:
                return
            sink.append(data)

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return thread


class ServerUnderTest:
    def __init__(self, port, runtime_name, output):
        self.port = port
        self.runtime = runtime_name
        self.output = output

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def ws_url(self, path="/wstest"):
        return "ws://127.0.0.1:%d%s" % (self.port, path)

    def log(self):
        return b"".join(self.output).decode("utf-8", "replace")


@pytest.fixture(scope="session")
def mp_server():
    proc = subprocess.Popen(
        server_command(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=HERE
    )
    output = []
    try:
        port, first = _read_ready_line(proc, START_TIMEOUT)
        output.append(first)
        _drain(proc, output)
        server = ServerUnderTest(port, runtime(), output)
        _wait_until_answering(server)
        yield server
    finally:
        _stop(proc)


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


def _stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(STOP_TIMEOUT)
