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

from .compat import IS_MICROPYTHON, NO_LOCK as _NO_LOCK, monotonic, thread_id

# XAsyncSockets' close reasons (xasync.XClosedReason), without importing xasync.
ERROR = 0
CLOSED_BY_HOST = 1
CLOSED_BY_PEER = 2
TIMEOUT = 3


class _Client:
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

    def __init__(self, driver):
        self._driver = driver
        self._held = []  # bytes received (or unread) while nobody was receiving

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
            self._held.insert(0, bytes(data))

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
            self._held.append(data)
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
        self._on_data = self._on_shut = None
        self._held = []
        self._driver.forget(self)
        on_closed, self.OnClosed = self.OnClosed, None
        if on_closed is not None:
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


if not IS_MICROPYTHON:
    # Bytes per loop.sendfile call: a slice sent is progress the reaper can see.
    FILE_STEP = 256 * 1024

    class _ProtocolClient(_Client, asyncio.Protocol):
        """CPython: one connection as an asyncio Protocol."""

        transport = None
        _paused_writing = False
        _file_busy = False
        _file_task = None

        def __init__(self, driver):
            _Client.__init__(self, driver)
            self._waiting = []  # (callback, arg) to call once every written byte is sent
            self._after_file = []  # sends queued behind a file being sent

        # ---- asyncio.Protocol ------------------------------------------------------

        def connection_made(self, transport):
            self.transport = transport
            # No buffer allowance: pause_writing then means "bytes wait in user space"
            # and resume_writing "every byte is in the kernel", which is what
            # XAsyncSockets' onDataSent promises.
            transport.set_write_buffer_limits(high=0)
            peer = transport.get_extra_info("peername")
            self.CliAddr = tuple(peer[:2]) if peer else None
            self.IsSSL = transport.get_extra_info("sslcontext") is not None
            transport.pause_reading()  # until the connection asks for bytes
            self._driver.accepted(self)

        def data_received(self, data):
            self._received(data)

        def eof_received(self):
            self._peer_ended()
            return True  # keep the sending side open: the answer may follow (RFC 9112 9.6)

        def connection_lost(self, exc):
            self._closed_now(ERROR if exc is not None else CLOSED_BY_PEER)

        def pause_writing(self):
            self._paused_writing = True

        def resume_writing(self):
            self._paused_writing = False
            waiting, self._waiting = self._waiting, []
            for callback, arg in waiting:
                self._callback(callback, arg)

        # ---- XAsyncTCPClient's names -------------------------------------------------

        def _pause(self):
            if self._closed:
                return
            if self._driver.in_loop():
                self.transport.pause_reading()
            else:  # a handler answering from a thread of the application's
                self._driver.loop.call_soon_threadsafe(self._pause)

        def _resume(self):
            if self._closed:
                return
            if self._driver.in_loop():
                if self._on_data is not None and not self._held:
                    self.transport.resume_reading()
            else:
                self._driver.loop.call_soon_threadsafe(self._resume)

        def TrySendData(self, data):
            # The transport writes what the kernel takes now and keeps the rest, in
            # order, and a close waits for it: every byte counts as taken.
            if self._closed or self._paused_writing or self._file_busy:
                return 0
            if not self._driver.in_loop():
                return 0
            self.transport.write(data)
            return len(data)

        def AsyncSendData(self, data, onDataSent=None, onDataSentArg=None):
            if self._closed:
                return False
            driver = self._driver
            if not driver.in_loop():
                driver.loop.call_soon_threadsafe(self.AsyncSendData, data, onDataSent,
                                                 onDataSentArg)
                return True
            if self._file_busy:
                self._after_file.append((data, onDataSent, onDataSentArg))
                return True
            if data:
                self.transport.write(data)
            if onDataSent is not None:
                if self._paused_writing:
                    self._waiting.append((onDataSent, onDataSentArg))
                else:
                    driver.soon(self._callback, onDataSent, onDataSentArg)
            return True

        def AsyncSendFile(self, fileobj, offset=0, count=None, onDataSent=None,
                          onDataSentArg=None):
            if self._closed:
                return False
            if self._file_busy:
                self._after_file.append(((fileobj, offset, count), onDataSent, onDataSentArg))
                return True
            self._file_busy = True
            self._file_task = self._driver.loop.create_task(
                self._send_file(fileobj, offset, count, onDataSent, onDataSentArg)
            )
            return True

        async def _send_file(self, fileobj, offset, count, callback, arg):
            """Zero-copy (os.sendfile where asyncio can), in slices: asyncio's sendfile
            says nothing until it is done, and a peer that stops reading must be
            noticed (each slice sent moves _stall on; the reaper watches it)."""
            loop = self._driver.loop
            end = None if count is None else offset + count
            try:
                while not self._closed and (end is None or offset < end):
                    step = FILE_STEP if end is None else min(FILE_STEP, end - offset)
                    sent = await loop.sendfile(self.transport, fileobj, offset, step)
                    if not sent:
                        break  # the end of the file
                    offset += sent
                    self._stall = None
            except (OSError, RuntimeError, ValueError) as exc:  # peer gone, closing
                self._driver.log_debug("Sending a file failed: %s" % exc)
                self._close(ERROR)
                return
            self._file_busy = False
            self._file_task = None
            if callback is not None:
                self._callback(callback, arg)
            queued, self._after_file = self._after_file, []
            for data, on_sent, on_sent_arg in queued:
                if type(data) is tuple:
                    self.AsyncSendFile(data[0], data[1], data[2], on_sent, on_sent_arg)
                else:
                    self.AsyncSendData(data, on_sent, on_sent_arg)

        @property
        def SendingQueueSize(self):
            transport = self.transport
            size = transport.get_write_buffer_size() if transport is not None else 0
            return size + (FILE_STEP if self._file_busy else 0)

        def _callback(self, callback, arg):
            if not self._closed:
                callback(self, arg)

        def Close(self):
            if not self._driver.in_loop():
                self._driver.loop.call_soon_threadsafe(self.Close)
                return
            self._close(CLOSED_BY_HOST)

        def _close(self, reason):
            if self._closed:
                return
            task, self._file_task = self._file_task, None
            if task is not None:
                task.cancel()
            transport = self.transport
            # Bytes written are still sent (close flushes), unless the peer stalled.
            if reason == TIMEOUT or reason == ERROR:
                transport.abort()
            else:
                transport.close()
            self._closed_now(reason)

