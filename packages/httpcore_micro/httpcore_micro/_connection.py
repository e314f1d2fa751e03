"""ServerConnection: the facade that ties buffer, readers, state machine and writers.

Sans-I/O: bytes in through ``receive_data``, events out of ``next_event``, events in
through ``send``, bytes out as its return value. Nothing here touches a socket.
"""

from ._errors import LocalProtocolError, RemoteProtocolError
from ._events import (
    NEED_DATA,
    PAUSED,
    ConnectionClosed,
    Data,
    EndOfMessage,
    InformationalResponse,
    Request,
    Response,
)
from ._headers import comma_tokens, normalize_outgoing
from ._readers import NOTHING, Limits, RequestReader
from ._receivebuffer import ReceiveBuffer
from ._state import (
    CLIENT,
    DONE,
    ERROR,
    IDLE,
    MIGHT_SWITCH_PROTOCOL,
    SEND_BODY,
    SERVER,
    SWITCH_UPGRADE,
    SWITCHED_PROTOCOL,
    ConnectionState,
)
from ._writers import (
    ChunkedWriter,
    CloseDelimitedWriter,
    REASONS,
    ContentLengthWriter,
    collect_headers,
    status_line,
    write_head,
)

# Defaults, and why (see README "Limits"):
# 16 KiB of header fields: h11's default, and above what browsers send with large
# cookies (Apache and nginx allow 8 KiB per line); a board can still afford it.
DEFAULT_MAX_HEADER_BYTES = 16384
# 100 header fields: Apache's LimitRequestFields; browsers send 10-20.
DEFAULT_MAX_HEADERS = 100
# 8 KiB request-target: RFC 9112 3 asks to support at least 8000 octets.
DEFAULT_MAX_TARGET = 8192
# No body limit by default: bodies are streamed as Data events, never held here.
DEFAULT_MAX_BODY = None

# Status lines of the usual codes, built once.
_STATUS_LINES = {}
for _code in REASONS:
    _STATUS_LINES[_code] = b"HTTP/1.1 %d %s\r\n" % (_code, REASONS[_code])


