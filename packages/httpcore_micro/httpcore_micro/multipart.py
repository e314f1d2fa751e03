"""A sans-I/O incremental ``multipart/form-data`` parser (RFC 7578 on RFC 2046 5.1.1).

Optional: ``import httpcore_micro`` does not load this module. Bytes in, events out::

    parser = MultipartParser(boundary_from_content_type(content_type))
    parser.receive_data(chunk)      # b"" when the request body ended
    parser.next_event()             # Part | PartData | PART_END | BODY_END | NEED_DATA

For each part: one ``Part`` (its name, filename, content type and header fields), zero or
more ``PartData`` (never empty), then ``PART_END``; after the last part ``BODY_END``.
``NEED_DATA``: give the parser more bytes. Anything malformed raises ``MultipartError``
(``status_code`` 400), and raises it again on every later ``next_event()``.

Memory: a part's data is handed out as soon as it arrives, as ``memoryview`` slices of the
object given to ``receive_data`` (no copy). Only bytes that may begin a boundary
delimiter (``CRLF--boundary``, at most its length minus one) are held back, and a part's
header section is gathered up to ``max_part_header_bytes``; nothing grows with a part's
size. When ``next_event()`` returns ``NEED_DATA`` the parser holds no reference to the
caller's buffer, so a ``bytearray`` filled by ``readinto`` may be reused; a ``PartData``
is only valid until then: write it out, or copy it with ``bytes(event.data)``.

Where the RFCs leave a choice (package README, "multipart/form-data uploads"): a preamble
is skipped (within ``max_part_header_bytes``), the epilogue is ignored, transport padding
after a boundary is accepted (RFC 2046 5.1.1: receivers must handle it), header lines are
not folded, ``filename*`` is ignored (RFC 7578 4.2: senders must not use it), in a
quoted-string only ``\\"`` and ``\\\\`` are escapes (browsers send other backslashes
as they are), percent sequences are left as sent, a part's ``Content-Length`` and
``Content-Transfer-Encoding`` are not interpreted (RFC 7578 4.7, 4.8).
"""

try:
    from micropython import const
except ImportError:  # CPython

    def const(value):
        return value


# The package's public error, so that ``except RemoteProtocolError`` also catches ours.
from . import RemoteProtocolError

# Browsers send two header lines a part: Content-Disposition (a file name is at most
# 255 bytes on Linux, 255 UTF-16 units on Windows: up to 765 bytes of UTF-8) and
# Content-Type. 2 KiB is twice that and still what a board can hold at once.
DEFAULT_MAX_PART_HEADER_BYTES = const(2048)
# Parts cost the application (a file opened, a field kept), not this parser; a settings
# or upload form has a few. Servers cap them since CVE-2023-24998 (Tomcat: maxPartCount).
DEFAULT_MAX_PARTS = const(64)

_PREAMBLE = const(0)  # before the first delimiter
_DELIMITER_LINE = const(1)  # just after "CRLF--boundary": "--", or padding and CRLF
_HEADERS = const(2)  # at the CRLF ending a delimiter line
_DATA = const(3)  # in a part's data
_DONE = const(4)  # after the close delimiter

# RFC 9110 5.6.2 tchar, and RFC 2046 5.1.1 bchars.
_TCHARS = b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BCHARS = b"'()+_,-./:=? 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class MultipartError(RemoteProtocolError):
    """The body is not valid ``multipart/form-data`` or breaks a limit: answer 400."""

    def __init__(self, msg):
        super().__init__(msg, 400)


# Markers: compare with ``is``. Interned strings, so they cost no heap on a board.
NEED_DATA = "NEED_DATA"
PART_END = "PART_END"
BODY_END = "BODY_END"


class Part:
    """A part begins. ``name`` (str), ``filename`` (str, or None for a plain field),
    ``content_type`` (str: the media type, lower-case, without parameters; "text/plain"
    when the part has none, RFC 7578 4.4), ``headers`` (``(name, value)`` bytes pairs,
    names lower-case, as received)."""

    def __init__(self, name, filename, content_type, headers):
        self.name = name
        self.filename = filename
        self.content_type = content_type
        self.headers = headers

    def __repr__(self):
        return "Part(name=%r, filename=%r, content_type=%r)" % (
            self.name, self.filename, self.content_type)


class PartData:
    """A piece of the current part's data: ``data`` is a ``memoryview``, valid until the
    next ``NEED_DATA``."""

    def __init__(self, data):
        self.data = data


