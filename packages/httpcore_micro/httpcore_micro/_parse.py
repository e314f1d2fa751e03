"""Reading side: request line, header section, framing, Host, chunk-size lines, targets.

Pure functions over bytes: each returns what it parsed or raises RemoteProtocolError
carrying the status to answer. The connection (``_connection.py``) keeps the buffer and
the state, and calls them. What well-behaved peers rarely send (IPv6 literals, chunk
extensions, the explanation of a malformed head) is checked in ``_rare.py``, loaded the
first time it is needed.
"""

from ._compat import REG_NAME_CHARS, decode_utf8, is_hex, is_token, is_vchar
from ._compat import names_are_tokens, only_field_lines
from ._events import RemoteProtocolError

# Room in a request line besides the target: a method of up to 24 bytes, two spaces
# and "HTTP/1.1". A line longer than max_target plus this cannot carry a valid target.
REQUEST_LINE_OVERHEAD = 35
# More than 18 decimal digits (about 1 EB) cannot be a real body and would overflow
# the 64-bit integers of MicroPython ports built without long integers.
MAX_CONTENT_LENGTH_DIGITS = 18
# Chunk sizes: h11 accepts up to 20 hex digits; we also cap the value at 2**60 - 1
# (15 significant digits) for the same integer-size reason.
MAX_CHUNK_SIZE_DIGITS = 20
MAX_CHUNK_SIZE_SIGNIFICANT = 15
# analyse_request's body length for a chunked body.
CHUNKED = -1


def check_request_line_length(line, max_target):
    """Raise when a (possibly partial) request line is too long to be valid.

    Only the first ``limit + 1`` bytes decide, so the answer is the same whether the
    line arrived whole or a byte at a time.
    """
    limit = max_target + REQUEST_LINE_OVERHEAD
    if len(line) > limit:
        if b" " in line[: limit + 1]:
            raise RemoteProtocolError("request-target too long", 414)
        raise RemoteProtocolError("request line too long or not HTTP")


def parse_request_line(line, max_target):
    """b"GET / HTTP/1.1" -> (method, target, version) (RFC 9112 3)."""
    if len(line) > max_target + REQUEST_LINE_OVERHEAD:
        check_request_line_length(line, max_target)
    try:
        method, target, version = line.split(b" ")
    except ValueError:  # not exactly two single spaces
        raise _bad_line(line, "malformed request line %r" % line[:80]) from None
    if version == b"HTTP/1.1":
        version = b"1.1"
    else:
        version = _parse_version(line, version)
    if not method or not is_token(method):
        raise _bad_line(line, "invalid method %r" % method[:40])
    if not target or not is_vchar(target):
        raise _bad_line(line, "invalid request-target")
    if len(target) > max_target:
        raise RemoteProtocolError("request-target too long", 414)
    if method == b"CONNECT":
        # RFC 9110 9.3.6: CONNECT is for proxies; this is an origin server.
        raise RemoteProtocolError("CONNECT is not supported", 501)
    if target == b"*" and method != b"OPTIONS":
        # RFC 9112 3.2.4: the asterisk-form is only for a server-wide OPTIONS.
        raise RemoteProtocolError("asterisk-form target with method %r" % method[:40])
    return method, target, version


def _bad_line(line, message):
    if b"\n" in line or b"\r" in line:
        # RFC 9112 2.2: a bare LF is not a line end here, nor a bare CR anything.
        return RemoteProtocolError("bare CR or LF in request line")
    return RemoteProtocolError(message)


def _parse_version(line, version):
    """b"HTTP/1.0" -> b"1.0" (RFC 9112 2.3: HTTP-name "/" DIGIT "." DIGIT)."""
    if (
        len(version) != 8
        or version[:5] != b"HTTP/"
        or version[6:7] != b"."
        or not version[5:6].isdigit()
        or not version[7:8].isdigit()
    ):
        raise _bad_line(line, "invalid HTTP version %r" % version[:20])
    if version[5:6] != b"1":
        # RFC 9110 15.6.6: 505 for a major version we do not support.
        raise RemoteProtocolError("HTTP version not supported", 505)
    return bytes(version[5:])


