"""TCP: the connected client, accepted by a server or outgoing."""

import socket

from ._buffers import XBufferSlot
from ._compat import (
    CONNECT_IN_PROGRESS,
    DEFAULT_RECV_LEN,
    ERR,
    READ,
    WOULD_BLOCK,
    WRITE,
    bound_addr,
    now_ms,
    resolve,
    set_nodelay,
    socket_error,
)
from ._files import FILE_STEP_BYTES, _FileItem
from ._pool import XClosedReason
from ._socket import XAsyncSocket
from ._tls import _SSL_CLOSED, _SSL_WANT, SSL_HANDSHAKE_TIMEOUT_SEC, TLSClientMixin

try:
    import errno as _errno

    _PEER_GONE = (
        getattr(_errno, "ECONNRESET", -1),
        getattr(_errno, "EPIPE", -1),
        getattr(_errno, "ECONNABORTED", -1),
        getattr(_errno, "ENOTCONN", -1),
    )
except ImportError:  # pragma: no cover - every port has errno
    _PEER_GONE = ()

# A line longer than this (and no end in sight) closes the connection with Error.
MAX_LINE_LENGTH = 65536

_MODE_NONE = 0
_MODE_DATA = 1
_MODE_LINE = 2
_MODE_STREAM = 3


class XAsyncTCPClientException(Exception):
    pass