class MultipartParser:
    """Parses one ``multipart/form-data`` body delimited by ``boundary`` (str or bytes,
    as ``boundary_from_content_type`` returns it)."""

    def __init__(self, boundary, max_part_header_bytes=DEFAULT_MAX_PART_HEADER_BYTES,
                 max_parts=DEFAULT_MAX_PARTS):
        if isinstance(boundary, str):
            boundary = boundary.encode()
        self._delimiter = b"\r\n--" + _checked_boundary(boundary)
        self._max_head = max_part_header_bytes
        self._max_parts = max_parts
        self._parts = 0
        self._state = _PREAMBLE
        # The preamble is empty or ends with CRLF (RFC 2046 5.1.1): start as if a line had
        # just ended, so that a body beginning with "--boundary" holds a full delimiter.
        self._buf = b"\r\n"
        self._pos = 0
        self._preamble = -2  # bytes of preamble skipped (the 2 above are not the body's)
        self._more = None  # received bytes that follow _buf, from _more_at on
        self._more_at = 0
        self._split = 2  # _buf from _split on: a copy of _more's bytes before _more_at
        self._ended = False
        self._error = None

    def receive_data(self, data):
        """Give the parser the next bytes of the body (bytes or bytearray, not changed
        until ``next_event()`` returns ``NEED_DATA``); ``b""`` when the body ended."""
        if self._ended:
            raise ValueError("receive_data() after the end of the body")
        if not data:
            self._ended = True
        elif self._state != _DONE:  # after the close delimiter: the epilogue, ignored
            if isinstance(data, memoryview):  # memoryview has no find()
                data = bytes(data)
            if self._more is None:
                self._more, self._more_at, self._split = data, 0, len(self._buf)
            else:  # fed again before NEED_DATA: rare, so a copy is fine
                self._more = bytes(self._more[self._more_at:]) + bytes(data)
                self._more_at = 0

    def next_event(self):
        """The next event: ``Part``, ``PartData``, ``PART_END``, ``BODY_END`` or
        ``NEED_DATA``; raises ``MultipartError``."""
        if self._error is not None:
            raise self._error
        try:
            return self._next_event()
        except MultipartError as exc:
            self._error = exc
            self._buf = b""
            self._more = None
            raise

    def _next_event(self):
        while True:
            if self._more is not None and self._pos >= self._split:
                self._go_on_in_more()  # left the bytes joined from _more: go back to it
            state = self._state
            if state == _DATA:
                event = self._data()
            elif state == _HEADERS:
                event = self._headers()
            elif state == _DELIMITER_LINE:
                event = self._delimiter_line()
            elif state == _PREAMBLE:
                event = self._skip_preamble()
            else:
                return BODY_END
            if event is None:  # a new state: go on
                continue
            if event is not NEED_DATA:
                return event
            if not self._join_more():
                if self._ended:
                    raise MultipartError((
                        "the body ended before its first boundary line",
                        "the body ended inside a boundary line",
                        "the body ended inside a part's header section",
                        "the body ended inside a part, before the closing boundary line",
                    )[self._state])
                return NEED_DATA

    def _go_on_in_more(self):
        """What is left of _buf is also in _more: continue there, without a copy."""
        self._pos += self._more_at - len(self._buf)
        self._buf = self._more
        self._more = None

    def _join_more(self):
        """The current state needs more than _buf[_pos:] (which is small: each state
        bounds it). Join it with the next received bytes, only as many as the state
        needs to decide, so that part data stays in the caller's buffer. False: none."""
        more = self._more
        rest = bytes(self._buf[self._pos:])
        self._pos = 0
        if more is None:  # keep our own copy: the caller may reuse its buffer
            self._buf = rest
            return False
        if self._state == _DATA or self._state == _PREAMBLE:
            take = len(self._delimiter)  # completes a delimiter begun in rest
        else:
            # Completes or overflows a header section (rest is at most the limit + 2;
            # at least a few bytes all the same, so that parsing always goes on).
            take = max(self._max_head + 8 - len(rest), 8)
        take += self._more_at
        self._buf = rest + bytes(more[self._more_at:take])
        self._split = len(rest)
        if take >= len(more):
            self._more = None
        else:
            self._more_at = take
        return True

    def _kept_from(self, pos):
        """Where the bytes that may begin a delimiter start at the end of _buf: the
        delimiter holds only one CR (bchars have none), so only the last CR can."""
        buf = self._buf
        size = len(buf)
        cr = buf.rfind(b"\r", max(pos, size - len(self._delimiter) + 1))
        if cr >= 0 and buf[cr:] == self._delimiter[: size - cr]:
            return cr
        return size

    def _skip_preamble(self):
        buf, pos = self._buf, self._pos
        found = buf.find(self._delimiter, pos)
        end = self._kept_from(pos) if found < 0 else found
        self._preamble += end - pos
        if self._preamble > self._max_head:
            raise MultipartError(
                "no boundary line in the first %d bytes of the body" % self._max_head)
        self._pos = end
        if found < 0:
            return NEED_DATA
        self._pos = found + len(self._delimiter)
        self._state = _DELIMITER_LINE
        return None

    def _delimiter_line(self):
        """After "--boundary": "--" closes the body; else transport padding (spaces and
        tabs) then CRLF opens a part (RFC 2046 5.1.1)."""
        buf, pos = self._buf, self._pos
        if buf[pos : pos + 2] == b"--":
            self._state = _DONE
            self._buf = b""  # the epilogue is ignored
            self._more = None
            return BODY_END
        eol = buf.find(b"\r\n", pos)
        end = len(buf) if eol < 0 else eol
        padding = bytes(buf[pos : min(end, pos + self._max_head + 1)])
        if eol < 0 and end - pos <= self._max_head + 1:  # the line may go on
            if padding == b"-":
                return NEED_DATA
            if padding[-1:] == b"\r":
                padding = padding[:-1]
        if padding.strip(b" \t"):
            raise MultipartError(
                "unexpected bytes after a boundary (its line must end with CRLF or '--')")
        if len(padding) > self._max_head:
            raise MultipartError("transport padding longer than %d bytes" % self._max_head)
        if eol < 0:
            return NEED_DATA
        self._parts += 1
        if self._parts > self._max_parts:
            raise MultipartError("more than %d parts" % self._max_parts)
        self._pos = eol
        self._state = _HEADERS
        return None

    def _headers(self):
        """The header section runs from after the delimiter line's CRLF through the
        empty line: found as CRLF CRLF from that CRLF on (also when it is empty)."""
        buf, pos = self._buf, self._pos
        end = buf.find(b"\r\n\r\n", pos)
        limit = pos + 2 + self._max_head
        if (len(buf) if end < 0 else end + 4) > limit:
            raise MultipartError(
                "a part's header section is longer than %d bytes" % self._max_head)
        if end < 0:
            return NEED_DATA
        section = bytes(buf[pos + 2 : end + 2])
        self._pos = end + 4
        self._state = _DATA
        return _parse_part(section)

    def _data(self):
        buf, pos = self._buf, self._pos
        if pos == len(buf):  # the usual end of a chunk: nothing to look at
            return NEED_DATA
        end = buf.find(self._delimiter, pos)
        if end == pos:
            self._pos = pos + len(self._delimiter)
            self._state = _DELIMITER_LINE
            return PART_END
        if end < 0:
            end = self._kept_from(pos)
            if end == pos:
                return NEED_DATA
        self._pos = end
        return PartData(memoryview(buf)[pos:end])


