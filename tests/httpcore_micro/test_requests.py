"""Request parsing: request line, headers, bodies, HTTP/1.0, pipelining, end of stream."""

from _portable import splits
from httpcore_micro_feed import drain, feed, parse, request

from httpcore_micro import (
    NEED_DATA,
    PAUSED,
    ConnectionClosed,
    Data,
    EndOfMessage,
    Request,
    Response,
    ServerConnection,
)

BROWSER_GET = request(
    [
        b"GET /static/site.css?v=3 HTTP/1.1",
        b"Host: www.example.com",
        b"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
        b"Accept: text/css,*/*;q=0.1",
        b"Accept-Language: en-US,en;q=0.5",
        b"Accept-Encoding: gzip, deflate, br",
        b"Referer: https://www.example.com/",
        b"Connection: keep-alive",
        b"Cookie: session=abc123; theme=dark",
    ]
)
NEXT = request([b"GET /next HTTP/1.1", b"Host: a"])


def test_browser_get_all_feedings():
    events = parse(BROWSER_GET)
    assert len(events) == 2
    req = events[0]
    assert type(req) is Request
    assert req.method == b"GET"
    assert req.target == b"/static/site.css?v=3"
    assert req.http_version == b"1.1"
    assert req.headers[0] == (b"host", b"www.example.com")
    assert req.headers[2] == (b"accept", b"text/css,*/*;q=0.1")
    assert [name for name, _value in req.headers][-2:] == [b"connection", b"cookie"]
    assert events[1] == EndOfMessage()


def test_header_names_lowered_values_stripped_order_kept():
    data = request([b"GET / HTTP/1.1", b"HOST:a", b"X-Thing: \t padded \t ", b"x-thing: 2", b"E:"])
    req = parse(data)[0]
    assert req.headers == [
        (b"host", b"a"), (b"x-thing", b"padded"), (b"x-thing", b"2"), (b"e", b"")
    ]


def test_value_keeps_inner_whitespace_obs_text_and_colons():
    data = request([b"GET / HTTP/1.1", b"Host: h:8080", b"X: a  b\tc \xe9\xff"])
    req = parse(data)[0]
    assert req.headers == [(b"host", b"h:8080"), (b"x", b"a  b\tc \xe9\xff")]


def test_trailing_bytes_wait_for_next_cycle():
    for pieces in splits(BROWSER_GET + NEXT):
        conn = ServerConnection()
        events = feed(conn, pieces)
        assert [type(e) for e in events] == [Request, EndOfMessage]
        assert conn.next_event() is PAUSED
        conn.send(Response(200, [("content-length", "0")]))
        conn.send(EndOfMessage())
        conn.start_next_cycle()
        more = []
        assert drain(conn, more) is NEED_DATA
        assert more[0].target == b"/next" and more[1] == EndOfMessage()


def test_content_length_body():
    data = request([b"POST /form HTTP/1.1", b"Host: a", b"Content-Length: 11"], b"hello world")
    events = parse(data)
    assert events[1:] == [Data(b"hello world"), EndOfMessage()]


def test_content_length_zero_and_extra_bytes_stay():
    data = request([b"POST / HTTP/1.1", b"Host: a", b"Content-Length: 0"])
    assert parse(data)[1:] == [EndOfMessage()]
    for pieces in splits(data + NEXT):
        conn = ServerConnection()
        assert [type(e) for e in feed(conn, pieces)] == [Request, EndOfMessage]
        assert conn.trailing_data == NEXT
        assert conn.trailing_size == len(NEXT)


def test_body_is_streamed_in_pieces():
    conn = ServerConnection()
    conn.receive_data(request([b"PUT /f HTTP/1.1", b"Host: a", b"Content-Length: 10"], b"abc"))
    assert type(conn.next_event()) is Request
    assert conn.next_event() == Data(b"abc")
    assert conn.next_event() is NEED_DATA
    conn.receive_data(b"defghij" + b"GET")
    assert conn.next_event() == Data(b"defghij")
    assert conn.next_event() == EndOfMessage()
    assert conn.next_event() is PAUSED


CHUNKED = request(
    [b"POST /up HTTP/1.1", b"Host: a", b"Transfer-Encoding: chunked"],
    b"5\r\nhello\r\n1;ext=1;x=\"q\"\r\n \r\nA ;y\r\n0123456789\r\n0\r\n\r\n",
)


def test_chunked_body_extensions_skipped():
    events = parse(CHUNKED)
    assert events[1:] == [Data(b"hello 0123456789"), EndOfMessage()]


def test_chunked_trailers_kept():
    data = request(
        [b"POST / HTTP/1.1", b"Host: a", b"Transfer-Encoding: Chunked"],
        b"3\r\nabc\r\n0\r\nX-Checksum: 42\r\nX-More:  a b \r\n\r\n",
    )
    events = parse(data)
    assert events[1] == Data(b"abc")
    assert events[2] == EndOfMessage([(b"x-checksum", b"42"), (b"x-more", b"a b")])


