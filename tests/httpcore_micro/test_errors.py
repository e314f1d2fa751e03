"""Malformed and oversized requests: each is refused with its status, in every feeding."""

from httpcore_micro_feed import reject, request

from httpcore_micro import ProtocolError, RemoteProtocolError, ServerConnection

HOST = b"Host: a"


def req(*lines, body=b""):
    return request([b"GET / HTTP/1.1", HOST] + list(lines), body)


def post(*lines, body=b""):
    return request([b"POST / HTTP/1.1", HOST] + list(lines), body)


def test_error_hierarchy():
    assert issubclass(RemoteProtocolError, ProtocolError)
    error = RemoteProtocolError("x", 431)
    assert error.status_code == 431 and str(error) == "x"
    assert RemoteProtocolError("y").status_code == 400


def test_bad_request_lines():
    for line in (
        b"GET  / HTTP/1.1",
        b"GET / HTTP/1.1 ",
        b" GET / HTTP/1.1",
        b"GET /",
        b"GET",
        b"G(T / HTTP/1.1",
        b"GET / HTTP/1.x",
        b"GET / HTTP/11",
        b"GET / http/1.1",
        b"GET / HTTP/1.1.1",
        b"GET /\x7f HTTP/1.1",
        b"GET /\xe9 HTTP/1.1",
        b"GET /a\tb HTTP/1.1",
        b"GET\t/ HTTP/1.1",
        b"",
    ):
        assert reject(request([line, HOST])) == 400, line


def test_too_many_leading_empty_lines_are_refused():
    # RFC 9112 2.2: a few empty lines before a request line are ignored
    # (test_requests.py), not a stream of them.
    assert reject(b"\r\n" * 5 + req()) == 400
    assert reject(b"\n\r\n\n\r\n\n" + req()) == 400
    assert reject(b"\r\n" * 5) == 400  # before the request line arrives
    assert reject(b"\r\rGET / HTTP/1.1\r\nHost: a\r\n\r\n") == 400  # a bare CR