def boundary_from_content_type(value):
    """The boundary (bytes) of a ``multipart/form-data; boundary=...`` header value (str
    or bytes); None if the media type is another; MultipartError if the boundary is
    missing or not 1 to 70 bchars (RFC 2046 5.1.1)."""
    if isinstance(value, str):
        value = value.encode()
    semicolon = value.find(b";")
    media_type = value if semicolon < 0 else value[:semicolon]
    if media_type.strip(b" \t").lower() != b"multipart/form-data":
        return None
    params = _parameters(value, semicolon) if semicolon >= 0 else []
    boundary = _single(params, b"boundary")
    if boundary is None:
        raise MultipartError("multipart/form-data without a boundary parameter")
    return _checked_boundary(boundary)


def _checked_boundary(boundary):
    # RFC 2046 5.1.1: boundary := 0*69<bchars> bcharsnospace
    if not 1 <= len(boundary) <= 70 or not _only(boundary, _BCHARS) or boundary[-1] == 32:
        raise MultipartError("invalid multipart boundary %r" % boundary)
    return boundary


def _only(data, allowed):
    for byte in data:
        if byte not in allowed:
            return False
    return len(data) > 0


def _parse_part(section):
    """A ``Part`` from a header section (lines each ending with CRLF), or raise."""
    for byte in section:  # control characters but HTAB, and CR, LF checked per line below
        if byte < 32 and byte != 9 and byte != 13 and byte != 10 or byte == 127:
            raise MultipartError("control character in a part's header section")
    headers = []
    disposition = content_type = None
    for line in section.split(b"\r\n")[:-1]:
        if 13 in line or 10 in line:
            raise MultipartError("bare CR or LF in a part's header section")
        if line[0] == 32 or line[0] == 9:
            raise MultipartError("folded part header line: %r" % line[:40])
        colon = line.find(b":")
        name = line[:colon].lower()
        if colon < 0 or not _only(name, _TCHARS):
            raise MultipartError("part header line is not 'name: value': %r" % line[:40])
        value = line[colon + 1 :].strip(b" \t")
        headers.append((name, value))
        if name == b"content-disposition":
            if disposition is not None:
                raise MultipartError("repeated Content-Disposition in a part")
            disposition = value
        elif name == b"content-type":
            if content_type is not None:
                raise MultipartError("repeated Content-Type in a part")
            content_type = value
    if disposition is None:
        raise MultipartError("part without Content-Disposition")
    name, filename = _form_data_names(disposition)
    return Part(name, filename, _media_type(content_type), headers)