def parse_header_lines(lines, max_headers):
    """Header lines whose control characters were refused (``only_field_lines``) ->
    (headers, fields): the (name, value) pairs in order, and a dict of them."""
    if len(lines) > max_headers:
        raise RemoteProtocolError("too many header fields (max %d)" % max_headers, 431)
    headers = []
    append = headers.append
    # A plain loop: faster than nested comprehensions on CPython 3.11, and partition()
    # is a cheaper call than split(b":", 1).
    for line in lines:
        name, colon, value = line.partition(b":")
        if not colon:
            _refuse_lines(lines)
        # Values cannot hold CR, LF, VT or FF any more: strip() only removes SP / HTAB.
        append((name.lower(), value.strip()))
    fields = dict(headers)
    if not names_are_tokens(fields):
        _refuse_lines(lines)
    return headers, fields


def _refuse_lines(lines):
    from ._rare import explain_bad_lines

    raise RemoteProtocolError(explain_bad_lines(lines))


def refuse_section(section):
    from ._rare import explain_bad_section

    raise RemoteProtocolError(explain_bad_section(section))


# Trailers must not redefine the framing or routing of the message (RFC 9110 6.5.1).
_FORBIDDEN_TRAILERS = (b"content-length", b"transfer-encoding", b"host")


def parse_trailers(section, max_headers):
    """A trailer section (CRLF separated lines, no final blank line) -> headers."""
    lines = section.split(b"\r\n")
    if not only_field_lines(section, len(lines)):
        refuse_section(section)
    headers = parse_header_lines(lines, max_headers)[0]
    for name, _value in headers:
        if name in _FORBIDDEN_TRAILERS:
            raise RemoteProtocolError("%s is not allowed in trailers" % name.decode())
    return headers


# Fields that must not repeat: a second Host is ambiguous routing (RFC 9112 3.2), a
# second Content-Length or Transfer-Encoding ambiguous framing (RFC 9112 6.3).
_SINGLE_FIELDS = (b"host", b"content-length", b"transfer-encoding")


def _merge_fields(headers):
    """Repeated fields -> one comma-joined value (RFC 9110 5.3); refuse _SINGLE_FIELDS twice."""
    fields = {}
    for name, value in headers:
        if name in fields:
            if name in _SINGLE_FIELDS:
                status = 501 if name == b"transfer-encoding" else 400
                raise RemoteProtocolError("repeated %s header" % name.decode(), status)
            fields[name] = fields[name] + b", " + value
        else:
            fields[name] = value
    return fields


def comma_tokens(value):
    """b"a, B ,,c" -> [b"a", b"b", b"c"] (lower-cased, empty elements dropped)."""
    out = []
    for item in value.lower().split(b","):
        item = item.strip(b" \t")
        if item:
            out.append(item)
    return out


def _tokens(value):
    if 44 in value:  # a comma (an int needle is the fast form of "in")
        return comma_tokens(value)
    return (value.lower(),)


# The fields that decide framing and connection handling, looked up all at once.
_DECIDING_FIELDS = (
    b"host", b"content-length", b"transfer-encoding", b"connection", b"expect", b"upgrade"
)


