"""Message layer (RFC 6455 section 5.4): joins data frames into messages.

Checks the fragmentation rules and validates text as UTF-8 piece by piece (section
8.1), so an invalid byte fails with 1007 in the frame that carries it.
"""

from ._compat import Utf8Decoder, decode_utf8
from ._errors import CloseReason, ProtocolError
from ._events import BytesMessage, TextMessage
from ._frames import CHUNK, OP_CONTINUATION, OP_TEXT


def _utf8_error(what, exc):
    return ProtocolError("invalid UTF-8 in %s: %s" % (what, exc),
                         CloseReason.INVALID_FRAME_PAYLOAD_DATA)


def decode_or_fail(decode, data, final, what):
    """``decode(data, final)``, with invalid UTF-8 turned into ``ProtocolError(1007)``."""
    # The error is raised outside the except clause: MicroPython warns about chaining.
    try:
        return decode(data, final)
    except ValueError as exc:
        error = _utf8_error(what, exc)
    raise error


def decode_whole(data, final=True):
    return decode_utf8(data)


def _message(opcode, data, finished):
    if opcode == OP_TEXT:
        return TextMessage(data, finished)
    return BytesMessage(data, finished)


class MessageAssembler:
    """Feed the frame tuples of data frames; get message events (or ``None``).

    Whole messages by default; with ``fragments`` every piece as it arrives, each with
    ``message_finished``.
    """

    def __init__(self, fragments=False):
        self._fragments = fragments
        self._opcode = None  # opcode of the message in progress
        self._decoder = None
        self._parts = []

    def feed(self, opcode, payload, fin, frame_done):
        if opcode > OP_CONTINUATION and fin and frame_done and self._opcode is None:
            # The common case, a whole message in one frame, in as few calls as possible.
            if opcode != OP_TEXT:
                return BytesMessage(payload, True)
            try:
                return TextMessage(decode_utf8(payload), True)
            except ValueError as exc:
                error = _utf8_error("a text message", exc)
            raise error
        if opcode != CHUNK:
            self._start_frame(opcode)
        finished = fin and frame_done
        data = payload
        if self._decoder is not None:
            data = decode_or_fail(self._decoder.decode, payload, finished, "a text message")
        opcode = self._opcode
        if finished:
            self._opcode = None
            self._decoder = None
        if self._fragments:
            if data or finished:
                return _message(opcode, data, finished)
            return None
        if data:
            self._parts.append(data)
        if not finished:
            return None
        parts = self._parts
        self._parts = []
        empty = "" if opcode == OP_TEXT else b""
        return _message(opcode, parts[0] if len(parts) == 1 else empty.join(parts), True)

    def _start_frame(self, opcode):
        """Check the fragmentation order of a frame that is not a whole message."""
        if opcode == OP_CONTINUATION:
            if self._opcode is None:
                raise ProtocolError("continuation frame with no message to continue")
            return
        if self._opcode is not None:
            raise ProtocolError("new message started before the previous one finished")
        self._opcode = opcode
        if opcode == OP_TEXT:
            self._decoder = Utf8Decoder()