def test_tls_handshake_is_refused_early():
    assert reject(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03") == 400


def test_unknown_major_version_is_505():
    assert reject(request([b"GET / HTTP/2.0", HOST])) == 505
    assert reject(request([b"GET / HTTP/0.9", HOST])) == 505
    assert reject(request([b"GET / HTTP/3.1", HOST])) == 505


def test_connect_is_501():
    assert reject(request([b"CONNECT a:443 HTTP/1.1", HOST])) == 501


def test_missing_or_repeated_host():
    assert reject(request([b"GET / HTTP/1.1", b"Accept: */*"])) == 400
    assert reject(req(b"Host: b")) == 400


def test_bad_header_lines():
    for line in (
        b"NoColon",
        b": empty-name",
        b"Bad Name: x",
        b"Name : space before colon",
        b"Name\t: tab before colon",
        b"Na(me: x",
        b"Na\xe9me: x",
        b"X: nul\x00here",
        b"X: bell\x07",
        b"X: del\x7f",
        b"X: vt\x0b",
        b"X: bare\rcr",
        b"X: bare\nlf",
    ):
        assert reject(req(line)) == 400, line


def test_obs_fold_is_refused():
    assert reject(req(b"X: a", b" continued")) == 400
    assert reject(req(b"X: a", b"\tcontinued")) == 400


def test_bare_lf_line_ends_are_refused():
    assert reject(b"GET / HTTP/1.1\nHost: a\n\n" + req()) == 400
    assert reject(b"GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n") == 400


def test_content_length_rules():
    assert reject(post(b"Content-Length: 5", b"Content-Length: 6", body=b"hello")) == 400
    assert reject(post(b"Content-Length: 5", b"Content-Length: 5", body=b"hello")) == 400
    assert reject(post(b"Content-Length: 5, 5", body=b"hello")) == 400
    for value in (b"-1", b"+5", b"5x", b"0x5", b"", b"5 5", b"\xef\xbc\x95"):
        assert reject(post(b"Content-Length: " + value, body=b"hello")) == 400, value


def test_content_length_too_large_is_413():
    assert reject(post(b"Content-Length: 1234567890123456789")) == 413
    assert reject(post(b"Content-Length: 11", body=b"x" * 11), max_body=10) == 413


def test_transfer_encoding_rules():
    chunked = b"1\r\nx\r\n0\r\n\r\n"
    assert reject(post(b"Transfer-Encoding: chunked", b"Content-Length: 1", body=chunked)) == 400
    assert reject(post(b"Transfer-Encoding: gzip", body=chunked)) == 501
    assert reject(post(b"Transfer-Encoding: gzip, chunked", body=chunked)) == 501
    assert reject(post(b"Transfer-Encoding: chunked, chunked", body=chunked)) == 501
    assert reject(post(b"Transfer-Encoding: chunked", b"Transfer-Encoding: chunked")) == 501
    assert reject(post(b"Transfer-Encoding: identity", body=chunked)) == 501
    assert reject(post(b"Transfer-Encoding: , chunked", body=chunked)) == 501
    assert reject(post(b"Transfer-Encoding: chunked,", body=chunked)) == 501
    http10 = request([b"POST / HTTP/1.0", b"Transfer-Encoding: chunked"], chunked)
    assert reject(http10) == 400


def chunked(body):
    return post(b"Transfer-Encoding: chunked", body=body)


def test_bad_chunks():
    for body in (
        b"x\r\nabc\r\n0\r\n\r\n",
        b"\r\nabc\r\n0\r\n\r\n",
        b"-3\r\nabc\r\n0\r\n\r\n",
        b" 3\r\nabc\r\n0\r\n\r\n",
        b"3 x\r\nabc\r\n0\r\n\r\n",
        b"3\r\nabcX\r\n0\r\n\r\n",
        b"3\r\nabc\rX0\r\n\r\n",
        b"3\nabc\r\n0\r\n\r\n",
        b"3;ext\x00\r\nabc\r\n0\r\n\r\n",
        b"3\r\nabc\r\n0\r\nbad trailer\r\n\r\n",
        b"3\r\nabc\r\n0\r\nContent-Length: 3\r\n\r\n",
        b"0" * 21 + b"\r\n\r\n",
    ):
        assert reject(chunked(body)) == 400, body


def test_overflowing_chunk_size():
    assert reject(chunked(b"1000000000000000\r\nabc")) == 400  # 16 significant hex digits
    assert reject(chunked(b"b\r\n" + b"x" * 11 + b"\r\n0\r\n\r\n"), max_body=10) == 413
    body = b"6\r\nabcdef\r\n6\r\nabcdef\r\n0\r\n\r\n"
    assert reject(chunked(body), max_body=10) == 413


def test_eof_in_the_middle():
    assert reject(req()[:-3], eof=True) == 400
    assert reject(post(b"Content-Length: 5", body=b"abc"), eof=True) == 400
    assert reject(chunked(b"5\r\nabc"), eof=True) == 400
    assert reject(chunked(b"3\r\nabc\r\n0\r\n"), eof=True) == 400


def test_data_after_close_request():
    data = req(b"Connection: close") + req()
    assert reject(data) == 400


def test_limit_request_target_is_414():
    target = b"/" + b"a" * 100
    assert reject(request([b"GET " + target + b" HTTP/1.1", HOST]), max_target=50) == 414
    # Still no line end in sight: refused before the line completes.
    assert reject(b"GET " + target * 3, max_target=50) == 414
    assert reject(b"A" * 200, max_target=50) == 400


def test_limit_header_bytes_is_431():
    big = b"X: " + b"v" * 200
    assert reject(req(big), max_header_bytes=100) == 431
    assert reject(req(big)[:150], max_header_bytes=100) == 431  # before the end arrives


def test_limit_header_count_is_431():
    lines = [b"X-%d: v" % index for index in range(10)]
    assert reject(req(*lines), max_headers=5) == 431


def test_limits_accept_what_fits():
    conn = ServerConnection(max_header_bytes=40, max_headers=2, max_target=10, max_body=3)
    conn.receive_data(b"POST /123456789 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc")
    assert conn.next_event().target == b"/123456789"
    assert conn.next_event().data == b"abc"


def test_trailer_section_limit():
    trailers = b"0\r\nX: " + b"v" * 200 + b"\r\n\r\n"
    assert reject(chunked(b"1\r\na\r\n" + trailers), max_header_bytes=100) == 431
