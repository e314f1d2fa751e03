"""Readers: turn buffered bytes into events.

Every reader's ``read(buf)`` has three outcomes (after h11): return an event, return
None ("need more data"), or raise RemoteProtocolError. ``eof()`` is called when the
peer closed and the buffer is empty: it returns the last event or raises.
"""

from ._abnf import DIGIT, FIELD_CHARS, HEXDIG, OWS, TCHAR, TCHAR_BYTES, VCHAR
from ._compat import only_chars
from ._errors import RemoteProtocolError
from ._events import ConnectionClosed, Data, EndOfMessage, Request
from ._headers import check_line_breaks, comma_tokens, parse_header_lines, parse_header_section

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
# Trailers must not redefine the framing or routing of the message (RFC 9110 6.5.1).
FORBIDDEN_TRAILERS = (b"content-length", b"transfer-encoding", b"host")


# Methods known to be tokens (RFC 9110 9.3, RFC 5789): no character check needed.
_COMMON_METHODS = frozenset(
    (b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"OPTIONS", b"TRACE", b"PATCH")
)
# The bytes a method (a token) can start with: anything else cannot be HTTP.
_TCHAR_INTS = set(TCHAR_BYTES)


class Limits:
    def __init__(self, max_header_bytes, max_headers, max_target, max_body):
        self.max_header_bytes = max_header_bytes
        self.max_headers = max_headers
        self.max_target = max_target
        self.max_body = max_body


def check_request_line_length(line, limits):
    """Raise when a (possibly partial) request line is too long to be valid.

    Only the first ``limit + 1`` bytes decide, so the answer is the same whether the
    line arrived whole or a byte at a time.
    """
    limit = limits.max_target + REQUEST_LINE_OVERHEAD
    if len(line) > limit:
        if b" " in line[: limit + 1]:
            raise RemoteProtocolError("request-target too long", 414)
        raise RemoteProtocolError("request line too long or not HTTP")


def parse_request_line(line, limits):
    """b"GET / HTTP/1.1" -> (method, target, version) (RFC 9112 3)."""
    if len(line) > limits.max_target + REQUEST_LINE_OVERHEAD:
        check_request_line_length(line, limits)
    try:
        method, target, version = line.split(b" ")
    except ValueError:  # not exactly two single spaces
        raise _bad_line(line, "malformed request line %r" % line[:80]) from None
    if version == b"HTTP/1.1":
        version = b"1.1"
    else:
        version = _parse_version(line, version)
    if method not in _COMMON_METHODS and (not method or not only_chars(method, TCHAR)):
        raise _bad_line(line, "invalid method %r" % method[:40])
    if not target or not only_chars(target, VCHAR):
        raise _bad_line(line, "invalid request-target")
    if len(target) > limits.max_target:
        raise RemoteProtocolError("request-target too long", 414)
    if method == b"CONNECT":
        # RFC 9110 9.3.6: CONNECT is for proxies; this is an origin server.
        raise RemoteProtocolError("CONNECT is not supported", 501)
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


def _tokens(value):
    if value is None:
        return ()
    if 44 in value:  # a comma (an int needle is the fast form of "in")
        return comma_tokens(value)
    return (value.lower(),)


# The fields that decide framing and connection handling, looked up all at once.
_DECIDING_FIELDS = (
    b"host", b"content-length", b"transfer-encoding", b"connection", b"expect", b"upgrade"
)


def analyse_request(headers, fields, version, limits):
    """Framing and connection facts of a request (RFC 9112 6, 9; RFC 9110 7.2, 7.8, 10.1.1).

    Returns (body reader, keep-alive, expects 100-continue, wants to upgrade).
    """
    if len(fields) != len(headers):
        fields = _merge_fields(headers)
    host, length, coding, connection, expect, upgrade = map(fields.get, _DECIDING_FIELDS)
    if host is None and version != b"1.0":
        raise RemoteProtocolError("missing Host header (RFC 9112 3.2)")
    if coding is None and length is None:
        body_reader = NO_BODY  # RFC 9112 6.3: no framing field, no body
    else:
        body_reader = _body_reader(length, coding, version, limits)
    if connection is None:
        tokens = ()
    elif 44 in connection:  # a comma: a list of options
        tokens = comma_tokens(connection)
    else:
        tokens = (connection.lower(),)
    if version == b"1.0":
        # RFC 9112 9.3: HTTP/1.0 persists only when asked to; no 1xx, no upgrade.
        return body_reader, b"keep-alive" in tokens and b"close" not in tokens, False, False
    if expect is None and upgrade is None:
        return body_reader, b"close" not in tokens, False, False
    expects_continue = expect is not None and b"100-continue" in _tokens(expect)
    wants_upgrade = upgrade is not None and b"upgrade" in tokens and bool(_tokens(upgrade))
    return body_reader, b"close" not in tokens, expects_continue, wants_upgrade


def _body_reader(length, coding, version, limits):
    if coding is None:
        return ContentLengthReader(parse_content_length(length, limits))
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
    return ChunkedReader(limits)


