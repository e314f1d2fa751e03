"""wsframe: sans-I/O WebSocket (RFC 6455) for CPython and MicroPython.

Bytes in, events out; events in, bytes out. No sockets, no HTTP: the server hands over
the bytes that followed the upgrade request as ``trailing_data``.

Everything a server needs is in this one module, because every module, class, function
and name a board imports costs heap (measured: ``bench/heap.py``). Its sections, in
order: runtime differences, errors, events, the server's opening handshake (RFC 6455
section 4.2), frames (5.2-5.5), and the connection, whose layers follow wsproto's:
frame decoder (``Connection._frame``: headers, lengths, masking, limits) -> message
assembly (``Connection._piece``: fragmentation, incremental UTF-8, one bounded store per
message) -> control frames, close rules, state, sending. What only clients, text that is
not ASCII and rare callers need (``_extras.py``, ``_utf8.py``) loads on first use,
through ``__getattr__`` at the end of this file.
"""

import binascii
import hashlib
import sys

try:
    from micropython import const
except ImportError:  # CPython: int(x) is x, and no function to load on a board
    const = int


__version__ = "0.1.0"

SERVER = "SERVER"
CLIENT = "CLIENT"

OPEN = "OPEN"
LOCAL_CLOSING = "LOCAL_CLOSING"  # we sent a close frame, the peer has not answered yet
REMOTE_CLOSING = "REMOTE_CLOSING"  # the peer sent a close frame, we have not answered yet
CLOSED = "CLOSED"

_DEFAULT_MAX_MESSAGE = const(1048576)
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # 1.3
_VERSION = b"13"

# Opcodes and header bits (RFC 6455 section 5.2).
_OP_CONTINUATION = const(0x0)
_OP_TEXT = const(0x1)
_OP_BINARY = const(0x2)
_OP_CLOSE = const(0x8)
_OP_PING = const(0x9)
_OP_PONG = const(0xA)
_FIN = const(0x80)
_RESERVED_BITS = const(0x70)  # RSV1-3: no extension is negotiated, so they must be 0
_MASK_BIT = const(0x80)
_MAX_CONTROL_PAYLOAD = const(125)  # section 5.5
_MAX_CLOSE_REASON = const(123)  # 125 minus the 2-byte code

# Close codes used here (section 7.4.1).
_NORMAL_CLOSURE = const(1000)
_PROTOCOL_ERROR = const(1002)
_NO_STATUS_RCVD = const(1005)
_ABNORMAL_CLOSURE = const(1006)
_INVALID_DATA = const(1007)
_POLICY_VIOLATION = const(1008)
_MESSAGE_TOO_BIG = const(1009)

# A message that makes no progress: data frames without payload and without FIN. A
# few are legitimate (Autobahn 6.1.2 sends two in a row); a peer that keeps sending
# them keeps a message "in progress" forever at no cost to itself, so after this many
# in a row the message fails with 1008 (policy violation, section 7.4.1).
_MAX_EMPTY_FRAGMENTS = const(16)
# Fragments that carry almost nothing: after this many frames, a message whose fragments
# average fewer than _MIN_FRAGMENT_AVERAGE payload bytes fails with 1008 too. Each frame
# costs the receiver a header to parse for one byte of progress (1-byte fragments of a
# large message keep a server busy long after the peer has gone); senders that
# fragment use pieces of hundreds of bytes or more (Autobahn's smallest: 64).
_MANY_FRAGMENTS = const(64)
_MIN_FRAGMENT_AVERAGE = const(16)


# ---- runtime differences -------------------------------------------------------------