else:

    class _StreamClient(_Client):
        """MicroPython: one connection over an asyncio stream, read by its own task."""

        _task = None
        _wake = None  # an Event while reading is paused
        _sendq = None  # [(data, callback, arg)] while a writer task drains them

        def __init__(self, driver, stream, recv_size):
            _Client.__init__(self, driver)
            self.stream = stream
            self._size = recv_size
            peer = stream.get_extra_info("peername")
            self.CliAddr = _sockaddr(peer)
            self.IsSSL = driver.ssl_context is not None

        async def run(self):
            """The connection's task: read while asked to, until the end."""
            self._task = asyncio.current_task()
            self._driver.accepted(self)
            # One buffer for every connection: a task copies what it read before it
            # awaits again, and no other task runs in between (one thread).
            buf, view = self._driver.read_buffer(self._size)
            try:
                while not self._closed and not self._eof:
                    if self._on_data is None or self._held:
                        if self._wake is None:
                            self._wake = asyncio.Event()
                        await self._wake.wait()
                        self._wake.clear()
                        continue
                    count = await self.stream.readinto(buf)
                    if count is None:
                        continue  # TLS: a record is not complete yet
                    if not count:
                        self._peer_ended()
                        return
                    self._received(bytes(view[:count]))
            except asyncio.CancelledError:
                pass  # Close() from elsewhere
            except OSError as exc:  # reset by peer, or TLS failure
                self._driver.log_debug("Connection read failed: %s" % exc)
                self._close(ERROR)

        def _pause(self):
            pass  # the task waits on _wake when nobody receives

        def _resume(self):
            if self._wake is not None:
                self._wake.set()

        @property
        def SendingQueueSize(self):
            queue = self._sendq
            return sum([len(item[0]) for item in queue]) if queue else 0

        def _write_now(self, data):
            """One non-blocking write -> bytes the socket took (None: it failed)."""
            try:
                sent = self.stream.s.write(data)
            except OSError as exc:
                self._driver.log_debug("Connection write failed: %s" % exc)
                self._close(ERROR)
                return None
            return sent or 0  # None: would block (TLS too)

        def TrySendData(self, data):
            if self._closed or self._sendq is not None:
                return 0
            return self._write_now(data) or 0

        def AsyncSendData(self, data, onDataSent=None, onDataSentArg=None):
            if self._closed:
                return False
            if self._sendq is not None:
                self._sendq.append((data, onDataSent, onDataSentArg))
                return True
            sent = self._write_now(data) if data else 0
            if sent is None:
                return False
            if sent == len(data):
                if onDataSent is not None:
                    self._driver.soon(self._callback, onDataSent, onDataSentArg)
                return True
            self._sendq = [(memoryview(data)[sent:], onDataSent, onDataSentArg)]
            asyncio.create_task(self._drain())
            return True

        async def _drain(self):
            """Writer task: what the socket did not take at once, in order."""
            queue = self._sendq
            try:
                while queue and not self._closed:
                    data, callback, arg = queue[0]
                    if data:
                        self.stream.write(data)
                        await self.stream.drain()
                    queue.pop(0)
                    self._stall = None
                    if callback is not None:
                        self._callback(callback, arg)
            except OSError as exc:
                self._driver.log_debug("Connection write failed: %s" % exc)
                self._close(ERROR)
            self._sendq = None

        def _callback(self, callback, arg):
            if not self._closed:
                callback(self, arg)

        def _close(self, reason):
            if self._closed:
                return
            task = self._task
            if task is not None and task is not asyncio.current_task():
                task.cancel()
            try:
                self.stream.s.close()
            except OSError:
                pass  # already gone
            self._closed_now(reason)


