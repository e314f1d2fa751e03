"""The WebSockets module: ``MicroWebSrv2.LoadModule('WebSockets')``.

The handshake and every frame are wsframe's work; this module accepts the upgrade
(RFC 6455 section 4.2), hands the connection's bytes to a ``wsframe.Connection``, and
turns its events into MicroWebSrv2's WebSocket callbacks. Pings are answered, the close
handshake is completed (section 7), and a protocol violation closes with wsframe's code.
"""

from wsframe import (
    SERVER,
    BytesMessage,
    CloseConnection,
    Connection,
    HandshakeError,
    Ping,
    Pong,
    ProtocolError,
    TextMessage,
    server_handshake,
)

from ..compat import const, elapsed_since, latin1, monotonic, new_lock

# After we sent our close frame, how long the peer has to answer with its own.
CLOSE_WAIT_SEC = 2
# Control frames (pings, pongs) a peer may send in a burst, and then per second.
CONTROL_BURST = 32
CONTROL_RATE = 8
_POLICY_VIOLATION = const(1008)
# Messages waiting for Receive() before the connection stops reading from the peer.
RECEIVE_QUEUE_MAX = 8
# Bytes queued for the peer above which ``await webSocket.Send()`` waits for them to go.
SEND_HIGH_WATER = 64 * 1024
# Close codes (RFC 6455 section 7.4.1).
_NORMAL = const(1000)
_GOING_AWAY = const(1001)
_INTERNAL_ERROR = const(1011)
_MESSAGE_TOO_BIG = const(1009)


def _to_str(value):
    return latin1(value) if isinstance(value, bytes) else value


class WebSockets:
    """Accepts WebSocket upgrades for every MicroWebSrv2 instance."""

    def __init__(self):
        self._onWebSocketProtocol = None
        self._onWebSocketAccepted = None

    def OnRequest(self, microWebSrv2, request):
        if not request.IsUpgrade or request.Upgrade.lower() != "websocket":
            return
        if self._onWebSocketAccepted is None:
            microWebSrv2.Log(
                "WebSocket refused: OnWebSocketAccepted is not set", microWebSrv2.WARNING
            )
            return
        response = request.Response
        try:
            headers = server_handshake(
                request._rawHeaders,
                subprotocols=self._chooser(microWebSrv2),
                method=request.Method.encode(),
                http_version=request.HttpVer[5:].encode(),
            )
        except HandshakeError as exc:
            for name, value in exc.headers:
                response.SetHeader(_to_str(name), _to_str(value))
            response.Return(exc.status_code, exc.message)
            return
        for name, value in headers:
            name = _to_str(name)
            if name.lower() not in ("upgrade", "connection"):
                response.SetHeader(name, _to_str(value))
        webSocket = WebSocket(microWebSrv2, request)
        response.SwitchingProtocols("websocket")
        webSocket._accepted(self._onWebSocketAccepted)

    def _chooser(self, mws2):
        choose = self._onWebSocketProtocol
        if choose is None:
            return None

        def pick(offered):
            chosen = choose(mws2, offered)
            return chosen if chosen in offered else None  # never answer what was not offered

        return pick

    @property
    def OnWebSocketProtocol(self):
        return self._onWebSocketProtocol

    @OnWebSocketProtocol.setter
    def OnWebSocketProtocol(self, value):
        if value is not None and not callable(value):
            raise TypeError('"OnWebSocketProtocol" must be a function or None')
        self._onWebSocketProtocol = value

    @property
    def OnWebSocketAccepted(self):
        return self._onWebSocketAccepted

    @OnWebSocketAccepted.setter
    def OnWebSocketAccepted(self, value):
        if value is not None and not callable(value):
            raise TypeError('"OnWebSocketAccepted" must be a function or None')
        self._onWebSocketAccepted = value


