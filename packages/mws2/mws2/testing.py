"""mws2.testing: requests and WebSocket sessions against an application, in-process.

``TestClient(server)`` serves ``server`` (a ``MicroWebSrv2``, with its settings; the routes
are global) over in-memory connections: no socket, no port, no thread. Each request goes
through the very code a real connection runs (the connection core, httpcore_micro,
dispatch, the WebSockets module and wsframe); only the moving of bytes is ours. The
answer is read back by a strict HTTP/1.1 reader, so what a test sees is what a client
would get on the wire::

    from mws2 import MicroWebSrv2, WebRoute, GET
    from mws2.testing import TestClient

    @WebRoute(GET, "/hello")
    def hello(microWebSrv2, request):
        request.Response.ReturnOkJSON({"hello": request.QueryParams.get("name")})

    def test_hello():
        client = TestClient(MicroWebSrv2())
        answer = client.get("/hello", query={"name": "board"})
        assert answer.status == 200 and answer.json() == {"hello": "board"}

How it runs. The client is the server's driver (what ``StartAsync`` would be) while it
has work: an asyncio loop runs while a call waits for the server, so ``async def``
handlers, async streams, event streams, the WebSockets async API and timers behave as in
the asyncio mode. Plain calls (``get``) run that loop themselves (one loop shared by
every test client, as MicroPython has only one); inside a running loop (an async test),
await the ``*_async`` twins instead, which use the running loop. Nothing runs between
calls: a timer of the server fires while a later call waits.

Connections: one per request, closed once the answer is read (as a client that sends
one request and hangs up: the server's OnSent and access log have run when the call
returns). A stream (``stream``) or a WebSocket session keeps its connection until it is
closed. The server counts as running only while the client uses it (a call, an open
stream or WebSocket, a task the server spawned that still runs), so its settings may be
changed between requests.

Names follow the test clients of Python web frameworks (snake_case: ``get``, ``status``,
``json()``), not the PascalCase of the MicroWebSrv2 API they test: a test reads like any
other Python test. Runs on CPython and on MicroPython (the unix port).
"""

import asyncio
import json as _json

from .aio import CLOSED_BY_HOST, CLOSED_BY_PEER, AioDriver, Client
from .compat import IS_MICROPYTHON, latin1, monotonic, thread_id
from .cookies import _TCHAR
from .server import MicroWebSrv2, MicroWebSrv2Exception
from .wake import Waker

# How long a call waits for the server (the whole answer, a stream's next piece, a
# WebSocket message) before it raises TestClientTimeout.
DEFAULT_TIMEOUT_SEC = 5
# Bytes the test may leave unread before the server's writes count as queued: what the
# socket buffers of a peer that does not read would hold. Beyond it onDataSent waits, so
# streams, Drain() and WebSocket Send() meet back-pressure as with a real peer.
PEER_WINDOW = 64 * 1024
# A longer answer head (status line and fields) is refused as malformed.
HEAD_MAX = 64 * 1024
CHUNK_LINE_MAX = 1024
USER_AGENT = "mws2-testclient"

# RFC 3986: what may stay as it is in a path and query (everything else is
# percent-encoded as UTF-8), and in a query or form name or value.
_TARGET_SAFE = (
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?%"
)
_FORM_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
_HEX = "0123456789abcdefABCDEF"


class TestClientError(Exception):
    """A test client call could not be carried out."""

    __test__ = False  # not a test class for pytest (nor are its subclasses)


class TestClientTimeout(TestClientError):
    """The server did not answer (or send a message) within the timeout."""


class InvalidResponse(TestClientError):
    """The server's bytes are not a valid HTTP/1.1 answer (or WebSocket traffic)."""


class WebSocketRejected(TestClientError):
    """The server answered the WebSocket handshake without switching protocols; the
    answer is in ``response`` (status, headers, body)."""

    def __init__(self, response):
        super().__init__("WebSocket refused: %d %s" % (response.status, response.reason))
        self.response = response


# ---- answers ---------------------------------------------------------------------------


class Headers:
    """The fields of an answer, in order. Names are case-insensitive; ``headers[name]``
    joins repeated fields with ", " (RFC 9110 section 5.3), ``get_all(name)`` keeps
    them apart (Set-Cookie)."""

    def __init__(self, pairs=()):
        self._pairs = list(pairs)

    def get_all(self, name):
        name = name.lower()
        return [value for key, value in self._pairs if key.lower() == name]

    def get(self, name, default=None):
        values = self.get_all(name)
        return ", ".join(values) if values else default

    def __getitem__(self, name):
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name):
        return bool(self.get_all(name))

    def items(self):
        """The (name, value) pairs as the server sent them."""
        return list(self._pairs)

    def keys(self):
        names = []
        for key, _value in self._pairs:
            if key.lower() not in [name.lower() for name in names]:
                names.append(key)
        return names

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        return len(self.keys())

    def __repr__(self):
        return "Headers(%r)" % (self._pairs,)


class ServerSentEvent:
    """One event of a ``text/event-stream`` answer, as a browser's EventSource gives it:
    ``event`` ("message" unless named), ``data`` (its lines joined with "\\n"), ``id``
    (the last event id so far) and ``retry`` (the last reconnection time, or None)."""

    def __init__(self, data="", event="message", id=None, retry=None):
        self.data = data
        self.event = event
        self.id = id
        self.retry = retry

    def __eq__(self, other):
        return isinstance(other, ServerSentEvent) and (
            (self.data, self.event, self.id, self.retry)
            == (other.data, other.event, other.id, other.retry)
        )

    def __ne__(self, other):
        return not self.__eq__(other)

    def __repr__(self):
        return "ServerSentEvent(data=%r, event=%r, id=%r, retry=%r)" % (
            self.data, self.event, self.id, self.retry)


