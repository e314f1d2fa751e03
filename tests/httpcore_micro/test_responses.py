"""Responses: framing, no-body rules, connection management, validation, 100-continue,
upgrade, and the state machine's refusals."""

from _portable import raises
from httpcore_micro_feed import drain, request, served

from httpcore_micro import (
    NEED_DATA,
    PAUSED,
    ConnectionClosed,
    Data,
    EndOfMessage,
    InformationalResponse,
    LocalProtocolError,
    Request,
    Response,
    ServerConnection,
)

GET = request([b"GET / HTTP/1.1", b"Host: a"])


def head_of(raw):
    head, _sep, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    return lines[0], [line.lower() for line in lines[1:]], body


def test_content_length_response():
    conn = served()
    raw = conn.send(Response(200, [("Content-Type", "text/plain"), ("Content-Length", "5")]))
    assert raw == b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n"
    assert conn.send(Data(b"hel")) == b"hel"
    assert conn.send(Data(b"lo")) == b"lo"
    assert conn.send(EndOfMessage()) == b""
    assert conn.our_state == "DONE" and conn.their_state == "DONE"
    conn.start_next_cycle()
    assert conn.our_state == "IDLE" and conn.their_state == "IDLE"


def test_chunked_when_length_unknown():
    conn = served()
    line, headers, _ = head_of(conn.send(Response(200, [(b"x", b"1")])))
    assert line == b"HTTP/1.1 200 OK"
    assert headers == [b"x: 1", b"transfer-encoding: chunked"]
    assert conn.send(Data(b"hello")) == b"5\r\nhello\r\n"
    assert conn.send(Data(b"")) == b""
    assert conn.send(Data(b"x" * 26)) == b"1a\r\n" + b"x" * 26 + b"\r\n"
    assert conn.send(EndOfMessage([("X-Sum", "1")])) == b"0\r\nX-Sum: 1\r\n\r\n"
    assert conn.keep_alive


def test_given_chunked_header_is_used():
    conn = served()
    _, headers, _ = head_of(conn.send(Response(200, [("Transfer-Encoding", "chunked")])))
    assert headers == [b"transfer-encoding: chunked"]
    assert conn.send(EndOfMessage()) == b"0\r\n\r\n"


def test_content_length_is_enforced():
    conn = served()
    conn.send(Response(200, [("content-length", "3")]))
    raises(LocalProtocolError, conn.send, Data(b"toolong"))
    assert conn.our_state == "ERROR"
    raises(LocalProtocolError, conn.send, EndOfMessage())
    conn = served()
    conn.send(Response(200, [("content-length", "3")]))
    conn.send(Data(b"ab"))
    raises(LocalProtocolError, conn.send, EndOfMessage())
    conn = served()
    conn.send(Response(200, [("content-length", "0")]))
    raises(LocalProtocolError, conn.send, EndOfMessage([("x", "y")]))


def test_reason_phrases():
    for code, reason in ((404, b"Not Found"), (431, b"Request Header Fields Too Large")):
        conn = served()
        assert conn.send(Response(code, [("content-length", "0")])).startswith(
            b"HTTP/1.1 %d %s\r\n" % (code, reason)
        )
    conn = served()
    assert conn.send(Response(299, reason="Custom")).startswith(b"HTTP/1.1 299 Custom\r\n")
    conn = served()
    assert conn.send(Response(599)).startswith(b"HTTP/1.1 599 \r\n")


def test_head_response_has_no_body():
    conn = served(request([b"HEAD / HTTP/1.1", b"Host: a"]))
    _, headers, _ = head_of(conn.send(Response(200, [("content-length", "1000")])))
    assert headers == [b"content-length: 1000"]
    raises(LocalProtocolError, conn.send, Data(b"x"))
    conn = served(request([b"HEAD / HTTP/1.1", b"Host: a"]))
    _, headers, _ = head_of(conn.send(Response(200)))
    assert headers == [b"transfer-encoding: chunked"]  # what the GET would say
    assert conn.send(EndOfMessage()) == b""
    assert conn.keep_alive


def test_204_and_304_have_no_body():
    for code in (204, 304):
        conn = served()
        _, headers, _ = head_of(conn.send(Response(code)))
        assert headers == []
        raises(LocalProtocolError, conn.send, Data(b"x"))
    conn = served()
    conn.send(Response(304, [("etag", '"x"')]))
    assert conn.send(EndOfMessage()) == b""
    assert conn.our_state == "DONE"


