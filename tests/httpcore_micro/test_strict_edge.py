"""The stricter edge: empty lines before a request line, the asterisk-form, the Host
value, chunk-size lines, and the per-request body limit. Every case is fed whole, one
byte at a time and in halves (and with trailing bytes where it is a parser)."""

from _portable import raises, splits
from httpcore_micro_feed import parse, reject, request

from httpcore_micro import (
    NEED_DATA,
    Data,
    EndOfMessage,
    RemoteProtocolError,
    Request,
    ServerConnection,
)

GET = request([b"GET / HTTP/1.1", b"Host: a"])
NEXT = request([b"GET /next HTTP/1.1", b"Host: a"])


def _targets(events):
    return [event.target for event in events if type(event) is Request]


# ---- RFC 9112 2.2: empty lines before a request line ------------------------------


def test_a_few_empty_lines_before_a_request_are_ignored():
    for prefix in (b"\r\n", b"\n", b"\r\n\r\n", b"\n\r\n\n\r\n"):  # up to MAX_EMPTY_LINES
        events = parse(prefix + GET)
        assert events == parse(GET), prefix


def _serve_all(data):
    """Targets of the requests in ``data`` for every feeding (asserted equal), each
    answered with a 204 before the next cycle."""
    results = []
    for pieces in splits(data):
        queue = [piece for piece in pieces if piece]  # b"" would mean the peer closed
        conn = ServerConnection()
        targets = []
        while True:
            event = conn.next_event()
            if event is NEED_DATA:
                if not queue:
                    break
                conn.receive_data(queue.pop(0))
            elif type(event) is Request:
                targets.append(event.target)
            elif type(event) is EndOfMessage:
                conn.send_response(204, [])
                conn.start_next_cycle()
            else:
                assert type(event) is Data, event
        results.append(targets)
    for other in results[1:]:
        assert other == results[0], results
    return results[0]


def test_empty_lines_between_pipelined_requests_are_ignored():
    post = request([b"POST /p HTTP/1.1", b"Host: a", b"Content-Length: 2"], b"hi")
    assert _serve_all(post + b"\r\n" + NEXT + b"\n\n" + GET) == [b"/p", b"/next", b"/"]


def test_the_count_of_empty_lines_restarts_with_each_request():
    assert _serve_all(b"\r\n" * 4 + GET + b"\r\n" * 4 + NEXT) == [b"/", b"/next"]


def test_empty_lines_then_end_of_stream_is_a_clean_close():
    events = parse(b"\r\n\r\n", eof=True)
    assert [type(event).__name__ for event in events] == ["ConnectionClosed"]
    assert reject(b"\r\n\r", eof=True) == 400  # a CR cut off from its LF


# ---- RFC 9112 3.2.4: the asterisk-form ----------------------------------------------


def test_asterisk_form_only_with_options():
    events = parse(request([b"OPTIONS * HTTP/1.1", b"Host: a"]))
    assert events[0].method == b"OPTIONS" and events[0].target == b"*"
    for method in (b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"TRACE", b"OPTION", b"options"):
        data = request([method + b" * HTTP/1.1", b"Host: a"])
        assert reject(data) == 400, method
    # Only the exact target "*" is the asterisk-form.
    assert parse(request([b"GET /* HTTP/1.1", b"Host: a"]))[0].target == b"/*"


# ---- RFC 9110 7.2, RFC 3986 3.2.2: the Host value -----------------------------------