class TestResponse:
    """A whole answer: ``status`` (``status_code`` too), ``reason``, ``http_version``,
    ``headers`` (``Headers``), ``body`` (bytes), ``trailers`` (of a chunked body),
    ``interim`` (the 1xx answers before it); ``text``, ``json()``, ``iter_events()``."""

    __test__ = False  # not a test class for pytest

    def __init__(self, status, reason, http_version, headers):
        self.status = status
        self.reason = reason
        self.http_version = http_version
        self.headers = headers
        self.body = b""
        self.trailers = Headers()
        self.interim = []

    @property
    def status_code(self):
        return self.status

    @property
    def text(self):
        """The body decoded with the charset of Content-Type (UTF-8 by default)."""
        charset = _charset(self.headers.get("content-type", ""))
        if charset in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii"):
            return latin1(self.body)
        return self.body.decode("utf-8")

    def json(self):
        """The body parsed as JSON (ValueError if it is not JSON)."""
        return _json.loads(self.text)

    def iter_events(self):
        """The server-sent events of the body (see ServerSentEvent)."""
        parser = _EventParser()
        parser.feed(self.body)
        parser.feed_eof()
        return iter(parser.events)

    def __repr__(self):
        return "<%s %d %s %r>" % (type(self).__name__, self.status, self.reason, self.body[:60])