def _sockaddr(peer):
    """(host, port) of a MicroPython peer address: a tuple on some ports, the raw
    ``struct sockaddr`` bytes on others (the unix port)."""
    if isinstance(peer, tuple):
        return (peer[0], peer[1])
    if isinstance(peer, (bytes, bytearray)) and len(peer) >= 8:
        if peer[0] == 10 and len(peer) >= 24:  # AF_INET6: port, flow info, address
            return (_ip_text(peer[8:24]), peer[2] << 8 | peer[3])
        return (_ip_text(peer[4:8]), peer[2] << 8 | peer[3])  # AF_INET
    return ("?", 0)


def _ip_text(raw):
    if len(raw) == 4:
        return "%d.%d.%d.%d" % (raw[0], raw[1], raw[2], raw[3])
    return ":".join(["%x" % (raw[i] << 8 | raw[i + 1]) for i in range(0, len(raw), 2)])


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
            return _ThreadsafeTimer(self.loop, seconds, func, args)
        return asyncio.create_task(_later(seconds, func, args))

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

    def log_debug(self, msg):
        self.mws2.Log(msg, self.mws2.DEBUG)

    # ---- listening -----------------------------------------------------------------

    async def _listen(self, host, port, backlog):
        mws2 = self.mws2
        if IS_MICROPYTHON:
            self._soon_flag = asyncio.Event()
            size = max(mws2._slotsSize, 512)

            async def on_connection(reader, writer):
                await _StreamClient(self, reader, size).run()

            self._listener, port = await _start_stream_server(
                on_connection, host, port, backlog, self.ssl_context
            )
            self.bound = (host, port)
            return
        self._listener = await self.loop.create_server(
            lambda: _ProtocolClient(self),
            host,
            port,
            backlog=backlog,
            ssl=self.ssl_context,
            reuse_address=True,
        )
        sockname = self._listener.sockets[0].getsockname()
        self.bound = (sockname[0], sockname[1])

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
            now = monotonic()
            for client in list(self._clients.values()):
                client.check_send_stall(now)

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


async def _later(seconds, func, args):
    await asyncio.sleep(seconds)
    func(*args)


class _ThreadsafeTimer:
    """call_later asked from another thread (CPython): scheduled through the loop."""

    def __init__(self, loop, seconds, func, args):
        self._handle = None
        self._cancelled = False
        loop.call_soon_threadsafe(self._arm, loop, seconds, func, args)

    def _arm(self, loop, seconds, func, args):
        if not self._cancelled:
            self._handle = loop.call_later(seconds, func, *args)

    def cancel(self):
        self._cancelled = True
        if self._handle is not None:
            self._handle.cancel()


async def _start_stream_server(on_connection, host, port, backlog, ssl_context):
    """MicroPython's stream server, and the port it listens on. Its sockets cannot say
    which port the kernel chose for port 0, so a free one is drawn from the dynamic range
    (RFC 6335 section 6) and drawn again while it is taken."""
    if port:
        server = await asyncio.start_server(on_connection, host, port, backlog, ssl=ssl_context)
        return server, port
    import errno
    import random

    for _attempt in range(64):
        candidate = 49152 + random.getrandbits(14) % 16383
        try:
            server = await asyncio.start_server(
                on_connection, host, candidate, backlog, ssl=ssl_context
            )
            return server, candidate
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
    raise OSError(errno.EADDRINUSE, "no free port found")


def run_managed(mws2):
    """MicroPython's StartManaged(0): the firmware's asyncio serves in this thread."""
    try:
        asyncio.run(mws2.StartAsync())
    except BaseException:  # Ctrl-C included: stopped quietly, then it goes on up
        mws2.Stop()
        raise
    finally:
        asyncio.new_event_loop()  # a clean loop for whoever runs one next (soft reboot)
