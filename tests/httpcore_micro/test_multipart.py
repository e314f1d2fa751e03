"""httpcore_micro.multipart: multipart/form-data bodies (RFC 7578 on RFC 2046 5.1.1) fed
whole, byte by byte, in halves, in random splits and through one reused buffer; every
refusal; the limits; memory that does not grow with a part's size."""

import gc

from _portable import raises, splits

from httpcore_micro import RemoteProtocolError
from httpcore_micro.multipart import (
    BODY_END,
    DEFAULT_MAX_PART_HEADER_BYTES,
    DEFAULT_MAX_PARTS,
    NEED_DATA,
    PART_END,
    MultipartError,
    MultipartParser,
    Part,
    PartData,
    boundary_from_content_type,
)

BOUNDARY = b"----WebKitFormBoundary7MA4YWxkTrZu0gW"
DELIMITER = b"\r\n--" + BOUNDARY


def disposition(name, filename=None):
    line = b'Content-Disposition: form-data; name="' + name + b'"'
    if filename is not None:
        line += b'; filename="' + filename + b'"'
    return line


def body(*parts, boundary=BOUNDARY, preamble=b"", epilogue=b"\r\n"):
    """A body as browsers write it: ``parts`` are ``(header lines, data)``."""
    out = preamble
    for lines, data in parts:
        out += b"--" + boundary + b"\r\n" + b"".join(line + b"\r\n" for line in lines)
        out += b"\r\n" + data + b"\r\n"
    return out + b"--" + boundary + b"--" + epilogue


def field(name, value):
    return [disposition(name)], value


def random_splits(data, seed, count=4):
    """``count`` deterministic random cuts of ``data`` (an LCG: the same on every runtime)."""
    for _ in range(count):
        pieces = []
        start = 0
        while start < len(data):
            seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
            size = 1 + (seed >> 8) % 97
            pieces.append(data[start : start + size])
            start += size
        yield pieces


def feedings(data):
    for pieces in splits(data):
        yield pieces
    for pieces in random_splits(data, len(data)):
        yield pieces


def collect(parser, pieces, reuse=None):
    """Feed ``pieces`` (then b"") and return the parts as
    ``[(name, filename, content_type, headers, data)]``, checking the order of events.
    ``reuse``: a bytearray every piece of that size is copied into before it is given,
    as a board that reads with ``readinto`` does."""
    pieces = list(pieces) + [b""]
    parts = []
    data = None
    while True:
        event = parser.next_event()
        if event is NEED_DATA:
            piece = pieces.pop(0)
            if reuse is not None and len(piece) == len(reuse):
                reuse[:] = piece
                piece = reuse
            parser.receive_data(piece)
        elif type(event) is Part:
            assert data is None, "a part began inside another"
            data = bytearray()
            parts.append([event.name, event.filename, event.content_type, event.headers])
        elif type(event) is PartData:
            assert data is not None and len(event.data) > 0
            data += event.data
        elif event is PART_END:
            parts[-1].append(bytes(data))
            data = None
        else:
            assert event is BODY_END and data is None
            assert parser.next_event() is BODY_END  # and stays there
            return [tuple(part) for part in parts]


def parse(data, boundary=BOUNDARY, **limits):
    """The parts of ``data``: the same in every feeding."""
    results = [collect(MultipartParser(boundary, **limits), pieces) for pieces in feedings(data)]
    for result in results[1:]:
        assert result == results[0]
    return results[0]


def refuse(data, boundary=BOUNDARY, **limits):
    """The message ``data`` is refused with: the same in every feeding."""
    messages = []
    for pieces in feedings(data):
        parser = MultipartParser(boundary, **limits)
        error = raises(MultipartError, collect, parser, pieces)
        assert error.status_code == 400
        messages.append(str(error))
    for message in messages[1:]:
        assert message == messages[0]
    return messages[0]


# -- what browsers and clients send --------------------------------------------------