# _STEP: masking XORs the payload as one big integer against the repeated key, in steps
# of _STEP bytes (a multiple of 4, so every step starts at the same key phase): 64 KiB on
# CPython (in the CPU cache), 1 KiB on MicroPython (small copies on a board's heap); a
# port built without arbitrary-precision ints gets 4-byte steps, slow but correct.
#
# _PIECE: the most payload taken at once, so no copy is ever larger (4 steps on
# MicroPython, so Python's cost per piece stays small beside the copying).
#
# _CHUNK: a message in assembly is kept as a list of pieces, a piece of _CHUNK bytes or
# more as it came, smaller ones copied into a bytearray of up to _CHUNK bytes: 1-byte
# fragments cost their bytes, not an object each. The bookkeeping is one object per
# _CHUNK bytes at most: 4 KiB on CPython (1%); 512 bytes on MicroPython (about 6% on a
# 32-bit board), where copying the 1 KiB reads of a board's buffer slots into bigger
# chunks fragments the heap more than it saves (measured: the smallest heap at which
# mws2 echoes a 70,000-byte message, one frame or 1 KiB fragments).
#
# _ONE_BLOCK (MicroPython): a message in one frame, under a max_message, is written into
# one bytearray of its size, allocated when its header is in. MicroPython's collector
# runs when the heap is full and never moves a block, so pieces kept one by one end up
# spread over the whole heap, between the reads and copies freed around them, and the
# final copy finds no hole of its size: a 64 KiB text message in one 70,000-byte read
# needed 268 KiB that way (196 when a piece was one read), 134 KiB with one block.
# CPython keeps pieces: no fragmentation there, and a header never costs the size it
# announces.
_STEP = _PIECE = 65536
_CHUNK = 4096
_ONE_BLOCK = False
if sys.implementation.name == "micropython":
    _STEP = 1024
    _PIECE = 4096
    _CHUNK = 512
    _ONE_BLOCK = True
    try:
        (1 << 64).to_bytes(9, "little")
    except OverflowError:
        _STEP = 4

# MicroPython's str() accepts encoded surrogates and more that RFC 3629 forbids;
# CPython's is strict, so there a decode is the whole check.
try:
    str(b"\xed\xa0\x80", "utf-8")
    _LAX_UTF8 = True
except UnicodeError:
    _LAX_UTF8 = False


def _submodule(name):
    """A submodule loaded on first use (``from . import`` would consult ``__getattr__``
    first on MicroPython; this form works on both runtimes)."""
    return __import__(name, globals(), None, ("*",), 1)


def _decode(data):
    """Complete UTF-8 ``data`` as ``str``; ``ProtocolError(1007)`` if invalid (8.1)."""
    # The error is raised outside the except clause: MicroPython warns about chaining.
    try:
        text = str(data, "utf-8")
        if _LAX_UTF8 and len(text) != len(data) and not _submodule("_utf8").is_valid_utf8(data):
            raise ValueError("surrogate or overlong form")
        return text
    except ValueError as exc:
        error = ProtocolError("invalid UTF-8: %s" % exc, _INVALID_DATA)
    raise error


# ---- errors ----------------------------------------------------------------------------


class ProtocolError(Exception):
    """The peer broke RFC 6455; ``code`` is the close code to answer with.

    1002 (protocol error), 1007 (invalid payload data, e.g. bad UTF-8), 1008 (policy
    violation: a message that makes no progress) or 1009 (above a configured limit).
    """

    def __init__(self, msg, code=_PROTOCOL_ERROR):
        super().__init__("%s (close code %d)" % (msg, code))
        self.msg = msg
        self.code = code


class LocalProtocolError(Exception):
    """Our own side misused the connection, e.g. sent a message after its close frame."""


class HandshakeError(Exception):
    """The upgrade request (or, for a client, the answer) cannot be accepted.

    ``status_code`` is the HTTP status to answer with (400, or 426 for an unsupported
    ``Sec-WebSocket-Version``), ``message`` says why, ``headers`` are the headers to add
    to that answer.
    """

    def __init__(self, status_code, message, headers=()):
        super().__init__("%d: %s" % (status_code, message))
        self.status_code = status_code
        self.message = message
        self.headers = list(headers)


# ---- events (plain classes: MicroPython has no dataclasses) ----------------------------


class Event:
    """Base of every event; compares by type and fields (``!=`` follows ``==``)."""

    def __eq__(self, other):
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __repr__(self):
        # Sorted, the field names come in the order of each event's arguments.
        fields = []
        for name in sorted(self.__dict__):
            fields.append("%s=%r" % (name, self.__dict__[name]))
        return "%s(%s)" % (type(self).__name__, ", ".join(fields))


