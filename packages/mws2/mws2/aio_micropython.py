"""The asyncio driver's connections on MicroPython: the firmware's asyncio streams.

The connection's own task reads; writes go straight to the socket, and a writer task
exists only while the socket does not take what is written. Loaded by aio.AioDriver on
MicroPython only (a board never loads the CPython side, nor this one the other way).
"""

import asyncio

from .aio import ERROR, Client


class StreamClient(Client):
    """MicroPython: one connection over an asyncio stream, read by its own task."""

    _task = None
    _wake = None  # an Event while reading is paused
    _sendq = None  # [(data, callback, arg)] while a writer task drains them

    def __init__(self, driver, stream, recv_size):
        Client.__init__(self, driver)
        self.stream = stream
        self._size = recv_size
        peer = stream.get_extra_info("peername")
        self.CliAddr = _sockaddr(peer)
        self.IsSSL = driver.ssl_context is not None

    async def run(self):
        """The connection's task: read while asked to, until the end."""
        self._task = asyncio.current_task()
        try:
            self._driver.accepted(self)
            # One buffer for every connection: a task copies what it read before it
            # awaits again, and no other task runs in between (one thread).
            buf, view = self._driver.read_buffer(self._size)
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
            self._driver.log_debug("Connection read failed: %s", exc)
            self._close(ERROR)
        except Exception as exc:  # MemoryError on a full heap: this connection only
            self._close(ERROR)
            self._driver.log_debug("Connection dropped: %r", exc)

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
            self._driver.log_debug("Connection write failed: %s", exc)
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
            self._driver.log_debug("Connection write failed: %s", exc)
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


async def listen(driver, host, port, backlog):
    """Listen on (host, port): (listener, bound address). A task accepts, and every
    connection gets a task of its own (StreamClient.run).

    Not the firmware's ``asyncio.start_server``: its accepting task ends on the first
    error while a new connection is set up (MemoryError on a full heap), and the
    server then never accepts again. MicroPython's sockets cannot say which port the
    kernel chose for port 0: a free one is drawn from the dynamic range (RFC 6335
    section 6), drawn again while it is taken."""
    import errno
    import random
    import socket

    for _attempt in range(64):
        candidate = port or 49152 + random.getrandbits(14) % 16383
        sock = socket.socket()
        try:
            sock.setblocking(False)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(socket.getaddrinfo(host, candidate)[0][-1])
            sock.listen(backlog)
        except OSError as exc:
            sock.close()
            if port or exc.errno != errno.EADDRINUSE:
                raise
            continue
        return Listener(sock, asyncio.create_task(_accept(driver, sock))), (host, candidate)
    raise OSError(errno.EADDRINUSE, "no free port found")


class Listener:
    """What AioDriver closes to stop listening: the accepting task, and the socket at
    once (the task may never run again: the loop can end first, and a new server must
    be able to listen on the port right away)."""

    def __init__(self, sock, task):
        self.sock = sock
        self.task = task

    def close(self):
        self.task.cancel()  # first: it stops waiting on the socket
        self.sock.close()


async def _accept(driver, sock):
    """Accept while listening. A connection that cannot be set up (a full heap, a TLS
    wrap that fails) is closed, and accepting goes on."""
    wait_readable = asyncio.core._io_queue.queue_read
    size = max(driver.mws2._slotsSize, 512)  # bytes per read: one buffer slot
    ssl_context = driver.ssl_context
    try:
        while True:
            yield wait_readable(sock)  # the firmware's streams wait the same way
            try:
                conn, addr = sock.accept()
            except OSError:
                continue  # gone before it was taken (ECONNABORTED ...)
            try:
                if ssl_context is not None:
                    conn = ssl_context.wrap_socket(
                        conn, server_side=True, do_handshake_on_connect=False
                    )
                conn.setblocking(False)
                stream = asyncio.StreamReader(conn, {"peername": addr})
                asyncio.create_task(StreamClient(driver, stream, size).run())
            except Exception as exc:  # MemoryError above all: this one is dropped
                conn.close()
                driver.log_debug("Connection not set up: %r", exc)
    finally:
        sock.close()


def run_managed(mws2):
    """MicroPython's StartManaged(0): the firmware's asyncio serves in this thread."""
    try:
        asyncio.run(mws2.StartAsync())
    except BaseException:  # Ctrl-C included: stopped quietly, then it goes on up
        mws2.Stop()
        raise
    finally:
        asyncio.new_event_loop()  # a clean loop for whoever runs one next (soft reboot)