def test_status_code_ranges():
    conn = served()
    raises(LocalProtocolError, conn.send, Response(101))
    raises(LocalProtocolError, served().send, Response(1000))
    raises(LocalProtocolError, served().send, InformationalResponse(200))
    raises(LocalProtocolError, served().send, Response("200"))


def test_header_injection_is_refused():
    for name, value in (
        ("X", "a\r\nSet-Cookie: evil"),
        ("X", "a\nb"),
        ("X", "a\rb"),
        ("X", "a\x00b"),
        ("X: y\r\nZ", "1"),
        ("Bad Name", "1"),
        ("", "1"),
        ("X", 5),
    ):
        conn = served()
        raises(LocalProtocolError, conn.send, Response(200, [(name, value)]))
        assert conn.our_state == "ERROR"
    raises(LocalProtocolError, served().send, Response(200, reason="OK\r\nX: y"))


def test_bad_framing_headers_are_refused():
    for headers in (
        [("content-length", "x")],
        [("content-length", "-1")],
        [("content-length", "1"), ("content-length", "1")],
        [("content-length", "1"), ("transfer-encoding", "chunked")],
        [("transfer-encoding", "gzip")],
    ):
        raises(LocalProtocolError, served().send, Response(200, headers))


def test_connection_close_from_client():
    conn = served(request([b"GET / HTTP/1.1", b"Host: a", b"Connection: close"]))
    _, headers, _ = head_of(conn.send(Response(200, [("content-length", "0")])))
    assert headers[-1] == b"connection: close"
    conn.send(EndOfMessage())
    assert conn.our_state == "MUST_CLOSE"
    raises(LocalProtocolError, conn.start_next_cycle)
    assert conn.send(ConnectionClosed()) == b""
    assert conn.our_state == "CLOSED"


def test_connection_close_from_us():
    conn = served()
    _, headers, _ = head_of(conn.send(Response(200, [("Connection", "close")])))
    assert b"connection: close" in headers
    assert not conn.keep_alive
    conn.send(EndOfMessage())
    assert conn.their_state == "MUST_CLOSE" and conn.our_state == "MUST_CLOSE"


def test_connection_header_merged_with_close():
    conn = served(request([b"GET / HTTP/1.1", b"Host: a", b"Connection: close"]))
    _, headers, _ = head_of(conn.send(Response(200, [("Connection", "Keep-Alive, X-Opt")])))
    assert headers[-1] == b"connection: x-opt, close"
    assert headers.count(b"connection: x-opt, close") == 1


def test_http10_peer_gets_close_delimited_body():
    conn = served(b"GET / HTTP/1.0\r\n\r\n")
    line, headers, _ = head_of(conn.send(Response(200, [("x", "1")])))
    assert line == b"HTTP/1.1 200 OK"
    assert headers == [b"x: 1", b"connection: close"]
    assert conn.send(Data(b"raw")) == b"raw"
    raises(LocalProtocolError, served(b"GET / HTTP/1.0\r\n\r\n").send, InformationalResponse(100))


def test_http10_peer_chunked_header_dropped():
    conn = served(b"GET / HTTP/1.0\r\n\r\n")
    _, headers, _ = head_of(conn.send(Response(200, [("Transfer-Encoding", "chunked")])))
    assert headers == [b"connection: close"]
    assert conn.send(Data(b"raw")) == b"raw"


