"""The WebSockets module against the `websockets` client and raw frames."""

import contextlib
import socket
import struct
import threading
import time

import pytest
from mws2_harness import connect, running, wait_for
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from mws2 import MicroWebSrv2

# Every test here runs in both modes (pool and asyncio).
pytestmark = pytest.mark.usefixtures("server_mode")

EVENTS = []


def on_accepted(mws, ws):
    EVENTS.append(("accepted", ws.Request.Path))
    ws.MaxRecvMessageLength = 64 * 1024
    if ws.Request.Path == "/greet":
        ws.SendTextMessage("welcome")

    def on_text(sock, msg):
        if msg == "close-please":
            sock.Close()
        elif msg == "empty-please":
            sock.SendTextMessage("")
            sock.SendBinaryMessage(b"")
        elif msg == "request-please":
            # the request as a handler kept it: its raw header fields are gone by now
            # (_keep_decoded_only), what it tells must not have changed
            request = sock.Request
            sock.SendTextMessage("%s %s %s %s %s %s" % (
                request.Method, request.Path, request.IsUpgrade, request.Upgrade,
                request.GetHeader("Sec-WebSocket-Version"), request._rawHeaders))
        elif msg == "bytes-please":
            sock.SendBinaryMessage(b"\x00\xffbin")
        else:
            sock.SendTextMessage("echo:" + msg)

    ws.OnTextMessage = on_text
    ws.OnBinaryMessage = lambda sock, msg: sock.SendBinaryMessage(bytes(msg)[::-1])
    ws.OnClosed = lambda sock: EVENTS.append(("closed", sock.IsClosed))


def on_protocol(mws, protocols):
    EVENTS.append(("protocols", list(protocols)))
    return "chat-v1" if "chat-v1" in protocols else None


@pytest.fixture(scope="module")
def server():
    module = MicroWebSrv2.LoadModule("WebSockets")
    module.OnWebSocketAccepted = on_accepted
    module.OnWebSocketProtocol = on_protocol
    with running() as mws:
        yield mws


def ws_url(mws, path="/ws"):
    return "ws://127.0.0.1:%d%s" % (mws.BoundAddress[1], path)


def test_the_request_stays_readable_after_the_upgrade(server):
    with ws_connect(ws_url(server, "/kept")) as client:
        client.send("request-please")
        assert client.recv(timeout=3) == "GET /kept True websocket 13 ()"


def test_echo_text_and_binary(server):
    with ws_connect(ws_url(server, "/greet")) as client:
        assert client.recv(timeout=3) == "welcome"
        client.send("héllo")
        assert client.recv(timeout=3) == "echo:héllo"
        client.send(b"\x01\x02\x03")
        assert client.recv(timeout=3) == b"\x03\x02\x01"
        client.send("bytes-please")
        assert client.recv(timeout=3) == b"\x00\xffbin"
        client.send("empty-please")
        assert client.recv(timeout=3) == "" and client.recv(timeout=3) == b""
        client.send(b"")
        assert client.recv(timeout=3) == b""
        big = "x" * 60000
        client.send(big)
        assert client.recv(timeout=3) == "echo:" + big
    assert wait_for(lambda: ("closed", True) in EVENTS)


def test_send_argument_checks(server):
    got = {}

    def grab(mws, ws):
        for name, func, arg in (("text-int", ws.SendTextMessage, 5),
                                ("bin-str", ws.SendBinaryMessage, "x"),
                                ("bin-none", ws.SendBinaryMessage, None)):
            try:
                func(arg)
            except TypeError:
                got[name] = True
        ws.Close()

    module = MicroWebSrv2.LoadModule("WebSockets")
    previous = module.OnWebSocketAccepted
    module.OnWebSocketAccepted = grab
    try:
        with ws_connect(ws_url(server)) as client:
            with pytest.raises(ConnectionClosed):
                client.recv(timeout=3)
    finally:
        module.OnWebSocketAccepted = previous
    assert got == {"text-int": True, "bin-str": True, "bin-none": True}