def test_fields_and_files_as_a_browser_sends_them():
    data = body(
        field(b"title", b"hello world"),
        ([disposition(b"firmware", b"fw-1.2.bin"), b"Content-Type: application/octet-stream"],
         bytes(range(256)) * 3),
        field(b"empty", b""),
        ([disposition(b"notes", b"notes.txt"), b"Content-Type: text/plain"], b"a\r\nb\r\n"),
    )
    assert parse(data) == [
        ("title", None, "text/plain", [(b"content-disposition", b'form-data; name="title"')],
         b"hello world"),
        ("firmware", "fw-1.2.bin", "application/octet-stream",
         [(b"content-disposition", b'form-data; name="firmware"; filename="fw-1.2.bin"'),
          (b"content-type", b"application/octet-stream")],
         bytes(range(256)) * 3),
        ("empty", None, "text/plain", [(b"content-disposition", b'form-data; name="empty"')],
         b""),
        ("notes", "notes.txt", "text/plain",
         [(b"content-disposition", b'form-data; name="notes"; filename="notes.txt"'),
          (b"content-type", b"text/plain")],
         b"a\r\nb\r\n"),
    ]


def test_empty_file_input_and_empty_form():
    # An empty <input type=file>: filename="" and no data (WHATWG HTML form submission).
    data = body(([disposition(b"f", b""), b"Content-Type: application/octet-stream"], b""))
    assert parse(data) == [("f", "", "application/octet-stream", parse(data)[0][3], b"")]
    # A form without fields: the close delimiter alone (what browsers send).
    assert parse(b"--" + BOUNDARY + b"--\r\n") == []
    assert parse(b"--" + BOUNDARY + b"--") == []


def test_data_that_looks_like_a_boundary_is_data():
    tricky = [
        b"\r\n--" + BOUNDARY[:-1] + b"x",  # the delimiter but its last byte
        b"x--" + BOUNDARY + b"\r\n",  # a boundary not preceded by CRLF
        b"\n--" + BOUNDARY + b"\r\n",  # a bare LF before it
        b"\r--" + BOUNDARY + b"--",  # a bare CR before it
        b"\r\r\n\r\n--\r\n-\r",
        b"\r\n-" + BOUNDARY,
        b"\r",
        b"\r\n",
        b"\r\n--",
        b"x\r\n--" + BOUNDARY[:10],
    ]
    for content in tricky:
        data = body(field(b"a", content), field(b"b", content + content))
        assert [part[4] for part in parse(data)] == [content, content + content], content


def test_preamble_and_epilogue_are_ignored():
    # RFC 2046 5.1.1: preamble and epilogue are to be ignored.
    data = body(field(b"a", b"1"), preamble=b"This is a preamble\r\n--not it\r\n",
                epilogue=b"\r\nthe epilogue\r\n--" + BOUNDARY + b"\r\nmore")
    assert [(part[0], part[4]) for part in parse(data)] == [("a", b"1")]
    # An empty preamble followed by its CRLF.
    assert [part[4] for part in parse(b"\r\n" + body(field(b"a", b"1")))] == [b"1"]


def test_transport_padding_after_boundaries():
    # RFC 2046 5.1.1: receivers must handle padding added by message transports.
    data = (b"--" + BOUNDARY + b" \t \r\n" + disposition(b"a") + b"\r\n\r\n1\r\n--"
            + BOUNDARY + b"\t\r\n" + disposition(b"b") + b"\r\n\r\n2\r\n--" + BOUNDARY + b"--  ")
    assert [(part[0], part[4]) for part in parse(data)] == [("a", b"1"), ("b", b"2")]


def test_any_valid_boundary():
    for boundary in (b"b", b"a" * 70, b"'()+_,-./:=? x", b"--", b"-"):
        data = body(field(b"a", b"--" + boundary + b"\r\n"), boundary=boundary)
        assert parse(data, boundary=boundary)[0][4] == b"--" + boundary + b"\r\n"
    assert parse(body(field(b"a", b"x"), boundary=b"abc"), boundary="abc")[0][4] == b"x"


def test_content_disposition_parameters():
    cases = [
        (b'form-data; name="a"; filename="b.txt"', "a", "b.txt"),
        (b"form-data; name=a; filename=b.txt", "a", "b.txt"),  # tokens
        (b'Form-Data;NAME="a" ;  Filename = "b"', "a", "b"),  # case, spacing (RFC 2045 5.1)
        (b'form-data; name="a \\"q\\" \\\\ b"', 'a "q" \\ b', None),  # quoted-pairs
        (b'form-data; name="x"; filename="C:\\dir\\f.txt"', "x", "C:\\dir\\f.txt"),
        (b'form-data; name="%22a%22"; filename="%0D%0A"', "%22a%22", "%0D%0A"),  # as sent
        (b'form-data; name="caf\xc3\xa9"; filename="\xe2\x82\xac.txt"', "caf\xe9", "\u20ac.txt"),
        (b'form-data; name=""', "", None),
        (b'form-data; name="a;b=c"; filename="x\';y"', "a;b=c", "x';y"),
        # RFC 7578 4.2: filename* must not be sent; it is ignored here.
        (b"form-data; name=a; filename*=UTF-8''%e2%82%ac.txt", "a", None),
        (b'form-data; name=a; filename="f"; filename*=UTF-8\'\'x; size=3', "a", "f"),
        (b'form-data; name="a"  ', "a", None),
    ]
    for value, name, filename in cases:
        part = parse(body(([b"Content-Disposition: " + value], b"x")))[0]
        assert (part[0], part[1]) == (name, filename), value


