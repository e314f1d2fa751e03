"""The connection: events in, bytes out, and the closing handshake (RFC 6455 section 7)."""

from ._compat import random_bytes
from ._errors import CloseReason, LocalProtocolError, ProtocolError, is_valid_wire_code
from ._events import BytesMessage, CloseConnection, Ping, Pong, TextMessage
from ._frames import (
    MAX_CONTROL_PAYLOAD, OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_TEXT, FrameReader,
    build_frame,
)
from ._messages import MessageAssembler, decode_whole, decode_or_fail

SERVER = "SERVER"
CLIENT = "CLIENT"

OPEN = "OPEN"
LOCAL_CLOSING = "LOCAL_CLOSING"  # we sent a close frame, the peer has not answered yet
REMOTE_CLOSING = "REMOTE_CLOSING"  # the peer sent a close frame, we have not answered yet
CLOSED = "CLOSED"

DEFAULT_MAX_MESSAGE = 1 << 20


def parse_close_payload(payload):
    """The CloseConnection a close frame's payload stands for (section 5.5.1, 7.4)."""
    if not payload:
        return CloseConnection(CloseReason.NO_STATUS_RCVD, "")  # 7.1.5
    if len(payload) == 1:
        raise ProtocolError("close frame with a 1-byte payload")
    code = (payload[0] << 8) | payload[1]
    if not is_valid_wire_code(code):
        raise ProtocolError("close frame with invalid code %d" % code)
    reason = decode_or_fail(decode_whole, payload[2:], True, "a close reason")
    return CloseConnection(code, reason)


def close_payload(code, reason):
    """A close frame's payload; 1005 or None means "no code" (empty payload)."""
    if code is None or code == CloseReason.NO_STATUS_RCVD:
        if reason:
            raise ValueError("a close reason needs a close code")
        return b""
    if not is_valid_wire_code(code):
        raise ValueError("close code %r cannot be sent (RFC 6455 section 7.4)" % (code,))
    data = reason.encode("utf-8")
    if len(data) > MAX_CONTROL_PAYLOAD - 2:
        data = _truncate_utf8(data, MAX_CONTROL_PAYLOAD - 2)
    return bytes(((code >> 8) & 0xFF, code & 0xFF)) + data


def _truncate_utf8(data, size):
    # Cut before a continuation byte would split a character.
    while size and (data[size] & 0xC0) == 0x80:
        size -= 1
    return data[:size]


class Connection:
    """One WebSocket connection after the handshake, for either role.

    ``max_message``/``max_frame``: limits in bytes (``None``: none); above them the
    peer's data fails with 1009. ``fragments``: yield data as it arrives instead of
    whole messages. ``mask_source``: callable returning the 4-byte masking keys of a
    client (default: ``os.urandom``).
    """

    def __init__(self, role, max_message=DEFAULT_MAX_MESSAGE, max_frame=None,
                 trailing_data=b"", fragments=False, mask_source=None):
        if role != SERVER and role != CLIENT:
            raise ValueError("role must be SERVER or CLIENT, not %r" % (role,))
        self.role = role
        self._client = role == CLIENT
        self._reader = FrameReader(self._client, max_frame, max_message)
        self._assembler = MessageAssembler(fragments)
        self._mask_source = mask_source or _random_mask
        self._state = OPEN
        self._error = None
        self._close_received = False
        self._eof = False
        self._eof_reported = False
        self._outbound_opcode = None  # the data message we are sending in pieces
        if trailing_data:
            self.receive_data(trailing_data)

    @property
    def state(self):
        """``"OPEN"``, ``"LOCAL_CLOSING"``, ``"REMOTE_CLOSING"`` or ``"CLOSED"``."""
        return self._state

    # -- receiving ----------------------------------------------------------------

    def receive_data(self, data):
        """Hand over received bytes; ``None`` or ``b""``: the transport closed."""
        if self._eof:
            raise LocalProtocolError("receive_data after the transport closed")
        if not data:
            self._eof = True
            self._state = CLOSED
            return
        if self._close_received or self._error is not None:
            return  # nothing follows a close frame (5.5.1); after an error we are closing
        self._reader.feed(data)

    def events(self):
        """Yield the events the received bytes make; raise ``ProtocolError`` on a violation."""
        if self._error is not None:
            raise self._error
        reader = self._reader
        assembler = self._assembler
        try:
            while not self._close_received:
                frame = reader.next_frame()
                if frame is None:
                    break
                if frame[0] < OP_CLOSE:
                    event = assembler.feed(frame[0], frame[1], frame[2], frame[3])
                    if event is not None:
                        yield event
                else:
                    yield self._control_event(frame[0], frame[1])
        except ProtocolError as exc:
            self._error = exc
            raise
        if self._eof and not self._eof_reported and not self._close_received:
            # 7.1.5: the transport closed without a close frame.
            self._eof_reported = True
            yield CloseConnection(CloseReason.ABNORMAL_CLOSURE, "")

    def _control_event(self, opcode, payload):
        if opcode == OP_PING:
            return Ping(payload)
        if opcode != OP_CLOSE:
            return Pong(payload)
        event = parse_close_payload(payload)
        self._close_received = True
        if self._state == LOCAL_CLOSING or self._eof:
            self._state = CLOSED
        else:
            self._state = REMOTE_CLOSING
        return event

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
        return self._data_frame(OP_TEXT, text.encode("utf-8"), message_finished)

    def send_bytes(self, data, message_finished=True):
        return self._data_frame(OP_BINARY, bytes(data), message_finished)

    def ping(self, payload=b""):
        return self._control_frame(OP_PING, payload)

    def pong(self, payload=b""):
        return self._control_frame(0xA, payload)

    def close(self, code=CloseReason.NORMAL_CLOSURE, reason=""):
        """Our close frame; allowed while OPEN, or to answer the peer's close."""
        if self._state != OPEN and self._state != REMOTE_CLOSING:
            raise LocalProtocolError("cannot send a close frame in state %s" % self._state)
        frame = self._frame(OP_CLOSE, close_payload(code, reason), True)
        self._state = CLOSED if self._state == REMOTE_CLOSING else LOCAL_CLOSING
        return frame

    def _check_open(self, what):
        if self._state != OPEN:
            raise LocalProtocolError("cannot send %s in state %s" % (what, self._state))

    def _data_frame(self, opcode, payload, message_finished):
        self._check_open("a message")
        current = self._outbound_opcode
        if current is None:
            frame_opcode = opcode
        elif current != opcode:
            raise LocalProtocolError("cannot mix text and bytes in one message")
        else:
            frame_opcode = OP_CONTINUATION
        self._outbound_opcode = None if message_finished else opcode
        return self._frame(frame_opcode, payload, message_finished)

    def _control_frame(self, opcode, payload):
        self._check_open("a ping or pong")
        payload = bytes(payload)
        if len(payload) > MAX_CONTROL_PAYLOAD:
            raise ValueError("ping and pong payloads are at most 125 bytes")
        return self._frame(opcode, payload, True)

    def _frame(self, opcode, payload, fin):
        if not self._client:
            return build_frame(opcode, payload, fin)
        key = bytes(self._mask_source())
        if len(key) != 4:
            raise ValueError("mask_source must return 4 bytes")
        return build_frame(opcode, payload, fin, key)


def _random_mask():
    return random_bytes(4)