def test_subprotocol_negotiation(server):
    with ws_connect(ws_url(server), subprotocols=["other", "chat-v1"]) as client:
        assert client.subprotocol == "chat-v1"
    assert ("protocols", ["other", "chat-v1"]) in EVENTS
    with ws_connect(ws_url(server), subprotocols=["nothing-we-speak"]) as client:
        assert client.subprotocol is None


def test_ping_is_answered(server):
    with ws_connect(ws_url(server)) as client:
        pong = client.ping(b"are-you-there")
        assert pong.wait(3)


def test_server_close_handshake(server):
    with ws_connect(ws_url(server)) as client:
        client.send("close-please")
        with pytest.raises(ConnectionClosed) as info:
            client.recv(timeout=3)
    assert info.value.rcvd.code == 1000


def test_client_close_is_echoed(server):
    with ws_connect(ws_url(server)) as client:
        client.close(code=4001, reason="bye")
        assert client.close_code == 4001


def handshake(mws):
    sock = connect(mws)
    sock.sendall(
        b"GET /raw HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101 ")
    assert b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in head
    return sock


def masked(opcode, payload, fin=True):
    key = b"\x01\x02\x03\x04"
    first = (0x80 if fin else 0) | opcode
    if len(payload) < 126:
        header = bytes([first, 0x80 | len(payload)])
    elif len(payload) < 65536:
        header = bytes([first, 0x80 | 126]) + struct.pack("!H", len(payload))
    else:
        header = bytes([first, 0x80 | 127]) + struct.pack("!Q", len(payload))
    return header + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def close_code_received(sock, timeout=3):
    """Read frames until a close frame: its code (None if the socket just closed)."""
    sock.settimeout(timeout)
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            more = sock.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not more:
            break
        data += more
        while len(data) >= 2:
            opcode, length = data[0] & 0x0F, data[1] & 0x7F
            if len(data) < 2 + length:
                break
            if opcode == 0x8:
                return struct.unpack("!H", data[2:4])[0]
            data = data[2 + length :]
    return None


@pytest.mark.parametrize(
    "frame, code",
    [
        (b"\x81\x02hi", 1002),  # unmasked client frame (RFC 6455 5.1)
        (masked(0x1, b"\xff\xfe"), 1007),  # invalid UTF-8 in a text message (8.1)
        (masked(0x3, b"x"), 1002),  # reserved opcode
        (masked(0x9, b"p" * 126), 1002),  # control frame above 125 bytes
        (masked(0x2, b"b" * 70000), 1009),  # above MaxRecvMessageLength (64 KiB)
        (masked(0x0, b"orphan"), 1002),  # continuation with nothing to continue
    ],
    ids=["unmasked", "bad-utf8", "reserved-opcode", "big-control", "too-big", "orphan"],
)
def test_protocol_violations_close_with_the_rfc_code(server, frame, code):
    with handshake(server) as sock:
        sock.sendall(frame)
        assert close_code_received(sock) == code


@pytest.mark.parametrize(
    "frames",
    [
        [masked(0xA, b"pong")] * 200,  # unsolicited pongs, faster than any heartbeat
        [masked(0x9, b"ping")] * 200,  # pings, each of which would need an answer
        [masked(0x2, b"a", fin=False)] + [masked(0x0, b"a", fin=False)] * 100,  # 1-byte
    ],
    ids=["pong-flood", "ping-flood", "tiny-fragments"],
)
def test_floods_close_with_1008(server, frames):
    # RFC 6455 7.4.1: a policy violation. A peer that floods costs the server work for
    # every frame; once it is closed, what it still sends is dropped unread.
    with handshake(server) as sock:
        sock.sendall(b"".join(frames))
        assert close_code_received(sock) == 1008