def test_content_type_is_the_media_type():
    cases = [
        (None, "text/plain"),  # RFC 7578 4.4
        (b"application/octet-stream", "application/octet-stream"),
        (b"Text/HTML; charset=UTF-8", "text/html"),  # RFC 2045 5.1: case-insensitive
        (b"image/svg+xml ;x=1", "image/svg+xml"),
    ]
    for value, media_type in cases:
        lines = [disposition(b"a", b"f")]
        if value is not None:
            lines.append(b"Content-Type: " + value)
        part = parse(body((lines, b"x")))[0]
        assert part[2] == media_type, value
        if value is not None:
            assert part[3][1] == (b"content-type", value)  # the field as it was sent


def test_other_headers_are_kept_and_not_interpreted():
    lines = [b"X-Extra:  v  ", disposition(b"a"), b"Content-Length: 99",
             b"Content-Transfer-Encoding: base64", b"X-Empty:"]
    part = parse(body((lines, b"not base64!")))[0]
    assert part[3] == [(b"x-extra", b"v"), (b"content-disposition", b'form-data; name="a"'),
                       (b"content-length", b"99"),
                       (b"content-transfer-encoding", b"base64"), (b"x-empty", b"")]
    assert part[4] == b"not base64!"  # RFC 7578 4.7 and 4.8: not decoded, not checked


def test_boundary_from_content_type():
    assert boundary_from_content_type("multipart/form-data; boundary=abc") == b"abc"
    assert boundary_from_content_type(b"Multipart/Form-Data ;BOUNDARY=\"a b:c\"") == b"a b:c"
    assert boundary_from_content_type(
        b"multipart/form-data; charset=utf-8; boundary=" + BOUNDARY) == BOUNDARY
    assert boundary_from_content_type("multipart/form-data; boundary=" + "x" * 70) == b"x" * 70
    for other in ("application/x-www-form-urlencoded", "multipart/mixed; boundary=a", "",
                  "text/plain"):
        assert boundary_from_content_type(other) is None
    for bad, message in (
        ("multipart/form-data", "without a boundary"),
        ("multipart/form-data; charset=utf-8", "without a boundary"),
        ('multipart/form-data; boundary=""', "invalid multipart boundary"),
        ("multipart/form-data; boundary=" + "x" * 71, "invalid multipart boundary"),
        ('multipart/form-data; boundary="ends with space "', "invalid multipart boundary"),
        ('multipart/form-data; boundary="a;b"', "invalid multipart boundary"),  # not a bchar
        ('multipart/form-data; boundary="\xe9"', "invalid multipart boundary"),
        ("multipart/form-data; boundary=a; boundary=b", "repeated parameter"),
        ("multipart/form-data; boundary", "malformed parameters"),
        ('multipart/form-data; boundary="abc', "unterminated quoted-string"),
    ):
        error = raises(MultipartError, boundary_from_content_type, bad)
        assert message in str(error) and error.status_code == 400, bad


def test_the_parser_checks_its_boundary():
    for bad in (b"", "", b"x" * 71, b"a\r\nb", b"trailing ", b"a;b"):
        assert "invalid multipart boundary" in str(raises(MultipartError, MultipartParser, bad))


# -- refusals ------------------------------------------------------------------------


def test_error_is_a_remote_protocol_error_with_status_400():
    error = MultipartError("what was wrong")
    assert isinstance(error, RemoteProtocolError)
    assert error.status_code == 400 and str(error) == "what was wrong"


