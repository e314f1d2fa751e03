"""Bad input and faults: 400/413/414/431/505, slow and idle peers, the connection cap."""

import asyncio
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from mws2_harness import connect, exchange, parse_one, read_until_closed, running, url, wait_for

from mws2 import GET, POST, RegisterRoute
from mws2.connection import RECLAIM_AFTER_SEC

# Every test here runs in both modes (pool and asyncio).
pytestmark = pytest.mark.usefixtures("server_mode")


def _echo(mws, request):
    request.Response.ReturnOk(bytes(request.Content or b""))


RegisterRoute(_echo, POST, "/etest/echo")


def _slow(mws, request):
    time.sleep(1.6)  # longer than RequestsTimeoutSec (1 s): a handler is never cut
    request.Response.ReturnOk("slow but served")


RegisterRoute(_slow, GET, "/etest/slow")
RegisterRoute(lambda mws, request: 1 / 0, POST, "/etest/boom")


def _no_memory(mws, request):
    raise MemoryError("memory allocation failed, allocating 1280 bytes")


RegisterRoute(_no_memory, GET, "/etest/no-memory")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("err")
    (root / "index.html").write_text("ok")

    def configure(mws):
        mws.SetEmbeddedConfig()  # 1 KiB slots: 4 KiB head limit, 16 KiB bodies
        mws.RequestsTimeoutSec = 1

    with running(root, configure=configure) as mws:
        yield mws


BAD_REQUESTS = [
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400),
    (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 6000 + b"\r\n\r\n", 431),
    (b"POST /etest/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 99999\r\n\r\n", 413),
    (b"POST /etest/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
]


@pytest.mark.parametrize("raw, code", BAD_REQUESTS, ids=[str(code) for _, code in BAD_REQUESTS])
def test_bad_requests_get_their_status_and_close(server, raw, code):
    data = exchange(server, raw)
    answer = parse_one(data)
    assert answer.status == code, data[:120]
    assert answer.headers["connection"] == "close"


def test_chunked_body_over_the_limit_is_413(server):
    chunk = b"%x\r\n%s\r\n" % (4000, b"c" * 4000)
    raw = (
        b"POST /etest/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        + chunk * 5
        + b"0\r\n\r\n"
    )
    assert parse_one(exchange(server, raw)).status == 413


def test_body_at_the_limit_is_accepted(server):
    body = b"k" * (16 * 1024)
    r = requests.post(url(server, "/etest/echo"), data=body)
    assert r.status_code == 200 and r.content == body


def test_server_keeps_serving_after_bad_requests(server):
    exchange(server, b"\x00\x01\x02garbage\r\n\r\n")
    assert requests.get(url(server, "/")).text == "ok"


def test_idle_connection_is_closed_after_timeout(server):
    with connect(server) as sock:
        started = time.monotonic()
        data = read_until_closed(sock, timeout=5)
        assert data == b"" and time.monotonic() - started < 4


def test_slowloris_head_is_cut_after_timeout(server):
    head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 100
    with connect(server) as sock:
        started = time.monotonic()
        closed = False
        for byte in head:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                closed = True
                break
            sock.settimeout(0.3)
            try:
                data = sock.recv(4096)
            except socket.timeout:
                continue
            except ConnectionResetError:
                closed = True
                break
            if not data or data.startswith(b"HTTP/1.1 408"):
                closed = True
                break
            if time.monotonic() - started > 6:
                break
        assert closed and time.monotonic() - started < 4


HELD_STARTED = []  # one entry per _held handler that began


async def _held(mws, request):
    HELD_STARTED.append(1)
    await asyncio.sleep(0.8)  # real work in flight: never reclaimed at the cap
    request.Response.ReturnOk("held")


RegisterRoute(_held, GET, "/etest/held")


