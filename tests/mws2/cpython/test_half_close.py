"""Clients that shut down their sending side after the request (RFC 9112 section 9.6).

``printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -N host port`` does this: the request, then
shutdown(SHUT_WR), then it reads the answer until the server closes. The server must
answer every complete request, in order, then close; an incomplete one is dropped.
Run with worker threads and inline (threads=0, as on a board).
"""

import base64
import io
import os
import socket
import time

import pytest
from mws2_harness import (
    LogCapture,
    connect,
    parse,
    parse_one,
    read_until_closed,
    request_bytes,
    running,
    wait_for,
)

from mws2 import GET, POST, MicroWebSrv2, RegisterRoute


def _text(mws, request):
    request.Response.ReturnOk("half-close text")


def _echo(mws, request):
    request.Response.ReturnOk(bytes(request.Content or b""))


def _slow(mws, request):
    time.sleep(0.3)  # the peer's end arrives while this answer is under way
    request.Response.ReturnOk("slow " + request.Path)


# Bigger than the socket buffers: the peer's end is seen while the answer still flows.
BIG = bytes(range(256)) * (4 * 4096)


def _big(mws, request):
    request.Response.ReturnStream(200, io.BytesIO(BIG))


RegisterRoute(_big, GET, "/hctest/big")
RegisterRoute(_text, GET, "/hctest/text")
RegisterRoute(_echo, POST, "/hctest/echo")
RegisterRoute(_slow, GET, "/hctest/slow")

WS_EVENTS = []


def _ws_accepted(mws, ws):
    WS_EVENTS.append(("accepted", ws.Request.Path))
    ws.OnTextMessage = lambda sock, msg: sock.SendTextMessage("echo:" + msg)
    ws.OnClosed = lambda sock: WS_EVENTS.append(("closed", ws.Request.Path))


@pytest.fixture(scope="module", params=[4, 0, "asyncio"], ids=["workers", "inline", "asyncio"])
def server(request, tmp_path_factory):
    root = tmp_path_factory.mktemp("halfclose")
    (root / "index.html").write_text("home page")
    log = LogCapture()
    module = MicroWebSrv2.LoadModule("WebSockets")
    module.OnWebSocketAccepted = _ws_accepted

    def configure(mws):
        mws.OnLogging = log
        mws.RequestsTimeoutSec = 5  # far above what a prompt close takes

    try:
        with running(root, threads=request.param, configure=configure) as mws:
            mws.test_log = log
            yield mws
    finally:
        MicroWebSrv2.UnloadModule("WebSockets")


def half_close_exchange(mws, data, timeout=5, read_after=0):
    """Send, shut down our sending side, read until the server closes; (bytes, seconds)."""
    with connect(mws, timeout) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        started = time.monotonic()
        time.sleep(read_after)
        answer = read_until_closed(sock, timeout)
        return answer, time.monotonic() - started