def _charset(content_type):
    for param in content_type.split(";")[1:]:
        name, value = _split_once(param, "=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return "utf-8"


def _split_once(text, sep):
    cut = text.find(sep)
    return (text, "") if cut < 0 else (text[:cut], text[cut + len(sep):])


# ---- the strict answer reader ----------------------------------------------------------

_HEAD = 0
_LENGTH = 1
_CHUNK_SIZE = 2
_CHUNK_DATA = 3
_CHUNK_END = 4
_TRAILERS = 5
_UNTIL_CLOSE = 6
_DONE = 7


def _field_text(raw, what):
    """A header line's bytes as text; refused if it holds a control character other than
    HTAB (RFC 9110 section 5.5: CR, LF and NUL are never valid in a field)."""
    for byte in raw:
        if (byte < 0x20 and byte != 0x09) or byte == 0x7F:
            raise InvalidResponse("control character 0x%02x in %s: %r" % (byte, what, raw[:80]))
    return latin1(raw)


def _parse_field(line, what):
    if line[:1] in (b" ", b"\t"):
        raise InvalidResponse("obsolete line folding in %s: %r" % (what, line[:80]))
    colon = line.find(b":")
    if colon <= 0:
        raise InvalidResponse("%s without a name and colon: %r" % (what, line[:80]))
    name = latin1(line[:colon])
    for char in name:
        if char not in _TCHAR:
            raise InvalidResponse("invalid field name in %s: %r" % (what, line[:80]))
    return name, _field_text(line[colon + 1:].strip(b" \t"), what)


class _AnswerReader:
    """One answer, read strictly (RFC 9112) from the bytes as they come: the status line
    and fields, then the body as Content-Length, chunked or close-delimited says (none
    after HEAD, 1xx, 204, 304). 1xx answers before the final one are kept in ``interim``;
    a 101 ends the answer at its head (the bytes after it are the new protocol's)."""

    def __init__(self, method):
        self._method = method
        self._buf = b""
        self._state = _HEAD
        self._left = 0
        self.answer = None  # the final answer, once its head is read
        self.interim = []
        self.pieces = []  # body bytes decoded and not taken yet
        self._trailers = []

    @property
    def done(self):
        return self._state == _DONE

    def feed(self, data):
        self._buf += data
        if self._state != _DONE:
            self._parse()
        if self._state == _DONE and self._buf and self.answer.status != 101:
            raise InvalidResponse("bytes after the end of the answer: %r" % self._buf[:80])

    def feed_eof(self):
        """The server closed the connection."""
        if self._state == _UNTIL_CLOSE:
            self._state = _DONE
        elif self._state != _DONE:
            raise InvalidResponse(self._cut_short())

    def _cut_short(self):
        if self.answer is None:
            if not self._buf and not self.interim:
                return "the connection closed without an answer"
            if b"\n\n" in self._buf:
                return "the answer head has lines ended by a bare LF: %r" % self._buf[:80]
            return "the connection closed in the answer head: %r" % self._buf[:80]
        if self._state == _LENGTH:
            return "the connection closed with %d bytes of the body missing" % self._left
        return "the connection closed in the middle of the chunked body"

    def take_pieces(self):
        pieces, self.pieces = self.pieces, []
        return pieces

    def take_rest(self):
        rest, self._buf = self._buf, b""
        return rest

    def _parse(self):
        while self._state != _DONE:
            state = self._state
            if state == _HEAD:
                end = self._buf.find(b"\r\n\r\n")
                if end < 0:
                    if len(self._buf) > HEAD_MAX:
                        raise InvalidResponse("answer head over %d bytes" % HEAD_MAX)
                    return
                head, self._buf = self._buf[:end], self._buf[end + 4:]
                self._head(head)
            elif state == _LENGTH or state == _CHUNK_DATA:
                if not self._take_body():
                    return
            elif state == _UNTIL_CLOSE:
                if self._buf:
                    self.pieces.append(self._buf)
                    self._buf = b""
                return
            else:
                line = self._line()
                if line is None:
                    return
                self._chunked_line(state, line)

    def _take_body(self):
        buf = self._buf
        if not buf:
            return False
        count = min(self._left, len(buf))
        self.pieces.append(buf[:count])
        self._buf = buf[count:]
        self._left -= count
        if self._left:
            return False
        self._state = _DONE if self._state == _LENGTH else _CHUNK_END
        return True

    def _line(self):
        """The next CRLF-ended line of the chunked framing, or None until it is whole."""
        end = self._buf.find(b"\r\n")
        if end < 0:
            if len(self._buf) > CHUNK_LINE_MAX:
                raise InvalidResponse("chunk framing line over %d bytes" % CHUNK_LINE_MAX)
            return None
        line, self._buf = self._buf[:end], self._buf[end + 2:]
        if b"\r" in line or b"\n" in line:
            raise InvalidResponse("bare CR or LF in the chunked framing: %r" % line[:80])
        return line

    def _chunked_line(self, state, line):
        if state == _CHUNK_END:
            if line:
                raise InvalidResponse("chunk data longer than its size: %r" % line[:80])
            self._state = _CHUNK_SIZE
        elif state == _CHUNK_SIZE:
            size = _chunk_size(line)
            if size:
                self._left = size
                self._state = _CHUNK_DATA
            else:
                self._state = _TRAILERS
        elif line:  # a trailer field
            self._trailers.append(_parse_field(line, "a trailer field"))
        else:
            self.answer.trailers = Headers(self._trailers)
            self._state = _DONE

    def _head(self, head):
        lines = head.split(b"\r\n")
        for line in lines:
            if b"\r" in line or b"\n" in line:
                raise InvalidResponse("bare CR or LF in the answer head: %r" % line[:80])
        answer = _status_line(lines[0])
        answer.headers = Headers([_parse_field(line, "a header field") for line in lines[1:]])
        code = answer.status
        if code < 200 and code != 101:
            self.interim.append(answer)  # 100 Continue, 103 Early Hints: the final one follows
            return
        answer.interim = self.interim
        self.answer = answer
        self._framing(answer)

    def _framing(self, answer):
        code = answer.status
        codings = _items(answer.headers.get_all("transfer-encoding"))
        lengths = _items(answer.headers.get_all("content-length"))
        if codings and (code < 200 or code == 204):
            raise InvalidResponse("Transfer-Encoding in a %d answer" % code)
        if lengths and (code < 200 or code == 204):
            raise InvalidResponse("Content-Length in a %d answer" % code)
        if codings and lengths:
            raise InvalidResponse("both Transfer-Encoding and Content-Length")
        if code < 200 or code in (204, 304) or self._method == "HEAD":
            self._state = _DONE  # no body, whatever the fields announce
        elif codings:
            if [coding.lower() for coding in codings] != ["chunked"]:
                raise InvalidResponse("unsupported Transfer-Encoding: %s" % ", ".join(codings))
            self._state = _CHUNK_SIZE
        elif lengths:
            for value in lengths:
                if not value.isdigit() or value != lengths[0]:
                    raise InvalidResponse("invalid Content-Length: %s" % ", ".join(lengths))
            self._left = int(lengths[0])
            self._state = _LENGTH if self._left else _DONE
        else:
            self._state = _UNTIL_CLOSE


def _status_line(line):
    text = _field_text(line, "the status line")
    version = text[:9]
    code = text[9:12]
    if version not in ("HTTP/1.1 ", "HTTP/1.0 ") or len(code) != 3 or not code.isdigit():
        raise InvalidResponse("invalid status line: %r" % line[:80])
    if len(text) < 13 or text[12] != " ":  # the SP before the reason is not optional
        raise InvalidResponse("invalid status line: %r" % line[:80])
    return TestResponse(int(code), text[13:], version[5:8], None)


def _items(values):
    """The comma-separated items of repeated fields, stripped, empty ones dropped."""
    items = []
    for value in values:
        for item in value.split(","):
            item = item.strip()
            if item:
                items.append(item)
    return items


def _chunk_size(line):
    """RFC 9112 section 7.1: hex digits, then optional extensions (ignored)."""
    text = latin1(line)
    size_text = _split_once(text, ";")[0].rstrip(" \t")
    if not size_text or len(size_text) > 16:
        raise InvalidResponse("invalid chunk size line: %r" % line[:80])
    for char in size_text:
        if char not in _HEX:
            raise InvalidResponse("invalid chunk size line: %r" % line[:80])
    return int(size_text, 16)


class _EventParser:
    """The HTML standard's event stream interpretation (section 9.2.6), fed bytes."""

    def __init__(self):
        self._buf = b""
        self._data = []
        self._event = ""
        self._id = None
        self._retry = None
        self.events = []  # dispatched, not taken yet

    def feed(self, data):
        buf = self._buf + data
        start = 0
        while True:
            end = _line_end(buf, start)
            if end < 0:
                break
            step = 1
            if buf[end:end + 1] == b"\r":
                if end + 1 == len(buf):
                    break  # its LF may come with the next piece
                if buf[end + 1:end + 2] == b"\n":
                    step = 2
            self._line(buf[start:end])
            start = end + step
        self._buf = buf[start:]

    def feed_eof(self):
        if self._buf == b"\r" or self._buf.endswith(b"\r"):
            self._line(self._buf[:-1])
        self._buf = b""  # an unfinished event is dropped, as a browser does

    def _line(self, raw):
        try:
            line = raw.decode("utf-8")
        except UnicodeError:
            raise InvalidResponse("event stream line is not UTF-8: %r" % raw[:80]) from None
        if not line:
            self._dispatch()
            return
        if line[0] == ":":
            return  # a comment (keep-alive)
        name, value = _split_once(line, ":")
        if value[:1] == " ":
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\x00" not in value:
                self._id = value
        elif name == "retry":
            if value.isdigit():
                self._retry = int(value)

    def _dispatch(self):
        data, self._data = self._data, []
        event, self._event = self._event, ""
        if data:  # an event without data is not dispatched (the standard's rule)
            self.events.append(
                ServerSentEvent("\n".join(data), event or "message", self._id, self._retry)
            )


def _line_end(buf, start):
    lf = buf.find(b"\n", start)
    cr = buf.find(b"\r", start)
    if lf < 0 or (0 <= cr < lf):
        return cr
    return lf


# ---- the in-memory connection ----------------------------------------------------------


class _MemoryClient(Client):
    """One connection with no socket. The server's side is XAsyncTCPClient's API (with
    the receive logic of aio's clients: bytes held while nobody receives, UnreadData,
    the peer's end); the test's side writes request bytes and reads what came back.
    Bytes reach the server from the loop (``soon``), never inside the test's call."""

    def __init__(self, driver, address, is_ssl):
        Client.__init__(self, driver)
        self.CliAddr = address
        self.IsSSL = is_ssl
        self._inbox = bytearray()  # sent by the server, not read by the test yet
        self._parked = []  # onDataSent callbacks waiting for the test to read
        self._waker = None
        self.abandoned = False  # the test side hung up

    # ---- the server's side ---------------------------------------------------------

    def _pause(self):
        pass  # no socket to stop reading: aio.Client holds what arrives meanwhile

    def _resume(self):
        pass

    def _behind(self):
        return self._parked or len(self._inbox) > PEER_WINDOW

    @property
    def SendingQueueSize(self):
        return max(0, len(self._inbox) - PEER_WINDOW)

    def TrySendData(self, data):
        if self._closed or self._behind() or not self._driver.in_loop():
            return 0
        self._arrived(data)
        return len(data)

    def AsyncSendData(self, data, onDataSent=None, onDataSentArg=None):
        if self._closed:
            return False
        if not self._driver.in_loop():  # a handler answering from a thread of its own
            self._driver.soon(self.AsyncSendData, data, onDataSent, onDataSentArg)
            return True
        if data:
            self._arrived(data)
        if onDataSent is not None:
            if self._behind():
                self._parked.append((onDataSent, onDataSentArg))
            else:
                self._driver.soon(self._callback, onDataSent, onDataSentArg)
        return True

    def _callback(self, callback, arg):
        if not self._closed:
            callback(self, arg)

    def Close(self):
        if not self._driver.in_loop():
            self._driver.soon(self.Close)
            return
        self._close(CLOSED_BY_HOST)

    def _close(self, reason):
        if self._closed:
            return
        self._parked = []
        self._closed_now(reason)  # what the server sent stays readable
        self._wake()

    def _arrived(self, data):
        self._inbox += data
        self._wake()

    def _wake(self):
        if self._waker is not None:
            self._waker.set()

    # ---- the test's side -----------------------------------------------------------

    def write(self, data):
        self._driver.soon(self._deliver, bytes(data))

    def _deliver(self, data):
        if not self._closed and not self._eof:
            self._received(data)

    def write_eof(self):
        """The test sends nothing more (a shutdown of its sending side)."""
        self._driver.soon(self._deliver_eof)

    def _deliver_eof(self):
        if not self._closed and not self._eof:
            self._peer_ended()

    def abort(self):
        """The test side goes away (the server sees the peer close)."""
        self.abandoned = True
        self._close(CLOSED_BY_PEER)

    async def read(self, deadline):
        """What the server sent since the last read; b"" once it closed and all is read.
        Reading makes room: parked onDataSent callbacks go on."""
        while not self._inbox and not self._closed:
            if self._waker is None:
                self._waker = Waker()
            await _wait(self._waker.wait(), deadline)
        data, self._inbox = bytes(self._inbox), bytearray()
        parked, self._parked = self._parked, []
        for callback, arg in parked:
            self._driver.soon(self._callback, callback, arg)
        return data

    @property
    def closed(self):
        return self._closed


class _Expired(Exception):
    pass


class _Deadline:
    def __init__(self, seconds):
        self.seconds = seconds
        self.at = monotonic() + seconds


async def _wait(awaitable, deadline):
    remaining = deadline.at - monotonic()
    if remaining <= 0:
        raise _Expired()
    try:
        await asyncio.wait_for(awaitable, remaining)
    except asyncio.TimeoutError:
        raise _Expired() from None


class _TestDriver(AioDriver):
    """The server's driver while a test client uses it: no listener; the loop is the one
    the client runs (or awaits in) while it waits for the server."""

    def __init__(self, server):
        AioDriver.__init__(self, server)
        self.bound = server._bindAddr
        self._helper = None
        self._tasks = []  # spawned by the server (handlers, streams, WebSocket tasks)
        if IS_MICROPYTHON:
            self._soon_flag = asyncio.Event()  # AioDriver.soon's, run by _run_soon

    def use(self, loop):
        if loop is not self.loop:
            if self._clients:
                raise TestClientError(
                    "a stream or WebSocket of this client is open on another event loop"
                )
            self.loop = loop
        self._thread = thread_id()
        self.running = True
        if IS_MICROPYTHON and self._helper is None:
            self._helper = asyncio.create_task(self._run_soon())
            if self._soon:
                self._soon_flag.set()

    def spawn(self, coro):
        task = asyncio.create_task(coro)
        self._tasks.append(task)
        return task

    def busy(self):
        """Does the server still use it: an open connection, or a task it spawned that
        has not ended (which would spawn or arm timers without a driver otherwise)?"""
        self._tasks = [task for task in self._tasks if not task.done()]
        return bool(self._clients or self._tasks)

    def release(self):
        self.running = False
        helper, self._helper = self._helper, None
        if helper is not None:
            helper.cancel()

    def accepted(self, client):
        self._clients[id(client)] = client
        self.mws2._accept(client)

    def stop_listening(self):
        self.running = False

    def finish(self, mws2, conns, grace):
        pass  # Stop() from a handler: each connection closes once its answer is sent


# ---- the client ------------------------------------------------------------------------


def _running_loop():
    """The loop running this thread's current code, or None."""
    if IS_MICROPYTHON:
        try:
            asyncio.current_task()
        except RuntimeError:
            return None
        return asyncio.get_event_loop()
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


_SHARED_LOOP = []


def _sync_loop():
    """The loop plain calls run: MicroPython's only one; on CPython one of our own,
    shared by every test client (never one per client left for the collector)."""
    if IS_MICROPYTHON:
        return asyncio.get_event_loop()
    if not _SHARED_LOOP:
        import atexit

        atexit.register(_close_shared_loop)
    if not _SHARED_LOOP or _SHARED_LOOP[0].is_closed():
        _SHARED_LOOP[:] = [asyncio.new_event_loop()]
    return _SHARED_LOOP[0]


def _close_shared_loop():
    """At exit: what a test left running is cancelled, and the loop closed (not left to
    the collector, which warns about an unclosed loop)."""
    loop = _SHARED_LOOP[0]
    if loop.is_closed():
        return
    tasks = asyncio.all_tasks(loop)
    for task in tasks:
        task.cancel()
    if tasks:
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
    loop.close()


class TestClient:
    """Requests and WebSocket sessions against ``server`` (a ``MicroWebSrv2``; a new one
    with the default settings if None), in memory (see the module's documentation).

    ``headers``: sent with every request (``client.headers``, a dict); ``cookies``: the
    initial jar (``client.cookies``, a dict: Set-Cookie answers update it, Max-Age=0 or a
    past Expires removes; Path, Domain and Secure are not looked at); ``host``: the Host
    field; ``client_address``: what ``request.UserAddress`` gives; ``ssl``: what
    ``request.IsSSL`` says; ``timeout``: seconds a call waits for the server;
    ``raise_server_exceptions``: an exception the server logged while a call ran (a
    handler that raised, a failing callback) is raised by that call once it is done (the
    client still got its 500); False to see only what a real client sees.

    Every call has an ``async`` twin (``get_async`` ...) for code inside a running
    event loop. ``with TestClient(...) as client:`` closes what is left open.
    """

    __test__ = False  # not a test class for pytest

    def __init__(self, server=None, headers=None, cookies=None, host="testserver",
                 client_address=("127.0.0.1", 50000), ssl=False,
                 timeout=DEFAULT_TIMEOUT_SEC, raise_server_exceptions=True):
        if server is None:
            server = MicroWebSrv2()
        elif not isinstance(server, MicroWebSrv2):
            raise TypeError('"server" must be a MicroWebSrv2 instance')
        self.server = server
        self.headers = dict(_pairs(headers, "headers"))
        self.cookies = dict(cookies or {})
        self.host = host
        self.client_address = client_address
        self.ssl = ssl
        self.timeout = timeout
        self.raise_server_exceptions = raise_server_exceptions
        self._driver = _TestDriver(server)
        self._calls = 0  # calls under way (async ones may overlap)
        self._checked = False
        self._watching = False
        self._errors = []

    # ---- running calls -------------------------------------------------------------

    def _run(self, coro):
        if _running_loop() is not None:
            coro.close()
            raise TestClientError(
                "a plain test client call cannot run inside a running event loop: "
                "await its *_async twin"
            )
        return _sync_loop().run_until_complete(coro)

    def _begin(self):
        """A call starts (inside the loop): the server is ours until nothing is open."""
        server = self.server
        driver = self._driver
        attach = server._driver is not driver
        if attach and server._driver is not None:
            raise MicroWebSrv2Exception(
                "the server is already running: a test client needs it stopped"
            )
        if attach and not self._checked:
            server._check_root()  # a RootPath that is not there fails as at start
            server._import_serving()
            self._checked = True
        driver.use(_running_loop())
        if attach:
            server._driver = driver
            if self.raise_server_exceptions and not self._watching:
                self._watch_exceptions(server)
        self._calls += 1

    def _end(self):
        self._calls -= 1
        driver = self._driver
        if self._calls or driver.busy():
            return
        driver.release()
        server = self.server
        if server._driver is driver:
            server._driver = None
        if self._watching:
            self._watching = False
            del server._log_exception  # the class's own again

    def _watch_exceptions(self, server):
        log_exception = server._log_exception
        errors = self._errors

        def noted(where, exc):
            errors.append(exc)
            log_exception(where, exc)

        server._log_exception = noted  # for this instance only, while the client uses it
        self._watching = True

    def _raise_server_error(self):
        errors = self._errors
        if errors:
            first = errors[0]
            del errors[:]
            raise first

    async def _call(self, work, *args):
        self._begin()
        try:
            result = await work(*args)
        except TestClientTimeout:
            self._raise_server_error()  # why the answer never came, if the server knows
            raise
        finally:
            self._end()
        self._raise_server_error()
        return result

    # ---- requests ------------------------------------------------------------------

    def request(self, method, path, headers=None, query=None, data=None, json=None,
                form=None, files=None, cookies=None, timeout=None):
        """Send a request and return its whole answer (``TestResponse``).

        ``path``: the path, with or without a query string; ``query``: arguments to add
        (dict, or (name, value) pairs); the body: ``data`` (bytes, str, or an iterable of
        pieces, sent chunked, one write each), or ``json`` (any JSON value), or ``form``
        (URL-encoded fields), or ``files`` with optional ``form`` fields (multipart:
        ``{"field": b"..."}``, ``("name.txt", b"...")`` or ``("name.txt", b"...",
        "text/plain")``); ``cookies``: sent with this request besides the jar's."""
        return self._run(self.request_async(method, path, headers, query, data, json, form,
                                            files, cookies, timeout))

    async def request_async(self, method, path, headers=None, query=None, data=None,
                            json=None, form=None, files=None, cookies=None, timeout=None):
        prepared = self._prepare(method, path, headers, query, data, json, form, files, cookies)
        return await self._call(self._exchange, prepared, timeout, False)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def head(self, path, **kwargs):
        return self.request("HEAD", path, **kwargs)

    def options(self, path, **kwargs):
        return self.request("OPTIONS", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def put(self, path, **kwargs):
        return self.request("PUT", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.request("PATCH", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)

    async def get_async(self, path, **kwargs):
        return await self.request_async("GET", path, **kwargs)

    async def head_async(self, path, **kwargs):
        return await self.request_async("HEAD", path, **kwargs)

    async def options_async(self, path, **kwargs):
        return await self.request_async("OPTIONS", path, **kwargs)

    async def post_async(self, path, **kwargs):
        return await self.request_async("POST", path, **kwargs)

    async def put_async(self, path, **kwargs):
        return await self.request_async("PUT", path, **kwargs)

    async def patch_async(self, path, **kwargs):
        return await self.request_async("PATCH", path, **kwargs)

    async def delete_async(self, path, **kwargs):
        return await self.request_async("DELETE", path, **kwargs)

    def stream(self, method, path, **kwargs):
        """Send a request and return once the answer's head is read: a ``TestStream``
        whose body is read piece by piece (chunks, server-sent events). Same arguments
        as ``request``; ``timeout`` applies to the head and to each read."""
        return self._run(self.stream_async(method, path, **kwargs))

    async def stream_async(self, method, path, headers=None, query=None, data=None,
                           json=None, form=None, files=None, cookies=None, timeout=None):
        prepared = self._prepare(method, path, headers, query, data, json, form, files, cookies)
        return await self._call(self._exchange, prepared, timeout, True)

    def websocket(self, path, headers=None, query=None, subprotocols=None, cookies=None,
                  timeout=None):
        """Open a WebSocket (the RFC 6455 handshake) and return a ``WebSocketSession``.
        Raises ``WebSocketRejected`` if the server answers without switching protocols."""
        return self._run(self.websocket_async(path, headers, query, subprotocols, cookies,
                                              timeout))

    async def websocket_async(self, path, headers=None, query=None, subprotocols=None,
                              cookies=None, timeout=None):
        from wsframe import client_handshake

        key, fields = client_handshake(self.host, subprotocols)
        extra = [(latin1(name), latin1(value)) for name, value in fields[1:]]
        prepared = self._prepare("GET", path, extra + _pairs(headers, "headers"), query,
                                 None, None, None, None, cookies)
        return await self._call(self._open_websocket, prepared, key, subprotocols, timeout)

    def close(self):
        """Close what is left open: streams and WebSockets (their server sees the client
        go), and the tasks the server spawned that still run (cancelled), so that
        nothing of this test runs into the next."""
        if self._driver.busy():
            self._run(self.close_async())

    async def close_async(self):
        self._begin()
        try:
            driver = self._driver
            for client in list(driver._clients.values()):
                client.abort()
            for task in driver._tasks:
                task.cancel()
            for _turn in range(3):  # what the server does about it, and the cancellations
                await asyncio.sleep(0)
        finally:
            self._end()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close_async()
        return False

    # ---- the request's bytes -------------------------------------------------------

    def _prepare(self, method, path, headers, query, data, json_value, form, files, cookies):
        """(method, request head and body bytes, body pieces to send chunked or None)."""
        if not isinstance(method, str) or not method or not _is_token(method):
            raise ValueError('"method" must be an HTTP method name, e.g. "GET"')
        target = _target(path, query)
        content_type, body, pieces = _body(data, json_value, form, files)
        fields = [("Host", self.host), ("User-Agent", USER_AGENT)]
        _override(fields, _pairs(self.headers, "headers"))
        _override(fields, _pairs(headers, "headers"))
        jar = dict(self.cookies)
        jar.update(cookies or {})
        if jar and not _has(fields, "cookie"):
            fields.append(("Cookie", "; ".join([k + "=" + str(v) for k, v in jar.items()])))
        if content_type is not None and not _has(fields, "content-type"):
            fields.append(("Content-Type", content_type))
        if pieces is not None:
            if not _has(fields, "transfer-encoding"):
                fields.append(("Transfer-Encoding", "chunked"))
        elif not _has(fields, "content-length") and (
            body or method in ("POST", "PUT", "PATCH")
        ):
            fields.append(("Content-Length", str(len(body))))
        lines = [method + " " + target + " HTTP/1.1"]
        for name, value in fields:
            lines.append(name + ": " + value)
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
        return method, target, head + body, pieces

    # ---- the exchanges -------------------------------------------------------------

    def _deadline(self, timeout):
        return _Deadline(self.timeout if timeout is None else timeout)

    async def _exchange(self, prepared, timeout, streamed):
        exchange = _Exchange(self, prepared, self._deadline(timeout))
        try:
            answer = await exchange.start()
            if streamed:
                return TestStream(exchange, answer, timeout)
            return await exchange.finish(answer)
        except BaseException:  # whatever stops the exchange, the connection goes too
            exchange.pipe.abort()
            raise

    def _keep_cookies(self, answer):
        for value in answer.headers.get_all("set-cookie"):
            parts = value.split(";")
            name, cookie = _split_once(parts[0], "=")
            name = name.strip()
            if not name:
                continue
            if _expired(parts[1:]):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = cookie.strip()

    async def _open_websocket(self, prepared, key, subprotocols, timeout):
        from wsframe import CLIENT, Connection, HandshakeError, verify_server_handshake

        exchange = _Exchange(self, prepared, self._deadline(timeout))
        try:
            answer = await exchange.start()
            if answer.status != 101:
                raise WebSocketRejected(await exchange.finish(answer))
            try:
                chosen = verify_server_handshake(key, 101, answer.headers.items(), subprotocols)
            except HandshakeError as exc:
                raise InvalidResponse("WebSocket handshake: %s" % exc) from None
        except BaseException:  # whatever stops the handshake, the connection goes too
            exchange.pipe.abort()
            raise
        ws = Connection(CLIENT, max_message=None, trailing_data=exchange.reader.take_rest())
        session = WebSocketSession(self, exchange.pipe, ws, answer, chosen, timeout)
        session._take_events()  # frames that came with the 101 answer
        return session


class _Exchange:
    """One request on a connection of its own, and its answer as the client reads it."""

    def __init__(self, client, prepared, deadline):
        self.client = client
        self.method, self.target, self._request, self._pieces = prepared
        self.deadline = deadline
        self.reader = _AnswerReader(self.method)
        self.pipe = pipe = _MemoryClient(client._driver, client.client_address, client.ssl)
        client._driver.accepted(pipe)

    async def start(self):
        """Send the request; return the answer once its head is read."""
        pipe = self.pipe
        pipe.write(self._request)
        if self._pieces is not None:
            for piece in self._pieces:
                pipe.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
            pipe.write(b"0\r\n\r\n")
        reader = self.reader
        while reader.answer is None:
            await self.read_more()
        self.client._keep_cookies(reader.answer)
        return reader.answer

    async def read_more(self):
        try:
            data = await self.pipe.read(self.deadline)
        except _Expired:
            raise TestClientTimeout("%s %s: no complete answer within %s s" % (
                self.method, self.target, self.deadline.seconds)) from None
        if data:
            self.reader.feed(data)
        else:
            self.reader.feed_eof()

    async def finish(self, answer):
        """Read the rest of the body into ``answer``, then hang up."""
        while not self.reader.done:
            await self.read_more()
        answer.body += b"".join(self.reader.take_pieces())
        await self.hang_up()
        return answer

    async def hang_up(self):
        """The answer is whole: shut our side, then the server closes. Anything it sends
        before that is an error (one request, one answer)."""
        pipe = self.pipe
        if pipe.closed:
            self.reader.feed(await pipe.read(self.deadline))
            return
        pipe.write_eof()
        try:
            while True:
                data = await pipe.read(self.deadline)
                if not data:
                    return
                self.reader.feed(data)
        except _Expired:
            pipe.abort()  # the answer was read; the server not closing is not the test's


def _expired(attributes):
    for attribute in attributes:
        name, value = _split_once(attribute, "=")
        name = name.strip().lower()
        value = value.strip()
        if name == "max-age" and value.lstrip("-").isdigit():
            return int(value) <= 0
        if name == "expires":
            import time

            from .static import epoch_offset, parse_http_date

            when = parse_http_date(value)
            if when is not None and when <= time.time() + epoch_offset():
                return True
    return False


def _is_token(text):
    for char in text:
        if char not in _TCHAR:
            return False
    return True


def _pairs(value, argname):
    """A dict or (name, value) pairs as a list of str pairs; a list value of a dict
    gives one pair per item (repeated query arguments)."""
    if value is None:
        return []
    items = value.items() if isinstance(value, dict) else value
    pairs = []
    try:
        for name, item in items:
            for one in item if isinstance(item, (list, tuple)) else (item,):
                pairs.append((str(name), one if isinstance(one, str) else str(one)))
    except (TypeError, ValueError):
        raise TypeError('"%s" must be a dict or (name, value) pairs' % argname) from None
    for name, item in pairs:
        if "\r" in name or "\n" in name or "\r" in item or "\n" in item:
            raise ValueError('"%s" cannot hold CR or LF: %r' % (argname, name))
    return pairs


def _has(fields, lower_name):
    for name, _value in fields:
        if name.lower() == lower_name:
            return True
    return False


def _override(fields, given):
    """Add ``given`` to ``fields``; a name given replaces the fields of that name."""
    names = [name.lower() for name, _value in given]
    fields[:] = [pair for pair in fields if pair[0].lower() not in names] + given


def _quote(text, safe, plus=False):
    out = []
    for char in text:
        if char in safe:
            out.append(char)
        elif char == " " and plus:
            out.append("+")
        else:
            out.append("".join(["%%%02X" % byte for byte in char.encode("utf-8")]))
    return "".join(out)


def _urlencode(pairs):
    return "&".join(
        [_quote(name, _FORM_SAFE, True) + "=" + _quote(value, _FORM_SAFE, True)
         for name, value in pairs]
    )


def _target(path, query):
    if not isinstance(path, str) or (path[:1] != "/" and path != "*"):
        raise ValueError('"path" must start with "/" (e.g. "/hello?x=1"): %r' % (path,))
    path = _split_once(path, "#")[0]  # a fragment is the browser's, never sent
    target = _quote(path, _TARGET_SAFE)
    pairs = _pairs(query, "query")
    if pairs:
        target += ("&" if "?" in target else "?") + _urlencode(pairs)
    return target


def _body(data, json_value, form, files):
    """(Content-Type or None, body bytes, chunked pieces or None) of a request."""
    given = [name for name, value in (("data", data), ("json", json_value), ("form", form),
                                      ("files", files)) if value is not None]
    if len(given) > 1 and given != ["form", "files"]:
        raise ValueError("give one body: %s" % " or ".join(given))
    if json_value is not None:
        return "application/json", _json.dumps(json_value).encode("utf-8"), None
    if files is not None:
        return _multipart(_pairs(form, "form"), files)
    if form is not None:
        return "application/x-www-form-urlencoded", _urlencode(_pairs(form, "form")).encode(), None
    if data is None:
        return None, b"", None
    if isinstance(data, str):
        return None, data.encode("utf-8"), None
    if isinstance(data, (bytes, bytearray, memoryview)):
        return None, bytes(data), None
    try:
        iterator = iter(data)
    except TypeError:
        raise TypeError('"data" must be bytes, str or an iterable of pieces') from None
    return None, b"", _pieces(iterator)


def _pieces(iterator):
    for piece in iterator:
        if isinstance(piece, str):
            piece = piece.encode("utf-8")
        if piece:  # an empty chunk would end the body
            yield bytes(piece)


def _multipart(fields, files):
    """multipart/form-data (RFC 7578) of text fields and files."""
    parts = []
    for name, value in fields:
        parts.append((name, None, "", value.encode("utf-8")))
    for name, spec in (files.items() if isinstance(files, dict) else files):
        if isinstance(spec, (bytes, bytearray, str)):
            spec = (name, spec)
        filename, content = spec[0], spec[1]
        ctype = spec[2] if len(spec) > 2 else "application/octet-stream"
        if isinstance(content, str):
            content = content.encode("utf-8")
        parts.append((name, filename, ctype, bytes(content)))
    boundary = "mws2-testclient-boundary"
    count = 0
    while any([boundary.encode() in part[3] for part in parts]):
        count += 1
        boundary = "mws2-testclient-boundary-%d" % count
    out = []
    for name, filename, ctype, content in parts:
        disposition = 'form-data; name="%s"' % _quoted(name)
        if filename is not None:
            disposition += '; filename="%s"' % _quoted(filename)
        out.append(b"--" + boundary.encode() + b"\r\n")
        out.append(("Content-Disposition: %s\r\n" % disposition).encode("utf-8"))
        if filename is not None:
            out.append(("Content-Type: %s\r\n" % ctype).encode("utf-8"))
        out.append(b"\r\n" + content + b"\r\n")
    out.append(b"--" + boundary.encode() + b"--\r\n")
    return "multipart/form-data; boundary=" + boundary, b"".join(out), None


def _quoted(text):
    # The HTML standard's escaping of names in multipart/form-data.
    return text.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


# ---- streams ---------------------------------------------------------------------------


class TestStream(TestResponse):
    """An answer read as it comes (``TestClient.stream``): ``status``, ``headers`` at
    once; ``body`` holds what was read so far. ``read_chunk()`` (b"" at the end),
    ``for piece in stream``, ``next_event()`` / ``iter_events()`` (server-sent
    events), ``read()`` (the rest), ``close()`` (hang up: the server sees the client go).
    The ``*_async`` twins (and ``async for``) inside a running loop."""

    __test__ = False  # not a test class for pytest

    def __init__(self, exchange, answer, timeout):
        TestResponse.__init__(self, answer.status, answer.reason, answer.http_version,
                              answer.headers)
        self.interim = answer.interim
        self._exchange = exchange
        self._client = exchange.client
        self._timeout = timeout
        self._events = _EventParser()
        self._over = False  # the body ended (or the stream was closed)
        exchange.reader.answer = self  # trailers land here

    @property
    def closed(self):
        return self._over

    async def _next_piece(self, timeout):
        exchange = self._exchange
        reader = exchange.reader
        pieces = reader.pieces
        if exchange.pipe.abandoned:  # closed (or the client was): what is left is dropped
            self._over = True
            del pieces[:]
        if not pieces and not self._over:
            exchange.deadline = self._client._deadline(
                self._timeout if timeout is None else timeout)
            while not pieces and not reader.done:
                await exchange.read_more()
            if not pieces:
                self._over = True
                self._events.feed_eof()
                await exchange.hang_up()
        if not pieces:
            return b""
        piece = pieces.pop(0)
        self.body += piece
        self._events.feed(piece)
        return piece

    async def _next_event(self, timeout):
        events = self._events.events
        while not events:
            if not await self._next_piece(timeout):
                break  # the body ended: an unfinished event is dropped
        return events.pop(0) if events else None

    async def _close(self):
        if not self._over:
            self._over = True
            self._exchange.pipe.abort()
            await asyncio.sleep(0)

    # ---- plain calls ---------------------------------------------------------------

    def read_chunk(self, timeout=None):
        """The next piece of the body as it came (a chunk); b"" once it ended."""
        return self._client._run(self.read_chunk_async(timeout))

    def read(self, timeout=None):
        """The rest of the body, until it ends; returns the whole ``body``."""
        return self._client._run(self.read_async(timeout))

    def next_event(self, timeout=None):
        """The next server-sent event (``ServerSentEvent``), or None once the body ended."""
        return self._client._run(self.next_event_async(timeout))

    def iter_events(self, timeout=None):
        while True:
            event = self.next_event(timeout)
            if event is None:
                return
            yield event

    def close(self):
        """Hang up (the server sees the client go: an EventStream's OnClosed runs)."""
        if not self._over:
            self._client._run(self.close_async())

    def __iter__(self):
        while True:
            piece = self.read_chunk()
            if not piece:
                return
            yield piece

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # ---- async twins ---------------------------------------------------------------

    async def read_chunk_async(self, timeout=None):
        return await self._client._call(self._next_piece, timeout)

    async def read_async(self, timeout=None):
        while await self.read_chunk_async(timeout):
            pass
        return self.body

    async def next_event_async(self, timeout=None):
        return await self._client._call(self._next_event, timeout)

    def iter_events_async(self, timeout=None):
        """``async for event in stream.iter_events_async()``."""
        return _AsyncIterator(self.next_event_async, timeout, None)

    async def close_async(self):
        await self._client._call(self._close)

    def __aiter__(self):
        return _AsyncIterator(self.read_chunk_async, None, b"")

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close_async()
        return False


class _AsyncIterator:
    """``async for`` over a coroutine function until it returns ``end`` (MicroPython has
    no async generators)."""

    def __init__(self, next_async, timeout, end):
        self._next = next_async
        self._timeout = timeout
        self._end = end

    def __aiter__(self):
        return self

    async def __anext__(self):
        item = await self._next(self._timeout)
        if item == self._end:
            raise StopAsyncIteration
        return item


# ---- WebSocket sessions ----------------------------------------------------------------


class WebSocketSession:
    """The client's end of a WebSocket (``TestClient.websocket``).

    ``send(message)`` (str: text, bytes-like: binary) returns once the server has read
    it; ``receive(timeout=None)`` gives the next message (str or bytes), None once the
    WebSocket is closed, and raises TestClientTimeout if none comes in time; ``close(code,
    reason)`` runs the close handshake. Pings are answered. ``response`` (the 101
    answer), ``subprotocol``, ``closed``, ``close_code`` and ``close_reason`` (the
    server's close frame; 1006 if it closed without one). ``*_async`` twins, ``async
    for message in ws`` and ``async with`` inside a running loop."""

    def __init__(self, client, pipe, ws, response, subprotocol, timeout):
        self._client = client
        self._pipe = pipe
        self._ws = ws
        self._timeout = timeout
        self.response = response
        self.subprotocol = subprotocol
        self.close_code = None
        self.close_reason = None
        self._messages = []
        self._over = False  # the connection is closed: nothing more will come

    @property
    def closed(self):
        return self._over or self._ws.state != "OPEN"

    def _deadline(self, timeout):
        return self._client._deadline(self._timeout if timeout is None else timeout)

    async def _send(self, message):
        ws = self._ws
        if self._over or ws.state != "OPEN":
            raise TestClientError("the WebSocket is closed (code %s)" % self.close_code)
        if isinstance(message, str):
            frame = ws.send_text(message)
        elif isinstance(message, (bytes, bytearray, memoryview)):
            frame = ws.send_bytes(message)
        else:
            raise TypeError('"message" must be str (text) or bytes-like (binary)')
        self._pipe.write(frame)
        await self._settle()

    async def _settle(self):
        """Return once the server has read what was written (the loop runs the writes
        in order: a marker after them is reached when they are done)."""
        waker = Waker()
        self._client._driver.soon(waker.set)
        await waker.wait()

    async def _receive(self, timeout):
        deadline = self._deadline(timeout)
        while not self._messages and not self._over:
            await self._read(deadline, "no WebSocket message")
        return self._messages.pop(0) if self._messages else None

    async def _read(self, deadline, missing):
        try:
            data = await self._pipe.read(deadline)
        except _Expired:
            raise TestClientTimeout("%s within %s s" % (missing, deadline.seconds)) from None
        if not data:
            self._over = True  # the server closed: read no more
        self._ws.receive_data(data)
        self._take_events()

    def _take_events(self):
        """Turn the frames received so far into messages (and answers to pings)."""
        from wsframe import ProtocolError

        try:
            for event in self._ws.events():
                self._on_event(event)
        except ProtocolError as exc:
            self._pipe.abort()
            self._over = True
            raise InvalidResponse("WebSocket protocol error from the server: %s" % exc) from None

    def _on_event(self, event):
        from wsframe import BytesMessage, CloseConnection, Ping, TextMessage

        kind = type(event)
        if kind is TextMessage:
            self._messages.append(event.data)
        elif kind is BytesMessage:
            self._messages.append(bytes(event.data))
        elif kind is Ping:
            if self._ws.state == "OPEN":
                self._pipe.write(self._ws.send(event.response()))
        elif kind is CloseConnection:
            if self.close_code is None:
                self.close_code = event.code
                self.close_reason = event.reason
            if self._ws.state == "REMOTE_CLOSING":
                # Echo the code (RFC 6455 5.5.1); 1005/1006 never go on the wire.
                code = event.code if event.code not in (1005, 1006) else 1000
                self._pipe.write(self._ws.close(code, ""))

    async def _close(self, code, reason):
        if self._over:
            return
        if self._ws.state == "OPEN":
            self._pipe.write(self._ws.close(code, reason))
        deadline = self._deadline(None)
        try:
            while not self._over:
                await self._read(deadline, "the server did not complete the close handshake")
        except TestClientTimeout:
            self._pipe.abort()
            self._over = True
            raise

    # ---- plain calls ---------------------------------------------------------------

    def send(self, message):
        self._client._run(self.send_async(message))

    def receive(self, timeout=None):
        return self._client._run(self.receive_async(timeout))

    def close(self, code=1000, reason=""):
        if not self._over:
            self._client._run(self.close_async(code, reason))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # ---- async twins ---------------------------------------------------------------

    async def send_async(self, message):
        await self._client._call(self._send, message)

    async def receive_async(self, timeout=None):
        return await self._client._call(self._receive, timeout)

    async def close_async(self, code=1000, reason=""):
        await self._client._call(self._close, code, reason)

    def __aiter__(self):
        return _AsyncIterator(self.receive_async, None, None)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close_async()
        return False
