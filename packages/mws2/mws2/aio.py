"""The asyncio driver: mws2 as one task of the application's asyncio loop.

``await server.StartAsync()`` listens, then serves until ``Stop()``: no thread, no second
loop. Every accepted connection gets a client object with the part of XAsyncTCPClient's
API that the connection core (``connection.HttpConnection``) and the WebSockets module
use, so requests, responses, routes, files and modules are the very same code as in the
pool mode; only the moving of bytes differs:

- CPython: an ``asyncio.Protocol`` per connection (the transport buffers writes, pauses
  and resumes reading): the fast path of asyncio, the one uvicorn uses.
- MicroPython: the firmware's asyncio streams (frozen in flash: no heap for its code).
  The connection's own task reads; writes go straight to the socket, and a writer task
  exists only while the socket does not take what is written.

Timeouts: one reaper task per server wakes while connections are open (a few times per
RequestsTimeoutSec) and lets each connection close itself if it waited too long, or if
its peer stopped reading an answer (SendTimeoutSec).
"""

import asyncio

from .compat import IS_MICROPYTHON, NO_LOCK as _NO_LOCK, collect_garbage, monotonic, thread_id

# How long a TLS handshake may take (a board's RSA takes a second or two).
TLS_HANDSHAKE_SEC = 5
# XAsyncSockets' close reasons (xasync.XClosedReason), without importing xasync.
ERROR = 0
CLOSED_BY_HOST = 1
CLOSED_BY_PEER = 2
TIMEOUT = 3


class Client:
    """What both kinds of connection share: XAsyncTCPClient's names, the read state."""

    IsSSL = False
    CliAddr = None
    SendTimeoutSec = None
    OnClosed = None
    _on_data = None
    _on_shut = None
    _arg = None
    _closed = False
    _eof = False
    _stall = None  # (queued bytes, since when) while the peer does not take our bytes

    _held = ()  # [bytes] received (or unread) while nobody was receiving

    def __init__(self, driver):
        self._driver = driver

    def AsyncRecvStream(self, onDataRecv, onDataRecvArg=None, timeoutSec=None,
                        onPeerShutdown=None):
        self._on_data = onDataRecv
        self._arg = onDataRecvArg
        self._on_shut = onPeerShutdown
        if self._held or self._eof:
            self._driver.soon(self._release)  # never inside the caller's own call
        else:
            self._resume()

    def StopRecvStream(self):
        self._on_data = None
        self._pause()

    def UnreadData(self, data):
        if data:
            self._held = [bytes(data)] + list(self._held)

    def _release(self):
        """Hand what was held to the receiver, then read on (or report the end)."""
        while self._held and self._on_data is not None and not self._closed:
            self._on_data(self, self._held.pop(0), self._arg)
        if self._on_data is None or self._closed:
            return
        if self._eof:
            self._peer_ended()
        else:
            self._resume()

    def _received(self, data):
        if self._on_data is not None and not self._held:
            self._on_data(self, data, self._arg)
        else:
            if self._held:
                self._held.append(data)
            else:
                self._held = [data]
            self._pause()

    def _peer_ended(self):
        self._eof = True
        if self._on_data is None or self._held:
            return  # reported once what is held has been read
        on_shut = self._on_shut
        self._on_data = None
        if on_shut is not None:
            on_shut(self, self._arg)
        else:
            self._close(CLOSED_BY_PEER)

    def _closed_now(self, reason):
        if self._closed:
            return
        self._closed = True
        # Only attributes set before are reset: a first assignment may need heap, and
        # this runs when a full heap made a connection fail (see connection._on_closed).
        if self._on_data is not None or self._on_shut is not None:
            self._on_data = self._on_shut = None
        if self._held:
            self._held = ()
        self._driver.forget(self)
        on_closed = self.OnClosed
        if on_closed is not None:
            self.OnClosed = None
            on_closed(self, reason)

    def Close(self):
        self._close(CLOSED_BY_HOST)

    def check_send_stall(self, now):
        """Reaper: close a peer that took none of our queued bytes for SendTimeoutSec."""
        queued = self.SendingQueueSize
        if not queued or not self.SendTimeoutSec:
            self._stall = None
            return
        stall = self._stall
        if stall is None or stall[0] != queued:
            self._stall = (queued, now)
        elif now - stall[1] > self.SendTimeoutSec:
            self._close(TIMEOUT)