class TextMessage(Event):
    """A text message (``data`` is ``str``), or a piece of one when fragments are on."""

    def __init__(self, data="", message_finished=True):
        self.data = data
        self.message_finished = message_finished


class BytesMessage(Event):
    """A binary message (``data`` is ``bytes``), or a piece of one when fragments are on."""

    def __init__(self, data=b"", message_finished=True):
        self.data = data
        self.message_finished = message_finished


class Ping(Event):
    """The peer pinged; send ``response()`` to answer (RFC 6455 section 5.5.2)."""

    def __init__(self, payload=b""):
        self.payload = payload

    def response(self):
        """The Pong that answers this Ping (same application data, section 5.5.3)."""
        return Pong(self.payload)


class Pong(Event):
    """A Pong arrived (an answer or an unsolicited heartbeat)."""

    __init__ = Ping.__init__


class CloseConnection(Event):
    """A close frame arrived (or, with code 1006, the transport closed without one).

    ``response()`` is the close frame to send back (section 5.5.1: echo the code).
    """

    def __init__(self, code=_NORMAL_CLOSURE, reason=""):
        self.code = code
        self.reason = reason

    def response(self):
        """The close that answers this one: same code (1005: a close with no code)."""
        return CloseConnection(self.code, self.reason)


# ---- the server's opening handshake (RFC 6455 section 4.2), without HTTP I/O ---------
#
# Headers are lists of ``(name, value)`` pairs, names lower-case, as httpcore_micro
# delivers them; ``str`` pairs are accepted too. Every value that matters here is an
# ASCII token (section 4.1, 11.3), so nothing is decoded with any codec but UTF-8 (which
# MicroPython's development branch keeps as its only one): a value that is not ASCII
# simply never matches, and a subprotocol offer that is not ASCII is refused with 400.
# The client's side is in ``_extras.py``.


def _as_bytes(value):
    """A header name or value as bytes (``str`` is encoded as UTF-8, never Latin-1)."""
    return value.encode() if isinstance(value, str) else bytes(value)


def _ascii_text(data):
    """``data`` (ASCII bytes) as ``str``; ``None`` if a byte is not ASCII."""
    try:
        text = str(data, "utf-8")
    except UnicodeError:
        return None
    # Decoding keeps the length exactly when every byte is below 0x80.
    return text if len(text) == len(data) else None


def _values(headers, name):
    """Every value of header ``name`` (bytes, stripped), in order."""
    found = []
    for key, value in headers:
        if _as_bytes(key).lower() == name:
            found.append(_as_bytes(value).strip())
    return found


def _tokens(headers, name):
    """The comma-separated items of every ``name`` header, stripped, empty ones dropped."""
    found = []
    for value in _values(headers, name):
        for item in value.split(b","):
            item = item.strip()
            if item:
                found.append(item)
    return found


def _has_token(headers, name, token):
    """True if a ``name`` header lists ``token`` (case-insensitive, RFC 7230 3.2.6)."""
    for item in _tokens(headers, name):
        if item.lower() == token:
            return True
    return False


def accept_key(key):
    """``Sec-WebSocket-Accept`` for a ``Sec-WebSocket-Key`` (4.2.2 step 5.4); bytes."""
    digest = hashlib.sha1(_as_bytes(key).strip() + _GUID).digest()
    return binascii.b2a_base64(digest).strip()


def requested_subprotocols(headers):
    """The subprotocols a request offers, as ``str``, in the client's order.

    Raises ``HandshakeError(400)`` for an offer that is not ASCII: subprotocol names are
    tokens (4.1, RFC 7230 3.2.6).
    """
    names = []
    for item in _tokens(headers, b"sec-websocket-protocol"):
        name = _ascii_text(item)
        if name is None:
            raise HandshakeError(400, "non-ASCII Sec-WebSocket-Protocol")
        names.append(name)
    return names