class XAsyncTCPClient(XAsyncSocket, TLSClientMixin):
    """A connected TCP stream: sized, line or streaming reads; queued, timed sends."""

    @staticmethod
    def Create(asyncSocketsPool, srvAddr, connectTimeout=5, recvBufLen=4096,
               sendBufLen=4096, connectAsync=True):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            if connectAsync:
                sock.setblocking(False)
                try:
                    sock.connect(resolve(srvAddr))
                except OSError as exc:
                    if exc.errno not in CONNECT_IN_PROGRESS:
                        raise
            else:
                sock.settimeout(connectTimeout)
                sock.connect(resolve(srvAddr))
                sock.setblocking(False)
        except OSError as exc:
            sock.close()
            raise XAsyncTCPClientException(
                "Create: cannot connect to %r: %s" % (srvAddr, exc)) from exc
        set_nodelay(sock)
        cli = XAsyncTCPClient(asyncSocketsPool, sock, srvAddr, None,
                              XBufferSlot(recvBufLen), XBufferSlot(sendBufLen))
        if connectAsync:
            cli._connecting = True
            cli._on_loop(cli._start_connect, connectTimeout)
        else:
            # Later, on the loop: the caller sets OnConnected after Create returns.
            asyncSocketsPool.CallSoon(cli._on_connected)
        return cli

    def __init__(self, asyncSocketsPool, cliSocket, srvAddr, cliAddr, recvBufSlot=None,
                 sendBufSlot=None):
        XAsyncSocket.__init__(self, asyncSocketsPool, cliSocket, recvBufSlot, sendBufSlot)
        self._srv_addr = srvAddr
        self._cli_addr = cliAddr
        self._slots_owner = None
        self._recv_len = recvBufSlot.Size if recvBufSlot is not None else DEFAULT_RECV_LEN
        self._rbuf = bytearray()
        self._rpos = 0
        self._unread_len = 0  # given-back bytes at the front of _rbuf (UnreadData)
        self._rmode = _MODE_NONE
        self._rsize = None
        self._rcb = None
        self._rarg = None
        self._rencoding = None
        self._rtimeout = None
        self._rshut = None  # onPeerShutdown of the current stream read, or None
        self._peer_shut = False  # the peer shut down its sending side (EOF seen)
        self._in_satisfy = False
        self._sendq = []
        self._sendq_bytes = 0
        self._send_stall_ms = 0  # SendTimeoutSec in ms (0: no limit)
        self._send_mark = None  # when queued data last moved (ms), None: queue empty
        self._connecting = False
        self._ready = True  # False while connecting or during the TLS handshake
        self._is_ssl = False
        self._ssl_start = None
        self.OnConnected = None
        self.OnFailsToConnect = None
        self.LastError = None
        self.MaxLineLength = MAX_LINE_LENGTH
        self.SSLHandshakeTimeoutSec = SSL_HANDSHAKE_TIMEOUT_SEC

    # ------------------------------------------------------------ properties

    @property
    def SrvAddr(self):
        return self._srv_addr

    @property
    def CliAddr(self):
        return self._cli_addr

    @property
    def IsSSL(self):
        return self._is_ssl

    @property
    def SendingQueueSize(self):
        """Bytes accepted by AsyncSend* and not yet handed to the kernel."""
        return self._sendq_bytes

    @property
    def SendTimeoutSec(self):
        """Longest time queued data may make no progress (None: no limit)."""
        return self._send_stall_ms / 1000 if self._send_stall_ms else None

    @SendTimeoutSec.setter
    def SendTimeoutSec(self, seconds):
        # A peer that stops reading holds the queue (and whatever it pins: a file, a
        # stream, a slot) forever otherwise; the kernel never says it is gone.
        if seconds is not None and (isinstance(seconds, bool) or seconds < 0):
            raise ValueError("SendTimeoutSec must be None or >= 0")
        self._send_stall_ms = int(seconds * 1000) if seconds else 0
        if self._sendq:  # else the next queued item arms it (no loop hop per connection)
            self._on_loop(self._arm_send_stall)

    @property
    def SendingBuffer(self):
        """A reusable buffer to fill, then send with AsyncSendSendingBuffer(size)."""
        if self._send_slot is None:
            self._send_slot = XBufferSlot(4096)
        return self._send_slot.Buffer

    @property
    def PeerShutdown(self):
        """True once the peer shut down its sending side (seen through onPeerShutdown)."""
        return self._peer_shut

    def Close(self):
        """Close now (queued data not yet sent is dropped). OnClosed gets ClosedByHost,
        or ClosedByPeer when the peer had already shut down its side (onPeerShutdown)."""
        if self._closed or self._closing:
            return
        self._close_soon(XClosedReason.ClosedByPeer if self._peer_shut
                         else XClosedReason.ClosedByHost)

    # ------------------------------------------------------------ receiving

    def AsyncRecvData(self, size=None, onDataRecv=None, onDataRecvArg=None, timeoutSec=None):
        """Once: exactly `size` bytes (or whatever arrives when None) to
        onDataRecv(client, data, arg)."""
        if size is not None and size <= 0:
            raise ValueError("size must be > 0 or None")
        return self._start_recv(_MODE_DATA, size, onDataRecv, onDataRecvArg, timeoutSec, None)

    def AsyncRecvLine(self, lineEncoding="UTF-8", onLineRecv=None, onLineRecvArg=None,
                      timeoutSec=None):
        """Once: the next line, decoded, without its CRLF/LF, to onLineRecv(client, line, arg)."""
        return self._start_recv(_MODE_LINE, None, onLineRecv, onLineRecvArg, timeoutSec,
                                lineEncoding)

    def AsyncRecvStream(self, onDataRecv, onDataRecvArg=None, timeoutSec=None,
                        onPeerShutdown=None):
        """Every chunk as it arrives to onDataRecv(client, data, arg) until StopRecvStream.

        timeoutSec is an idle timeout: no byte received and none sent for that long.
        onPeerShutdown(client, arg), when given, is called instead of closing when the
        peer shuts down its sending side (recv gives EOF): reading stops, sending goes
        on, and the caller closes when done (OnClosed then says ClosedByPeer). A client
        may half-close after its request and still wait for the answer (RFC 9293
        section 3.6, RFC 9112 section 9.6).
        """
        if onDataRecv is None:
            raise ValueError("onDataRecv is required")
        return self._start_recv(_MODE_STREAM, None, onDataRecv, onDataRecvArg, timeoutSec, None,
                                onPeerShutdown)

    def StopRecvStream(self):
        self._on_loop(self._stop_stream)

    def UnreadData(self, data):
        """Give back bytes a reader took but does not own: the next read gets them
        first, before anything still unread from the socket; bytes given back by
        successive calls keep their order. Thread-safe (applied on the loop, in call
        order). For a protocol switch: what the old protocol's parser read ahead
        belongs to the new one."""
        if data and not self._closed:
            self._on_loop(self._unread, bytes(data))

    def _unread(self, data):
        if self._closed:
            return
        buf, pos = self._rbuf, self._rpos
        at = pos + self._unread_len
        self._rbuf = bytearray(buf[pos:at]) + data + buf[at:]
        self._rpos = 0
        self._unread_len += len(data)
        if self._rmode != _MODE_NONE and self._ready and not self._in_satisfy:
            self._pool.CallSoon(self._satisfy)

    def _start_recv(self, mode, size, callback, arg, timeout, encoding, on_shutdown=None):
        if self._closed or self._closing:
            return False
        self._on_loop(self._begin_recv, mode, size, callback, arg, timeout, encoding,
                      on_shutdown)
        return True

    def _begin_recv(self, mode, size, callback, arg, timeout, encoding, on_shutdown=None):
        if self._closed:
            return
        self._rmode = mode
        self._rsize = size
        self._rcb = callback
        self._rarg = arg
        self._rencoding = encoding
        self._rtimeout = timeout
        self._rshut = on_shutdown
        if self._ready:
            self._activate_recv()

    def _activate_recv(self):
        self._set_timeout(self._rtimeout, idle=self._rmode == _MODE_STREAM)
        if self._peer_shut:
            # Nothing more can arrive: the buffered bytes, then the end again.
            self._pool.CallSoon(self._read_after_shutdown)
            return
        self._set_mask(self._mask | READ)
        if len(self._rbuf) > self._rpos and not self._in_satisfy:
            self._pool.CallSoon(self._satisfy)

    def _read_after_shutdown(self):
        if self._closed or self._rmode == _MODE_NONE:
            return
        self._peer_ended()

    def _stop_stream(self):
        if self._rmode == _MODE_STREAM:
            self._end_recv()

    def _end_recv(self):
        self._rmode = _MODE_NONE
        self._rcb = None
        self._rarg = None
        self._rshut = None
        self._clear_timeout()
        self._set_mask(self._mask & ~READ)

    def _on_readable(self):
        if self._rmode == _MODE_NONE:
            self._set_mask(self._mask & ~READ)
            return
        sock = self._sock
        try:
            data = sock.recv(self._recv_len)
        except _SSL_WANT:
            return
        except _SSL_CLOSED:  # close_notify or a bare TCP EOF under TLS
            self._peer_ended()
            return
        except OSError as exc:
            if exc.errno not in WOULD_BLOCK:  # a spurious wake-up is not an error
                self._io_failed(exc)
            return
        if data is None:  # MicroPython's non-blocking SSL socket: nothing yet
            return
        if not data:
            self._peer_ended()
            return
        if self._is_ssl:
            data = self._drain_ssl(data)
        if self._timeout_idle:
            self._timeout_base = self._pool._now
        if self._rmode == _MODE_STREAM and len(self._rbuf) == self._rpos:
            self._deliver(data)
            return
        self._rbuf += data
        self._satisfy()

    def _peer_ended(self):
        """EOF: the peer sends nothing more. Close, or tell a stream read that asked."""
        if len(self._rbuf) > self._rpos and not self._in_satisfy:
            self._satisfy()  # bytes read ahead go first
            if self._closed:
                return
        self._peer_shut = True
        callback = self._rshut if self._rmode == _MODE_STREAM else None
        if callback is None:
            self._close(XClosedReason.ClosedByPeer)
            return
        arg = self._rarg
        self._rmode = _MODE_NONE
        self._rcb = None
        self._rarg = None
        self._rshut = None
        # Stop reading (after EOF the socket polls readable forever) but keep the idle
        # timeout: a caller that never closes is still closed by it.
        self._set_mask(self._mask & ~READ)
        self._pool._dispatch(self, callback, (self, arg))

    def _buffered(self):
        return len(self._rbuf) - self._rpos

    def _consume(self, size=None):
        """Take `size` buffered bytes (all when None) as bytes.

        A read offset instead of `del buf[:n]`: MicroPython's bytearray has no slice
        deletion, and the offset avoids moving the tail on every take.
        """
        buf, pos = self._rbuf, self._rpos
        end = len(buf) if size is None else pos + size
        data = bytes(buf[pos:end]) if pos or end != len(buf) else bytes(buf)
        if self._unread_len:
            self._unread_len = max(0, self._unread_len - (end - pos))
        if end >= len(buf):
            self._rbuf = bytearray()
            self._rpos = 0
        elif end > 4096 and end * 2 > len(buf):
            self._rbuf = buf[end:]  # compact once the consumed part dominates
            self._rpos = 0
        else:
            self._rpos = end
        return data

    def _satisfy(self):
        """Hand buffered bytes to the current read while they are enough for it."""
        self._in_satisfy = True
        try:
            while not self._closed and len(self._rbuf) > self._rpos:
                mode = self._rmode
                if mode == _MODE_STREAM:
                    self._deliver(self._consume())
                elif mode == _MODE_DATA:
                    size = self._rsize
                    if size is not None and self._buffered() < size:
                        return
                    self._finish_once(self._consume(size))
                elif mode == _MODE_LINE:
                    if not self._take_line():
                        return
                else:
                    return
        finally:
            self._in_satisfy = False

    def _take_line(self):
        buf, pos = self._rbuf, self._rpos
        end = buf.find(b"\n", pos)
        if end < 0:
            if len(buf) - pos > self.MaxLineLength:
                self.LastError = XAsyncTCPClientException("line longer than MaxLineLength")
                self._close(XClosedReason.Error)
            return False
        raw = self._consume(end + 1 - pos)
        raw = raw[:-2] if raw[-2:] == b"\r\n" else raw[:-1]
        try:
            line = raw.decode(self._rencoding) if self._rencoding else raw
        except UnicodeError as exc:
            self.LastError = exc
            self._close(XClosedReason.Error)
            return False
        self._finish_once(line)
        return True

    def _finish_once(self, data):
        callback, arg = self._rcb, self._rarg
        self._end_recv()
        if callback is not None:
            self._pool._dispatch(self, callback, (self, data, arg))

    def _deliver(self, data):
        callback = self._rcb
        if callback is not None:
            pool = self._pool
            if pool._workers is None:
                try:
                    callback(self, data, self._rarg)
                except Exception as exc:  # the user's handler: report, close this socket
                    pool._report("onDataRecv raised", exc, self)
                    self._close(XClosedReason.Error)
            else:
                pool._workers.submit(self, callback, (self, data, self._rarg))

    # ------------------------------------------------------------ sending

    def AsyncSendData(self, data, onDataSent=None, onDataSentArg=None):
        """Queue data; onDataSent(client, arg) once all of it is in the kernel. Thread-safe.

        The bytes are not copied: do not change a bytearray until onDataSent.
        """
        if self._closed or self._closing:
            return False
        if self._pool._in_loop():
            self._queue_data(data, onDataSent, onDataSentArg)
        else:
            self._pool.CallSoon(self._queue_data, data, onDataSent, onDataSentArg)
        return True

    def AsyncSendSendingBuffer(self, size=None, onDataSent=None, onDataSentArg=None):
        buf = self.SendingBuffer
        data = bytes(buf if size is None else memoryview(buf)[:size])
        return self.AsyncSendData(data, onDataSent, onDataSentArg)

    def AsyncSendFile(self, fileobj, offset=0, count=None, onDataSent=None, onDataSentArg=None):
        """Queue a file's bytes [offset, offset+count) (count None: to its end).

        os.sendfile moves them without a copy through Python when the platform has it and
        the socket is not TLS; otherwise 16 KiB chunks are read as the socket drains.
        """
        if self._closed or self._closing:
            return False
        item = _FileItem(fileobj, offset, count, onDataSent, onDataSentArg)
        self._on_loop(self._queue_item, item)
        return True

    def TrySendData(self, data):
        """Hand ``data`` to the kernel now, if it can go now -> how many bytes it took.

        Only on the loop thread, with nothing queued and the socket ready (else 0, and
        nothing is sent). Nothing is queued either: the caller sends the rest (e.g. with
        AsyncSendData) and knows, when all of it went, that it is sent without waiting
        for an onDataSent (a small answer's completion, one loop turn sooner).
        """
        if self._closed or self._closing or self._sendq or not self._ready:
            return 0
        if not self._pool._in_loop():
            return 0
        sent = self._send_now(data)
        return sent if sent is not None else 0

    def _send_now(self, data):
        """One non-blocking send -> bytes taken (0: would block); None if it failed."""
        try:
            sent = self._sock.send(data)
        except _SSL_WANT:
            sent = 0
        except OSError as exc:
            if exc.errno not in WOULD_BLOCK:
                self._io_failed(exc)
                return None
            sent = 0
        if sent is None:  # MicroPython SSL: would block
            sent = 0
        if self._timeout_idle:
            self._timeout_base = self._pool._now
        return sent

    def _queue_data(self, data, callback, arg):
        if self._closed:
            return
        size = len(data)
        if not self._sendq and self._ready:
            sent = self._send_now(data) if size else 0
            if sent is None:
                return
            if sent == size:
                if callback is not None:
                    # Deferred, never called from inside AsyncSendData: a callback that
                    # sends the next chunk would otherwise recurse once per chunk.
                    pool = self._pool
                    pool.CallSoon(pool._dispatch, self, callback, (self, arg))
                return
            data = memoryview(data)[sent:]
            size -= sent
        elif not isinstance(data, memoryview):
            data = memoryview(data)
        self._sendq.append([data, callback, arg])
        self._sendq_bytes += size
        self._arm_send_stall()
        if self._ready:
            self._set_mask(self._mask | WRITE)

    def _queue_item(self, item):
        if self._closed:
            return
        self._sendq.append(item)
        self._sendq_bytes += item.remaining or 0
        self._arm_send_stall()
        if self._ready:
            self._set_mask(self._mask | WRITE)

    def _on_writable(self):
        queue = self._sendq
        sock = self._sock
        while queue and not self._closed:
            item = queue[0]
            if isinstance(item, _FileItem):
                if not self._send_file_step(item):
                    return
                callback, arg = item.callback, item.arg
            elif not len(item[0]):
                callback, arg = item[1], item[2]  # an empty send: done once reached
            else:
                view = item[0]
                try:
                    sent = sock.send(view)
                except _SSL_WANT:
                    return
                except OSError as exc:
                    if exc.errno not in WOULD_BLOCK:
                        self._io_failed(exc)
                    return
                if not sent:
                    return
                self._sendq_bytes -= sent
                self._send_mark = self._pool._now
                if self._timeout_idle:
                    self._timeout_base = self._pool._now
                if sent < len(view):
                    item[0] = view[sent:]
                    return
                callback, arg = item[1], item[2]
            del queue[0]
            if callback is not None:
                self._pool._dispatch(self, callback, (self, arg))
        if not queue:
            self._send_mark = None
            self._set_mask(self._mask & ~WRITE)

    def _send_file_step(self, item):
        """Move up to FILE_STEP_BYTES of the file; True when the file item is done."""
        budget = FILE_STEP_BYTES
        sendfile = item.sendfile(self._sock)
        while budget > 0:
            want = budget if item.remaining is None else min(budget, item.remaining)
            if want <= 0:
                return True
            try:
                if sendfile is not None:
                    sent = sendfile(self._sock.fileno(), item.fd, item.offset, want)
                    done = sent == 0
                else:
                    sent, done = item.send_chunk(self._sock, want)
            except _SSL_WANT:
                return False
            except OSError as exc:
                if exc.errno not in WOULD_BLOCK:
                    self._io_failed(exc)
                return False
            if sent is None:
                return False
            item.offset += sent
            budget -= sent
            if item.remaining is not None:
                item.remaining -= sent
                self._sendq_bytes -= sent
            if sent:
                self._send_mark = self._pool._now
            if self._timeout_idle:
                self._timeout_base = self._pool._now
            if done:
                return True
            if not sent:
                return False
        return item.remaining == 0

    # ------------------------------------------------------------ connecting

    def _start_connect(self, timeout):
        self._ready = False
        self._set_timeout(timeout)
        self._set_mask(WRITE)

    def _on_connect_event(self, mask):
        error = socket_error(self._sock)
        if mask & ERR or error:
            self._fails_to_connect(OSError(error, "connect failed") if error else None)
            return
        self._connecting = False
        self._clear_timeout()
        self._on_connected()

    def _fails_to_connect(self, exc):
        self.LastError = exc
        handler = self.OnFailsToConnect
        if handler is not None:
            self._pool._dispatch(self, handler, (self,))
        self._close(XClosedReason.Error, triggerOnClosed=False)

    def _on_connected(self):
        if self._closed:
            return
        if self._cli_addr is None:
            try:
                self._cli_addr = bound_addr(self._sock, None)
            except OSError:
                self._cli_addr = None  # unconnected after all: the first I/O will say
        handler = self.OnConnected
        if handler is not None:
            self._pool._dispatch(self, handler, (self,))
        if self._ssl_start is not None:
            self._begin_ssl(*self._ssl_start)
        else:
            self._become_ready()

    def _become_ready(self):
        self._ready = True
        mask = self._mask & ~(READ | WRITE)
        if self._sendq:
            mask |= WRITE
        self._set_mask(mask)
        if self._rmode != _MODE_NONE:
            self._activate_recv()
            if self._is_ssl:
                # The handshake may have pulled application data into the SSL object.
                self._pool.CallSoon(self._ssl_read_ahead)

    # ------------------------------------------------------------ send stall

    def _arm_send_stall(self):
        """Start the no-progress clock when the queue gets its first item."""
        if self._closed or not self._sendq:
            return
        if self._send_mark is None:
            self._send_mark = now_ms()
        if self._send_stall_ms:
            self._pool._schedule(self, self._send_mark + self._send_stall_ms)

    def _on_timer(self, when, now):
        if self._closed:
            return
        stall = self._send_stall_ms
        if stall and self._send_mark is not None and self._sendq:
            deadline = self._send_mark + stall
            if deadline <= now:
                self.LastError = XAsyncTCPClientException(
                    "no send progress for %d ms (SendTimeoutSec)" % stall)
                self._close(XClosedReason.Timeout)
                return
            self._pool._schedule(self, deadline)
        XAsyncSocket._on_timer(self, when, now)

    def _on_timeout(self):
        if self._connecting:
            self._fails_to_connect(OSError("connect timed out"))
        else:
            self._close(XClosedReason.Timeout)

    # ------------------------------------------------------------ events

    def _on_events(self, mask):
        if not self._ready:
            if self._connecting:
                self._on_connect_event(mask)
            elif self._is_ssl:
                self._do_handshake()
            return
        if mask & WRITE:
            self._on_writable()
        if mask & READ and not self._closed:
            self._on_readable()

    def _io_failed(self, exc):
        self.LastError = exc
        # After the peer's EOF a failing send is the peer's end too (e.g. OpenSSL
        # refuses to write after a TLS peer's bare TCP EOF).
        if exc.errno in _PEER_GONE or self._peer_shut:
            self._close(XClosedReason.ClosedByPeer)
        else:
            self._close(XClosedReason.Error)

    def _release_resources(self):
        self._sendq = []
        self._sendq_bytes = 0
        self._send_mark = None
        self._rbuf = bytearray()
        self._rpos = 0
        self._unread_len = 0
        # The user's callbacks often hold the object that holds this client: dropped,
        # the pair is freed at once instead of waiting for the cycle collector.
        self._rcb = None
        self._rarg = None
        self._rshut = None
        self.OnConnected = None
        self.OnFailsToConnect = None
        if self._recv_slot is not None and self._slots_owner is not None:
            self._slots_owner.ReleaseSlot(self._recv_slot)
            self._recv_slot = None