class AioDriver:
    """One listening server of a MicroWebSrv2 instance, run by ``StartAsync()``."""

    def __init__(self, mws2):
        self.mws2 = mws2
        self.loop = None
        self.ssl_context = mws2._sslContext
        self.bound = None
        self.running = False
        self._listener = None
        self._stop = None  # an Event: set by stop()
        self._work = None  # an Event: set when a connection arrives (wakes the reaper)
        self._clients = {}
        self._soon = []
        self._soon_flag = None
        self._thread = None
        self._finishing = ((), 0)
        self._read_buffer = None  # MicroPython: (bytearray, memoryview) every task reads into
        self._done = None  # a threading.Event while another thread waits for the end

    # ---- what the server asks of a driver ------------------------------------------

    async def serve(self):
        """Listen, serve until stop(), then close what is left."""
        mws2 = self.mws2
        self.loop = asyncio.get_event_loop()
        self._stop = asyncio.Event()
        self._work = asyncio.Event()
        self._thread = thread_id()
        host, port = mws2._bindAddr
        try:
            await self._listen(host, port, mws2._backlog)
        except OSError as exc:
            raise mws2._listen_error(exc) from None
        self.running = True
        mws2._started(self)
        reaper = asyncio.create_task(self._reap())
        helper = asyncio.create_task(self._run_soon()) if IS_MICROPYTHON else None
        try:
            await self._stop.wait()
            # Stop(): the answers in flight get until the deadline, then what is left
            # closes.
            conns, deadline = self._finishing
            while monotonic() < deadline and _any_open(conns):
                await asyncio.sleep(0.02)
        finally:
            self.running = False
            self._close_listener()
            for client in list(self._clients.values()):
                client.Close()
            reaper.cancel()
            if helper is not None:
                helper.cancel()
            mws2._stopped(self)
            if self._done is not None:
                self._done.set()

    def stop_listening(self):
        if self._stop is None:
            return
        if IS_MICROPYTHON or self.in_loop():
            self.running = False
            self._close_listener()
        else:
            self.loop.call_soon_threadsafe(self.stop_listening)

    def finish(self, mws2, conns, grace):
        """Let ``conns`` finish within ``grace`` seconds (serve() waits for them), then
        StartAsync returns. From another thread (CPython), wait here for that end."""
        if self._stop is None:
            return
        self._finishing = ([conn for conn in conns if not conn.closed], monotonic() + grace)
        if IS_MICROPYTHON or self.in_loop():
            self._stop.set()
            return
        import threading

        self._done = threading.Event()
        self.loop.call_soon_threadsafe(self._stop.set)
        self._done.wait(grace + 5)

    def in_loop(self):
        return thread_id() == self._thread

    def call_later(self, seconds, func, *args):
        if not IS_MICROPYTHON:
            if self.in_loop():
                return self.loop.call_later(seconds, func, *args)
            from .aio_cpython import ThreadsafeTimer

            return ThreadsafeTimer(self.loop, seconds, func, args)
        return asyncio.create_task(_later(self.mws2, seconds, func, args))

    def spawn(self, coro):
        return asyncio.create_task(coro)

    def soon(self, func, *args):
        """Run ``func(*args)`` after the current callback returns, on the loop."""
        if not IS_MICROPYTHON:
            if self.in_loop():
                self.loop.call_soon(func, *args)
            else:
                self.loop.call_soon_threadsafe(func, *args)
            return
        self._soon.append((func, args))
        self._soon_flag.set()

    if IS_MICROPYTHON:

        def new_lock(self):
            """The connections of a board's asyncio mode all run on the loop's thread."""
            return _NO_LOCK

        def read_buffer(self, size):
            shared = self._read_buffer
            if shared is None or len(shared[0]) < size:
                buf = bytearray(size)
                shared = self._read_buffer = (buf, memoryview(buf))
            return shared

    def log_debug(self, text, exc):
        """``text % exc`` at DEBUG. Never raises: it is called where a connection has
        just failed, maybe on a full heap, and the caller must go on."""
        try:
            self.mws2.Log(text % (exc,), self.mws2.DEBUG)
        except Exception:  # no heap even for the message: it is lost, nothing else
            pass

    # ---- listening -----------------------------------------------------------------

    async def _listen(self, host, port, backlog):
        # Each runtime listens its own way (a board never loads CPython's side).
        if IS_MICROPYTHON:
            self._soon_flag = asyncio.Event()
            collect_garbage()
            from .aio_micropython import listen
        else:
            from .aio_cpython import listen
        self._listener, self.bound = await listen(self, host, port, backlog)

    def _close_listener(self):
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()

    # ---- connections ---------------------------------------------------------------

    def accepted(self, client):
        if not self.running:
            client.Close()
            return
        self._clients[id(client)] = client
        self._work.set()
        self.mws2._accept(client)

    def forget(self, client):
        self._clients.pop(id(client), None)

    async def _reap(self):
        """While connections are open: their timeouts, a few times per period."""
        mws2 = self.mws2
        while True:
            if not self._clients:
                self._work.clear()
                await self._work.wait()
            await asyncio.sleep(mws2._sweep_period())
            mws2._sweep_connections()
            try:
                now = monotonic()
                for client in list(self._clients.values()):
                    client.check_send_stall(now)
            except Exception as exc:  # MemoryError on a full heap: the next round tries again
                mws2._log_exception("Send stall check", exc)

    async def _run_soon(self):
        """MicroPython's asyncio has no call_soon: one task runs what was deferred."""
        flag = self._soon_flag
        while True:
            await flag.wait()
            flag.clear()
            queue, self._soon = self._soon, []
            for func, args in queue:
                try:
                    func(*args)
                except Exception as exc:  # one failed callback must not stop the others
                    self.mws2._log_exception("Deferred callback", exc)


def _any_open(conns):
    for conn in conns:
        if not conn.closed:
            return True
    return False


async def _later(mws2, seconds, func, args):
    await asyncio.sleep(seconds)
    try:
        func(*args)
    except Exception as exc:  # logged like a callback's (the task ends either way)
        mws2._log_exception("Timer callback", exc)


