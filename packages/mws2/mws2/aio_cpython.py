"""The asyncio driver's connections on CPython: one asyncio Protocol per connection.

The transport buffers what is written and pauses / resumes reading; files go by
``loop.sendfile`` (zero-copy where asyncio can). Loaded by aio.AioDriver on CPython only.
"""

import asyncio

from .aio import CLOSED_BY_HOST, CLOSED_BY_PEER, ERROR, TIMEOUT, TLS_HANDSHAKE_SEC, Client

# Bytes per loop.sendfile call: a slice sent is progress the reaper can see.
FILE_STEP = 256 * 1024


async def listen(driver, host, port, backlog):
    """The loop's server, a Protocol per connection: (listener, the address bound)."""
    ssl_context = driver.ssl_context
    listener = await driver.loop.create_server(
        lambda: ProtocolClient(driver),
        host,
        port,
        backlog=backlog,
        ssl=ssl_context,
        # A stalled handshake holds a TLS buffer (256 KiB in asyncio): not for the
        # default 60 s.
        ssl_handshake_timeout=TLS_HANDSHAKE_SEC if ssl_context else None,
        reuse_address=True,
        reuse_port=driver.mws2._reusePort or None,  # None: asyncio's default (not set)
    )
    sockname = listener.sockets[0].getsockname()
    return listener, (sockname[0], sockname[1])


class ProtocolClient(Client, asyncio.Protocol):
    """CPython: one connection as an asyncio Protocol."""

    transport = None
    _paused_writing = False
    _file_busy = False
    _file_task = None

    def __init__(self, driver):
        Client.__init__(self, driver)
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
            self._driver.log_debug("Sending a file failed: %s", exc)
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


class ThreadsafeTimer:
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