def parse_content_length(value, limits):
    # RFC 9110 8.6: 1*DIGIT. A list ("5, 5") is refused, not merged.
    if not value or not only_chars(value, DIGIT):
        raise RemoteProtocolError("invalid Content-Length %r" % value[:40])
    if len(value) > MAX_CONTENT_LENGTH_DIGITS:
        raise RemoteProtocolError("Content-Length too large", 413)
    length = int(value)
    if limits.max_body is not None and length > limits.max_body:
        raise RemoteProtocolError("body larger than %d bytes" % limits.max_body, 413)
    return length


class RequestReader:
    """Reads a request line and its header section (state IDLE)."""

    def __init__(self, limits):
        self.limits = limits
        self.info = None

    def read(self, buf):
        data = buf.data
        if buf.start == len(data):
            return None  # nothing buffered (a keep-alive connection between requests)
        end = data.find(b"\r\n\r\n", buf.block_search)  # (inlined find_block_end)
        if end < 0:
            end = buf.find_block_end()  # records where the search stopped
        if end < 0:
            self._check_incomplete(buf)
            return None
        head = buf.data[buf.start : end]
        if type(head) is not bytes:  # arrived in pieces (a bytearray)
            head = bytes(head)
        # One split for the request line and the header lines together.
        lines = head.split(b"\r\n")
        limits = self.limits
        request_line = lines[0]
        method, target, version = parse_request_line(request_line, limits)
        # The header section counted from after the request line to the blank line.
        if len(head) - len(request_line) + 2 > limits.max_header_bytes:
            raise RemoteProtocolError("header section too large", 431)
        # The request line is all field content now, so the whole head can be checked
        # for control characters at once.
        check_line_breaks(head, len(lines))
        del lines[0]
        headers, fields = parse_header_lines(lines, limits.max_headers)
        self.info = analyse_request(headers, fields, version, limits)
        buf.consume_to(end + 4)
        return Request(method, target, headers, version)

    def _check_incomplete(self, buf):
        """Refuse early what can never become a valid request (and bound the buffer)."""
        pending = len(buf)
        if not pending:
            return
        if buf.first_byte() not in _TCHAR_INTS:
            # Not a method: e.g. a TLS handshake sent to the plain-text port.
            raise RemoteProtocolError("invalid request line")
        if buf.has_bare_lf():
            # RFC 9112 2.2: we do not take a bare LF as a line end; say so now rather
            # than wait for a CRLF CRLF that may never come.
            raise RemoteProtocolError("bare CR or LF in request head")
        limits = self.limits
        line_end = buf.find_line_end()
        if line_end < 0:
            check_request_line_length(buf.pending(limits.max_target + 128), limits)
            return
        if not buf.line_checked:
            parse_request_line(bytes(buf.data[buf.start : line_end]), limits)
            buf.line_checked = True
        if len(buf.data) - line_end - 2 > limits.max_header_bytes:
            raise RemoteProtocolError("header section too large", 431)

    def eof(self):
        return ConnectionClosed()


class NoBodyReader:
    """A request without Content-Length or Transfer-Encoding has no body (RFC 9112 6.3)."""

    def read(self, buf):
        return EndOfMessage()

    def eof(self):
        return EndOfMessage()


NO_BODY = NoBodyReader()


class ContentLengthReader:
    def __init__(self, length):
        self.remaining = length

    def read(self, buf):
        if not self.remaining:
            return EndOfMessage()
        data = buf.take_at_most(self.remaining)
        if data is None:
            return None
        self.remaining -= len(data)
        return Data(data)

    def eof(self):
        raise RemoteProtocolError("peer closed before the end of the body")


