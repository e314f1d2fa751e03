"""``send_response``: one call that must equal send(Response) + send(Data) + send(EndOfMessage)
in bytes, in end state and in the errors it raises."""

from _portable import raises
from httpcore_micro_feed import drain, request, served

from httpcore_micro import (
    Data,
    EndOfMessage,
    LocalProtocolError,
    ProtocolError,
    Request,
    Response,
)

REQUESTS = (
    request([b"GET / HTTP/1.1", b"Host: a"]),
    request([b"HEAD / HTTP/1.1", b"Host: a"]),
    request([b"GET / HTTP/1.0"]),
    request([b"GET / HTTP/1.0", b"Connection: keep-alive"]),
    request([b"GET / HTTP/1.1", b"Host: a", b"Connection: close"]),
)
RESPONSES = (
    (200, [("Content-Length", "5")], b"hello"),
    (200, [("Content-Type", "text/plain")], b"chunked when no length"),
    (204, [], b""),
    (304, [(b"ETag", b'"x"')], b""),
    (404, [("Content-Length", "0")], b""),
    (200, [("Connection", "close"), ("Content-Length", "2")], b"ok"),
)


def three_sends(conn, status, headers, body):
    out = conn.send(Response(status, headers))
    if body:
        out += conn.send(Data(body))
    return out + conn.send(EndOfMessage())


def outcome(send, data, status, headers, body):
    conn = served(data)
    try:
        result = send(conn, status, headers, body)
    except ProtocolError as exc:
        result = type(exc)
    return result, conn.our_state, conn.keep_alive


def one_call(conn, status, headers, body):
    return conn.send_response(status, headers, body)


def test_same_bytes_and_state_as_three_sends():
    for data in REQUESTS:
        for status, headers, body in RESPONSES:
            expected = outcome(three_sends, data, status, headers, body)
            assert outcome(one_call, data, status, headers, body) == expected, (
                data, status, headers)


def test_wrong_body_length_is_a_local_error_and_breaks_our_side():
    for body in (b"abc", b"abcdefgh"):
        conn = served(REQUESTS[0])
        raises(LocalProtocolError, conn.send_response, 200, [("Content-Length", "5")], body)
        assert conn.our_state == "ERROR"


def test_header_injection_is_refused_as_with_send():
    conn = served(REQUESTS[0])
    raises(LocalProtocolError, conn.send_response, 200, [("X-A", "b\r\nX-B: c")], b"")
    assert conn.our_state == "ERROR"


def test_next_cycle_after_a_fast_response():
    conn = served(REQUESTS[0] + REQUESTS[0])
    out = conn.send_response(200, [("Content-Length", "2")], b"ok")
    assert out.startswith(b"HTTP/1.1 200 ") and out.endswith(b"\r\n\r\nok")
    conn.start_next_cycle()
    events = []
    drain(conn, events)
    assert type(events[0]) is Request
