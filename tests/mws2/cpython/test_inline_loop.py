"""The same server with every callback inline in one loop thread (parllProcCount=0, the
way a board runs it): long streams, pipelining, files and WebSockets must neither
recurse without bound nor deadlock when xasync calls back from inside a send."""

import contextlib
import io

import pytest
import requests
from mws2_harness import exchange, parse, request_bytes, running, url
from websockets.sync.client import connect as ws_connect

from mws2 import GET, MicroWebSrv2, RegisterRoute

def _stream(mws, request):
    request.Response.ReturnStream(200, io.BytesIO(b"s" * 2_000_000))


def _small(mws, request):
    request.Response.ReturnOk("small")


RegisterRoute(_stream, GET, "/inline/stream")
RegisterRoute(_small, GET, "/inline/small")


def on_accepted(mws, ws):
    def on_text(sock, msg):
        for _ in range(50):
            sock.SendTextMessage("echo:" + msg)
        if msg == "bye":
            sock.Close()

    ws.OnTextMessage = on_text
    ws.OnClosed = lambda sock: sock.SendTextMessage("too late")  # must not deadlock


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("inline")
    (root / "file.zip").write_bytes(b"f" * 3_000_000)
    module = MicroWebSrv2.LoadModule("WebSockets")
    previous = module.OnWebSocketAccepted
    module.OnWebSocketAccepted = on_accepted
    try:
        with running(root, threads=0) as mws:
            yield mws
    finally:
        module.OnWebSocketAccepted = previous


def test_long_stream_and_file(server):
    assert requests.get(url(server, "/inline/stream"), timeout=10).content == b"s" * 2_000_000
    assert len(requests.get(url(server, "/file.zip"), timeout=10).content) == 3_000_000


def test_many_pipelined_requests(server):
    raw = request_bytes("GET", "/inline/small") * 300
    raw += request_bytes("GET", "/inline/small", [("Connection", "close")])
    answers = parse(exchange(server, raw, timeout=10), ["GET"] * 301)
    assert all(a.body == b"small" for a in answers)


def test_websocket_bursts_and_close_with_send_in_on_closed(server):
    with ws_connect("ws://127.0.0.1:%d/ws" % server.BoundAddress[1]) as client:
        client.send("hi")
        assert [client.recv(timeout=5) for _ in range(50)] == ["echo:hi"] * 50
        client.send("bye")
        received = []
        with contextlib.suppress(Exception):
            while True:
                received.append(client.recv(timeout=5))
        assert received == ["echo:bye"] * 50
    assert requests.get(url(server, "/inline/small"), timeout=5).text == "small"