class ChunkedReader:
    """RFC 9112 7.1: chunk-size [chunk-ext] CRLF chunk-data CRLF ... 0 CRLF trailers CRLF."""

    def __init__(self, limits):
        self.limits = limits
        self.in_chunk = 0
        self.need_crlf = False
        self.in_trailers = False
        self.total = 0

    def read(self, buf):
        """One Data event with every chunk byte already buffered (chunks that arrived
        together are delivered together: they are in memory anyway), or EndOfMessage."""
        if self.in_trailers:
            return self._read_trailers(buf)
        pieces = []
        append = pieces.append
        data = buf.data
        pos = buf.start
        size = len(data)
        as_bytes = type(data) is bytes
        max_body = self.limits.max_body
        in_chunk = self.in_chunk
        if self.need_crlf:
            pos = self._skip_crlf(data, pos, size)
            if pos < 0:
                return None
        while True:
            if in_chunk:
                end = pos + in_chunk
                if end + 2 > size:  # a part: take what there is, keep the count
                    end = end if end < size else size
                    if end > pos:
                        append(data[pos:end])
                    in_chunk -= end - pos
                    pos = end
                    if not in_chunk:  # data complete, its CRLF not (fully) here yet
                        self.need_crlf = True
                        self._skip_crlf(data, pos, size)  # refuses a wrong first byte now
                    break
                # The whole rest of the chunk and its CRLF are here: the usual case.
                if data[end] != 13 or data[end + 1] != 10:
                    raise RemoteProtocolError("chunk data not followed by CRLF")
                append(data[pos:end])
                pos = end + 2
            line_end = data.find(b"\r\n", pos)
            # A plain size line (no extension) in a bytes buffer: the usual case, read
            # here; anything else (incomplete, extensions, errors) by _read_size.
            if 0 < line_end - pos <= MAX_CHUNK_SIZE_SIGNIFICANT and as_bytes:
                line = data[pos:line_end]
                if only_chars(line, HEXDIG):
                    in_chunk = int(line, 16)
                    if max_body is not None:
                        self._counted(in_chunk)
                else:
                    in_chunk = self._read_size(buf, data, pos, size)  # or says what is wrong
            else:
                in_chunk = self._read_size(buf, data, pos, size)
                if in_chunk < 0:  # no complete size line yet
                    in_chunk = 0
                    break
                line_end = buf.line_end
            pos = line_end + 2
            if not in_chunk:
                self.in_trailers = True
                break
        self.in_chunk = in_chunk
        buf.skip_to(pos)
        if pieces:
            body = pieces[0] if len(pieces) == 1 else b"".join(pieces)
            return Data(body if type(body) is bytes else bytes(body))
        if self.in_trailers:
            return self._read_trailers(buf)
        return None

    def _skip_crlf(self, data, pos, size):
        """Position after the CRLF that ends chunk data, or -1 if it has not arrived."""
        if size - pos < 2:
            if size - pos == 1 and data[pos] != 13:
                raise RemoteProtocolError("chunk data not followed by CRLF")
            return -1
        if data[pos] != 13 or data[pos + 1] != 10:
            raise RemoteProtocolError("chunk data not followed by CRLF")
        self.need_crlf = False
        return pos + 2

    def _read_size(self, buf, data, pos, size):
        """The size from the chunk-size line at ``pos``, or -1 if it is not complete
        (its end is left in ``buf.line_end``)."""
        limit = self.limits.max_header_bytes
        search = buf.line_search  # where a failed search for this line stopped
        line_end = data.find(b"\r\n", pos if pos > search else search)
        if line_end < 0:
            if size - pos > limit:
                raise RemoteProtocolError("chunk header line too long")
            buf.line_search = size - 1
            return -1
        buf.line_end = line_end
        line = data[pos:line_end]
        if 0 < len(line) <= MAX_CHUNK_SIZE_SIGNIFICANT and only_chars(line, HEXDIG):
            chunk = int(line if type(line) is bytes else bytes(line), 16)  # a plain size
        elif line_end + 2 - pos > limit:
            raise RemoteProtocolError("chunk header line too long")
        else:
            chunk = self._chunk_size(line)
        return self._counted(chunk)

    def _counted(self, chunk):
        max_body = self.limits.max_body
        if max_body is not None:
            self.total += chunk
            if self.total > max_body:
                raise RemoteProtocolError("body larger than %d bytes" % max_body, 413)
        return chunk

    def _chunk_size(self, line):
        semicolon = line.find(b";")
        if semicolon >= 0:
            digits = line[:semicolon]
            # Extensions are skipped, but may not smuggle control characters.
            if not only_chars(line[semicolon:], FIELD_CHARS):
                raise RemoteProtocolError("control character in chunk extension")
        else:
            digits = line.rstrip(OWS)
        if not digits or len(digits) > MAX_CHUNK_SIZE_DIGITS or not only_chars(digits, HEXDIG):
            raise RemoteProtocolError("invalid chunk size %r" % line[:40])
        significant = digits.lstrip(b"0")
        if len(significant) > MAX_CHUNK_SIZE_SIGNIFICANT:
            raise RemoteProtocolError("chunk size too large")
        # bytes(): MicroPython's int() does not take a bytearray.
        return int(bytes(significant), 16) if significant else 0

    def _read_trailers(self, buf):
        data = buf.data
        start = buf.start
        if len(data) - start < 2:
            if len(data) - start == 1 and data[start] == 10:
                raise RemoteProtocolError("bare CR or LF in trailer section")
            return None
        if data[start] == 13 and data[start + 1] == 10:  # no trailer: the usual case
            buf.consume_to(start + 2)
            return EndOfMessage()
        end = buf.find_block_end()
        limits = self.limits
        if end < 0:
            if len(buf) > limits.max_header_bytes:
                raise RemoteProtocolError("trailer section too large", 431)
            if buf.has_bare_lf():
                raise RemoteProtocolError("bare CR or LF in trailer section")
            return None
        if end + 4 - buf.start > limits.max_header_bytes:
            raise RemoteProtocolError("trailer section too large", 431)
        trailers = parse_header_section(buf.take(end, 4), limits.max_headers)[0]
        for name, _value in trailers:
            if name in FORBIDDEN_TRAILERS:
                raise RemoteProtocolError("%s is not allowed in trailers" % name.decode())
        return EndOfMessage(trailers)

    def eof(self):
        raise RemoteProtocolError("peer closed before the end of the chunked body")


class NothingReader:
    """After the peer's last message (MUST_CLOSE / CLOSED): any byte is an error."""

    def read(self, buf):
        if len(buf):
            raise RemoteProtocolError("data received after the connection should close")
        return None

    def eof(self):
        return ConnectionClosed()


NOTHING = NothingReader()