def test_http11_get_then_half_close_is_answered(server):
    data, elapsed = half_close_exchange(server, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    answer = parse_one(data)
    assert answer.status == 200 and answer.body == b"home page"
    assert elapsed < 3


def test_http10_get_on_a_route_then_half_close_is_answered(server):
    data, _ = half_close_exchange(server, b"GET /hctest/text HTTP/1.0\r\n\r\n")
    answer = parse_one(data, http_version="1.0")
    assert answer.status == 200 and answer.body == b"half-close text"


def test_post_with_a_body_then_half_close_is_answered(server):
    body = os.urandom(3000)
    data, _ = half_close_exchange(server, request_bytes("POST", "/hctest/echo", body=body))
    answer = parse_one(data, "POST")
    assert answer.status == 200 and answer.body == body


def test_chunked_post_then_half_close_is_answered(server):
    raw = (b"POST /hctest/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
    answer = parse_one(half_close_exchange(server, raw)[0], "POST")
    assert answer.status == 200 and answer.body == b"hello world"


def test_pipelined_requests_then_half_close_are_answered_in_order(server):
    raw = request_bytes("GET", "/hctest/text") + request_bytes("POST", "/hctest/echo",
                                                               body=b"second")
    answers = parse(half_close_exchange(server, raw)[0], ["GET", "POST"])
    assert [a.status for a in answers] == [200, 200]
    assert answers[0].body == b"half-close text" and answers[1].body == b"second"


def test_big_streamed_answers_to_a_half_closed_peer_arrive_whole(server):
    raw = request_bytes("GET", "/hctest/big") + request_bytes("GET", "/hctest/text")
    data, _ = half_close_exchange(server, raw, timeout=10, read_after=0.3)
    answers = parse(data, ["GET", "GET"])
    assert answers[0].status == 200 and answers[0].body == BIG
    assert answers[1].body == b"half-close text"


def test_half_close_while_the_handler_runs_is_answered(server):
    raw = request_bytes("GET", "/hctest/slow") + request_bytes("GET", "/hctest/slow?2")
    data, elapsed = half_close_exchange(server, raw)
    answers = parse(data, ["GET", "GET"])
    assert [a.body for a in answers] == [b"slow /hctest/slow", b"slow /hctest/slow"]
    assert elapsed < 4


@pytest.mark.parametrize(
    "raw, complete",
    [
        (b"GET / HTTP/1.1\r\nHost: x\r\n", 0),
        (b"GET /hctest/te", 0),
        (b"POST /hctest/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc", 0),
        (b"POST /hctest/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
         0),
        (request_bytes("GET", "/hctest/text") + b"GET /hctest/text HTTP/1.1\r\nHo", 1),
    ],
    ids=["head", "request-line", "short-body", "short-chunk", "pipelined-tail"],
)
def test_incomplete_request_then_half_close_closes_without_an_answer(server, raw, complete):
    server.test_log.lines.clear()
    data, elapsed = half_close_exchange(server, raw)
    if complete:
        answers = parse(data, ["GET"] * complete)
        assert [a.body for a in answers] == [b"half-close text"] * complete
    else:
        assert data == b""  # no 400: the request was never finished
    assert elapsed < 3  # closed at once, not by RequestsTimeoutSec (5 s)
    assert wait_for(lambda: "in the middle of a request" in server.test_log.text())
    # ... and the server keeps serving others.
    assert parse_one(half_close_exchange(server, request_bytes("GET", "/hctest/text"))[0]).status \
        == 200


def test_malformed_request_then_half_close_still_gets_its_400(server):
    answer = parse_one(half_close_exchange(server, b"GARBAGE\r\n\r\n")[0])
    assert answer.status == 400 and answer.headers["connection"] == "close"


def test_idle_keep_alive_connection_closes_when_the_peer_ends(server):
    with connect(server) as sock:
        sock.sendall(request_bytes("GET", "/hctest/text"))
        head = b""
        while b"half-close text" not in head:
            chunk = sock.recv(4096)
            assert chunk, head
            head += chunk
        assert b"connection: close" not in head.lower()  # kept alive so far
        sock.shutdown(socket.SHUT_WR)
        started = time.monotonic()
        assert read_until_closed(sock, 5) == b""
        assert time.monotonic() - started < 3


def _ws_handshake(path):
    key = base64.b64encode(os.urandom(16)).decode()
    return (
        "GET %s HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, key)
    ).encode()


def _masked_text(text):
    payload = text.encode()
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x81, 0x80 | len(payload)]) + mask + masked


def test_websocket_peer_half_close_closes_it(server):
    with connect(server) as sock:
        sock.sendall(_ws_handshake("/hc-ws"))
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(1)
            assert chunk, head
            head += chunk
        assert head.startswith(b"HTTP/1.1 101 ")
        sock.sendall(_masked_text("hi"))
        echo = b""
        while len(echo) < 9:
            echo += sock.recv(16)
        assert echo == b"\x81\x07echo:hi"
        assert wait_for(lambda: ("accepted", "/hc-ws") in WS_EVENTS)
        sock.shutdown(socket.SHUT_WR)
        started = time.monotonic()
        assert read_until_closed(sock, 5) == b""
        assert time.monotonic() - started < 3
    assert wait_for(lambda: ("closed", "/hc-ws") in WS_EVENTS)


def test_websocket_upgrade_then_half_close_before_the_switch(server):
    data, elapsed = half_close_exchange(server, _ws_handshake("/hc-ws-early"))
    assert elapsed < 3
    assert data == b"" or data.startswith(b"HTTP/1.1 101 ")
    # Accepted or not, nothing is left open: OnClosed fires for an accepted socket.
    if ("accepted", "/hc-ws-early") in WS_EVENTS:
        assert wait_for(lambda: ("closed", "/hc-ws-early") in WS_EVENTS)
