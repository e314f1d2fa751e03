"""Start and stop mws2_mp_server.py (shared by conftest.py and the tests that need their
own server): under ``micropython`` when MWS2_RUNTIME=micropython, else this CPython."""

import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER_PROGRAM = os.path.join(HERE, "mws2_mp_server.py")
START_TIMEOUT = 30
STOP_TIMEOUT = 10


def runtime():
    return os.environ.get("MWS2_RUNTIME", "cpython").lower()


def server_command(heap, threads=2):
    """The command line of the server on the selected runtime (port 0: a free one)."""
    if runtime() == "micropython":
        exe = shutil.which("micropython")
        if exe is None:
            pytest.fail("MWS2_RUNTIME=micropython but no `micropython` command on PATH")
        return [exe, "-X", "heapsize=" + heap, SERVER_PROGRAM, "0", str(threads)]
    if runtime() != "cpython":
        pytest.fail("MWS2_RUNTIME must be micropython or cpython, not %r" % runtime())
    return [sys.executable, SERVER_PROGRAM, "0", str(threads)]


class ServerProcess:
    """The running server: its port, its output so far (kept drained), and stop()."""

    def __init__(self, command):
        self.runtime = runtime()
        self.output = []
        self.proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=HERE
        )
        try:
            self.port = self._read_ready_line(START_TIMEOUT)
        except BaseException:
            self.stop()
            raise
        threading.Thread(target=self._drain, daemon=True).start()

    def _read_ready_line(self, timeout):
        """The port from the ``READY <port>`` line, skipping the log lines before it."""
        deadline = time.monotonic() + timeout
        buffered = b""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if not ready:
                if self.proc.poll() is not None:
                    break
                continue
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                break
            buffered += chunk
            for line in buffered.split(b"\n")[:-1]:
                if line.startswith(b"READY "):
                    self.output.append(buffered)
                    return int(line.split()[1])
        raise RuntimeError("server did not start (%s): %r" % (self.runtime, buffered[-2000:]))

    def _drain(self):
        # keep reading the server's output so a full pipe never blocks it
        while True:
            try:
                data = os.read(self.proc.stdout.fileno(), 65536)
            except (OSError, ValueError):
                return
            if not data:
                return
            self.output.append(data)

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def ws_url(self, path="/wstest"):
        return "ws://127.0.0.1:%d%s" % (self.port, path)

    def log(self):
        return b"".join(self.output).decode("utf-8", "replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(STOP_TIMEOUT)