def server_handshake(headers, subprotocols=None, method=None, http_version=None):
    """Check an upgrade request (4.2.1); return the headers of the ``101`` answer.

    ``subprotocols``: ``None``, the names we speak (the client's first match wins),
    or a callable given the offered names that returns one of them or ``None``.
    Raises ``HandshakeError`` (400, or 426 with ``Sec-WebSocket-Version: 13``).
    """
    if method is not None and _as_bytes(method) != b"GET":
        raise HandshakeError(400, "method must be GET")
    if http_version is not None and _as_bytes(http_version) != b"1.1":
        raise HandshakeError(400, "HTTP/1.1 required")
    if not _has_token(headers, b"upgrade", b"websocket"):
        raise HandshakeError(400, "no 'Upgrade: websocket'")
    if not _has_token(headers, b"connection", b"upgrade"):
        raise HandshakeError(400, "no 'Connection: upgrade'")
    versions = _values(headers, b"sec-websocket-version")
    if versions != [_VERSION]:
        if not versions:
            raise HandshakeError(400, "no Sec-WebSocket-Version")
        # 4.4: answer 426 and name the versions we speak.
        raise HandshakeError(426, "unsupported Sec-WebSocket-Version",
                             [(b"sec-websocket-version", _VERSION)])
    # 4.1 step 7: exactly one key, base64 of 16 bytes. Only the canonical form
    # re-encodes to itself (22 characters, "==", the last one's 4 unused bits zero), so
    # a round trip rejects stray characters, bad padding and non-zero pad bits at once.
    keys = _values(headers, b"sec-websocket-key")
    raw = b""
    if len(keys) == 1 and len(keys[0]) == 24:
        try:
            raw = binascii.a2b_base64(keys[0])
        except ValueError:  # binascii.Error: a character that is not base64
            pass
    if len(raw) != 16 or binascii.b2a_base64(raw).strip() != keys[0]:
        raise HandshakeError(400, "invalid Sec-WebSocket-Key")
    response = [
        (b"upgrade", b"websocket"),
        (b"connection", b"Upgrade"),
        (b"sec-websocket-accept", accept_key(keys[0])),
    ]
    if subprotocols is None:
        return response
    requested = requested_subprotocols(headers)
    chosen = None
    if callable(subprotocols):
        chosen = subprotocols(requested) if requested else None
        if chosen is not None and chosen not in requested:
            raise ValueError("subprotocol %r was not offered" % (chosen,))
    else:
        for name in requested:  # the client lists its preference first (4.1)
            if name in subprotocols:
                chosen = name
                break
    if chosen is not None:
        response.append((b"sec-websocket-protocol", chosen.encode()))
    return response


# ---- frames ----------------------------------------------------------------------------

# (key, size, key repeated to size as an integer): a streamed frame's pieces share their
# key and, mostly, their size. Replaced whole, so threads sharing it read one entry.
_last_pad = (None, 0, 0)


def _xor(data, key):
    """``data`` (bytes or memoryview) XORed with the 4-byte ``key`` (5.3), as bytes."""
    global _last_pad
    size = len(data)
    if size > _STEP:
        steps = []
        for start in range(0, size, _STEP):
            steps.append(_xor(data[start : start + _STEP], key))
        return b"".join(steps)
    entry = _last_pad
    if size > 256 and entry[1] == size and entry[0] == key:
        pad = entry[2]
    else:
        pad = int.from_bytes((key * ((size >> 2) + 1))[:size], "little")
        if size > 256:
            _last_pad = (key, size, pad)
    return (int.from_bytes(data, "little") ^ pad).to_bytes(size, "little")


def _is_wire_code(code):
    """True if ``code`` may be in a close frame (7.4.1-7.4.2, IANA's 1012-1014)."""
    return 1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999


def _parse_close(payload):
    """The CloseConnection a close frame's payload stands for (section 5.5.1, 7.4)."""
    if not payload:
        return CloseConnection(_NO_STATUS_RCVD, "")  # 7.1.5
    if len(payload) == 1:
        raise ProtocolError("1-byte close payload")
    code = (payload[0] << 8) | payload[1]
    if not _is_wire_code(code):
        raise ProtocolError("invalid close code %d" % code)
    return CloseConnection(code, _decode(payload[2:]))