def test_a_heartbeat_is_not_a_flood(server):
    with handshake(server) as sock:
        for _ in range(10):
            sock.sendall(masked(0x9, b"beat"))
            time.sleep(0.05)
        sock.sendall(masked(0x1, b"still here"))
        sock.settimeout(3)
        data = b""
        while b"still here" not in data:
            data += sock.recv(4096)
        assert data.count(b"\x8a\x04beat") == 10  # every ping answered


def test_frames_arriving_with_the_upgrade_request_are_not_lost(server):
    with connect(server) as sock:
        sock.sendall(
            b"GET /raw HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            + masked(0x1, b"early")
        )
        sock.settimeout(3)
        data = b""
        while b"echo:early" not in data:
            more = sock.recv(4096)
            assert more
            data += more


def test_bad_handshake_gets_an_http_error(server):
    with connect(server) as sock:
        sock.sendall(
            b"GET /raw HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        )
        sock.settimeout(3)
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 426 ") and b"ec-websocket-version: 13" in answer.lower()


def test_many_clients_and_cross_thread_sends(server):
    with contextlib.ExitStack() as stack:
        clients = [stack.enter_context(ws_connect(ws_url(server))) for _ in range(10)]
        results = []

        def talk(client, index):
            for n in range(20):
                client.send("m%d-%d" % (index, n))
                results.append(client.recv(timeout=5))

        threads = [threading.Thread(target=talk, args=(c, i)) for i, c in enumerate(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(15)
        expected = ["echo:m%d-%d" % (i, n) for i in range(10) for n in range(20)]
        assert sorted(results) == sorted(expected)


def test_idle_websocket_is_pinged_and_kept(server):
    # WaitFrameTimeoutSec without frames: the server pings; a live client answers and
    # stays connected (a silent peer is closed with 1001 after a second period).
    module = MicroWebSrv2.LoadModule("WebSockets")
    previous = module.OnWebSocketAccepted

    def short_timeout(mws, ws):
        previous(mws, ws)
        ws.WaitFrameTimeoutSec = 1

    module.OnWebSocketAccepted = short_timeout
    try:
        with ws_connect(ws_url(server)) as client:
            time.sleep(3.2)
            client.send("still here")
            assert client.recv(timeout=3) == "echo:still here"
        with handshake(server) as sock:  # a peer that never answers pings
            started = time.monotonic()
            assert close_code_received(sock, timeout=6) == 1001
            assert time.monotonic() - started < 5
    finally:
        module.OnWebSocketAccepted = previous


class _Unallocatable:
    """Convertible into bytes, but the copy cannot be allocated (a board's full heap)."""

    def __bytes__(self):
        raise MemoryError("memory allocation failed, allocating 65547 bytes")


def test_send_without_memory_returns_false_and_warns(server):
    # Bug 8: both places where a send can run out of memory give False + a WARNING.
    got = {}
    lines = []

    def grab(mws, ws):
        got["convert"] = ws.SendBinaryMessage(_Unallocatable())
        real = ws._ws

        class NoMemoryFraming:
            state = real.state

            def send_text(self, text):
                raise MemoryError("memory allocation failed")

        ws._ws = NoMemoryFraming()
        got["frame"] = ws.SendTextMessage("x" * 100)
        ws._ws = real
        got["after"] = ws.SendBinaryMessage(memoryview(b"still-works"))

    module = MicroWebSrv2.LoadModule("WebSockets")
    previous = module.OnWebSocketAccepted
    module.OnWebSocketAccepted = grab
    previous_log = server.OnLogging
    server.OnLogging = lambda mws, msg, kind: lines.append((kind, msg))
    try:
        with ws_connect(ws_url(server)) as client:
            assert client.recv(timeout=3) == b"still-works"
    finally:
        module.OnWebSocketAccepted = previous
        server.OnLogging = previous_log
    assert got == {"convert": False, "frame": False, "after": True}
    warned = [msg for kind, msg in lines if kind == MicroWebSrv2.WARNING and "out of memory" in msg]
    assert len(warned) == 2
