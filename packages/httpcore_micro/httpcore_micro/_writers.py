"""Writers: turn the events we send into bytes.

``write_head`` renders a status line and header fields; body writers frame ``Data``
and ``EndOfMessage`` as Content-Length, chunked or close-delimited (RFC 9112 6, 7).
"""

from ._abnf import FIELD_CHARS
from ._compat import only_chars
from ._errors import LocalProtocolError
from ._headers import normalize_outgoing

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
