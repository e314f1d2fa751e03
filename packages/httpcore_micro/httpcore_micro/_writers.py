"""Writers: turn the events we send into bytes.

``write_head`` renders a status line and header fields; body writers frame ``Data``
and ``EndOfMessage`` as Content-Length, chunked or close-delimited (RFC 9112 6, 7).
"""

from ._abnf import FIELD_CHARS, TCHAR
from ._compat import IS_MICROPYTHON, count_outside, only_chars
from ._errors import LocalProtocolError
from ._headers import COMMON_NAMES, normalize_outgoing, to_bytes

# RFC 9110 15: reason phrases used when the caller gives none.
REASONS = {
    100: b"Continue", 101: b"Switching Protocols", 103: b"Early Hints",
    200: b"OK", 201: b"Created", 202: b"Accepted", 203: b"Non-Authoritative Information",
    204: b"No Content", 205: b"Reset Content", 206: b"Partial Content",
    300: b"Multiple Choices", 301: b"Moved Permanently", 302: b"Found",
    303: b"See Other", 304: b"Not Modified", 307: b"Temporary Redirect",
    308: b"Permanent Redirect",
    400: b"Bad Request", 401: b"Unauthorized", 403: b"Forbidden", 404: b"Not Found",
    405: b"Method Not Allowed", 406: b"Not Acceptable", 408: b"Request Timeout",
    409: b"Conflict", 410: b"Gone", 411: b"Length Required", 412: b"Precondition Failed",
    413: b"Content Too Large", 414: b"URI Too Long", 415: b"Unsupported Media Type",
    416: b"Range Not Satisfiable", 417: b"Expectation Failed", 421: b"Misdirected Request",
    422: b"Unprocessable Content", 426: b"Upgrade Required", 428: b"Precondition Required",
    429: b"Too Many Requests", 431: b"Request Header Fields Too Large",
    500: b"Internal Server Error", 501: b"Not Implemented", 502: b"Bad Gateway",
    503: b"Service Unavailable", 504: b"Gateway Timeout", 505: b"HTTP Version Not Supported",
}


def status_line(status_code, reason):
    if type(status_code) is not int:
        raise LocalProtocolError("status code must be an int, not %r" % (status_code,))
    if type(reason) is str:
        reason = reason.encode("utf-8")
    elif type(reason) is not bytes:
        raise LocalProtocolError("reason must be str or bytes")
    if not reason:
        reason = REASONS.get(status_code, b"")
    elif not only_chars(reason, FIELD_CHARS):
        raise LocalProtocolError("invalid character in reason phrase")
    # RFC 9110 6.2: we send our own highest version, 1.1, whatever the peer's.
    return b"HTTP/1.1 %d %s\r\n" % (status_code, reason)


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
_CONTENT_LENGTH = b"content-length"
_TRANSFER_ENCODING = b"transfer-encoding"
_CONNECTION = b"connection"
_FRAMING_FIELDS = (_CONTENT_LENGTH, _TRANSFER_ENCODING, _CONNECTION)


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
        if known is None:
            known = _header_line(pair, True)
        lines.append(known[0])
        field = known[1]
        if field is not None:  # a framing field, ``known[2]`` its checked value
            if field is _CONTENT_LENGTH:
                if length is not None:
                    raise LocalProtocolError("Content-Length given twice")
                length = known[2]
            elif field is _TRANSFER_ENCODING:
                if coding is not None:
                    raise LocalProtocolError("only one Transfer-Encoding: chunked is supported")
                coding = known[2]
            else:
                value = known[2]
                connection = value if connection is None else connection + b"," + value
    if length is not None and coding is not None:
        raise LocalProtocolError("both Content-Length and Transfer-Encoding given")
    return length, coding, connection


def _header_line(pair, cacheable):
    """Build and check one header line -> (line, framing field or None, its value)."""
    name, value = pair
    if type(name) is not bytes:
        name = name.encode() if type(name) is str else to_bytes(name)
    if type(value) is not bytes:
        value = value.encode() if type(value) is str else to_bytes(value)
    lower = name.lower()
    if lower not in COMMON_NAMES and (not name or not only_chars(name, TCHAR)):
        raise LocalProtocolError("invalid header name %r" % name[:40])
    line = name + b": " + value + b"\r\n"
    if count_outside(line, FIELD_CHARS) != 2:  # the final CRLF only
        raise LocalProtocolError("invalid character (CR, LF, NUL ...) in a header value")
    field = None
    if lower in _FRAMING_FIELDS:
        if lower == _CONTENT_LENGTH:
            field, value = _CONTENT_LENGTH, _content_length(value)
        elif lower == _TRANSFER_ENCODING:
            field, value = _TRANSFER_ENCODING, _transfer_coding(value)
        else:
            field = _CONNECTION
    known = (line, field, value)
    if cacheable:
        if len(_KNOWN_LINES) >= KNOWN_LINES_MAX:
            _KNOWN_LINES.clear()
        _KNOWN_LINES[pair if _cache_key is None else _cache_key(pair)] = known
    return known


def _content_length(value):
    value = value.strip()
    if not value.isdigit() or len(value) > 18:
        raise LocalProtocolError("invalid Content-Length %r" % value[:40])
    return int(value)


def _transfer_coding(value):
    if value.strip().lower() != b"chunked":
        raise LocalProtocolError("only one Transfer-Encoding: chunked is supported")
    return b"chunked"


def write_head(first_line, headers):
    """Status line + validated header pairs -> bytes (headers must be normalized)."""
    out = [first_line]
    for name, value in headers:
        out.append(name + b": " + value + b"\r\n")
    out.append(b"\r\n")
    return b"".join(out)


def write_trailers(trailers):
    if not trailers:
        return b"\r\n"
    pairs, _names = normalize_outgoing(trailers)
    return write_head(b"", pairs)


class ContentLengthWriter:
    def __init__(self, length):
        self.remaining = length

    def data(self, data):
        self.remaining -= len(data)
        if self.remaining < 0:
            raise LocalProtocolError("more data than the declared Content-Length")
        return data

    def end(self, trailers):
        if self.remaining:
            raise LocalProtocolError("less data than the declared Content-Length")
        if trailers:
            raise LocalProtocolError("trailers need a chunked body")
        return b""


class ChunkedWriter:
    def data(self, data):
        if not data:
            return b""  # an empty chunk would mean the end of the body
        return b"%x\r\n" % len(data) + data + b"\r\n"

    def end(self, trailers):
        return b"0\r\n" + write_trailers(trailers)


class CloseDelimitedWriter:
    """HTTP/1.0 peer and no length known: the body ends when we close (RFC 9112 6.3)."""

    def data(self, data):
        return data

    def end(self, trailers):
        if trailers:
            raise LocalProtocolError("trailers need a chunked body")
        return b""
