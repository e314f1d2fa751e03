"""WebSockets against the server running on MicroPython (or CPython, see conftest.py).

The demo's echo socket (any path but /wschat) and chat (/wschat), driven by the
``websockets`` sync client.
"""

import contextlib

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect


def test_echo_text_and_binary(mp_server):
    with connect(mp_server.ws_url("/wstest"), open_timeout=10) as ws:
        for text in ("hello", "caf\u00e9 \u2713 \U0001f600", "x" * 5000):
            ws.send(text)
            assert ws.recv(timeout=10) == text
        for data in (b"\x00\x01\x02\xff", bytes(range(256)) * 20):
            ws.send(data)
            assert ws.recv(timeout=10) == data


def test_empty_messages_are_echoed(mp_server):
    with connect(mp_server.ws_url("/wstest"), open_timeout=10) as ws:
        ws.send("")
        assert ws.recv(timeout=10) == ""
        ws.send(b"")
        assert ws.recv(timeout=10) == b""


def test_fragmented_message_is_reassembled(mp_server):
    with connect(mp_server.ws_url("/wstest"), open_timeout=10) as ws:
        ws.send(["frag", "mented ", "text"])
        assert ws.recv(timeout=10) == "fragmented text"


def test_ping_gets_pong(mp_server):
    with connect(mp_server.ws_url("/wstest"), open_timeout=10) as ws:
        assert ws.ping(b"are you there").wait(10)
        ws.send("after ping")
        assert ws.recv(timeout=10) == "after ping"


def test_client_close_handshake(mp_server):
    with connect(mp_server.ws_url("/wstest"), open_timeout=10, close_timeout=10) as ws:
        ws.send("bye")
        assert ws.recv(timeout=10) == "bye"
        ws.close(1000, "done")
        # the server answered our close frame with its own, echoing the code
        assert ws.protocol.close_rcvd is not None and ws.protocol.close_rcvd.code == 1000
        assert ws.protocol.close_rcvd_then_sent is False  # ours first, then theirs


def test_too_long_message_closes_with_1009(mp_server):
    # Above MaxRecvMessageLength (the server's MaxRequestContentLength by default:
    # 16 KiB with MicroPython's embedded preset, 2 MiB with CPython's normal one).
    size = 2 * 1024 * 1024 + 1
    with connect(mp_server.ws_url("/wstest"), open_timeout=10, max_size=None) as ws:
        with pytest.raises(ConnectionClosed):
            ws.send(b"\x00" * size)
            ws.recv(timeout=20)
        assert ws.protocol.close_rcvd is not None and ws.protocol.close_rcvd.code == 1009


def test_chat_broadcasts_to_every_socket(mp_server):
    with connect(mp_server.ws_url("/wschat"), open_timeout=10) as alice:
        assert alice.recv(timeout=10).startswith("Welcome")
        with connect(mp_server.ws_url("/wschat"), open_timeout=10) as bob:
            assert bob.recv(timeout=10).startswith("Welcome")
            assert "joined" in alice.recv(timeout=10)
            bob.send("hi all")
            assert alice.recv(timeout=10).endswith("> hi all")
            assert bob.recv(timeout=10).endswith("> hi all")
        assert "left" in alice.recv(timeout=10)


def test_many_sockets_at_once(mp_server):
    with contextlib.ExitStack() as stack:
        sockets = [
            stack.enter_context(connect(mp_server.ws_url("/ws-%d" % n), open_timeout=10))
            for n in range(10)
        ]
        for n, ws in enumerate(sockets):
            ws.send("n=%d" % n)
        for n, ws in enumerate(sockets):
            assert ws.recv(timeout=10) == "n=%d" % n