def analyse_request(headers, fields, version):
    """Framing and connection facts of a request (RFC 9112 6, 9; RFC 9110 7.2, 7.8, 10.1.1).

    Returns (body length or CHUNKED, keep-alive, expects 100-continue, wants to upgrade).
    """
    if len(fields) != len(headers):
        fields = _merge_fields(headers)
    host, length, coding, connection, expect, upgrade = map(fields.get, _DECIDING_FIELDS)
    if host is not None:
        # RFC 9110 7.2, RFC 3986 3.2.2: Host = uri-host [ ":" port ], port = *DIGIT;
        # the usual uri-host, a reg-name or an IPv4 address, is checked here.
        name, _colon, port = host.partition(b":")
        if name.strip(REG_NAME_CHARS) or (port and not port.isdigit()):
            # An IPv6 literal, "%" escapes, or invalid (empty is valid: no authority).
            from ._rare import check_unusual_host

            check_unusual_host(host)
    elif version != b"1.0":
        raise RemoteProtocolError("missing Host header (RFC 9112 3.2)")
    if coding is not None:
        body = _chunked_framing(length, coding, version)
    elif length is not None:
        body = parse_content_length(length)
    else:
        body = 0  # RFC 9112 6.3: no framing field, no body
    tokens = () if connection is None else _tokens(connection)
    if version == b"1.0":
        # RFC 9112 9.3: HTTP/1.0 persists only when asked to; no 1xx, no upgrade.
        return body, b"keep-alive" in tokens and b"close" not in tokens, False, False
    if expect is None and upgrade is None:
        return body, b"close" not in tokens, False, False
    expects_continue = expect is not None and b"100-continue" in _tokens(expect)
    wants_upgrade = upgrade is not None and b"upgrade" in tokens and bool(comma_tokens(upgrade))
    return body, b"close" not in tokens, expects_continue, wants_upgrade


def _chunked_framing(length, coding, version):
    if length is not None:
        # RFC 9112 6.3: both present is a smuggling attempt; refuse it.
        raise RemoteProtocolError("both Content-Length and Transfer-Encoding")
    if version == b"1.0":
        # RFC 9112 6.1: the framing of such a message is faulty.
        raise RemoteProtocolError("Transfer-Encoding in an HTTP/1.0 request")
    if coding.lower() != b"chunked":
        # Exactly one coding, chunked: any list (even "chunked," or ", chunked") is
        # refused, so no other parser on the path can read the framing differently.
        raise RemoteProtocolError("unsupported transfer coding %r" % coding[:40], 501)
    return CHUNKED


def parse_content_length(value):
    # RFC 9110 8.6: 1*DIGIT. A list ("5, 5") is refused, not merged.
    if not value.isdigit():
        raise RemoteProtocolError("invalid Content-Length %r" % value[:40])
    if len(value) > MAX_CONTENT_LENGTH_DIGITS:
        raise RemoteProtocolError("Content-Length too large", 413)
    return int(value)


def parse_chunk_size(line):
    """A chunk-size line without its CRLF (RFC 9112 7.1: chunk-size [ chunk-ext ]) -> size."""
    if 10 in line:  # RFC 9112 7.1: the line ends with CRLF, not with a bare LF
        raise RemoteProtocolError("bare CR or LF in chunk-size line")
    semicolon = line.find(b";")
    if semicolon < 0:
        digits = line
    else:
        # chunk-ext starts with BWS ";": whitespace may come before the first ";" only.
        digits = line[:semicolon].rstrip(b" \t")
        from ._rare import check_chunk_ext

        check_chunk_ext(line[semicolon:])
    if not digits or len(digits) > MAX_CHUNK_SIZE_DIGITS or not is_hex(digits):
        raise RemoteProtocolError("invalid chunk size %r" % line[:40])
    significant = digits.lstrip(b"0")
    if len(significant) > MAX_CHUNK_SIZE_SIGNIFICANT:
        raise RemoteProtocolError("chunk size too large")
    # bytes(): MicroPython's int() does not take a bytearray.
    return int(bytes(significant), 16) if significant else 0


def split_target(target):
    """Request-target -> (decoded path, raw query string).

    b"/a%20b?x=1" -> ("/a b", "x=1"). The query stays encoded: decode it with
    ``parse_query``, since a decoded ``&`` or ``=`` would change its meaning.
    """
    if type(target) is str:
        target = target.encode("utf-8")
    elif type(target) is not bytes:  # bytearray, memoryview
        target = bytes(target)
    if 37 not in target and 63 not in target and 35 not in target:
        return decode_utf8(target), ""  # no "%", "?" or "#": the usual short target
    hash_at = target.find(b"#")
    if hash_at >= 0:
        target = target[:hash_at]
    path, _question, query = target.partition(b"?")
    if 37 in path:  # "%": percent-decoding is a helper, loaded when first needed
        from ._helpers import percent_decode

        return percent_decode(path), decode_utf8(query)
    return decode_utf8(path), decode_utf8(query)