class ServerConnection:
    def __init__(
        self,
        max_header_bytes=DEFAULT_MAX_HEADER_BYTES,
        max_headers=DEFAULT_MAX_HEADERS,
        max_target=DEFAULT_MAX_TARGET,
        max_body=DEFAULT_MAX_BODY,
    ):
        self._limits = Limits(max_header_bytes, max_headers, max_target, max_body)
        self._state = ConnectionState()
        self._buf = ReceiveBuffer()
        self._closed = False
        self._request_reader = RequestReader(self._limits)
        self._reader = self._request_reader
        self._writer = None
        self._request_method = None
        self.their_http_version = None
        self.client_is_waiting_for_100_continue = False

    # -- state -----------------------------------------------------------------

    @property
    def our_state(self):
        return self._state.server

    @property
    def their_state(self):
        return self._state.client

    @property
    def keep_alive(self):
        return self._state.keep_alive

    @property
    def trailing_data(self):
        """Bytes received but not parsed (after an upgrade: the new protocol's first bytes)."""
        return self._buf.pending()

    @property
    def trailing_data_closed(self):
        return self._closed

    @property
    def trailing_size(self):
        """``len(trailing_data)`` without copying the bytes: 0 when nothing is pipelined."""
        return len(self._buf)

    def start_next_cycle(self):
        self._state.start_next_cycle()
        self._request_method = None
        self._reader = self._request_reader
        self._writer = None

    def send_failed(self):
        self._state.process_error(SERVER)

    # -- receiving -------------------------------------------------------------

    def receive_data(self, data):
        if data:
            if self._closed:
                raise LocalProtocolError("data received after the peer closed")
            self._buf.append(data)
        else:
            self._closed = True

    def next_event(self):
        state = self._state
        client = state.client
        if client is IDLE or client is SEND_BODY:
            reader = self._reader
        else:
            reader = self._reader_after_message(client)
            if reader is PAUSED or reader is NEED_DATA:
                return reader
        try:
            event = reader.read(self._buf)
            kind = type(event)
            if kind is Data:
                self.client_is_waiting_for_100_continue = False  # SEND_BODY stays
                return event
            if kind is EndOfMessage:  # the usual end: no call to _process_their_event
                self.client_is_waiting_for_100_continue = False
                state.client_event(EndOfMessage)
                self._reader = None
                return event
            if event is None:
                if not self._closed:
                    return NEED_DATA
                if len(self._buf):
                    raise RemoteProtocolError("peer closed in the middle of a request")
                event = reader.eof()
                kind = type(event)
            self._process_their_event(event, kind)
            return event
        except Exception as exc:
            state.process_error(CLIENT)
            self._reader = None
            if isinstance(exc, LocalProtocolError):
                # The peer made our state machine refuse an event: it is their fault.
                raise RemoteProtocolError(exc.msg, exc.status_code) from exc
            raise

    def _reader_after_message(self, client):
        """Their message is over (or broken): PAUSED, NEED_DATA, or the end reader."""
        if client is ERROR:
            raise RemoteProtocolError("cannot read after a protocol error")
        if client is DONE:
            if len(self._buf):
                return PAUSED  # pipelined data waits for start_next_cycle()
            if not self._closed:
                return NEED_DATA
        elif client is MIGHT_SWITCH_PROTOCOL or client is SWITCHED_PROTOCOL:
            return PAUSED
        return NOTHING  # DONE and closed, MUST_CLOSE, CLOSED: only EOF may follow

    def _process_their_event(self, event, kind):
        state = self._state
        if kind is Request:
            body_reader, keep_alive, expects_continue, wants_upgrade = self._request_reader.info
            if wants_upgrade:
                state.propose_switch()
            state.client_event(Request)
            self._request_method = event.method
            self.their_http_version = event.http_version
            self._reader = body_reader
            self.client_is_waiting_for_100_continue = expects_continue
            if not keep_alive:
                state.disable_keep_alive()
            return
        if kind is EndOfMessage:
            self.client_is_waiting_for_100_continue = False
        state.client_event(kind)
        self._reader = None

    # -- sending ---------------------------------------------------------------

    def send(self, event):
        state = self._state
        if state.server is ERROR:
            raise LocalProtocolError("cannot send after an error")
        try:
            kind = type(event)
            if kind is Data:
                if state.server is not SEND_BODY:
                    state.server_event(Data)  # raises: not allowed here
                return self._writer.data(event.data)
            if kind is Response:
                return self._send_head(event.status_code, event.headers, event.reason)
            if kind is EndOfMessage:
                writer = self._writer
                state.server_event(EndOfMessage)
                self._writer = None
                return writer.end(event.headers)
            if kind is InformationalResponse:
                return self._send_informational(event)
            if kind is ConnectionClosed:
                state.server_event(ConnectionClosed)
                return b""
            raise LocalProtocolError("cannot send %r" % (event,))
        except Exception:
            state.process_error(SERVER)
            raise

    def _send_informational(self, event):
        code = event.status_code
        if type(code) is not int or not 100 <= code <= 199:
            raise LocalProtocolError("informational status must be 1xx, not %r" % (code,))
        if self.their_http_version == b"1.0":
            # RFC 9110 15.2: no 1xx to an HTTP/1.0 client.
            raise LocalProtocolError("cannot send 1xx to an HTTP/1.0 client")
        pairs, _names = normalize_outgoing(event.headers)
        head = write_head(status_line(code, event.reason), pairs)
        if code == 101:
            if not self._state.switch_proposed:
                raise LocalProtocolError("101 without an upgrade request")
            self._state.server_event((InformationalResponse, SWITCH_UPGRADE))
        else:
            self._state.server_event(InformationalResponse)
        self.client_is_waiting_for_100_continue = False
        return head

    def send_response(self, status_code, headers, body=b"", reason=b""):
        """A whole response at once -> its bytes: the same checks and state changes as
        ``send(Response(...))``, ``send(Data(body))`` (when ``body``) and
        ``send(EndOfMessage())`` in a row, in one call (small answers' fast path)."""
        state = self._state
        if state.server is ERROR:
            raise LocalProtocolError("cannot send after an error")
        try:
            head = self._send_head(status_code, headers, reason)
            writer = self._writer
            if body:
                if state.server is not SEND_BODY:
                    state.server_event(Data)  # raises: not allowed here
                body = writer.data(body)
            state.server_event(EndOfMessage)
            self._writer = None
            tail = writer.end(None)
        except Exception:
            state.process_error(SERVER)
            raise
        if body:
            head += body
        return head + tail if tail else head

    def _send_head(self, code, headers, reason):
        if type(code) is not int or code < 200 or code > 999:
            raise LocalProtocolError("final status must be 200-999, not %r" % (code,))
        first_line = _STATUS_LINES.get(code)
        if reason and first_line is not None:
            # A reason of its own (or a str one: not compared, MicroPython would warn).
            if type(reason) is not bytes or reason != REASONS[code]:
                first_line = None  # built and checked by status_line
        if first_line is None:
            first_line = status_line(code, reason)
        lines = [first_line]
        framing = collect_headers(headers, lines)
        writer, keep_alive = self._frame_response(code, lines, framing)
        state = self._state
        state.server_event(Response)
        self.client_is_waiting_for_100_continue = False
        if not keep_alive:
            state.disable_keep_alive()
        if state.keep_alive:
            if self.their_http_version == b"1.0" and framing[2] is None:
                # RFC 9112 C.2.2: an HTTP/1.0 client only keeps what we confirm.
                lines.append(b"connection: keep-alive\r\n")
        elif framing[2] is None:
            lines.append(b"connection: close\r\n")
        else:
            lines = _with_connection_close(lines)
        lines.append(b"\r\n")
        self._writer = writer
        # Every line was checked when it was built (collect_headers, status_line).
        return b"".join(lines)

    def _frame_response(self, code, lines, framing):
        """Choose the body framing (RFC 9112 6.3) -> (writer, keep_alive); may add a line."""
        length, coding, connection = framing
        keep_alive = connection is None or b"close" not in comma_tokens(connection)
        method = self._request_method
        version = self.their_http_version
        if code == 204 or code == 304 or method == b"HEAD":
            # RFC 9110 9.3.2, 15.3.5, 15.4.5: no body, whatever the headers announce.
            # A HEAD response keeps the headers the GET would have had.
            if method == b"HEAD" and length is None and coding is None:
                if version is not None and version != b"1.0" and code != 204 and code != 304:
                    lines.append(b"transfer-encoding: chunked\r\n")
            return ContentLengthWriter(0), keep_alive
        if length is not None:
            return ContentLengthWriter(length), keep_alive
        if version is not None and version != b"1.0":
            if coding is None:
                lines.append(b"transfer-encoding: chunked\r\n")
            return ChunkedWriter(), keep_alive
        # HTTP/1.0 peer (or no request parsed): the body ends when the connection does.
        if coding is not None:
            lines[:] = [line for line in lines if not _is_field(line, b"transfer-encoding")]
        return CloseDelimitedWriter(), False


def _is_field(line, lower_name):
    return line.split(b":", 1)[0].lower() == lower_name


def _with_connection_close(lines):
    """Make the Connection header say close (RFC 9112 9.6), keeping other options."""
    tokens = []
    out = []
    for line in lines:
        if _is_field(line, b"connection"):
            tokens.extend(comma_tokens(line.split(b":", 1)[1].strip()))
        else:
            out.append(line)
    tokens = [token for token in tokens if token not in (b"close", b"keep-alive")]
    tokens.append(b"close")
    out.append(b"connection: " + b", ".join(tokens) + b"\r\n")
    return out