VALID_HOSTS = (
    b"", b"a", b"example.com", b"EXAMPLE.com.", b"example.com:8080", b"localhost:",
    b"192.168.1.10", b"192.168.1.10:80", b"999.1.1.1", b"xn--bcher-kva.example",
    b"a-b_c~d!$&'()*+,;=", b"ex%41mple.org", b"%c3%a9t%C3%A9:1",
    b"[::1]", b"[::1]:8080", b"[::]", b"[2001:db8::7]", b"[2001:DB8:0:0:8:800:200C:417A]:443",
    b"[1:2:3:4:5:6:7::]", b"[::2:3:4:5:6:7:8]", b"[::ffff:192.0.2.1]", b"[1:2:3:4:5:6:1.2.3.4]",
    b"[v1.fe80::a+en1]", b"[V7.x]:1",
)
INVALID_HOSTS = (
    b"a b", b"a/b", b"u@a", b"a:b:c", b"a:b", b"a:80:", b"a:-1", b"a:8 0", b"a?b", b"a#b",
    b"[::1", b"::1", b"[::1]x", b"[::1]:a", b"[::1]:80:1", b"[]", b"[:]", b"[:::]",
    b"[1:2:3:4:5:6:7:8:9]", b"[1:2:3:4:5:6:7]", b"[1::2::3]", b"[12345::]", b"[g::1]",
    b"[::1.2.3]", b"[::1.2.3.256]", b"[::01.2.3.4]", b"[1.2.3.4::]", b"[1:2:3:4:5:6:7:1.2.3.4]",
    b"[::1%25eth0]", b"[v1]", b"[v.x]", b"[v1.]", b"[vg.x]", b"[v1.x/y]",
    b"ex%4", b"ex%zz.org", b"%", b"a%2", b"\xc3\xa9.example", b"a\"b", b"<a>",
)


def _with_host(value):
    return request([b"GET / HTTP/1.1", b"Host: " + value])


def test_valid_host_values_pass():
    for value in VALID_HOSTS:
        assert parse(_with_host(value))[0].headers == [(b"host", value)], value
    # HTTP/1.0 may leave Host out, and is checked when it has one.
    assert parse(b"GET / HTTP/1.0\r\nHost: [::1]:80\r\n\r\n")[0].http_version == b"1.0"


def test_invalid_host_values_are_400():
    for value in INVALID_HOSTS:
        assert reject(_with_host(value)) == 400, value
    assert reject(b"GET / HTTP/1.0\r\nHost: a b\r\n\r\n") == 400


def test_missing_or_repeated_host_stays_400():
    assert reject(request([b"GET / HTTP/1.1"])) == 400
    assert reject(request([b"GET / HTTP/1.1", b"Host: a", b"host: a"])) == 400


# ---- RFC 9112 7.1, 7.1.1: chunk-size lines ------------------------------------------


def chunked(body):
    return request([b"POST / HTTP/1.1", b"Host: a", b"Transfer-Encoding: chunked"], body)


VALID_CHUNK_LINES = (
    b"5", b"05", b"5;x", b"5 ;x", b"5\t;x", b"5;x=1", b"5; x = 1", b"5;x=1;y", b"5 ;x ;y=z",
    b'5;x="q"', b'5;x=""', b'5;x="a;b\\"c \\\\"', b'5 ;x = "q" ; y', b'5;x="\xff\t"', b"5;!#$=~",
)
INVALID_CHUNK_LINES = (
    b"5 ", b"5\t", b"5;", b"5; ", b"5;;x", b"5;x;", b"5;x=", b"5;x= ", b"5;=1", b"5;x =",
    b"5;x y", b"5;x=1 ", b"5;x=1 2", b"5;x==1", b'5;x="q', b'5;x="q\\"', b'5;x="q"y',
    b"5;x=a\"b", b"5 x", b";x", b"5;x(y", b"5;x=(y)", b"5;x=\x7f", b"5;x=\xff",
)


def test_valid_chunk_size_lines():
    for line in VALID_CHUNK_LINES:
        events = parse(chunked(line + b"\r\nhello\r\n0\r\n\r\n") + GET)
        assert events[1:3] == [Data(b"hello"), EndOfMessage()], line
    # The last chunk may carry extensions too.
    assert parse(chunked(b"0 ;x=1\r\n\r\n"))[1:] == [EndOfMessage()]


def test_invalid_chunk_size_lines_are_400():
    for line in INVALID_CHUNK_LINES:
        assert reject(chunked(line + b"\r\nhello\r\n0\r\n\r\n")) == 400, line
        assert reject(chunked(b"1\r\nx\r\n" + line + b"\r\nhello\r\n0\r\n\r\n")) == 400, line