def test_missing_boundary_and_bodies_that_end_too_soon():
    whole = body(([disposition(b"a"), b"X-A: b"], b"DATA"))
    assert "before its first boundary line" in refuse(b"")
    assert "before its first boundary line" in refuse(b"no multipart here")
    assert "before its first boundary line" in refuse(whole, boundary=b"other")
    assert "before its first boundary line" in refuse(whole[: len(BOUNDARY) + 1])
    assert "inside a boundary line" in refuse(whole[: len(BOUNDARY) + 2])
    assert "inside a boundary line" in refuse(whole[: len(BOUNDARY) + 3])  # "--b\r"
    assert "inside a boundary line" in refuse(whole[:-len(b"\r\n")][:-1])  # "--b-"
    assert "inside a part's header section" in refuse(whole[: whole.find(b"X-A")])
    assert "inside a part's header section" in refuse(whole[: whole.find(b"DATA") - 1])
    for cut in (whole.find(b"DATA"), whole.find(b"DATA") + 4, whole.rfind(b"--") - 1):
        assert "before the closing boundary line" in refuse(whole[:cut]), cut


def test_garbage_where_a_delimiter_must_be():
    for after in (b"x\r\n", b"-x", b" x\r\n", b"\rx", b"\n", b" \r\r\n", b"- -"):
        data = b"--" + BOUNDARY + after + disposition(b"a") + b"\r\n\r\nv\r\n--" + BOUNDARY + b"--"
        assert "unexpected bytes after a boundary" in refuse(data), after
        data = body(field(b"a", b"v"))[: -len(b"--\r\n")] + after
        assert "unexpected bytes after a boundary" in refuse(data), after
    # A delimiter inside data is a delimiter (RFC 2046 5.1.1: the boundary must not appear
    # in the data): what follows it must then be a delimiter line's end.
    data = body(field(b"a", b"x" + DELIMITER + b"oops"))
    assert "unexpected bytes after a boundary" in refuse(data)


def test_parts_without_a_form_data_name():
    for lines, message in (
        ([], "without Content-Disposition"),
        ([b"Content-Type: text/plain"], "without Content-Disposition"),
        ([b"Content-Disposition: attachment; name=a"], "is not form-data"),
        ([b"Content-Disposition: form-data"], "without a name"),
        ([b"Content-Disposition: form-data; filename=a"], "without a name"),
        ([b"Content-Disposition: form-data; name*=UTF-8''a"], "without a name"),
        ([b"Content-Disposition: form-datax; name=a"], "is not form-data"),
        ([disposition(b"a"), disposition(b"b")], "repeated Content-Disposition"),
        ([b"Content-Disposition: form-data; name=a; name=b"], "repeated parameter"),
        ([b"Content-Disposition: form-data; name=a; filename=b; FILENAME=c"],
         "repeated parameter"),
    ):
        assert message in refuse(body((lines, b"x"))), lines


def test_malformed_parameters():
    for value, message in (
        (b"form-data; name", "malformed parameters"),
        (b"form-data; name=", "malformed parameters"),
        (b"form-data; =a", "malformed parameters"),
        (b"form-data name=a", "is not form-data"),
        (b"form-data; name=a b", "malformed parameters"),
        (b"form-data; name=a;", "malformed parameters"),
        (b"form-data; name=a filename=b", "malformed parameters"),
        (b'form-data; name=a"b"', "malformed parameters"),
        (b"form-data; name=\xc3\xa9", "malformed parameters"),  # not a token: quote it
        (b'form-data; name="a', "unterminated quoted-string"),
        (b'form-data; name="a\\"', "unterminated quoted-string"),
        (b'form-data; name="a"x', "malformed parameters"),
        (b'form-data; na me="a"', "malformed parameters"),
        (b'form-data; name="\xff"', "not UTF-8"),
        (b'form-data; name="a"; filename="\xc3"', "not UTF-8"),
    ):
        assert message in refuse(body(([b"Content-Disposition: " + value], b"x"))), value


