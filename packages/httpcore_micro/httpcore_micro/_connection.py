"""ServerConnection: the receive buffer, the state machine, the readers and the framing
of what we send, in one object (one class, no helper objects per connection).

Sans-I/O: bytes in through ``receive_data``, events out of ``next_event``, events in
through ``send``, bytes out as its return value. Nothing here touches a socket.
"""

from ._compat import TCHARS, const, is_hex, only_field_lines
from ._events import (
    NEED_DATA,
    PAUSED,
    ConnectionClosed,
    Data,
    EndOfMessage,
    InformationalResponse,
    LocalProtocolError,
    RemoteProtocolError,
    Request,
    Response,
)
from ._parse import (
    MAX_CHUNK_SIZE_SIGNIFICANT,
    analyse_request,
    check_request_line_length,
    comma_tokens,
    parse_chunk_size,
    parse_header_lines,
    parse_request_line,
    parse_trailers,
    refuse_section,
)
from ._write import (
    _STATUS_LINES,
    TRANSFER_ENCODING,
    collect_headers,
    header_block,
    is_field_line,
    status_line,
    with_connection_close,
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
# RFC 9112 2.2: a server SHOULD ignore at least one empty line before a request line
# (some clients send a CRLF after a POST body). A few are ignored, no more: a stream of
# empty lines must not keep a connection busy for free.
MAX_EMPTY_LINES = 4

# The states of each side. Their names are the public values of ``our_state`` and
# ``their_state``; inside, a state is its index in STATE_NAMES.
IDLE = "IDLE"
SEND_RESPONSE = "SEND_RESPONSE"
SEND_BODY = "SEND_BODY"
DONE = "DONE"
MUST_CLOSE = "MUST_CLOSE"
CLOSED = "CLOSED"
ERROR = "ERROR"
MIGHT_SWITCH_PROTOCOL = "MIGHT_SWITCH_PROTOCOL"
SWITCHED_PROTOCOL = "SWITCHED_PROTOCOL"
STATE_NAMES = (
    IDLE,
    SEND_RESPONSE,
    SEND_BODY,
    DONE,
    MUST_CLOSE,
    CLOSED,
    ERROR,
    MIGHT_SWITCH_PROTOCOL,
    SWITCHED_PROTOCOL,
)
_IDLE = const(0)
_SEND_RESPONSE = const(1)
_SEND_BODY = const(2)
_DONE = const(3)
_MUST_CLOSE = const(4)
_CLOSED = const(5)
_ERROR = const(6)
_MIGHT_SWITCH = const(7)
_SWITCHED = const(8)

# The events that move a side: the columns of the tables below.
_REQUEST = const(0)
_DATA = const(1)
_END = const(2)  # EndOfMessage
_CLOSE = const(3)  # ConnectionClosed
_RESPONSE = const(4)
_INFO = const(5)  # an InformationalResponse other than 101
_SWITCH = const(6)  # a 101 InformationalResponse, accepting a proposed switch
_REQUEST_RECEIVED = const(7)  # the server's move when the client sends a Request
_EVENT_NAMES = "Request Data EndOfMessage ConnectionClosed Response InformationalResponse 101 -"

# The state machine as data (after h11): one row of 8 columns per state, one column per
# event above; the digit is the next state (an index in STATE_NAMES), "." means the
# event is not allowed there (LocalProtocolError).
#                  Req Data End Close Resp Info 101 ReqRcvd
_CLIENT_MOVES = (
    b"2..5...."  # 0 IDLE: Request -> SEND_BODY, ConnectionClosed -> CLOSED
    b"........"  # 1 SEND_RESPONSE (a server state only)
    b".23....."  # 2 SEND_BODY: Data -> SEND_BODY, EndOfMessage -> DONE
    b"...5...."  # 3 DONE: ConnectionClosed -> CLOSED
    b"...5...."  # 4 MUST_CLOSE
    b"...5...."  # 5 CLOSED
    b"........"  # 6 ERROR
    b"........"  # 7 MIGHT_SWITCH_PROTOCOL
    b"........"  # 8 SWITCHED_PROTOCOL
)
_SERVER_MOVES = (
    # IDLE: a Response answers a request we could not parse (400, 408 ...)
    b"...52..1"  # 0 IDLE: ConnectionClosed, Response -> SEND_BODY, request -> SEND_RESPONSE
    b"....218."  # 1 SEND_RESPONSE: Response -> SEND_BODY, 1xx stays, 101 -> SWITCHED
    b".23....."  # 2 SEND_BODY: Data -> SEND_BODY, EndOfMessage -> DONE
    b"...5...."  # 3 DONE
    b"...5...."  # 4 MUST_CLOSE
    b"...5...."  # 5 CLOSED
    b"........"  # 6 ERROR
    b"........"  # 7 MIGHT_SWITCH_PROTOCOL (a client state only)
    b"........"  # 8 SWITCHED_PROTOCOL
)

# What we frame a response body with: >= 0 is the Content-Length bytes still to send.
_CHUNKED_OUT = const(-1)
_UNTIL_CLOSE = const(-2)  # HTTP/1.0 peer, no length: the body ends when we close


class ServerConnection:
    # Per-connection state starts from these class-level values: an instance holds only
    # what has changed (a board keeps a few hundred bytes less per open connection).
    # The state machine: both sides' states, and the facts that trigger moves.
    _client = _server = _IDLE
    keep_alive = True
    _switch_proposed = False
    _calm = True  # keep_alive and no switch proposed: only states trigger moves
    # The receive buffer: consumed by moving _start, not by deleting from the front;
    # the searches for a line end, a blank line and a bare LF resume where they
    # stopped, so a request fed one byte at a time costs linear time.
    _data = b""
    _start = 0
    _block_search = _line_search = _lf_search = 0
    _line_end = -1  # where _read_size found the end of a chunk-size line
    _line_checked = False  # the pending request line was validated
    _closed = False
    _empty_lines = 0
    # The request being read: Content-Length bytes left (or CHUNKED, -1) ...
    _body_left = _declared = 0
    # ... and for a chunked body, where the reader is in it.
    _chunk_left = _chunked_total = 0
    _chunk_crlf = _in_trailers = False
    _request_method = None
    their_http_version = None
    client_is_waiting_for_100_continue = False
    _out = None  # the framing of the response body we send (see _CHUNKED_OUT)

    def __init__(
        self,
        max_header_bytes=DEFAULT_MAX_HEADER_BYTES,
        max_headers=DEFAULT_MAX_HEADERS,
        max_target=DEFAULT_MAX_TARGET,
        max_body=DEFAULT_MAX_BODY,
    ):
        self._max_header_bytes = max_header_bytes
        self._max_headers = max_headers
        self._max_target = max_target
        self._default_max_body = max_body
        # Writable: the limit for the body of the current request (README "API").
        self.max_body = max_body

    # -- state -----------------------------------------------------------------

    @property
    def our_state(self):
        return STATE_NAMES[self._server]

    @property
    def their_state(self):
        return STATE_NAMES[self._client]

    @property
    def trailing_data(self):
        """Bytes received but not parsed (after an upgrade: the new protocol's first bytes)."""
        return bytes(self._data[self._start :])

    @property
    def trailing_data_closed(self):
        return self._closed

    @property
    def trailing_size(self):
        """``len(trailing_data)`` without copying the bytes: 0 when nothing is pipelined."""
        return len(self._data) - self._start

    def start_next_cycle(self):
        if self._client != _DONE or self._server != _DONE:
            raise LocalProtocolError(
                "not in a reusable state (client %s, server %s)"
                % (STATE_NAMES[self._client], STATE_NAMES[self._server])
            )
        self._client = self._server = _IDLE
        self._request_method = None
        self._out = None
        self.max_body = self._default_max_body

    def send_failed(self):
        self._broken(False)

    def _client_moves(self, event):
        """The client (they) sent ``event``: move along the table, or raise."""
        client = _CLIENT_MOVES[self._client * 8 + event] - 48  # "." -> -2
        if client < 0:
            raise LocalProtocolError(
                "client cannot send %s in state %s"
                % (_EVENT_NAMES.split()[event], STATE_NAMES[self._client])
            )
        if event == _REQUEST:
            server = _SERVER_MOVES[self._server * 8 + _REQUEST_RECEIVED] - 48
            if server < 0:
                raise LocalProtocolError("request while we are in state %s"
                                         % STATE_NAMES[self._server])
            self._server = server
        self._client = client
        # Only these facts can trigger more moves (CLOSED and above): skip the check
        # otherwise.
        if not self._calm or client >= _CLOSED or self._server >= _CLOSED:
            self._settle()

    def _server_moves(self, event):
        """We (the server) send ``event``: move along the table, or raise."""
        server = _SERVER_MOVES[self._server * 8 + event] - 48
        if server < 0:
            raise LocalProtocolError(
                "cannot send %s in state %s"
                % (_EVENT_NAMES.split()[event], STATE_NAMES[self._server])
            )
        if event == _RESPONSE and self._switch_proposed:
            # A final response refuses any pending protocol switch.
            self._switch_proposed = False
            self._calm = self.keep_alive
        self._server = server
        if not self._calm or server >= _CLOSED or self._client >= _CLOSED:
            self._settle()

    def _broken(self, client_side):
        if client_side:
            self._client = _ERROR
        else:
            self._server = _ERROR
        self._no_keep_alive()

    def _no_keep_alive(self):
        self.keep_alive = self._calm = False
        self._settle()

    def _settle(self):
        """State-triggered moves (after h11), applied until nothing moves: a proposed
        switch, keep-alive off, and one side closed or broken."""
        while True:
            client = self._client
            server = self._server
            if self._switch_proposed:
                if client == _DONE:
                    self._client = _MIGHT_SWITCH
            elif client == _MIGHT_SWITCH:
                self._client = _DONE
            if not self.keep_alive:
                if self._client == _DONE:
                    self._client = _MUST_CLOSE
                if server == _DONE:
                    self._server = _MUST_CLOSE
            # Moves that depend on both sides: a switch both agreed on happens; a side
            # that is done (or idle) must close once the other closed or broke.
            now_client = self._client
            now_server = self._server
            if now_client == _MIGHT_SWITCH and now_server == _SWITCHED:
                self._client = _SWITCHED
            elif (now_client == _CLOSED and (now_server == _DONE or now_server == _IDLE)) or (
                now_client == _ERROR and now_server == _DONE
            ):
                self._server = _MUST_CLOSE
            elif (now_server == _CLOSED and (now_client == _DONE or now_client == _IDLE)) or (
                now_server == _ERROR and now_client == _DONE
            ):
                self._client = _MUST_CLOSE
            if client == self._client and server == self._server:
                return

    # -- receiving -------------------------------------------------------------

    def receive_data(self, data):
        if not data:
            self._closed = True
            return
        if self._closed:
            raise LocalProtocolError("data received after the peer closed")
        buf = self._data
        start = self._start
        if start == len(buf):
            # Nothing pending: the new bytes become the buffer (no copy for bytes).
            self._data = data if type(data) is bytes else bytes(data)
            self._start = self._block_search = self._line_search = self._lf_search = 0
            return
        if type(buf) is not bytearray:
            buf = bytearray(buf[start:])
        elif start:
            del buf[:start]
        buf += data
        self._data = buf
        self._block_search -= start
        self._line_search -= start
        self._lf_search -= start
        self._start = 0

    def next_event(self):
        client = self._client
        try:
            if client == _SEND_BODY:
                event = self._read_chunked() if self._body_left < 0 else self._read_length()
                if event is None:
                    if not self._closed:
                        return NEED_DATA
                    raise RemoteProtocolError("peer closed before the end of the body")
                self.client_is_waiting_for_100_continue = False  # data came, or the end
                if type(event) is EndOfMessage:
                    self._client_moves(_END)
                return event
            if client == _IDLE:
                event = self._read_request()
                if event is not None:
                    return event
                if not self._closed:
                    return NEED_DATA
                if self._start < len(self._data):
                    raise RemoteProtocolError("peer closed in the middle of a request")
                self._client_moves(_CLOSE)
                return ConnectionClosed()
            return self._after_message(client)
        except Exception as exc:
            self._broken(True)
            if isinstance(exc, LocalProtocolError):
                # The peer made our state machine refuse an event: it is their fault.
                raise RemoteProtocolError(exc.msg, exc.status_code) from exc
            raise

    def _after_message(self, client):
        """Their message is over (or broken): PAUSED, NEED_DATA, or the end of stream."""
        if client == _ERROR:
            raise RemoteProtocolError("cannot read after a protocol error")
        if client >= _MIGHT_SWITCH:
            return PAUSED
        if self._start < len(self._data):
            if client == _DONE:
                return PAUSED  # pipelined data waits for start_next_cycle()
            raise RemoteProtocolError("data received after the connection should close")
        if not self._closed:
            return NEED_DATA
        self._client_moves(_CLOSE)
        return ConnectionClosed()

    def _consume_to(self, position):
        """Consume everything before ``position`` and restart every search there."""
        self._start = self._block_search = self._line_search = self._lf_search = position
        self._line_checked = False

    def _has_bare_lf(self):
        """Is there an LF not preceded by CR (each byte is looked at once)?"""
        data = self._data
        index = data.find(b"\n", self._lf_search)
        while index >= 0:
            if index == self._start or data[index - 1] != 13:
                return True
            index = data.find(b"\n", index + 1)
        self._lf_search = len(data)
        return False

    def _read_request(self):
        """The request line and header section (RFC 9112 2.1, 3, 5) -> Request, or None."""
        data = self._data
        start = self._start
        if start == len(data):
            return None  # nothing buffered (a keep-alive connection between requests)
        if data[start] < 14:  # maybe CR or LF: empty lines before the request line
            start = self._skip_empty_lines(data, start)
            if start == len(data) or data[start] == 13:  # a CR waits for its LF
                return None
        end = data.find(b"\r\n\r\n", self._block_search)
        if end < 0:
            self._block_search = max(start, len(data) - 3)
            self._check_incomplete(data, start)
            return None
        head = data[start:end]
        if type(head) is not bytes:  # arrived in pieces (a bytearray)
            head = bytes(head)
        # One split for the request line and the header lines together.
        lines = head.split(b"\r\n")
        request_line = lines[0]
        method, target, version = parse_request_line(request_line, self._max_target)
        # The header section counted from after the request line to the blank line.
        if len(head) - len(request_line) + 2 > self._max_header_bytes:
            raise RemoteProtocolError("header section too large", 431)
        # The request line is all field content now, so the whole head can be checked
        # for control characters at once.
        if not only_field_lines(head, len(lines)):
            refuse_section(head)
        del lines[0]
        headers, fields = parse_header_lines(lines, self._max_headers)
        body, keep_alive, expects_continue, wants_upgrade = analyse_request(
            headers, fields, version
        )
        self._consume_to(end + 4)
        if wants_upgrade:
            self._switch_proposed = True
            self._calm = False
        self._client_moves(_REQUEST)
        self._request_method = method
        self.their_http_version = version
        self._body_left = self._declared = body
        if body < 0:  # chunked
            self._chunk_left = self._chunked_total = 0
            self._chunk_crlf = self._in_trailers = False
        self.client_is_waiting_for_100_continue = expects_continue
        self._empty_lines = 0
        if not keep_alive:
            self._no_keep_alive()
        return Request(method, target, headers, version)

    def _skip_empty_lines(self, data, pos):
        """Consume the empty lines (CRLF, or a bare LF) before a request line -> the
        position after them (RFC 9112 2.2; at most MAX_EMPTY_LINES per request)."""
        size = len(data)
        while pos < size:
            byte = data[pos]
            if byte == 13:
                if pos + 1 == size:
                    break  # its LF has not arrived yet
                if data[pos + 1] != 10:
                    raise RemoteProtocolError("bare CR or LF in request line")
                step = 2
            elif byte == 10:
                step = 1
            else:
                break
            self._empty_lines += 1
            if self._empty_lines > MAX_EMPTY_LINES:
                raise RemoteProtocolError("too many empty lines before the request line")
            pos += step
        self._consume_to(pos)
        return pos

    def _check_incomplete(self, data, start):
        """Refuse early what can never become a valid request (and bound the buffer)."""
        if data[start] not in TCHARS:
            # Not a method: e.g. a TLS handshake sent to the plain-text port.
            raise RemoteProtocolError("invalid request line")
        if self._has_bare_lf():
            # RFC 9112 2.2: we do not take a bare LF as a line end; say so now rather
            # than wait for a CRLF CRLF that may never come.
            raise RemoteProtocolError("bare CR or LF in request head")
        max_target = self._max_target
        line_end = data.find(b"\r\n", self._line_search)
        if line_end < 0:
            self._line_search = max(self._line_search, len(data) - 1)
            check_request_line_length(bytes(data[start : start + max_target + 128]), max_target)
            return
        if not self._line_checked:
            parse_request_line(bytes(data[start:line_end]), max_target)
            self._line_checked = True
        if len(data) - line_end - 2 > self._max_header_bytes:
            raise RemoteProtocolError("header section too large", 431)

    def _read_length(self):
        """A Content-Length body: Data with what is buffered of it, or EndOfMessage."""
        max_body = self.max_body
        if max_body is not None and self._declared > max_body:
            # Before any byte is read: max_body may have changed since the Request.
            raise RemoteProtocolError("body larger than %d bytes" % max_body, 413)
        left = self._body_left
        if not left:
            return EndOfMessage()
        data = self._data
        start = self._start
        if start == len(data):
            return None
        end = start + left
        if end > len(data):
            end = len(data)
        body = data[start:end]  # the whole buffer: the same bytes object, no copy
        if type(body) is not bytes:
            body = bytes(body)
        self._consume_to(end)
        self._body_left = left - len(body)
        return Data(body)

    def _read_chunked(self):
        """RFC 9112 7.1: chunk-size [chunk-ext] CRLF chunk-data CRLF ... 0 CRLF trailers
        CRLF. One Data event with every chunk byte already buffered (chunks that arrived
        together are delivered together: they are in memory anyway), or EndOfMessage."""
        if self._in_trailers:
            return self._read_trailers()
        pieces = []
        append = pieces.append
        data = self._data
        pos = self._start
        size = len(data)
        as_bytes = type(data) is bytes
        max_body = self.max_body
        in_chunk = self._chunk_left
        total = self._chunked_total  # the sizes read so far, against max_body
        if self._chunk_crlf:
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
                        self._chunk_crlf = True
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
            line = data[pos:line_end] if 0 < line_end - pos <= MAX_CHUNK_SIZE_SIGNIFICANT else b""
            if line and as_bytes and is_hex(line):
                in_chunk = int(line, 16)
            else:
                in_chunk = self._read_size(data, pos, size)
                if in_chunk < 0:  # no complete size line yet
                    in_chunk = 0
                    break
                line_end = self._line_end
            total += in_chunk
            if max_body is not None and total > max_body:
                raise RemoteProtocolError("body larger than %d bytes" % max_body, 413)
            pos = line_end + 2
            if not in_chunk:
                self._in_trailers = True
                break
        self._chunk_left = in_chunk
        self._chunked_total = total
        if pos != self._start:  # consumed; searches that stopped past pos stay valid
            self._start = pos
            if self._block_search < pos:
                self._block_search = pos
            if self._line_search < pos:
                self._line_search = pos
            if self._lf_search < pos:
                self._lf_search = pos
        if pieces:
            body = pieces[0] if len(pieces) == 1 else b"".join(pieces)
            return Data(body if type(body) is bytes else bytes(body))
        if self._in_trailers:
            return self._read_trailers()
        return None

    def _skip_crlf(self, data, pos, size):
        """Position after the CRLF that ends chunk data, or -1 if it has not arrived."""
        if size - pos < 2:
            if size - pos == 1 and data[pos] != 13:
                raise RemoteProtocolError("chunk data not followed by CRLF")
            return -1
        if data[pos] != 13 or data[pos + 1] != 10:
            raise RemoteProtocolError("chunk data not followed by CRLF")
        self._chunk_crlf = False
        return pos + 2

    def _read_size(self, data, pos, size):
        """The size from the chunk-size line at ``pos``, or -1 if it is not complete
        (its end is left in ``_line_end``)."""
        limit = self._max_header_bytes
        search = self._line_search  # where a failed search for this line stopped
        if search < pos:
            search = pos
        line_end = data.find(b"\r\n", search)
        if line_end < 0:
            # RFC 9112 7.1: the line ends with CRLF; an LF without its CR is refused as
            # soon as it arrives (any LF from here on is one: no CRLF follows).
            if data.find(b"\n", search) >= 0:
                raise RemoteProtocolError("bare CR or LF in chunk-size line")
            if size - pos > limit:
                raise RemoteProtocolError("chunk header line too long")
            self._line_search = size - 1
            return -1
        self._line_end = line_end
        if line_end + 2 - pos > limit:
            raise RemoteProtocolError("chunk header line too long")
        return parse_chunk_size(bytes(data[pos:line_end]))

    def _read_trailers(self):
        data = self._data
        start = self._start
        if len(data) - start < 2:
            if len(data) - start == 1 and data[start] == 10:
                raise RemoteProtocolError("bare CR or LF in trailer section")
            return None
        if data[start] == 13 and data[start + 1] == 10:  # no trailer: the usual case
            self._consume_to(start + 2)
            return EndOfMessage()
        end = data.find(b"\r\n\r\n", self._block_search)
        if end < 0:
            self._block_search = max(start, len(data) - 3)
            if len(data) - start > self._max_header_bytes:
                raise RemoteProtocolError("trailer section too large", 431)
            if self._has_bare_lf():
                raise RemoteProtocolError("bare CR or LF in trailer section")
            return None
        if end + 4 - start > self._max_header_bytes:
            raise RemoteProtocolError("trailer section too large", 431)
        section = bytes(data[start:end])
        self._consume_to(end + 4)
        return EndOfMessage(parse_trailers(section, self._max_headers))

    # -- sending ---------------------------------------------------------------

    def send(self, event):
        if self._server == _ERROR:
            raise LocalProtocolError("cannot send after an error")
        try:
            kind = type(event)
            if kind is Data:
                if self._server != _SEND_BODY:
                    self._server_moves(_DATA)  # raises: not allowed here
                return self._write_data(event.data)
            if kind is Response:
                return self._send_head(event.status_code, event.headers, event.reason)
            if kind is EndOfMessage:
                self._server_moves(_END)
                return self._write_end(event.headers)
            if kind is InformationalResponse:
                return self._send_informational(event)
            if kind is ConnectionClosed:
                self._server_moves(_CLOSE)
                return b""
            raise LocalProtocolError("cannot send %r" % (event,))
        except Exception:
            self._broken(False)
            raise

    def send_response(self, status_code, headers, body=b"", reason=b""):
        """A whole response at once -> its bytes: the same checks and state changes as
        ``send(Response(...))``, ``send(Data(body))`` (when ``body``) and
        ``send(EndOfMessage())`` in a row, in one call (small answers' fast path)."""
        if self._server == _ERROR:
            raise LocalProtocolError("cannot send after an error")
        try:
            head = self._send_head(status_code, headers, reason)
            if body:
                if self._server != _SEND_BODY:
                    self._server_moves(_DATA)  # raises: not allowed here
                body = self._write_data(body)
            self._server_moves(_END)
            tail = self._write_end(None)
        except Exception:
            self._broken(False)
            raise
        if body:
            head += body
        return head + tail if tail else head

    def _write_data(self, data):
        out = self._out
        if out >= 0:  # Content-Length: counted, sent as it is (the same object)
            out -= len(data)
            if out < 0:
                raise LocalProtocolError("more data than the declared Content-Length")
            self._out = out
            return data
        if out == _CHUNKED_OUT:
            if not data:
                return b""  # an empty chunk would mean the end of the body
            return b"%x\r\n" % len(data) + data + b"\r\n"
        return data  # close-delimited

    def _write_end(self, trailers):
        out = self._out
        self._out = None
        if out == _CHUNKED_OUT:
            return b"0\r\n" + header_block(trailers) if trailers else b"0\r\n\r\n"
        if out > 0:
            raise LocalProtocolError("less data than the declared Content-Length")
        if trailers:
            raise LocalProtocolError("trailers need a chunked body")
        return b""

    def _send_informational(self, event):
        code = event.status_code
        if type(code) is not int or not 100 <= code <= 199:
            raise LocalProtocolError("informational status must be 1xx, not %r" % (code,))
        if self.their_http_version == b"1.0":
            # RFC 9110 15.2: no 1xx to an HTTP/1.0 client.
            raise LocalProtocolError("cannot send 1xx to an HTTP/1.0 client")
        head = status_line(code, event.reason) + header_block(event.headers)
        if code == 101:
            if not self._switch_proposed:
                raise LocalProtocolError("101 without an upgrade request")
            self._server_moves(_SWITCH)
        else:
            self._server_moves(_INFO)
        self.client_is_waiting_for_100_continue = False
        return head

    def _send_head(self, code, headers, reason):
        if type(code) is not int or code < 200 or code > 999:
            raise LocalProtocolError("final status must be 200-999, not %r" % (code,))
        # The usual case inline: the standard phrase, its line already built.
        line = None if reason else _STATUS_LINES.get(code)
        lines = [line if line is not None else status_line(code, reason)]
        framing = collect_headers(headers, lines)
        out, keep_alive = self._framing(code, lines, framing)
        self._server_moves(_RESPONSE)
        self.client_is_waiting_for_100_continue = False
        if not keep_alive:
            self._no_keep_alive()
        if self.keep_alive:
            if self.their_http_version == b"1.0" and framing[2] is None:
                # RFC 9112 C.2.2: an HTTP/1.0 client only keeps what we confirm.
                lines.append(b"connection: keep-alive\r\n")
        elif framing[2] is None:
            lines.append(b"connection: close\r\n")
        else:
            lines = with_connection_close(lines)
        lines.append(b"\r\n")
        self._out = out
        # Every line was checked when it was built (collect_headers, status_line).
        return b"".join(lines)

    def _framing(self, code, lines, framing):
        """Choose the body framing (RFC 9112 6.3) -> (_out, keep_alive); may add a line."""
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
            return 0, keep_alive
        if length is not None:
            return length, keep_alive
        if version is not None and version != b"1.0":
            if coding is None:
                lines.append(b"transfer-encoding: chunked\r\n")
            return _CHUNKED_OUT, keep_alive
        # HTTP/1.0 peer (or no request parsed): the body ends when the connection does.
        if coding is not None:
            lines[:] = [line for line in lines if not is_field_line(line, TRANSFER_ENCODING)]
        return _UNTIL_CLOSE, False