def test_http10_keep_alive_with_length():
    conn = served(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    _, headers, _ = head_of(conn.send(Response(200, [("content-length", "2")])))
    assert headers == [b"content-length: 2", b"connection: keep-alive"]
    conn.send(Data(b"ok"))
    conn.send(EndOfMessage())
    conn.start_next_cycle()
    conn = served(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    _, headers, _ = head_of(conn.send(Response(200)))  # no length: must close
    assert headers == [b"connection: close"]
    assert not conn.keep_alive


def test_expect_100_continue():
    data = request(
        [b"POST / HTTP/1.1", b"Host: a", b"Expect: 100-Continue", b"Content-Length: 3"]
    )
    conn = ServerConnection()
    conn.receive_data(data)
    assert type(conn.next_event()) is Request
    assert conn.client_is_waiting_for_100_continue
    assert conn.next_event() is NEED_DATA
    assert conn.send(InformationalResponse(100)) == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert not conn.client_is_waiting_for_100_continue
    assert conn.our_state == "SEND_RESPONSE"
    conn.receive_data(b"abc")
    assert conn.next_event() == Data(b"abc")
    assert conn.next_event() == EndOfMessage()


def test_expect_cleared_by_body_or_final_response():
    data = request([b"POST / HTTP/1.1", b"Host: a", b"Expect: 100-continue", b"Content-Length: 1"])
    conn = ServerConnection()
    conn.receive_data(data + b"x")
    conn.next_event()
    assert conn.client_is_waiting_for_100_continue
    conn.next_event()
    assert not conn.client_is_waiting_for_100_continue
    conn = ServerConnection()
    conn.receive_data(data)
    conn.next_event()
    conn.send(Response(417, [("content-length", "0")]))
    assert not conn.client_is_waiting_for_100_continue
    conn = served(b"POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n")
    assert not conn.client_is_waiting_for_100_continue


UPGRADE = request(
    [
        b"GET /ws HTTP/1.1",
        b"Host: a",
        b"Upgrade: websocket",
        b"Connection: keep-alive, Upgrade",
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        b"Sec-WebSocket-Version: 13",
    ]
)


def test_upgrade_hands_over_trailing_data():
    frame = b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"
    for cut in range(len(UPGRADE) + len(frame) + 1):
        data = UPGRADE + frame
        conn = ServerConnection()
        conn.receive_data(data[:cut])
        events = []
        drain(conn, events)
        if cut < len(UPGRADE):
            continue
        assert [type(e) for e in events] == [Request, EndOfMessage]
        assert conn.their_state == "MIGHT_SWITCH_PROTOCOL"
        assert conn.next_event() is PAUSED
        if cut < len(data):
            conn.receive_data(data[cut:])
        raw = conn.send(InformationalResponse(101, [("Upgrade", "websocket")]))
        assert raw.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
        assert conn.our_state == "SWITCHED_PROTOCOL"
        assert conn.their_state == "SWITCHED_PROTOCOL"
        assert conn.trailing_data == frame
        assert conn.next_event() is PAUSED


def test_upgrade_refused_keeps_http():
    conn = served(UPGRADE + GET)
    assert conn.next_event() is PAUSED
    conn.send(Response(426, [("content-length", "0")]))
    conn.send(EndOfMessage())
    assert conn.their_state == "DONE"
    conn.start_next_cycle()
    assert type(conn.next_event()) is Request


def test_upgrade_needs_connection_token_and_101_needs_upgrade():
    conn = served(request([b"GET / HTTP/1.1", b"Host: a", b"Upgrade: websocket"]))
    assert conn.their_state == "DONE"
    raises(LocalProtocolError, conn.send, InformationalResponse(101))


def test_send_in_wrong_state():
    conn = ServerConnection()
    raises(LocalProtocolError, conn.send, Data(b"x"))
    conn = served()
    raises(LocalProtocolError, conn.send, EndOfMessage())
    conn = served()
    raises(LocalProtocolError, conn.send, "not an event")
    conn = served()
    raises(LocalProtocolError, conn.start_next_cycle)


def test_error_response_before_any_request():
    conn = ServerConnection()
    conn.receive_data(b"\x16\x03\x01")
    raises(Exception, conn.next_event)
    assert conn.their_state == "ERROR" and not conn.keep_alive
    _, headers, _ = head_of(conn.send(Response(400, [("content-length", "0")])))
    assert headers == [b"content-length: 0", b"connection: close"]
    conn.send(EndOfMessage())
    assert conn.our_state == "MUST_CLOSE"


def test_early_response_before_body_read():
    conn = ServerConnection()
    conn.receive_data(request([b"POST / HTTP/1.1", b"Host: a", b"Content-Length: 100"]))
    conn.next_event()
    conn.send(Response(413, [("content-length", "0"), ("connection", "close")]))
    conn.send(EndOfMessage())
    assert conn.our_state == "MUST_CLOSE"


def test_send_failed():
    conn = served()
    conn.send(Response(200))
    conn.send_failed()
    assert conn.our_state == "ERROR"
    raises(LocalProtocolError, conn.send, Data(b"x"))


def test_receive_after_close_is_an_error():
    conn = ServerConnection()
    conn.receive_data(b"")
    raises(LocalProtocolError, conn.receive_data, b"x")


def test_str_and_bytes_headers_mixed():
    conn = served()
    raw = conn.send(Response(200, [(b"A", "é"), ("B", b"2"), ("Content-Length", b"0")]))
    assert b"A: \xc3\xa9\r\nB: 2\r\n" in raw