def test_malformed_header_sections():
    for lines, message in (
        ([b"Content-Type: text/plain"] * 2, "repeated Content-Type"),
        ([b"Content-Type: "], "invalid part Content-Type"),
    ):
        assert message in refuse(body(([disposition(b"a")] + lines, b"x"))), lines
    for line, message in (
        (b"No colon", "is not 'name: value'"),
        (b": no name", "is not 'name: value'"),
        (b"Bad Name: x", "is not 'name: value'"),
        (b"Name : space before the colon", "is not 'name: value'"),
        (b"N\xe9: x", "is not 'name: value'"),
        (b" folded: x", "folded part header line"),
        (b"\tfolded", "folded part header line"),
        (b"X-A: nul\x00", "control character"),
        (b"X-A: del\x7f", "control character"),
        (b"X-A: esc\x1b", "control character"),
        (b"X-A: bare\nLF", "bare CR or LF"),
        (b"X-A: bare\rCR", "bare CR or LF"),
    ):
        assert message in refuse(body(([disposition(b"a"), line], b"x"))), line
    for value in (b"text", b"text/", b"/plain", b"text/pl ain", b"a/b/c", b"\xc3\xa9/x"):
        data = body(([disposition(b"a"), b"Content-Type: " + value], b"x"))
        assert "invalid part Content-Type" in refuse(data), value
    # Header lines must end with CRLF (RFC 2046 5.1.1 and RFC 5322 2.2): a body with bare
    # LFs never ends its header section.
    data = b"--" + BOUNDARY + b"\r\n" + disposition(b"a") + b"\n\nx\r\n--" + BOUNDARY + b"--"
    assert "inside a part's header section" in refuse(data)


def test_an_error_sticks():
    parser = MultipartParser(BOUNDARY)
    parser.receive_data(b"--" + BOUNDARY + b"!")
    first = raises(MultipartError, parser.next_event)
    parser.receive_data(b"more")
    assert raises(MultipartError, parser.next_event) is first


def test_data_after_the_end_of_the_body_is_a_caller_error():
    parser = MultipartParser(BOUNDARY)
    parser.receive_data(b"")
    raises(ValueError, parser.receive_data, b"x")
    raises(MultipartError, parser.next_event)


# -- limits --------------------------------------------------------------------------


def data_with_section_of(size):
    """A one-part body whose header section is ``size`` bytes: its lines with their CRLF
    and the empty line's CRLF."""
    line = b"X-Pad: " + b"p" * (size - len(disposition(b"a")) - 2 - 9 - 2)
    return body(([disposition(b"a"), line], b"x"))


def test_default_limits():
    assert DEFAULT_MAX_PART_HEADER_BYTES == 2048 and DEFAULT_MAX_PARTS == 64
    assert parse(data_with_section_of(2048))[0][4] == b"x"
    assert refuse(data_with_section_of(2049)) == (
        "a part's header section is longer than 2048 bytes")
    fields = [field(b"f", b"v")] * 65
    assert len(parse(body(*fields[:64]))) == 64
    assert refuse(body(*fields)) == "more than 64 parts"


def test_header_section_limit():
    assert parse(data_with_section_of(200), max_part_header_bytes=200)[0][4] == b"x"
    message = refuse(data_with_section_of(201), max_part_header_bytes=200)
    assert message == "a part's header section is longer than 200 bytes"
    # Refused before the end of the section arrives: nothing grows past the limit.
    data = b"--" + BOUNDARY + b"\r\n" + disposition(b"a") + b"\r\nX: " + b"y" * 300
    assert "longer than 200 bytes" in refuse(data, max_part_header_bytes=200)
    data = body(field(b"a", b"1")) + b"X" * 4000  # a long epilogue is no header
    assert parse(data, max_part_header_bytes=200)[0][4] == b"1"


def test_parts_limit():
    fields = [field(b"f%d" % index, b"v") for index in range(5)]
    assert len(parse(body(*fields), max_parts=5)) == 5
    assert refuse(body(*fields), max_parts=4) == "more than 4 parts"
    assert refuse(body(*fields, field(b"x", b"y"))[:-30], max_parts=5) == "more than 5 parts"


def test_preamble_and_padding_limits():
    tail = body(field(b"a", b"1"))
    assert parse(b"p" * 98 + b"\r\n" + tail, max_part_header_bytes=100)[0][4] == b"1"
    assert parse(b"p" * 100 + b"\r\n" + tail, max_part_header_bytes=100)[0][4] == b"1"
    message = refuse(b"p" * 101 + b"\r\n" + tail, max_part_header_bytes=100)
    assert message == "no boundary line in the first 100 bytes of the body"
    assert "first 100 bytes" in refuse(b"p" * 5000, max_part_header_bytes=100)
    padded = tail.replace(BOUNDARY + b"\r\n", BOUNDARY + b" " * 100 + b"\r\n", 1)
    assert parse(padded, max_part_header_bytes=100)[0][4] == b"1"
    padded = tail.replace(BOUNDARY + b"\r\n", BOUNDARY + b" " * 101 + b"\r\n", 1)
    assert "padding longer than 100 bytes" in refuse(padded, max_part_header_bytes=100)
    # A CR at the limit that does not end the line is garbage, however the bytes come.
    padded = b"--" + BOUNDARY + b" " * 100 + b"\rX" + b"y" * 50
    assert "unexpected bytes" in refuse(padded, max_part_header_bytes=100)