def test_connection_cap_reclaims_waiting_connections_then_answers_503(tmp_path):
    (tmp_path / "index.html").write_text("ok")

    def configure(mws):
        mws.MaxConnections = 3
        mws.RequestsTimeoutSec = 5

    with running(tmp_path, configure=configure) as mws:
        idle = [connect(mws) for _ in range(2)]
        stalled = connect(mws)
        try:
            stalled.sendall(b"GET / HTTP/1.1\r\nHo")  # half a head, then nothing
            time.sleep(RECLAIM_AFTER_SEC + 0.2)
            # Full of connections doing nothing (for RECLAIM_AFTER_SEC at least: newer
            # ones may just not have been read yet): they are reclaimed, the longest
            # waiting first (nginx's way), so a real client is served.
            assert requests.get(url(mws, "/"), timeout=5).text == "ok"
            assert read_until_closed(idle[0], timeout=3) == b""
            # Full of requests in flight: a new one is answered 503 once its head is read
            # (the client then reads the answer, not a reset).
            with ThreadPoolExecutor(3) as pool:
                del HELD_STARTED[:]
                held = [pool.submit(requests.get, url(mws, "/etest/held"), timeout=5)
                        for _ in range(3)]
                # (all three in their handlers, however slow the client threads start)
                wait_for(lambda: len(HELD_STARTED) == 3)
                data = exchange(mws, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", timeout=3)
                answer = parse_one(data)
                assert answer.status == 503 and answer.headers["retry-after"] == "1"
                assert answer.headers["connection"] == "close"
                assert [future.result().text for future in held] == ["held"] * 3
            # The stalled head was reclaimed with its 408.
            assert read_until_closed(stalled, timeout=3).startswith(b"HTTP/1.1 408")
        finally:
            for sock in idle + [stalled]:
                sock.close()
        assert requests.get(url(mws, "/"), timeout=5).text == "ok"


def test_peer_closing_mid_request_frees_the_connection(server):
    for _ in range(20):
        with connect(server) as sock:
            sock.sendall(b"POST /etest/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
    time.sleep(0.2)
    assert requests.get(url(server, "/")).text == "ok"
    assert len(server._all_connections()) <= 1


def test_slow_handler_is_not_cut_by_the_request_timeout(server):
    assert requests.get(url(server, "/etest/slow"), timeout=10).text == "slow but served"


def test_keep_alive_connection_closes_after_idle_timeout(server):
    with connect(server) as sock:
        sock.sendall(b"POST /etest/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok")
        started = time.monotonic()
        data = read_until_closed(sock, timeout=5)
        assert parse_one(data, "POST").body == b"ok"
        assert 0.9 < time.monotonic() - started < 4


def test_access_log_line_and_exception_with_exc_info(tmp_path, caplog):
    import logging

    (tmp_path / "index.html").write_text("ok")
    with caplog.at_level(logging.INFO, logger="mws2"):
        with running(tmp_path) as mws:
            assert requests.get(url(mws, "/?x=1"), headers={"User-Agent": "agent/1",
                                                            "Referer": "http://r/"}).text == "ok"
            assert requests.post(url(mws, "/etest/boom")).status_code == 500
            wait_for(lambda: len([r for r in caplog.records if r.name == "mws2.access"]) >= 2)
    lines = [r.getMessage() for r in caplog.records if r.name == "mws2.access"]
    # A line is written once its answer is sent: with worker threads, not always in
    # the order the requests came.
    get = [line for line in lines if '"GET /?x=1 ' in line][0]
    assert get.startswith("127.0.0.1 - - [")
    assert '"GET /?x=1 HTTP/1.1" 200 2 "http://r/" "agent/1" ' in get
    assert float(get.rsplit(" ", 1)[1]) >= 0
    assert [line for line in lines if '"POST /etest/boom HTTP/1.1" 500 ' in line]
    errors = [r for r in caplog.records if r.name == "mws2" and r.levelno == logging.ERROR]
    assert errors and errors[0].exc_info and errors[0].exc_info[0] is ZeroDivisionError
    assert "Traceback" not in errors[0].getMessage()  # the traceback is logging's to format


def test_no_access_log_unless_asked(tmp_path, caplog):
    import logging

    (tmp_path / "index.html").write_text("ok")
    with caplog.at_level(logging.WARNING, logger="mws2"):
        with running(tmp_path) as mws:
            assert requests.get(url(mws, "/")).text == "ok"
    assert not [r for r in caplog.records if r.name == "mws2.access"]


def test_a_failed_timeout_sweep_does_not_end_the_sweeping(tmp_path, server_mode, monkeypatch):
    # A full heap makes a sweep fail (MemoryError while closing a connection): the next
    # sweeps must still run, or no idle connection would ever be closed again.
    from mws2.connection import HttpConnection

    failures = []
    check = HttpConnection.check_timeouts

    def failing_twice(conn):
        if len(failures) < 2:
            failures.append(conn)
            raise MemoryError("simulated full heap")
        check(conn)

    monkeypatch.setattr(HttpConnection, "check_timeouts", failing_twice)
    logged = []

    def configure(mws):
        mws.RequestsTimeoutSec = 1
        mws.OnLogging = lambda mws, msg, msgType: logged.append(msg)

    with running(tmp_path, configure=configure) as mws:
        idle = connect(mws)
        try:
            assert read_until_closed(idle, timeout=6) == b""
        finally:
            idle.close()
    assert len(failures) == 2
    assert any("Timeout sweep raised" in msg and "MemoryError" in msg for msg in logged)


def test_a_full_heap_answers_503_without_a_status_page(server):
    # The status page's module may not load on a full heap: a line instead, and the
    # server goes on.
    answer = parse_one(exchange(server, b"GET /etest/no-memory HTTP/1.1\r\nHost: x\r\n\r\n"))
    assert answer.status == 503
    assert answer.body == b"Out of memory for now: try again."
    assert requests.get(url(server, "/index.html"), timeout=5).text == "ok"
