"""Writing side: status lines, response header lines (checked once per distinct pair),
trailer sections (RFC 9110 15, 5.5; RFC 9112 4, 7.1.2).
"""

from ._compat import IS_MICROPYTHON, is_field, is_token
from ._events import LocalProtocolError
from ._parse import comma_tokens

# RFC 9110 15: the reason phrases used when the caller gives none, as one text of
# "\n<code> <phrase>" lines. One constant instead of a dict of 50 bytes objects: a
# lookup is a search in C, and from ROMFS or frozen code the text stays in flash.
PHRASES = (
    b"\n100 Continue\n101 Switching Protocols\n103 Early Hints"
    b"\n200 OK\n201 Created\n202 Accepted\n203 Non-Authoritative Information"
    b"\n204 No Content\n205 Reset Content\n206 Partial Content"
    b"\n300 Multiple Choices\n301 Moved Permanently\n302 Found\n303 See Other"
    b"\n304 Not Modified\n307 Temporary Redirect\n308 Permanent Redirect"
    b"\n400 Bad Request\n401 Unauthorized\n403 Forbidden\n404 Not Found"
    b"\n405 Method Not Allowed\n406 Not Acceptable\n408 Request Timeout\n409 Conflict"
    b"\n410 Gone\n411 Length Required\n412 Precondition Failed\n413 Content Too Large"
    b"\n414 URI Too Long\n415 Unsupported Media Type\n416 Range Not Satisfiable"
    b"\n417 Expectation Failed\n421 Misdirected Request\n422 Unprocessable Content"
    b"\n426 Upgrade Required\n428 Precondition Required\n429 Too Many Requests"
    b"\n431 Request Header Fields Too Large"
    b"\n500 Internal Server Error\n501 Not Implemented\n502 Bad Gateway"
    b"\n503 Service Unavailable\n504 Gateway Timeout\n505 HTTP Version Not Supported"
    b"\n"
)


def reason_phrase(code):
    """The standard reason phrase of a 3-digit ``code``, or b"" if it has none."""
    at = PHRASES.find(b"\n%d " % code)
    if at < 0:
        return b""
    return PHRASES[at + 5 : PHRASES.find(b"\n", at + 5)]


# Status lines with the standard phrase, built on first use (at most one per code).
_STATUS_LINES = {}


def status_line(code, reason):
    """b"HTTP/1.1 200 OK\\r\\n" for an int ``code`` of 3 digits; an empty ``reason`` is
    replaced by the standard phrase."""
    line = _STATUS_LINES.get(code)
    if line is None:
        # RFC 9110 6.2: we send our own highest version, 1.1, whatever the peer's.
        line = _STATUS_LINES[code] = b"HTTP/1.1 %d %s\r\n" % (code, reason_phrase(code))
    # A str reason is never compared with bytes (MicroPython would warn).
    if not reason or (type(reason) is bytes and reason == line[13:-2]):
        return line
    if type(reason) is str:
        reason = reason.encode("utf-8")
    elif type(reason) is not bytes:
        raise LocalProtocolError("reason must be str or bytes")
    if not is_field(reason):
        raise LocalProtocolError("invalid character in reason phrase")
    return b"HTTP/1.1 %d %s\r\n" % (code, reason)


# Response header lines already built and checked, keyed by the (name, value) pair as
# the application gave it: handlers send the same few pairs on every response
# (content-type, server, cache-control ...), so each is encoded and checked once.
# Emptied when full, so varying values (dates, lengths) cannot make it grow.
_KNOWN_LINES = {}
KNOWN_LINES_MAX = 32

if IS_MICROPYTHON:
    # b"x" and "x" hash alike, and MicroPython warns each time a lookup compares them
    # ("Comparison between bytes and str"): there the key starts with the pair's types,
    # so keys of other types differ at the first item and go no further. (CPython
    # compares them silently: the pair itself is the key, at no cost.)

    def _cache_key(pair):
        return (type(pair[0]), type(pair[1]), pair)

    def _known_get(pair):
        return _KNOWN_LINES.get(_cache_key(pair))

else:
    _cache_key = None
    _known_get = _KNOWN_LINES.get