def test_bare_lf_in_a_chunk_size_line_is_refused_when_it_arrives():
    # No CRLF and far from 16 KiB: the LF alone decides, whole or byte by byte.
    for body in (b"5\n", b"5;x\n", b"5\nhello", b"a\r\n0123456789\r\n5\n"):
        assert reject(chunked(body)) == 400, body
    conn = ServerConnection()
    conn.receive_data(chunked(b"5"))
    assert type(conn.next_event()) is Request
    assert conn.next_event() is NEED_DATA
    conn.receive_data(b"\n")
    raises(RemoteProtocolError, conn.next_event)


# ---- the per-request body limit -----------------------------------------------------


def _read_with_limit(data, new_limit, **limits):
    """Events of ``data`` for every feeding, ``max_body`` set to ``new_limit`` right
    after each Request event (asserted equal) -> events, or the error status."""
    outcomes = []
    for pieces in splits(data):
        conn = ServerConnection(**limits)
        events = []
        try:
            for piece in pieces:
                conn.receive_data(piece)
                while True:
                    event = conn.next_event()
                    if event is NEED_DATA:
                        break
                    if type(event) is Data and events and type(events[-1]) is Data:
                        events[-1] = Data(events[-1].data + event.data)
                    else:
                        events.append(event)
                    if type(event) is Request:
                        conn.max_body = new_limit
                    if type(event) is EndOfMessage:
                        break
            outcomes.append(events)
        except RemoteProtocolError as exc:
            outcomes.append(exc.status_code)
    for other in outcomes[1:]:
        assert other == outcomes[0], outcomes
    return outcomes[0]


def _post(body, *lines):
    return request([b"POST /up HTTP/1.1", b"Host: a"] + list(lines), body)


def test_max_body_raised_for_one_request():
    body = b"x" * 100
    data = _post(body, b"Content-Length: 100")
    assert reject(data, max_body=10) == 413
    events = _read_with_limit(data, 100, max_body=10)
    assert events[1:] == [Data(body), EndOfMessage()]
    chunked_data = _post(b"40\r\n" + b"y" * 64 + b"\r\n24\r\n" + b"y" * 36 + b"\r\n0\r\n\r\n",
                         b"Transfer-Encoding: chunked")
    assert reject(chunked_data, max_body=10) == 413
    assert _read_with_limit(chunked_data, 100, max_body=10)[1] == Data(b"y" * 100)


def test_max_body_lowered_for_one_request():
    data = _post(b"x" * 100, b"Content-Length: 100")
    assert _read_with_limit(data, 99) == 413
    assert _read_with_limit(data, 100)[1] == Data(b"x" * 100)
    chunked_data = _post(b"40\r\n" + b"y" * 64 + b"\r\n24\r\n" + b"y" * 36 + b"\r\n0\r\n\r\n",
                         b"Transfer-Encoding: chunked")
    assert _read_with_limit(chunked_data, 99) == 413


def test_max_body_refuses_the_length_before_any_byte():
    conn = ServerConnection()
    conn.receive_data(_post(b"", b"Content-Length: 1000"))
    assert type(conn.next_event()) is Request
    conn.max_body = 999
    error = raises(RemoteProtocolError, conn.next_event)  # no body byte has arrived
    assert error.status_code == 413 and conn.their_state == "ERROR"


def test_max_body_goes_back_to_the_constructor_value_each_cycle():
    small = _post(b"abc", b"Content-Length: 3")
    big = _post(b"x" * 20, b"Content-Length: 20")
    conn = ServerConnection(max_body=10)
    conn.receive_data(big + small + big)
    assert conn.max_body == 10
    assert type(conn.next_event()) is Request
    conn.max_body = None  # no limit for this one
    assert conn.next_event() == Data(b"x" * 20)
    assert conn.next_event() == EndOfMessage()
    conn.send_response(204, [])
    conn.start_next_cycle()
    assert conn.max_body == 10
    assert type(conn.next_event()) is Request
    assert conn.next_event() == Data(b"abc")
    assert conn.next_event() == EndOfMessage()
    conn.send_response(204, [])
    conn.start_next_cycle()
    assert type(conn.next_event()) is Request
    assert raises(RemoteProtocolError, conn.next_event).status_code == 413