def test_chunked_hex_sizes_and_leading_zeros():
    data = request(
        [b"POST / HTTP/1.1", b"Host: a", b"Transfer-Encoding: chunked"],
        b"00000F\r\n" + b"x" * 15 + b"\r\n0000\r\n\r\n",
    )
    assert parse(data)[1:] == [Data(b"x" * 15), EndOfMessage()]


def test_chunked_then_pipelined_request():
    for pieces in splits(CHUNKED + NEXT):
        conn = ServerConnection()
        events = feed(conn, pieces)
        assert events[-1] == EndOfMessage()
        assert conn.next_event() is PAUSED
        assert conn.trailing_data == NEXT
        assert conn.trailing_size == len(NEXT)
        conn.send_response(200, [("Content-Length", "0")])
        conn.start_next_cycle()
        assert type(conn.next_event()) is Request
        assert conn.trailing_size == 0 and conn.trailing_data == b""


def test_http10_request_without_host_closes():
    conn = ServerConnection()
    conn.receive_data(b"GET / HTTP/1.0\r\n\r\n")
    req = conn.next_event()
    assert req.http_version == b"1.0" and req.headers == []
    assert conn.next_event() == EndOfMessage()
    assert not conn.keep_alive
    assert conn.their_state == "MUST_CLOSE"


def test_request_without_headers_all_feedings():
    # No header at all: the request line's CRLF is also the start of the blank line.
    assert parse(b"GET /x HTTP/1.0\r\n\r\n")[0] == Request(b"GET", b"/x", [], b"1.0")
    assert parse(b"T / HTTP/1.0\r\n\r\n")[0] == Request(b"T", b"/", [], b"1.0")


def test_http10_keep_alive():
    conn = ServerConnection()
    conn.receive_data(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
    assert type(conn.next_event()) is Request
    assert conn.next_event() == EndOfMessage()
    assert conn.keep_alive and conn.their_state == "DONE"


def test_http11_connection_close():
    conn = ServerConnection()
    conn.receive_data(request([b"GET / HTTP/1.1", b"Host: a", b"Connection: foo, CLOSE"]))
    assert conn.next_event() == Request(
        b"GET", b"/", [(b"host", b"a"), (b"connection", b"foo, CLOSE")], b"1.1"
    )
    assert not conn.keep_alive
    assert conn.next_event() == EndOfMessage()
    assert conn.their_state == "MUST_CLOSE"


def test_minor_versions_above_one_are_http11():
    req = parse(request([b"GET / HTTP/1.7", b"Host: a"]))[0]
    assert req.http_version == b"1.7"


def test_pipelined_requests_in_one_buffer():
    data = NEXT + request([b"POST /b HTTP/1.1", b"Host: a", b"Content-Length: 2"], b"hi") + NEXT
    for pieces in splits(data):
        conn = ServerConnection()
        targets = []
        bodies = []
        conn.receive_data(b"".join(pieces))
        for _ in range(3):
            events = []
            drain(conn, events)
            targets.append(events[0].target)
            bodies.append(b"".join([e.data for e in events if type(e) is Data]))
            conn.send(Response(204))
            conn.send(EndOfMessage())
            conn.start_next_cycle()
        assert targets == [b"/next", b"/b", b"/next"]
        assert bodies == [b"", b"hi", b""]
        assert conn.next_event() is NEED_DATA


def test_close_between_requests_is_connection_closed():
    events = parse(b"", eof=True)
    assert events == [ConnectionClosed()]
    events = parse(NEXT, eof=True)
    assert [type(e) for e in events] == [Request, EndOfMessage, ConnectionClosed]


def test_connection_closed_repeats_and_state():
    conn = ServerConnection()
    conn.receive_data(b"")
    assert conn.next_event() == ConnectionClosed()
    assert conn.their_state == "CLOSED"
    assert conn.next_event() == ConnectionClosed()
    assert conn.our_state == "MUST_CLOSE"


def test_need_data_until_complete():
    conn = ServerConnection()
    for byte in range(len(NEXT) - 1):
        conn.receive_data(NEXT[byte : byte + 1])
        assert conn.next_event() is NEED_DATA
    conn.receive_data(NEXT[-1:])
    assert type(conn.next_event()) is Request


def test_large_body_is_not_buffered():
    conn = ServerConnection()
    conn.receive_data(request([b"PUT / HTTP/1.1", b"Host: a", b"Content-Length: 100000"]))
    assert type(conn.next_event()) is Request
    total = 0
    for _ in range(100):
        conn.receive_data(b"z" * 1000)
        event = conn.next_event()
        total += len(event.data)
        assert len(conn.trailing_data) == 0  # handed over at once, nothing kept
    assert total == 100000
    assert conn.next_event() == EndOfMessage()


def test_bytearray_and_memoryview_input():
    conn = ServerConnection()
    conn.receive_data(bytearray(NEXT[:10]))
    conn.receive_data(memoryview(NEXT[10:]))
    req = conn.next_event()
    assert req.target == b"/next" and type(req.target) is bytes
    assert type(req.headers[0][0]) is bytes