class WebSocket:
    """One accepted WebSocket (given to OnWebSocketAccepted)."""

    def __init__(self, microWebSrv2, request):
        self._mws2 = microWebSrv2
        self._request = request
        self._conn = request._conn
        self._client = self._conn.client
        self._lock = new_lock()
        self._ws = Connection(SERVER, max_message=microWebSrv2.MaxRequestContentLength)
        self._maxRecvMessageLength = microWebSrv2.MaxRequestContentLength

    # The rest starts from class-level values: an instance holds only what changed (a
    # board keeps a few hundred bytes less per open WebSocket).
    _waitFrameTimeoutSec = 10
    _onTextMessage = None
    _onBinaryMessage = None
    _onClosed = None
    _closedNotified = False
    _heard = True
    _pinged = False
    _timer = None
    _outq = ()  # [(frame bytes, then close)] once a frame waits
    _flushing = False
    _failed = False
    _received = None  # messages waiting for Receive()
    _waker = None  # wake.Waker of a coroutine in Receive() or Send()
    _paused = False  # reading stopped until Receive() catches up
    _controlTokens = CONTROL_BURST  # see _control_frame_allowed
    _controlAt = None

    # ---- start ---------------------------------------------------------------------

    def _accepted(self, on_accepted):
        try:
            result = on_accepted(self._mws2, self)
        except Exception as exc:  # the application failed to take the socket: close it
            self._mws2._log_exception("OnWebSocketAccepted", exc)
            self._send_close(_INTERNAL_ERROR, "")
            result = None
        if result is not None and hasattr(result, "send"):
            # ``async def OnWebSocketAccepted``: the WebSocket's own task, which reads
            # with ``await webSocket.Receive()`` / ``async for``; see _run_accepted.
            self._mws2._spawn(self._run_accepted(result))
        self._apply_limit()
        trailing = getattr(self._conn, "trailing_data", b"")
        self._conn.take_over(self._on_data, self._on_transport_closed, None)
        self._arm_watchdog()
        if trailing:
            self._on_data(trailing)

    def _apply_limit(self):
        # The application may change the limit in OnWebSocketAccepted (or later): from
        # the next message on (wsframe's writable max_message).
        self._ws.max_message = self._maxRecvMessageLength

    async def _run_accepted(self, coro):
        """The task of an ``async def OnWebSocketAccepted``. When it returns, the WebSocket
        closes (1000) unless message callbacks were set to go on without it; when it
        raises, it closes with 1011 (internal error)."""
        try:
            await coro
        except Exception as exc:  # an application bug: logged, the socket closes
            self._mws2._log_exception("OnWebSocketAccepted", exc)
            self._send_close(_INTERNAL_ERROR, "")
            return
        if self._onTextMessage is None and self._onBinaryMessage is None:
            self._send_close(_NORMAL, "")

    # ---- receive (the client's xasync callbacks) -----------------------------------

    def _on_data(self, data):
        if self._closedNotified or self._failed:
            return
        self._heard = True
        self._pinged = False
        try:
            with self._lock:
                self._ws.receive_data(bytes(data) if data else b"")
            for event in self._ws.events():
                self._on_event(event)
        except ProtocolError as exc:
            self._mws2.Log("WebSocket closed on a protocol error: %s" % exc, self._mws2.DEBUG)
            self._fail(exc.code)
        except MemoryError:
            # A board out of RAM for this message: say "too big" (1009) and close, rather
            # than dropping the connection without a close frame.
            self._mws2.Log("WebSocket message too big for free memory", self._mws2.WARNING)
            self._fail(_MESSAGE_TOO_BIG)

    def _fail(self, code):
        """Close on an error the peer made: our close frame goes out, then what the peer
        still sends is read and dropped until it closes, CLOSE_WAIT_SEC at most. (Closing
        at once with its bytes unread would reset the connection, and the peer would
        lose our close frame and its code.)"""
        self._failed = True
        if self._ws.state in ("OPEN", "REMOTE_CLOSING"):
            self._send(lambda ws: ws.close(code, ""))
        self._after(CLOSE_WAIT_SEC, self._client_close)

    def _on_event(self, event):
        kind = type(event)
        if kind is TextMessage:
            if self._onTextMessage is not None:
                self._call(self._onTextMessage, event.data)
            else:
                self._queue_message(event.data)
        elif kind is BytesMessage:
            if self._onBinaryMessage is not None:
                self._call(self._onBinaryMessage, memoryview(event.data))
            else:
                self._queue_message(bytes(event.data))
        elif kind is Ping:
            if self._control_frame_allowed():
                self._send(lambda ws: ws.send(event.response()))
        elif kind is Pong:
            self._control_frame_allowed()  # _on_data already noted the peer is alive
        elif kind is CloseConnection:
            self._on_peer_close(event)

    def _control_frame_allowed(self):
        """Pings and pongs at a sane rate: a burst of CONTROL_BURST, then
        CONTROL_RATE a second. A flood of them (each needs work and a ping an answer)
        closes with 1008, policy violation (RFC 6455 section 7.4.1)."""
        tokens = self._controlTokens
        at = self._controlAt
        if at is not None:  # elapsed_since: right across MicroPython's ticks wrap
            tokens += elapsed_since(at) * CONTROL_RATE
        self._controlAt = monotonic()
        if tokens > CONTROL_BURST:
            tokens = CONTROL_BURST
        if tokens < 1:
            self._mws2.Log("WebSocket closed: ping/pong flood", self._mws2.DEBUG)
            self._fail(_POLICY_VIOLATION)
            return False
        self._controlTokens = tokens - 1
        return True

    def _queue_message(self, message):
        """No callback takes this kind of message: it waits for Receive(). Past a few
        waiting messages the connection stops reading (back-pressure: the kernel then
        throttles the peer) until Receive() catches up."""
        queue = self._received
        if queue is None:
            queue = self._received = []
        queue.append(message)
        if len(queue) >= RECEIVE_QUEUE_MAX and not self._paused:
            self._paused = True
            self._conn.pause_upgraded()
        self._wake()

    def _wake(self):
        waker = self._waker
        if waker is not None:
            waker.set()

    def _call(self, callback, message):
        try:
            callback(self, message)
        except Exception as exc:  # an application bug: log it, the socket goes on
            self._mws2._log_exception("WebSocket message callback", exc)

    def _on_peer_close(self, event):
        code = event.code
        if self._ws.state == "REMOTE_CLOSING":
            # Echo the code (RFC 6455 5.5.1); 1005/1006 are never sent on the wire.
            reply = code if code not in (1005, 1006) else _NORMAL
            self._send(lambda ws: ws.close(reply, ""), then_close=True)
        else:
            self._client_close()  # answer to our own close frame: the handshake is done

    # ---- send (any thread) ---------------------------------------------------------

    def _send(self, make_bytes, then_close=False):
        """Frame under the lock; hand frames to xasync in order, outside the lock (xasync
        may call OnClosed inline, and OnClosed may send)."""
        with self._lock:
            if self._closedNotified:
                return False
            try:
                data = make_bytes(self._ws)
            except MemoryError as exc:  # a board's heap cannot hold the frame: not sent
                self._log_no_memory(exc)
                return False
            except Exception as exc:  # wsframe refuses (state) or bad payload: not sent
                self._mws2.Log("WebSocket send refused: %s" % exc, self._mws2.DEBUG)
                return False
            if self._outq:
                self._outq.append((data, then_close))
            else:
                self._outq = [(data, then_close)]
            if self._flushing:
                return True
            self._flushing = True
        while True:
            with self._lock:
                if not self._outq:
                    self._flushing = False
                    return True
                data, then_close = self._outq.pop(0)
            if then_close:
                self._client.AsyncSendData(data, lambda cli, arg: cli.Close())
            else:
                self._client.AsyncSendData(data)

    def _send_close(self, code, reason):
        if self._ws.state in ("OPEN", "REMOTE_CLOSING"):
            remote = self._ws.state == "REMOTE_CLOSING"
            self._send(lambda ws: ws.close(code, reason), then_close=remote or code != _NORMAL)
            if not remote and code == _NORMAL:
                self._after(CLOSE_WAIT_SEC, self._client_close)
        else:
            self._client_close()

    def _client_close(self):
        self._client.Close()

    def SendTextMessage(self, msg):
        """Send a text message (empty allowed, RFC 6455 5.6); False if closed or if the
        frame cannot be allocated (logged at WARNING)."""
        if not isinstance(msg, str):
            raise TypeError('"msg" must be a string')
        return self._send(lambda ws: ws.send_text(msg))

    def SendBinaryMessage(self, msg):
        """Send a binary message (bytes-like, empty allowed); False if closed or if the
        frame cannot be allocated (logged at WARNING)."""
        if msg is None or isinstance(msg, (str, int, float, bool)):
            raise TypeError('"msg" must be bytes or convertible into bytes')
        if isinstance(msg, (bytes, bytearray, memoryview)):
            data = msg  # wsframe takes any bytes-like: no copy of our own
        else:
            try:
                data = bytes(msg)
            except TypeError:
                raise TypeError('"msg" must be bytes or convertible into bytes') from None
            except MemoryError as exc:  # same outcome as a frame that cannot be built
                self._log_no_memory(exc)
                return False
        return self._send(lambda ws: ws.send_bytes(data))

    def _log_no_memory(self, exc):
        self._mws2.Log(
            "WebSocket message not sent (out of memory): %s" % exc, self._mws2.WARNING
        )

    def Close(self):
        """Start the close handshake (code 1000); the TCP connection follows."""
        self._send_close(_NORMAL, "")

    # ---- the async API (asyncio mode, or async def handlers in the pool mode) ------

    async def Receive(self):
        """The next message: ``str`` (text) or ``bytes`` (binary); None once closed.

        Messages of a kind with a callback set (OnTextMessage / OnBinaryMessage) go to
        that callback, not here."""
        while True:
            queue = self._received
            if queue:
                message = queue.pop(0)
                if self._paused and len(queue) < RECEIVE_QUEUE_MAX // 2:
                    self._paused = False
                    self._conn.resume_upgraded()
                return message
            if self._closedNotified or self._failed:
                return None
            if self._waker is None:
                # Pool mode: a message queued on a pool thread before the waker existed
                # woke nobody; look again before the first wait.
                self._waiter()
                continue
            await self._waker.wait()

    def __aiter__(self):
        return self

    async def __anext__(self):
        message = await self.Receive()
        if message is None:
            raise StopAsyncIteration
        return message

    async def Send(self, msg):
        """Send ``msg`` (``str``: text, bytes-like: binary); wait while the peer is
        behind (more than SEND_HIGH_WATER bytes queued). False if closed."""
        if isinstance(msg, str):
            sent = self.SendTextMessage(msg)
        else:
            sent = self.SendBinaryMessage(msg)
        client = self._client
        while sent and not self._closedNotified and client.SendingQueueSize > SEND_HIGH_WATER:
            waker = self._waiter()
            # Called once every byte queued before it is sent.
            client.AsyncSendData(b"", _wake_waker, waker)
            await waker.wait()
        return sent and not self._closedNotified

    def _waiter(self):
        waker = self._waker
        if waker is None:
            from ..wake import Waker

            waker = self._waker = Waker()
        return waker

    # ---- liveness ------------------------------------------------------------------

    def _after(self, seconds, func):
        return self._mws2._call_later(seconds, func)

    def _arm_watchdog(self):
        if self._waitFrameTimeoutSec and not self._closedNotified:
            self._timer = self._after(self._waitFrameTimeoutSec, self._watchdog)

    def _watchdog(self):
        # WaitFrameTimeoutSec without a frame: ping once; still nothing after another
        # period: the peer is gone, close with 1001 (going away).
        if self._closedNotified:
            return
        if self._heard:
            self._heard = False
        elif not self._pinged:
            self._pinged = True
            self._send(lambda ws: ws.ping(b"mws2"))
        else:
            self._send_close(_GOING_AWAY, "no frame received")
            return
        self._arm_watchdog()

    def _on_transport_closed(self, reason):
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        # No lock here: xasync may call this inline from inside _send's AsyncSendData.
        if self._closedNotified:
            return
        self._closedNotified = True
        self._wake()  # Receive() returns None, Send() False
        if self._onClosed is not None:
            try:
                self._onClosed(self)
            except Exception as exc:  # an application bug in OnClosed: logged
                self._mws2._log_exception("WebSocket OnClosed", exc)

    # ---- properties ----------------------------------------------------------------

    @property
    def Request(self):
        return self._request

    @property
    def IsClosed(self):
        return self._closedNotified or self._ws.state != "OPEN"

    @property
    def WaitFrameTimeoutSec(self):
        return self._waitFrameTimeoutSec

    @WaitFrameTimeoutSec.setter
    def WaitFrameTimeoutSec(self, value):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError('"WaitFrameTimeoutSec" must be a positive integer')
        self._waitFrameTimeoutSec = value

    @property
    def MaxRecvMessageLength(self):
        return self._maxRecvMessageLength

    @MaxRecvMessageLength.setter
    def MaxRecvMessageLength(self, value):
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError('"MaxRecvMessageLength" must be a positive integer or None')
        self._maxRecvMessageLength = value
        self._apply_limit()

    @property
    def OnTextMessage(self):
        return self._onTextMessage

    @OnTextMessage.setter
    def OnTextMessage(self, value):
        self._onTextMessage = _callback(value, "OnTextMessage")

    @property
    def OnBinaryMessage(self):
        return self._onBinaryMessage

    @OnBinaryMessage.setter
    def OnBinaryMessage(self, value):
        self._onBinaryMessage = _callback(value, "OnBinaryMessage")

    @property
    def OnClosed(self):
        return self._onClosed

    @OnClosed.setter
    def OnClosed(self, value):
        self._onClosed = _callback(value, "OnClosed")


def _wake_waker(client, waker):
    waker.set()


def _callback(value, name):
    if value is not None and not callable(value):
        raise TypeError('"%s" must be a function or None' % name)
    return value
