"""Close frames (RFC 6455 sections 5.5.1, 7.1.5, 7.4) and the closing handshake."""

from _portable import raises
from wsframe_vectors import close_frame, events_of, fails_with, frame

import wsframe
from wsframe import CLIENT, SERVER, CloseConnection, LocalProtocolError, TextMessage

VALID = (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
         3000, 3999, 4000, 4999)
INVALID = (0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535)


def test_valid_close_codes_are_delivered():
    for code in VALID:
        assert events_of(close_frame(code, b"bye")) == [CloseConnection(code, "bye")]


def test_invalid_close_codes_fail_with_1002():
    for code in INVALID:
        fails_with(close_frame(code), 1002)


def test_close_without_code_means_1005():
    assert events_of(close_frame()) == [CloseConnection(1005, "")]


def test_close_payload_of_one_byte_fails_with_1002():
    fails_with(frame(0x8, b"\x03"), 1002)


def test_close_reason_must_be_utf8():
    summer = "\u00e9t\u00e9"
    assert events_of(close_frame(1000, summer.encode())) == [CloseConnection(1000, summer)]
    fails_with(close_frame(1000, b"\xff"), 1007)
    fails_with(close_frame(1000, b"\xed\xa0\x80"), 1007)
    fails_with(close_frame(1000, b"ab\xe2\x98"), 1007)


def test_nothing_after_a_close_frame_is_parsed():
    data = close_frame(1000) + frame(0x1, b"late") + frame(0x1, b"\xff")
    assert events_of(data) == [CloseConnection(1000, "")]


def test_server_answers_a_close_then_is_closed():
    conn = wsframe.Connection(SERVER)
    conn.receive_data(close_frame(1001, b"away"))
    (event,) = list(conn.events())
    assert conn.state == "REMOTE_CLOSING"
    assert conn.send(event.response()) == b"\x88\x06\x03\xe9away"
    assert conn.state == "CLOSED"
    assert isinstance(raises(LocalProtocolError, conn.send_text, "x"), LocalProtocolError)
    raises(LocalProtocolError, conn.close)


def test_answer_to_a_close_without_code_has_no_code():
    conn = wsframe.Connection(SERVER)
    conn.receive_data(close_frame())
    (event,) = list(conn.events())
    assert conn.send(event.response()) == b"\x88\x00"


def test_local_close_then_peer_answer():
    conn = wsframe.Connection(SERVER)
    assert conn.close(1000, "done") == b"\x88\x06\x03\xe8done"
    assert conn.state == "LOCAL_CLOSING"
    raises(LocalProtocolError, conn.send_bytes, b"x")
    raises(LocalProtocolError, conn.ping)
    raises(LocalProtocolError, conn.close)
    # Messages still in flight from the peer are delivered until its close arrives.
    conn.receive_data(frame(0x1, b"late") + close_frame(1000))
    assert list(conn.events()) == [TextMessage("late"), CloseConnection(1000, "")]
    assert conn.state == "CLOSED"


def test_transport_closed_without_close_frame_is_1006():
    for eof in (None, b""):
        conn = wsframe.Connection(SERVER)
        conn.receive_data(frame(0x1, b"hi"))
        conn.receive_data(eof)
        assert list(conn.events()) == [TextMessage("hi"), CloseConnection(1006, "")]
        assert conn.state == "CLOSED"
        assert list(conn.events()) == []
        raises(LocalProtocolError, conn.receive_data, b"x")


def test_transport_closed_after_close_frame_adds_nothing():
    conn = wsframe.Connection(SERVER)
    conn.receive_data(close_frame(1000))
    conn.receive_data(None)
    assert list(conn.events()) == [CloseConnection(1000, "")]
    assert conn.state == "CLOSED"


def test_close_codes_that_cannot_be_sent_are_refused():
    conn = wsframe.Connection(SERVER)
    for code in (1004, 1006, 1015, 999, 5000):
        raises(ValueError, conn.close, code)
    raises(ValueError, conn.close, None, "reason without code")
    assert conn.state == "OPEN"


def test_close_reason_is_cut_at_a_character_boundary():
    conn = wsframe.Connection(SERVER)
    out = conn.close(1000, "\u2603" * 50)
    assert out[1] == 2 + 123 // 3 * 3
    assert out[4:].decode() == "\u2603" * 41


def test_after_a_protocol_error_the_close_can_still_be_sent():
    conn = wsframe.Connection(SERVER)
    conn.receive_data(frame(0x1, b"\xff"))
    error = raises(wsframe.ProtocolError, list, conn.events())
    assert error.code == 1007
    # The error repeats, later bytes are ignored, and our close goes out.
    conn.receive_data(frame(0x1, b"ok"))
    assert raises(wsframe.ProtocolError, list, conn.events()) is error
    assert conn.close(error.code) == b"\x88\x02\x03\xef"


def test_client_close_is_masked():
    conn = wsframe.Connection(CLIENT, mask_source=lambda: b"\x00\x00\x00\x00")
    assert conn.close(1000) == b"\x88\x82\x00\x00\x00\x00\x03\xe8"
