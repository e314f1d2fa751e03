"""A client that stops reading a big answer is closed once the send stalls, and only it."""

import socket
import time

import pytest
import requests
from mws2_harness import LOOPBACK, port_of, running, url, wait_for

from mws2 import GET, RegisterRoute
from mws2.connection import SEND_STALL_MIN_SEC

# Every test here runs in both modes (pool and asyncio).
pytestmark = pytest.mark.usefixtures("server_mode")

STREAMS = []


class EndlessStream:
    """A ReturnStream source that never ends: only a closed connection stops it."""

    def __init__(self):
        self.closed_at = None
        self.sent = 0
        self.block = b"s" * 65536

    def read(self, size):
        self.sent += size
        return self.block[:size]

    def close(self):
        self.closed_at = time.monotonic()


def _endless(mws, request):
    stream = EndlessStream()
    STREAMS.append(stream)
    request.Response.ReturnStream(200, stream)


def _hello(mws, request):
    request.Response.ReturnOk("still here")


RegisterRoute(_endless, GET, "/slow-reader/endless")
RegisterRoute(_hello, GET, "/slow-reader/hello")


def _non_reader(mws, target):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fill up fast
    sock.settimeout(5)
    sock.connect((LOOPBACK, port_of(mws)))
    sock.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % target)
    return sock


def _drain(sock, limit_sec=10):
    """Read what is left; (bytes, ended) where ended says EOF or reset was reached."""
    total = 0
    deadline = time.monotonic() + limit_sec
    while time.monotonic() < deadline:
        try:
            part = sock.recv(1 << 20)
        except ConnectionResetError:
            return total, True
        except socket.timeout:
            continue
        if not part:
            return total, True
        total += len(part)
    return total, False


def test_a_client_that_stops_reading_is_closed_and_others_are_served(tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as out:
        out.truncate(64 << 20)  # sparse: 64 MiB, far more than the socket buffers
    STREAMS.clear()

    def configure(mws):
        mws.RequestsTimeoutSec = 1

    with running(tmp_path, configure=configure) as mws:
        started = time.monotonic()
        file_client = _non_reader(mws, b"/big.txt")
        stream_client = _non_reader(mws, b"/slow-reader/endless")
        try:
            assert wait_for(lambda: STREAMS, timeout=5)
            # While both stall, the server answers everyone else.
            for _ in range(3):
                answer = requests.get(url(mws, "/slow-reader/hello"), timeout=5)
                assert answer.text == "still here"
                time.sleep(0.2)
            stream = STREAMS[0]
            assert wait_for(lambda: stream.closed_at is not None, timeout=SEND_STALL_MIN_SEC + 8)
            elapsed = stream.closed_at - started
            assert SEND_STALL_MIN_SEC - 0.5 <= elapsed < SEND_STALL_MIN_SEC + 6, elapsed
            head = file_client.recv(15)
            assert head.startswith(b"HTTP/1.1 200"), head
            got, ended = _drain(file_client)
            assert ended and got < 64 << 20, got
            got, ended = _drain(stream_client)
            assert ended
            assert stream.sent < 64 << 20  # it stopped being read from
        finally:
            file_client.close()
            stream_client.close()
        assert requests.get(url(mws, "/slow-reader/hello"), timeout=5).text == "still here"
        assert wait_for(lambda: not mws._all_connections(), timeout=5)


def test_a_slow_reader_that_keeps_reading_gets_everything(tmp_path):
    size = 8 << 20
    (tmp_path / "mid.txt").write_bytes(b"m" * size)

    def configure(mws):
        mws.RequestsTimeoutSec = 1

    with running(tmp_path, configure=configure) as mws:
        sock = _non_reader(mws, b"/mid.txt")
        try:
            data = b""
            deadline = time.monotonic() + 30
            while b"\r\n\r\n" not in data and time.monotonic() < deadline:
                data += sock.recv(4096)
            head, _, body = data.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200")
            total = len(body)
            # ~8 s in all: longer than the stall limit, but it never stops for long.
            per_byte = 8.0 / size
            while total < size and time.monotonic() < deadline:
                part = sock.recv(65536)
                if not part:
                    break
                total += len(part)
                time.sleep(len(part) * per_byte)
            assert total == size
        finally:
            sock.close()