# The fields that decide a response's framing; the others are copied as they are.
CONTENT_LENGTH = b"content-length"
TRANSFER_ENCODING = b"transfer-encoding"
CONNECTION = b"connection"


def collect_headers(headers, lines):
    """Append the response's header lines to ``lines`` -> (length, coding, connection).

    Names must be tokens (RFC 9110 5.1) and values field content (5.5: a CR, LF or NUL
    would split the message). ``length`` is the Content-Length as an int, ``coding``
    b"chunked" or None, ``connection`` the Connection value(s) or None.
    """
    length = coding = connection = None
    known_get = _known_get
    for pair in headers:
        try:
            known = known_get(pair)
        except TypeError:  # an unhashable pair (a list, a bytearray value): not cached
            known = _header_line(pair, False)
        line, field, value = _header_line(pair, True) if known is None else known
        lines.append(line)
        if field is None:  # not a framing field
            continue
        if field is CONTENT_LENGTH:
            if length is not None:
                raise LocalProtocolError("Content-Length given twice")
            length = value
        elif field is TRANSFER_ENCODING:
            if coding is not None:
                raise LocalProtocolError("only one Transfer-Encoding: chunked is supported")
            coding = value
        else:
            connection = value if connection is None else connection + b"," + value
    if length is not None and coding is not None:
        raise LocalProtocolError("both Content-Length and Transfer-Encoding given")
    return length, coding, connection


def header_block(headers):
    """Header lines of a 1xx head or a trailer section, and the blank line after them."""
    lines = [_known_line(pair)[0] for pair in headers]
    lines.append(b"\r\n")
    return b"".join(lines)


def _known_line(pair):
    """(line, framing field or None, its checked value) for a (name, value) pair."""
    try:
        known = _known_get(pair)
    except TypeError:  # an unhashable pair (a list, a bytearray value): not cached
        return _header_line(pair, False)
    return _header_line(pair, True) if known is None else known


def _as_bytes(text):
    if type(text) is bytes:
        return text
    if type(text) is str:
        return text.encode("utf-8")
    if isinstance(text, (bytearray, memoryview)):
        return bytes(text)
    raise LocalProtocolError("header names and values must be str or bytes, not %r" % (text,))


def _header_line(pair, cacheable):
    """Build and check one header line -> (line, framing field or None, its value)."""
    name, value = pair
    name = _as_bytes(name)
    value = _as_bytes(value).strip(b" \t")
    if not name or not is_token(name):
        raise LocalProtocolError("invalid header name %r" % name[:40])
    if not is_field(value):
        raise LocalProtocolError("invalid character (CR, LF, NUL ...) in a header value")
    lower = name.lower()
    field = None
    parsed = value
    if lower == CONTENT_LENGTH:
        if not value.isdigit() or len(value) > 18:
            raise LocalProtocolError("invalid Content-Length %r" % value[:40])
        field, parsed = CONTENT_LENGTH, int(value)
    elif lower == TRANSFER_ENCODING:
        if value.lower() != b"chunked":
            raise LocalProtocolError("only one Transfer-Encoding: chunked is supported")
        field, parsed = TRANSFER_ENCODING, b"chunked"
    elif lower == CONNECTION:
        field = CONNECTION
    known = (name + b": " + value + b"\r\n", field, parsed)
    if cacheable:
        if len(_KNOWN_LINES) >= KNOWN_LINES_MAX:
            _KNOWN_LINES.clear()
        _KNOWN_LINES[pair if _cache_key is None else _cache_key(pair)] = known
    return known


def is_field_line(line, lower_name):
    return line.split(b":", 1)[0].lower() == lower_name


def with_connection_close(lines):
    """Make the Connection header say close (RFC 9112 9.6), keeping other options."""
    tokens = []
    out = []
    for line in lines:
        if is_field_line(line, CONNECTION):
            tokens.extend(comma_tokens(line.split(b":", 1)[1].strip()))
        else:
            out.append(line)
    tokens = [token for token in tokens if token not in (b"close", b"keep-alive")]
    tokens.append(b"close")
    out.append(b"connection: " + b", ".join(tokens) + b"\r\n")
    return out