def _close_payload(code, reason):
    """A close frame's payload; 1005 or None means "no code" (an empty payload)."""
    if code is None or code == _NO_STATUS_RCVD:
        if reason:
            raise ValueError("a close reason needs a close code")
        return b""
    if not _is_wire_code(code):
        raise ValueError("close code %r cannot be sent" % (code,))
    data = reason.encode()
    size = len(data)
    if size > _MAX_CLOSE_REASON:
        size = _MAX_CLOSE_REASON
        while size and data[size] & 0xC0 == 0x80:  # never cut a character in two
            size -= 1
        data = data[:size]
    return bytes((code >> 8, code & 0xFF)) + data


# ---- the connection --------------------------------------------------------------------


class Connection:
    """One WebSocket connection after the handshake, for either role.

    ``max_message``/``max_frame``: limits in bytes (``None``: none); above them the
    peer's data fails with 1009. ``max_message`` is also an attribute: a new value
    applies from the next message on. ``fragments``: yield data as it arrives instead
    of whole messages. ``mask_source``: callable returning the 4-byte masking keys of a
    client (default: ``os.urandom``).
    """

    # Per-connection state starts from these class-level values: an instance holds only
    # what has changed (a board keeps a few hundred bytes less per open connection).
    # 5.1: a server receives masked frames only and sends unmasked ones; a client the
    # reverse, with a fresh key per frame.
    _expect_mask = _MASK_BIT
    _mask_source = None
    # Received bytes: fed chunks wait in _incoming (a list once one waits) until
    # events() merges them.
    _buf = b""
    _pos = 0
    _incoming = ()
    # The data frame whose payload is arriving: _remaining bytes of it; _fin, _key and
    # _phase (its payload taken so far) are set with it, by _frame.
    _remaining = 0
    # The data message in progress (opcode 0: none); its _parts are set with it.
    _opcode = 0
    _size = 0  # its payload so far, for max_message
    _empty = 0  # empty fragments in a row
    _frames = 0  # frames of the message in progress
    _utf8 = None  # its UTF-8 validator, once a text piece was not ASCII
    # "OPEN", "LOCAL_CLOSING", "REMOTE_CLOSING" or "CLOSED" (read it, never set it).
    state = OPEN
    _error = None
    _close_received = False
    _eof = 0  # 1: the transport closed; 2: and CloseConnection(1006) was yielded
    _outbound_opcode = 0  # the data message we are sending in pieces

    def __init__(self, role, max_message=_DEFAULT_MAX_MESSAGE, max_frame=None,
                 trailing_data=b"", fragments=False, mask_source=None,
                 min_fragment_average=_MIN_FRAGMENT_AVERAGE):
        if role != SERVER and role != CLIENT:
            raise ValueError("role must be SERVER or CLIENT, not %r" % (role,))
        self.role = role
        self.max_message = max_message
        self._limit = max_message  # max_message as it was when the message began
        # Past _MANY_FRAGMENTS frames, a message's fragments must average this many
        # payload bytes, else 1008 (None: no such rule).
        self.min_fragment_average = min_fragment_average
        self._max_frame = max_frame
        self._fragments = fragments
        if role == CLIENT:
            self._expect_mask = 0
            if mask_source is None:
                mask_source = _submodule("_extras").random_mask
            self._mask_source = mask_source
        if trailing_data:
            self.receive_data(trailing_data)

    # -- receiving ----------------------------------------------------------------

    def receive_data(self, data):
        """Hand over received bytes; ``None`` or ``b""``: the transport closed."""
        if self._eof:
            raise LocalProtocolError("receive_data after the transport closed")
        if not data:
            self._eof = 1
            self.state = CLOSED
            return
        if self._close_received or self._error is not None:
            return  # nothing follows a close frame (5.5.1); after an error we are closing
        data = bytes(data)  # the same object when it is bytes already
        if self._incoming:
            self._incoming.append(data)
        else:
            self._incoming = [data]

    def events(self):
        """Yield the events the received bytes make; raise ``ProtocolError`` on a violation."""
        if self._error is not None:
            raise self._error
        try:
            while not self._close_received:
                if self._incoming:
                    incoming = self._incoming
                    self._incoming = ()
                    if self._pos < len(self._buf):  # a partial header or control frame
                        incoming.insert(0, self._buf[self._pos :])
                    self._buf = incoming[0] if len(incoming) == 1 else b"".join(incoming)
                    self._pos = 0
                if self._remaining:
                    if self._pos == len(self._buf):
                        break
                    event = self._piece()
                else:
                    event = self._frame()
                    if event is None:
                        break
                if event:
                    yield event
        except ProtocolError as exc:
            self._error = exc
            raise
        if self._eof == 1 and not self._close_received:
            # 7.1.5: the transport closed without a close frame.
            self._eof = 2
            yield CloseConnection(_ABNORMAL_CLOSURE, "")

    def _frame(self):
        """Parse the next frame from its header (5.2): an event, ``False`` (a data frame
        began, nothing to deliver yet) or ``None`` (more bytes needed)."""
        buf = self._buf
        pos = self._pos
        avail = len(buf) - pos
        if avail < 2:
            return None
        b0 = buf[pos]
        b1 = buf[pos + 1]
        opcode = b0 & 0x0F
        if b0 & _RESERVED_BITS or opcode > _OP_BINARY:  # anything but a plain data frame
            if b0 & _RESERVED_BITS:  # no extension is negotiated (5.2)
                raise ProtocolError("reserved bits set")
            if opcode < _OP_CLOSE or opcode > _OP_PONG:
                raise ProtocolError("reserved opcode %d" % opcode)
            if not b0 & _FIN:
                raise ProtocolError("fragmented control frame")  # 5.4
            if b1 & 0x7F > _MAX_CONTROL_PAYLOAD:
                raise ProtocolError("control frame above 125 bytes")  # 5.5
        if b1 & _MASK_BIT != self._expect_mask:
            raise ProtocolError("wrong masking for the sender's role")  # 5.1
        length = b1 & 0x7F
        start = pos + 2
        if length == 126:
            if avail < 4:
                return None
            length = (buf[pos + 2] << 8) | buf[pos + 3]
            start = pos + 4
            if length < 126:
                raise ProtocolError("length not minimally encoded")  # 5.2
        elif length == 127:
            if avail < 10:
                return None
            length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
            start = pos + 10
            if length >> 63:
                raise ProtocolError("64-bit length above 2**63")
            if length < 65536:
                raise ProtocolError("length not minimally encoded")  # 5.2
        key = None
        if self._expect_mask:
            if len(buf) < start + 4:
                return None
            key = buf[start : start + 4]
            start += 4
        end = start + length
        if opcode >= _OP_CLOSE:  # control frames come out whole (at most 125 bytes)
            if end > len(buf):
                return None
        else:
            fin = b0 & _FIN != 0
            self._check_data_frame(opcode, fin, length)
            if not fin or not opcode or end > len(buf) or length > _PIECE:
                # Its payload comes in pieces, or it belongs to a fragmented message.
                if opcode:
                    self._opcode = opcode
                    if self._fragments:
                        self._parts = None
                    elif fin and _ONE_BLOCK and self._limit is not None:
                        self._parts = bytearray(length)  # written in place, piece by piece
                    else:
                        self._parts = []
                self._pos = start
                self._remaining = length
                self._fin = fin
                self._key = key
                self._phase = 0
                return self._piece()
        # A control frame or, the common case, a whole message in one frame, all here.
        self._pos = end
        payload = buf[start:end]
        if key is not None and length:
            payload = _xor(payload, key)
        if opcode == _OP_BINARY:
            return BytesMessage(payload, True)
        if opcode == _OP_TEXT:
            return TextMessage(_decode(payload), True)
        if opcode == _OP_PING:
            return Ping(payload)
        if opcode == _OP_PONG:
            return Pong(payload)
        event = _parse_close(payload)
        self._close_received = True
        if self.state == LOCAL_CLOSING or self._eof:
            self.state = CLOSED
        else:
            self.state = REMOTE_CLOSING
        return event

    def _check_data_frame(self, opcode, fin, length):
        """A data frame's header against the limits and the order of 5.4."""
        if self._max_frame is not None and length > self._max_frame:
            raise ProtocolError("frame above max_frame", _MESSAGE_TOO_BIG)
        if opcode:
            self._limit = self.max_message  # a new limit applies from the next message on
            size = length
        else:
            size = self._size + length
        if self._limit is not None and size > self._limit:
            raise ProtocolError("message above max_message", _MESSAGE_TOO_BIG)
        if opcode:
            if self._opcode:
                raise ProtocolError("new message inside a fragmented one")
            self._empty = 0
            self._frames = 0
        elif not self._opcode:
            raise ProtocolError("continuation without a message")
        self._size = size
        frames = self._frames = self._frames + 1
        if frames > _MANY_FRAGMENTS:
            floor = self.min_fragment_average
            if floor is not None and size < frames * floor:
                raise ProtocolError("fragments too small to make progress", _POLICY_VIOLATION)
        if length or fin:
            self._empty = 0
            return
        self._empty += 1
        if self._empty > _MAX_EMPTY_FRAGMENTS:
            raise ProtocolError("too many empty fragments", _POLICY_VIOLATION)

    def _piece(self):
        """Take the current data frame's payload that is here (at most _PIECE bytes)
        into the message in progress: its event once finished (with ``fragments``:
        every piece's), else ``False``."""
        buf = self._buf
        pos = self._pos
        remaining = self._remaining
        take = len(buf) - pos
        if take > remaining:
            take = remaining
        if take > _PIECE:
            take = _PIECE
        end = pos + take
        self._pos = end
        remaining -= take
        self._remaining = remaining
        offset = self._phase  # of this piece in the frame's payload
        self._phase = offset + take
        key = self._key
        if key is None:
            piece = buf[pos:end] if take < len(buf) else buf
        elif take:
            phase = offset & 3
            if phase:  # this piece starts that many bytes into the key (5.3)
                key = key[phase:] + key[:phase]
            piece = _xor(memoryview(buf)[pos:end], key)  # unmasked without a copy first
        else:
            piece = b""
        finished = self._fin and not remaining
        opcode = self._opcode
        data = piece
        if opcode == _OP_TEXT:
            data = self._check_text(piece, finished)
        plain = self._utf8 is None  # no piece of the message so far had a non-ASCII byte
        if finished:
            self._opcode = 0
            self._utf8 = None
        if self._fragments:
            if not data and not finished:
                return False
            if opcode == _OP_TEXT:
                return TextMessage(data, finished)
            return BytesMessage(data, finished)
        # Keep the piece: in the message's one block (see _ONE_BLOCK), or as its bytes plus
        # a bounded share of bookkeeping, whatever the fragment sizes (see _CHUNK).
        parts = self._parts
        if type(parts) is bytearray:
            parts[offset : offset + take] = piece
        elif len(piece) >= _CHUNK:
            parts.append(piece)
        elif parts and type(parts[-1]) is bytearray:
            last = parts[-1]
            last += piece
            if len(last) >= _CHUNK:
                # Sealed at its exact size (a growing bytearray is over-allocated).
                parts[-1] = bytes(last)
        elif piece:
            parts.append(bytearray(piece))
        if not finished:
            return False
        self._parts = None
        if type(parts) is bytearray:  # the one block: one copy makes the text or bytes
            if opcode == _OP_TEXT:
                return TextMessage(str(parts, "utf-8"), True)
            return BytesMessage(bytes(parts), True)
        if opcode == _OP_TEXT and not plain:
            # _utf8 decodes the pieces one by one, dropping each: CPython's decoder would
            # hold two buffers of the message's size beside the joined bytes.
            return TextMessage(_submodule("_utf8").text_of(parts), True)
        if len(parts) == 1 and type(parts[0]) is bytes:
            data = parts[0]
        else:
            data = b"".join(parts)
        parts = None  # before decoding: at most the pieces or the text, beside the bytes
        if opcode == _OP_TEXT:
            return TextMessage(str(data, "utf-8"), True)  # ASCII, checked piece by piece
        return BytesMessage(data, True)

    def _check_text(self, piece, finished):
        """Validate a piece of text as it comes (8.1: fail at the first invalid byte).

        Returns its text up to its last complete character (a cut character waits for
        the next piece), or ``None`` when it need not be decoded: without ``fragments``
        the message is decoded once, at the end.
        """
        validator = self._utf8
        try:
            if validator is None:
                text = _ascii_text(piece)  # plain ASCII, by far the most common text
                if text is not None:
                    return text
                validator = self._utf8 = _submodule("_utf8").new_validator()
            if self._fragments:
                return validator.decode(piece, finished)
            validator.feed(piece)
            if finished and not validator.complete:
                raise ValueError("truncated UTF-8 sequence")
            return None
        except ValueError as exc:
            error = ProtocolError("invalid UTF-8: %s" % exc, _INVALID_DATA)
        raise error

    # -- sending ------------------------------------------------------------------

    def send(self, event):
        """The bytes for an event: TextMessage, BytesMessage, Ping, Pong, CloseConnection."""
        kind = type(event)
        if kind is TextMessage:
            return self.send_text(event.data, event.message_finished)
        if kind is BytesMessage:
            return self.send_bytes(event.data, event.message_finished)
        if kind is Ping:
            return self.ping(event.payload)
        if kind is Pong:
            return self.pong(event.payload)
        if kind is CloseConnection:
            return self.close(event.code, event.reason)
        raise TypeError("cannot send %r" % (event,))

    def send_text(self, text, message_finished=True):
        # MicroPython's encode() shares the str's bytes: the frame is the only copy.
        return self._send(_OP_TEXT, text.encode(), message_finished)

    def send_bytes(self, data, message_finished=True):
        if not isinstance(data, (bytes, bytearray, memoryview)):
            data = bytes(data)
        return self._send(_OP_BINARY, data, message_finished)

    def ping(self, payload=b""):
        return self._send(_OP_PING, bytes(payload), True)

    def pong(self, payload=b""):
        return self._send(_OP_PONG, bytes(payload), True)

    def close(self, code=_NORMAL_CLOSURE, reason=""):
        """Our close frame; allowed while OPEN, or to answer the peer's close."""
        state = self.state
        if state != OPEN and state != REMOTE_CLOSING:
            raise LocalProtocolError("cannot send in state " + state)
        frame = self._frame_bytes(_OP_CLOSE, _close_payload(code, reason), True)
        self.state = CLOSED if state == REMOTE_CLOSING else LOCAL_CLOSING
        return frame

    def _send(self, opcode, payload, fin):
        """A message's frame or a ping/pong: only while OPEN (nothing after our close)."""
        if self.state != OPEN:
            raise LocalProtocolError("cannot send in state " + self.state)
        if opcode >= _OP_CLOSE:
            if len(payload) > _MAX_CONTROL_PAYLOAD:
                raise ValueError("ping and pong payloads are at most 125 bytes")
        else:  # 5.4: a message in pieces is its opcode, then continuations
            current = self._outbound_opcode
            if current and current != opcode:
                raise LocalProtocolError("cannot mix text and bytes in one message")
            self._outbound_opcode = 0 if fin else opcode
            if current:
                opcode = _OP_CONTINUATION
        return self._frame_bytes(opcode, payload, fin)

    def _frame_bytes(self, opcode, payload, fin):
        """One frame (5.2): header + payload, masked by a client (5.3)."""
        size = len(payload)
        first = opcode | _FIN if fin else opcode
        source = self._mask_source
        mask_bit = 0 if source is None else _MASK_BIT
        if size < 126:
            head = bytes((first, size | mask_bit))
        elif size < 65536:
            head = bytes((first, 126 | mask_bit, size >> 8, size & 0xFF))
        else:
            head = bytes((first, 127 | mask_bit)) + size.to_bytes(8, "big")
        if source is None:
            return head + payload
        key = bytes(source())
        if len(key) != 4:
            raise ValueError("mask_source must return 4 bytes")
        return b"".join((head, key, _xor(memoryview(payload), key)))


def __getattr__(name):
    """The rarely used public names, loaded on first use (PEP 562; MicroPython too):
    ``Utf8Validator`` and ``is_valid_utf8`` from ``_utf8``; ``client_handshake``,
    ``verify_server_handshake`` and ``CloseReason`` from ``_extras`` (which raises
    ``AttributeError`` for any other name)."""
    module = "_utf8" if name == "Utf8Validator" or name == "is_valid_utf8" else "_extras"
    return getattr(_submodule(module), name)
