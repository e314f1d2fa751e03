"""Frame layer (RFC 6455 section 5.2): an incremental decoder and the frame writer.

``FrameReader.next_frame()`` has the three outcomes of every reader in this project:
a frame tuple, ``None`` ("need more data"), or ``ProtocolError``. Control frames come
out whole (they are at most 125 bytes); data frames come out as soon as their header
is known, in as many chunks as the payload arrives in, so a large frame is never held
twice in memory and a split payload is never re-buffered.
"""

import struct

from ._errors import CloseReason, ProtocolError
from ._mask import _xor, mask

OP_CONTINUATION = 0x0
OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA
# Not an opcode: marks the second and later chunks of one data frame's payload.
CHUNK = -1

MAX_CONTROL_PAYLOAD = 125  # section 5.5
_SMALL = 1024  # payloads up to this size are masked in one step, without a memoryview
_FIN = 0x80
_RESERVED_BITS = 0x70  # RSV1-3: no extension is negotiated, so they must be 0 (5.2)
_MASK_BIT = 0x80


def _fail(msg, code=CloseReason.PROTOCOL_ERROR):
    raise ProtocolError(msg, code)


def _check_first_byte(b0, b1):
    if b0 & _RESERVED_BITS:
        _fail("reserved bits set without a negotiated extension")
    opcode = b0 & 0x0F
    if opcode > OP_BINARY:
        if opcode < OP_CLOSE or opcode > OP_PONG:
            _fail("reserved opcode %#x" % opcode)
        if not b0 & _FIN:
            _fail("fragmented control frame")  # 5.4
        if b1 & 0x7F > MAX_CONTROL_PAYLOAD:
            _fail("control frame payload above 125 bytes")  # 5.5


class FrameReader:
    """Incremental frame decoder for one direction of one connection.

    ``next_frame()`` returns ``(opcode, payload, fin, frame_done)``: ``opcode`` is
    ``CHUNK`` for the later pieces of a data frame's payload, ``fin`` the frame's FIN
    bit and ``frame_done`` whether this piece ends the frame.
    """

    def __init__(self, client, max_frame=None, max_message=None):
        # 5.1: a server must receive masked frames only, a client unmasked ones.
        self._expect_mask = 0 if client else _MASK_BIT
        self._max_frame = max_frame
        self._max_message = max_message
        self._buf = b""
        self._pos = 0
        self._incoming = []
        self._message_size = 0  # bytes of the data message in progress, for max_message
        # The data frame whose payload is still arriving:
        self._remaining = 0
        self._fin = False
        self._key = None
        self._phase = 0

    def feed(self, data):
        if type(data) is not bytes:
            data = bytes(data)
        self._incoming.append(data)

    def _merge_incoming(self):
        incoming = self._incoming
        if self._pos < len(self._buf):
            incoming.insert(0, self._buf[self._pos :])
        self._buf = incoming[0] if len(incoming) == 1 else b"".join(incoming)
        self._pos = 0
        self._incoming = []

    def next_frame(self):
        if self._incoming:
            self._merge_incoming()
        if self._remaining:
            return self._next_chunk()
        buf = self._buf
        pos = self._pos
        avail = len(buf) - pos
        if avail < 2:
            return None
        b0 = buf[pos]
        b1 = buf[pos + 1]
        if b0 & _RESERVED_BITS or b0 & 0x0F > OP_BINARY:  # anything but a plain data frame
            _check_first_byte(b0, b1)
        if b1 & _MASK_BIT != self._expect_mask:
            _fail("frame masking does not match the sender's role")
        length = b1 & 0x7F
        head = 2
        if length == 126:
            if avail < 4:
                return None
            length = (buf[pos + 2] << 8) | buf[pos + 3]
            head = 4
            if length < 126:
                _fail("length not minimally encoded")  # 5.2
        elif length == 127:
            if avail < 10:
                return None
            length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
            head = 10
            if length >> 63:
                _fail("64-bit length with its most significant bit set")  # 5.2
            if length < 65536:
                _fail("length not minimally encoded")  # 5.2
        key = None
        if self._expect_mask:
            if avail < head + 4:
                return None
            key = buf[pos + head : pos + head + 4]
            head += 4
        opcode = b0 & 0x0F
        start = pos + head
        end = start + length
        if opcode >= OP_CLOSE:
            if end > len(buf):
                return None
            self._pos = end
            payload = buf[start:end]
            if key is not None and length:
                payload = _xor(payload, key)
            return (opcode, payload, True, True)
        fin = b0 & _FIN != 0
        self._check_limits(opcode, fin, length)
        if end <= len(buf):
            self._pos = end
            if key is None:
                return (opcode, buf[start:end], fin, True)
            if length <= _SMALL:
                return (opcode, _xor(buf[start:end], key), fin, True)
            return (opcode, mask(key, memoryview(buf)[start:end]), fin, True)
        self._pos = len(buf)
        self._remaining = end - len(buf)
        self._fin = fin
        self._key = key
        self._phase = len(buf) - start
        if key is None:
            return (opcode, buf[start:], fin, False)
        return (opcode, mask(key, memoryview(buf)[start:]), fin, False)

    def _check_limits(self, opcode, fin, length):
        if self._max_frame is not None and length > self._max_frame:
            _fail("frame of %d bytes above max_frame" % length, CloseReason.MESSAGE_TOO_BIG)
        size = length if opcode else self._message_size + length
        if self._max_message is not None and size > self._max_message:
            _fail("message above max_message", CloseReason.MESSAGE_TOO_BIG)
        self._message_size = 0 if fin else size

    def _next_chunk(self):
        buf = self._buf
        pos = self._pos
        take = min(len(buf) - pos, self._remaining)
        if not take:
            return None
        self._pos = pos + take
        self._remaining -= take
        if self._key is None:
            payload = buf[pos : pos + take] if take < len(buf) else buf
        else:
            payload = mask(self._key, memoryview(buf)[pos : pos + take], self._phase)
            self._phase += take
        return (CHUNK, payload, self._fin, not self._remaining)


def build_frame(opcode, payload, fin=True, key=None):
    """Serialize one frame; ``key`` (4 bytes) masks it, as clients must (5.3)."""
    size = len(payload)
    first = opcode | _FIN if fin else opcode
    mask_bit = _MASK_BIT if key is not None else 0
    if size < 126:
        head = bytes((first, size | mask_bit))
    elif size < 65536:
        head = struct.pack("!BBH", first, 126 | mask_bit, size)
    else:
        head = struct.pack("!BBQ", first, 127 | mask_bit, size)
    if key is None:
        return head + payload
    return head + key + mask(key, payload)