def _form_data_names(disposition):
    """RFC 7578 4.2: ``form-data; name="x"`` with an optional ``filename="y"``; other
    parameters (``filename*`` among them) are ignored."""
    semicolon = disposition.find(b";")
    kind = disposition if semicolon < 0 else disposition[:semicolon]
    if kind.rstrip(b" \t").lower() != b"form-data":
        raise MultipartError("part Content-Disposition is not form-data: %r" % disposition[:40])
    params = _parameters(disposition, semicolon) if semicolon >= 0 else []
    name = _single(params, b"name")
    if name is None:
        raise MultipartError("part Content-Disposition without a name")
    filename = _single(params, b"filename")
    return _utf8(name), None if filename is None else _utf8(filename)


def _media_type(value):
    if value is None:
        return "text/plain"
    media_type = value.split(b";", 1)[0].rstrip(b" \t").lower()
    slash = media_type.find(b"/")
    if slash < 0 or not (_only(media_type[:slash], _TCHARS)
                         and _only(media_type[slash + 1 :], _TCHARS)):
        raise MultipartError("invalid part Content-Type: %r" % value[:40])
    return media_type.decode()


def _utf8(data):
    try:
        return data.decode()
    except UnicodeError:
        raise MultipartError("part name or filename is not UTF-8: %r" % data[:40]) from None


def _single(params, key):
    """The value of parameter ``key``, None if absent; a repeated one is ambiguous."""
    found = None
    for name, value in params:
        if name == key:
            if found is not None:
                raise MultipartError("repeated parameter %r" % key)
            found = value
    return found


def _skip_ows(data, pos):
    while pos < len(data) and (data[pos] == 32 or data[pos] == 9):
        pos += 1
    return pos


def _parameters(value, pos):
    """``*( OWS ";" OWS name OWS "=" OWS ( token / quoted-string ) ) OWS`` from ``pos``
    (RFC 2045 5.1, RFC 9110 5.6.6) as ``[(lower-case name, value)]``; raises if malformed."""
    params = []
    size = len(value)
    while True:
        pos = _skip_ows(value, pos)
        if pos == size:
            return params
        equals = value.find(b"=", pos + 1)
        name = value[pos + 1 : equals].strip(b" \t").lower()
        if value[pos] != 59 or equals < 0 or not _only(name, _TCHARS):  # 59: ";"
            raise MultipartError("malformed parameters: %r" % value[:60])
        pos = _skip_ows(value, equals + 1)
        if pos < size and value[pos] == 34:  # '"'
            text, pos = _quoted_string(value, pos + 1)
        else:
            start = pos
            while pos < size and value[pos] in _TCHARS:
                pos += 1
            text = value[start:pos]
            if not text:
                raise MultipartError("malformed parameters: %r" % value[:60])
        params.append((name, text))


def _quoted_string(value, pos):
    """The content of the quoted-string whose opening quote is before ``pos``, and the
    position after its closing quote. ``\\"`` and ``\\\\`` are quoted-pairs (RFC 9110
    5.6.4); another backslash is kept as it is, as browsers send file names unescaped
    (WHATWG HTML: only CR, LF and '"' are escaped, as %0D %0A %22, left as sent here)."""
    out = b""
    while True:
        quote = value.find(b'"', pos)
        if quote < 0:
            raise MultipartError("unterminated quoted-string: %r" % value[:60])
        backslash = value.find(b"\\", pos, quote)
        if backslash < 0:
            return out + value[pos:quote], quote + 1
        escaped = value[backslash + 1 : backslash + 2]
        if escaped == b'"' or escaped == b"\\":
            out += value[pos:backslash] + escaped
            pos = backslash + 2
        else:
            out += value[pos : backslash + 1]
            pos = backslash + 1
