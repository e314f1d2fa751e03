"""Sending, events in and out, roles and options."""

from _portable import raises
from wsframe_vectors import KEY, events_of, frame, xor

import wsframe
from wsframe import (
    CLIENT, SERVER, BytesMessage, CloseConnection, LocalProtocolError, Ping, Pong, TextMessage,
)


def test_client_and_server_round_trip():
    keys = [b"\x01\x02\x03\x04", b"\xff\x00\xff\x00"]
    client = wsframe.Connection(CLIENT, mask_source=lambda: keys[0])
    server = wsframe.Connection(SERVER)
    messages = [TextMessage("h\u00e9llo"), BytesMessage(bytes(300)), Ping(b"p"), Pong(b"q"),
                TextMessage("x" * 70000), CloseConnection(1000, "bye")]
    for message in messages:
        server.receive_data(client.send(message))
        assert list(server.events()) == [message]
    assert server.state == "REMOTE_CLOSING" and client.state == "LOCAL_CLOSING"
    client.receive_data(server.send(CloseConnection(1000, "bye")))
    assert list(client.events()) == [CloseConnection(1000, "bye")]
    assert server.state == "CLOSED" and client.state == "CLOSED"


def test_client_masks_with_the_injected_key():
    conn = wsframe.Connection(CLIENT, mask_source=lambda: KEY)
    out = conn.send_bytes(b"abcdef")
    assert out == b"\x82\x86" + KEY + xor(b"abcdef", KEY)


def test_client_default_masks_are_random():
    conn = wsframe.Connection(CLIENT)
    keys = set(bytes(conn.send_bytes(b"x")[2:6]) for _ in range(8))
    assert len(keys) > 1


def test_ping_offers_its_pong():
    conn = wsframe.Connection(SERVER)
    conn.receive_data(frame(0x9, b"abc"))
    (ping,) = list(conn.events())
    assert ping.response() == Pong(b"abc")
    assert conn.send(ping.response()) == b"\x8a\x03abc"
    # Nothing was sent behind the caller's back: the connection only returns bytes.
    assert conn.state == "OPEN"


def test_send_in_pieces():
    conn = wsframe.Connection(SERVER)
    assert conn.send_text("ab", message_finished=False) == b"\x01\x02ab"
    raises(LocalProtocolError, conn.send_bytes, b"x")
    assert conn.send_text("cd", message_finished=False) == b"\x00\x02cd"
    assert conn.send_text("e") == b"\x80\x01e"
    assert conn.send(BytesMessage(b"f", False)) == b"\x02\x01f"
    assert conn.send(BytesMessage(b"g")) == b"\x80\x01g"


def test_control_payload_limit_on_send():
    conn = wsframe.Connection(SERVER)
    raises(ValueError, conn.ping, b"x" * 126)
    assert len(conn.pong(b"x" * 125)) == 127


def test_bad_arguments():
    raises(ValueError, wsframe.Connection, "server")
    raises(TypeError, wsframe.Connection(SERVER).send, "not an event")
    conn = wsframe.Connection(CLIENT, mask_source=lambda: b"abc")
    raises(ValueError, conn.send_text, "x")


def test_events_compare_and_print():
    assert TextMessage("a") == TextMessage("a", True)
    assert TextMessage("a") != TextMessage("a", False)
    assert TextMessage("a") != BytesMessage(b"a")
    assert repr(Ping(b"x")) == "Ping(payload=b'x')"
    assert CloseConnection(1000, "x").response() == CloseConnection(1000, "x")


def test_bytearray_and_memoryview_input():
    data = frame(0x2, b"abc")
    assert events_of(bytearray(data)) == [BytesMessage(b"abc")]
    conn = wsframe.Connection(SERVER)
    conn.receive_data(memoryview(data))
    assert list(conn.events()) == [BytesMessage(b"abc")]


def test_protocol_error_carries_its_code():
    error = wsframe.ProtocolError("bad", 1009)
    assert error.code == 1009 and "1009" in str(error)
    assert wsframe.ProtocolError("bad").code == 1002
    assert wsframe.CloseReason.MESSAGE_TOO_BIG == 1009


def test_rarely_used_names_load_on_first_use():
    # Not in the module a server imports; the package's __getattr__ loads them.
    assert wsframe.CloseReason.MESSAGE_TOO_BIG == 1009
    assert wsframe.CloseReason.POLICY_VIOLATION == 1008
    from wsframe import Utf8Validator, client_handshake, is_valid_utf8, verify_server_handshake

    assert callable(client_handshake) and callable(verify_server_handshake)
    assert is_valid_utf8(b"\xc3\xa9") and Utf8Validator().feed(b"ab") == 2
    error = raises(AttributeError, getattr, wsframe, "no_such_name")
    assert isinstance(error, AttributeError)
    assert not hasattr(wsframe, "no_such_name")


def test_client_pings_and_closes_without_payload_are_masked():
    conn = wsframe.Connection(CLIENT, mask_source=lambda: b"\x01\x02\x03\x04")
    assert conn.ping() == b"\x89\x80\x01\x02\x03\x04"
    assert conn.close(None) == b"\x88\x80\x01\x02\x03\x04"