# -- memory --------------------------------------------------------------------------


def test_data_is_handed_out_as_soon_as_it_arrives():
    # Everything but the bytes that may begin a delimiter is delivered at once, whatever
    # the cut: a part's size never sits in the parser.
    content = (b"\r\n--" + BOUNDARY[:5] + b"\r" + bytes(range(256)) + b"\r\n-") * 8
    data = body(([disposition(b"f", b"f.bin")], content))
    start = data.find(content)
    for pieces in random_splits(data, 7, count=6):
        parser = MultipartParser(BOUNDARY)
        fed = delivered = 0
        for piece in pieces:
            parser.receive_data(piece)
            fed += len(piece)
            event = parser.next_event()
            while event is not NEED_DATA and event is not BODY_END:
                if type(event) is PartData:
                    delivered += len(event.data)
                event = parser.next_event()
            arrived = min(max(fed - start, 0), len(content))
            assert arrived - len(DELIMITER) < delivered <= arrived, (fed, delivered)
        assert delivered == len(content)


def test_part_data_are_views_of_the_callers_chunk():
    parser = MultipartParser(BOUNDARY)
    head = b"--" + BOUNDARY + b"\r\n" + disposition(b"f", b"f") + b"\r\n\r\n"
    chunk = bytearray(b"x" * 100)
    parser.receive_data(head)
    assert type(parser.next_event()) is Part
    assert parser.next_event() is NEED_DATA
    parser.receive_data(chunk)
    event = parser.next_event()
    assert type(event.data) is memoryview and len(event.data) == 100
    chunk[0] = 0x79  # a view, not a copy
    assert bytes(event.data[:2]) == b"yx"


def test_the_caller_may_reuse_its_buffer_after_need_data():
    data = body(field(b"a", b"1" * 300 + DELIMITER[:-1] + b"2" * 50),
                ([disposition(b"f", b"f")], (b"\r\n-" + bytes(range(256))) * 4))
    expected = parse(data)
    for size in (1, 2, 7, len(DELIMITER) - 1, len(DELIMITER), 64, 1000):
        pieces = [data[start : start + size] for start in range(0, len(data), size)]
        result = collect(MultipartParser(BOUNDARY), pieces, reuse=bytearray(size))
        assert result == expected, size


def _memory_in_use():
    if hasattr(gc, "mem_alloc"):  # MicroPython
        gc.collect()
        return gc.mem_alloc()
    import tracemalloc

    return tracemalloc.get_traced_memory()[0]


def _drain(parser, stop=NEED_DATA):
    """Events until ``stop``: the number of data bytes among them (none kept)."""
    received = 0
    event = parser.next_event()
    while event is not stop:
        assert type(event) is PartData, event
        received += len(event.data)
        event = parser.next_event()
    return received


def test_heap_does_not_grow_with_a_2mb_body_in_1kib_chunks():
    # Chunks that hold CRs and partial delimiters (held back and joined at the edges),
    # built before measuring and given again and again.
    chunks = [bytes((index * 7 + shift) & 0xFF for index in range(1024)) for shift in range(3)]
    chunks.append(b"\r\n--" + BOUNDARY[:9] + bytes(1024 - 13 - len(DELIMITER[:-1]))
                  + DELIMITER[:-1])
    head = b"--" + BOUNDARY + b"\r\n" + disposition(b"fw", b"fw.bin") + b"\r\n\r\n"
    tail = b"\r\n--" + BOUNDARY + b"--\r\n"
    tracing = not hasattr(gc, "mem_alloc")
    if tracing:
        import tracemalloc

        tracemalloc.start()
    try:
        parser = MultipartParser(BOUNDARY)
        parser.receive_data(head)
        assert type(parser.next_event()) is Part
        received = 0
        base = None
        for count in range(2048 + 1):
            received += _drain(parser)
            if count == 2:
                base = _memory_in_use()
            elif count % 256 == 0 and base is not None:
                growth = _memory_in_use() - base
                assert growth < 3 * 1024, growth
            parser.receive_data(chunks[count % 4] if count < 2048 else tail)
        received += _drain(parser, stop=PART_END)
        assert parser.next_event() is BODY_END
        assert received == 2048 * 1024
    finally:
        if tracing:
            tracemalloc.stop()
