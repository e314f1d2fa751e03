"""TCP: the connected client (accepted by a server, or outgoing) and the listening server.

What a plain server never touches loads on first use: outgoing connects (`_connect`),
TLS (`_tls`), file sending (`_files`) and buffer slots (`_buffers`).
"""

import errno
import socket

from ._compat import (
    DEFAULT_RECV_LEN,
    IS_MICROPYTHON,
    WOULD_BLOCK,
    bind_addr,
    const,
    now_ms,
    set_nodelay,
    to_tuple,
    without_traceback,
)
from ._pool import XAsyncSocket

_READ = const(1)
_WRITE = const(2)

# Default MaxLineLength: a line longer than this (and no end in sight) closes the
# connection with Error.
_MAX_LINE_LENGTH = const(65536)
# Default TLS handshake deadline: a silent or hostile client holds nothing longer.
SSL_HANDSHAKE_TIMEOUT_SEC = 10
# Bytes received and not yet handled by a worker, per socket, in receives (the
# default of MaxReceivingQueueSize): enough to keep a worker busy while the loop
# reads, little enough that a peer outrunning its handler cannot fill the heap.
_RECV_QUEUE_RECEIVES = const(4)
# CPython: while receives come back full, the next one asks twice as much, up to this
# and to half of MaxReceivingQueueSize (a request body, an upload: fewer reads and
# callbacks than with 4 KiB slots). A board keeps its slot size: a large transient
# buffer is what fragments a small heap.
_READ_MAX = 0 if IS_MICROPYTHON else 65536

# XClosedReason's values.
_ERROR = const(0)
_CLOSED_BY_HOST = const(1)
_CLOSED_BY_PEER = const(2)
_TIMEOUT = const(3)

_MODE_NONE = const(0)
_MODE_DATA = const(1)
_MODE_LINE = const(2)
_MODE_STREAM = const(3)

# Accepted per wake-up: a connection storm cannot starve the open connections.
_ACCEPT_BURST = const(64)
# How long accept() pauses when the process is out of descriptors (EMFILE).
ACCEPT_PAUSE_SEC = 0.5


class XAsyncTCPClientException(Exception):
    pass


class XAsyncTCPServerException(Exception):
    pass


class XAsyncTCPClient(XAsyncSocket):
    """A connected TCP stream: sized, line or streaming reads; queued, timed sends."""

    @staticmethod
    def Create(*args, **kwargs):
        """Create(asyncSocketsPool, srvAddr, connectTimeout=5, recvBufLen=4096,
        sendBufLen=4096, connectAsync=True): an outgoing connection; OnConnected /
        OnFailsToConnect fire on the loop (see _connect.create)."""
        from ._connect import create

        return create(*args, **kwargs)

    def __init__(self, asyncSocketsPool, cliSocket, srvAddr, cliAddr, recvBufSlot=None,
                 sendBufSlot=None):
        XAsyncSocket.__init__(self, asyncSocketsPool, cliSocket, recvBufSlot, sendBufSlot)
        # Deadline: base + _timeout_ms; the base moves with traffic when idle is True.
        self._timeout_idle = False
        self._timeout_base = 0
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
        # Worker mode: received bytes whose callbacks have not run yet, and whether
        # reading waits for the workers to catch up (see _workers.py).
        self._rq_bytes = 0
        self._rq_paused = False
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
        self.MaxLineLength = _MAX_LINE_LENGTH
        self.MaxReceivingQueueSize = _RECV_QUEUE_RECEIVES * self._recv_len
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
    def ReceivingQueueSize(self):
        """Bytes received and handed to callbacks that have not run yet (workers only)."""
        return self._rq_bytes

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
        from ._extras import sending_buffer

        return sending_buffer(self)

    @property
    def PeerShutdown(self):
        """True once the peer shut down its sending side (seen through onPeerShutdown)."""
        return self._peer_shut

    def Close(self):
        """Close now (queued data not yet sent is dropped). OnClosed gets ClosedByHost,
        or ClosedByPeer when the peer had already shut down its side (onPeerShutdown)."""
        if not self._closing:
            self._close_soon(_CLOSED_BY_PEER if self._peer_shut
                             else _CLOSED_BY_HOST)

    def StartSSLContext(self, *args, **kwargs):
        """StartSSLContext(sslContext, serverSide=True, serverHostname=None): wrap in
        TLS; the handshake runs through the poller before any data moves (_tls.start)."""
        from ._tls import start

        start(self, *args, **kwargs)

    # ------------------------------------------------------------ receiving

    def AsyncRecvData(self, size=None, onDataRecv=None, onDataRecvArg=None, timeoutSec=None):
        """Once: exactly `size` bytes (or whatever arrives when None) to
        onDataRecv(client, data, arg)."""
        if size is not None and size <= 0:
            raise ValueError("size must be > 0 or None")
        return self._start_recv(_MODE_DATA, size, onDataRecv, onDataRecvArg, timeoutSec, None)

    def AsyncRecvLine(self, *args, **kwargs):
        """AsyncRecvLine(lineEncoding="UTF-8", onLineRecv=None, onLineRecvArg=None,
        timeoutSec=None): once, the next line, decoded, without its CRLF/LF, to
        onLineRecv(client, line, arg) (_extras.recv_line)."""
        from ._extras import recv_line

        return recv_line(self, *args, **kwargs)

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
        self._on_loop(self._end_recv, _MODE_STREAM)

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
        if self._rmode and self._ready and not self._in_satisfy:
            self._pool.CallSoon(self._satisfy)

    def _start_recv(self, mode, size, callback, arg, timeout, encoding, on_shutdown=None):
        if self._closing:
            return False
        self._on_loop(self._begin_recv, mode, size, callback, arg, timeout, encoding,
                      on_shutdown)
        return True

    def _begin_recv(self, mode, size, callback, arg, timeout, encoding, on_shutdown):
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

    def _activate_recv(self, resumed=False):
        """Watch for input for the current read (the socket is ready); `resumed`: again,
        the workers having caught up with what it received (see _workers.py)."""
        if not resumed:
            self._set_timeout(self._rtimeout, self._rmode == _MODE_STREAM)
        elif self._closed or not self._rmode or not self._ready:
            return
        if self._peer_shut:
            # Nothing more can arrive: the buffered bytes, then the end again.
            self._pool.CallSoon(self._peer_ended)
            return
        if not self._rq_paused:
            self._set_mask(self._mask | _READ)
        if len(self._rbuf) > self._rpos and not self._in_satisfy:
            self._pool.CallSoon(self._satisfy)

    def _end_recv(self, only=_MODE_NONE):
        """The current read is over (`only`: if it is a read of that mode)."""
        if only and self._rmode != only:
            return
        self._rmode = _MODE_NONE
        self._rcb = None
        self._rarg = None
        self._rshut = None
        self._timeout_ms = 0
        self._set_mask(self._mask & ~_READ)

    def _on_readable(self):
        if not self._rmode:
            self._set_mask(self._mask & ~_READ)
            return
        try:
            data = self._sock.recv(self._recv_len)
        except OSError as exc:
            self._io_error(exc, True)
            return
        if not data:
            if data is not None:  # None: MicroPython's non-blocking TLS, nothing yet
                self._peer_ended()
            return
        if self._is_ssl:
            from ._tls import drain

            data = drain(self, data)
        if self._timeout_idle:
            self._timeout_base = self._pool._now
        size = self._recv_len
        if len(data) == size and size < _READ_MAX and size * 4 <= self.MaxReceivingQueueSize:
            self._recv_len = size * 2
        if self._rmode == _MODE_STREAM and len(self._rbuf) == self._rpos:
            self._deliver(data)
            return
        self._rbuf += data
        self._satisfy()

    def _peer_ended(self):
        """EOF: the peer sends nothing more. Close, or tell a stream read that asked."""
        if self._closed or not self._rmode:
            return  # (a read started after the end, that ended or closed meanwhile)
        if len(self._rbuf) > self._rpos and not self._in_satisfy:
            self._satisfy()  # bytes read ahead go first
            if self._closed:
                return
        self._peer_shut = True
        callback = self._rshut if self._rmode == _MODE_STREAM else None
        if callback is None:
            self._close(_CLOSED_BY_PEER)
            return
        arg = self._rarg
        self._rmode = _MODE_NONE
        self._rcb = None
        self._rarg = None
        self._rshut = None
        # Stop reading (after EOF the socket polls readable forever) but keep the idle
        # timeout: a caller that never closes is still closed by it.
        self._set_mask(self._mask & ~_READ)
        self._pool._dispatch(self, callback, (self, arg))

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
                if mode == _MODE_STREAM and not self._rq_paused:
                    self._deliver(self._consume())
                elif mode == _MODE_DATA:
                    size = self._rsize
                    if size is not None and len(self._rbuf) - self._rpos < size:
                        return
                    self._finish_once(self._consume(size))
                elif mode != _MODE_LINE:
                    return
                else:
                    from ._extras import take_line

                    if not take_line(self):
                        return
        finally:
            self._in_satisfy = False

    def _finish_once(self, data):
        callback, arg = self._rcb, self._rarg
        self._end_recv()
        if callback is not None:
            self._pool._dispatch(self, callback, (self, data, arg))

    def _deliver(self, data):
        callback = self._rcb
        if callback is None:
            return
        pool = self._pool
        workers = pool._workers
        if workers is None:
            try:
                callback(self, data, self._rarg)
            except Exception as exc:  # the user's handler: report, close this socket
                pool._report("onDataRecv raised", exc, self)
                self._close(_ERROR)
        elif workers.submit(self, callback, (self, data, self._rarg), len(data)):
            # One more receive could pass MaxReceivingQueueSize: leave the bytes in the
            # kernel (which slows the sender down) until a worker catches up.
            self._set_mask(self._mask & ~_READ)

    # ------------------------------------------------------------ sending

    def AsyncSendData(self, data, onDataSent=None, onDataSentArg=None):
        """Queue data; onDataSent(client, arg) once all of it is in the kernel. Thread-safe.

        The bytes are not copied: do not change a bytearray until onDataSent.
        """
        if self._closing:
            return False
        if self._pool._in_loop():
            self._queue_data(data, onDataSent, onDataSentArg)
        else:
            self._pool.CallSoon(self._queue_data, data, onDataSent, onDataSentArg)
        return True

    def AsyncSendSendingBuffer(self, *args, **kwargs):
        """AsyncSendSendingBuffer(size=None, onDataSent=None, onDataSentArg=None): send
        (a copy of) SendingBuffer's first `size` bytes (_extras.send_sending_buffer)."""
        from ._extras import send_sending_buffer

        return send_sending_buffer(self, *args, **kwargs)

    def AsyncSendFile(self, *args, **kwargs):
        """AsyncSendFile(fileobj, offset=0, count=None, onDataSent=None,
        onDataSentArg=None): queue a file's bytes [offset, offset+count) (count None: to
        its end). os.sendfile moves them without a copy through Python when the
        platform has it and the socket is not TLS; otherwise 16 KiB chunks are read as
        the socket drains (_files.send_file)."""
        from ._files import send_file

        return send_file(self, *args, **kwargs)

    def TrySendData(self, data):
        """Hand ``data`` to the kernel now, if it can go now -> how many bytes it took.

        Only on the loop thread, with nothing queued and the socket ready (else 0, and
        nothing is sent). Nothing is queued either: the caller sends the rest (e.g. with
        AsyncSendData) and knows, when all of it went, that it is sent without waiting
        for an onDataSent (a small answer's completion, one loop turn sooner).
        """
        if self._closing or self._sendq or not self._ready or not self._pool._in_loop():
            return 0
        return self._send_now(data) or 0

    def _send_now(self, data):
        """One non-blocking send -> bytes taken (0: would block); None if it failed."""
        try:
            sent = self._sock.send(data)
        except OSError as exc:
            if not self._io_error(exc):
                return None
            sent = 0
        if self._timeout_idle:
            self._timeout_base = self._pool._now
        return sent or 0  # MicroPython's TLS says None for "would block"

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
        self._enqueue([data, callback, arg], size)

    def _enqueue(self, item, size):
        """Queue item (bytes: [view, callback, arg]; a file: a _files.FileItem)."""
        if self._closed:
            return
        self._sendq.append(item)
        self._sendq_bytes += size
        self._arm_send_stall()
        if self._ready:
            self._set_mask(self._mask | _WRITE)

    def _on_writable(self):
        queue = self._sendq
        sock = self._sock
        while queue and not self._closed:
            item = queue[0]
            if type(item) is not list:  # a file
                if not item.step(self):
                    return
                callback, arg = item.callback, item.arg
            else:
                view, callback, arg = item
                if len(view):  # (an empty send is done once reached)
                    try:
                        sent = sock.send(view)
                    except OSError as exc:
                        self._io_error(exc)
                        return
                    if not sent:
                        return
                    self._sendq_bytes -= sent
                    self._send_mark = now = self._pool._now
                    if self._timeout_idle:
                        self._timeout_base = now
                    if sent < len(view):
                        item[0] = view[sent:]
                        return
            del queue[0]
            if callback is not None:
                self._pool._dispatch(self, callback, (self, arg))
        if not queue:
            self._send_mark = None
            self._set_mask(self._mask & ~_WRITE)

    def _become_ready(self):
        """Connected (and TLS handshake done): the reads and sends asked for start."""
        self._ready = True
        mask = self._mask & ~(_READ | _WRITE)
        if self._sendq:
            mask |= _WRITE
        self._set_mask(mask)
        if self._rmode:
            self._activate_recv()
            if self._is_ssl:
                # The handshake may have pulled application data into the SSL object.
                from ._tls import read_ahead

                self._pool.CallSoon(read_ahead, self)

    # ------------------------------------------------------------ timers

    def _arm_send_stall(self):
        """Start the no-progress clock when the queue gets its first item."""
        if self._closed or not self._sendq:
            return
        if self._send_mark is None:
            self._send_mark = now_ms()
        if self._send_stall_ms:
            self._pool._schedule(self, self._send_mark + self._send_stall_ms)

    def _set_timeout(self, seconds, idle=False):
        if seconds is None or seconds <= 0:
            self._timeout_ms = 0
            return
        self._timeout_ms = int(seconds * 1000)
        self._timeout_idle = idle
        self._timeout_base = base = now_ms()
        self._pool._schedule(self, base + self._timeout_ms)

    def _on_timer(self, when, now):
        """A deadline came: the send stall's, the read's, the connect's or the TLS
        handshake's (one heap entry at most; each re-checks its own time)."""
        if self._closed:
            return
        stall = self._send_stall_ms
        if stall and self._send_mark is not None and self._sendq:
            deadline = self._send_mark + stall
            if deadline <= now:
                self.LastError = XAsyncTCPClientException(
                    "no send progress for %d ms (SendTimeoutSec)" % stall)
                self._close(_TIMEOUT)
                return
            self._pool._schedule(self, deadline)
        if not self._timeout_ms:
            return
        if self._rq_paused and self._timeout_idle:
            self._timeout_base = now  # our workers are behind, not the peer: not idle
        expire = self._timeout_base + self._timeout_ms
        if expire > now:
            self._pool._schedule(self, expire)
            return
        self._timeout_ms = 0
        if self._connecting:
            from ._connect import fails_to_connect

            fails_to_connect(self, OSError("connect timed out"))
        else:
            self._close(_TIMEOUT)

    # ------------------------------------------------------------ events

    def _on_events(self, mask):
        if not self._ready:
            if self._connecting:
                from ._connect import on_connect_event

                on_connect_event(self, mask)
            elif self._is_ssl:
                from ._tls import handshake

                handshake(self)
            return
        if mask & _WRITE:
            self._on_writable()
        if mask & _READ and not self._closed:
            self._on_readable()

    def _io_error(self, exc, reading=False):
        """An OSError from recv/send -> True when it only means "not now"; otherwise the
        socket is closed (or, for a read, the peer's end is handled) -> False."""
        if self._is_ssl:
            from ._tls import io_error

            handled = io_error(self, exc, reading)
            if handled is not None:
                return handled
        code = exc.errno
        if code in WOULD_BLOCK:  # a spurious wake-up is not an error
            return True
        self.LastError = without_traceback(exc)
        # After the peer's EOF a failing send is the peer's end too (e.g. OpenSSL
        # refuses to write after a TLS peer's bare TCP EOF).
        if self._peer_shut or code in (getattr(errno, "ECONNRESET", -1),
                                       getattr(errno, "EPIPE", -1),
                                       getattr(errno, "ECONNABORTED", -1),
                                       getattr(errno, "ENOTCONN", -1)):
            self._close(_CLOSED_BY_PEER)
        else:
            self._close(_ERROR)
        return False

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


class XAsyncTCPServer(XAsyncSocket):
    """A listening socket; every accepted connection goes to OnClientAccepted."""

    @staticmethod
    def Create(asyncSocketsPool, srvAddr, srvBacklog=256, bufSlots=None, reusePort=False):
        """Listen on srvAddr. reusePort: SO_REUSEPORT, so that several processes (or
        servers) accept on one port, the kernel sharing the connections out."""
        if reusePort and not hasattr(socket, "SO_REUSEPORT"):
            raise XAsyncTCPServerException(
                "Create: reusePort=True, but this runtime's socket module has no SO_REUSEPORT")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            if reusePort:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            addr = bind_addr(sock, srvAddr)
            sock.listen(srvBacklog)
            sock.setblocking(False)
        except OSError as exc:
            sock.close()
            raise XAsyncTCPServerException(
                "Create: cannot listen on %r: %s" % (srvAddr, exc)) from exc
        return XAsyncTCPServer(asyncSocketsPool, sock, addr, bufSlots)

    def __init__(self, asyncSocketsPool, srvSocket, srvAddr, bufSlots=None):
        XAsyncSocket.__init__(self, asyncSocketsPool, srvSocket)
        self._srv_addr = srvAddr
        self._slots = bufSlots
        self.OnClientAccepted = None
        self._on_loop(self._set_mask, _READ)

    @property
    def SrvAddr(self):
        return self._srv_addr

    def _on_events(self, mask):
        sock = self._sock
        for _ in range(_ACCEPT_BURST):
            try:
                conn, addr = sock.accept()
            except MemoryError as exc:
                # A board out of heap: keep listening, try again once memory came back.
                self._pause_accept("accept paused: out of memory", exc)
                return
            except OSError as exc:
                code = exc.errno
                if code in WOULD_BLOCK:
                    return
                if code == getattr(errno, "ECONNABORTED", -1):
                    continue  # the peer gave up while queued: next one
                if code in (getattr(errno, "EMFILE", -1), getattr(errno, "ENFILE", -1),
                            getattr(errno, "ENOBUFS", -1), getattr(errno, "ENOMEM", -1)):
                    # Out of descriptors: back off instead of spinning on accept().
                    self._pause_accept("accept paused: out of resources", exc)
                    return
                raise
            slot = None
            if self._slots is not None:
                slot = self._slots.GetAvailableSlot()
                if slot is None:
                    conn.close()  # every slot is in use: the configured connection cap
                    continue
            try:
                conn.setblocking(False)
                set_nodelay(conn)
                cli = XAsyncTCPClient(self._pool, conn, self._srv_addr, to_tuple(addr), slot,
                                      None)
            except MemoryError as exc:
                if slot is not None:
                    self._slots.ReleaseSlot(slot)
                # This connection only: drop it; the listening socket must survive.
                self._drop_half_made(conn)
                self._pause_accept("accepted connection dropped: out of memory", exc)
                return
            cli._slots_owner = self._slots
            handler = self.OnClientAccepted
            if handler is None:
                cli._close(_CLOSED_BY_HOST, triggerOnClosed=False)
            else:
                self._pool._dispatch(cli, handler, (self, cli))

    def _pause_accept(self, message, exc):
        self._pool._report(message, exc, self)
        self._set_mask(0)
        self._pool.CallLater(ACCEPT_PAUSE_SEC, self._set_mask, _READ)  # (not once closed)

    def _drop_half_made(self, conn):
        pool = self._pool
        for key, asock in list(pool._sockets.items()):
            if asock._sock is conn:  # registered before its set-up failed
                asock._closed = True  # a pending interest change must not re-register it
                # By key: the MemoryError may have struck before `_id` was stored.
                pool._sockets.pop(key, None)
                if asock._registered_mask:
                    pool._poller.unregister(conn)
                slot, owner = asock._recv_slot, getattr(asock, "_slots_owner", None)
                if slot is not None and owner is not None:
                    owner.ReleaseSlot(slot)
        try:
            conn.close()
        except OSError as exc:  # already broken: nothing more to undo
            pool._report("closing a dropped connection", exc, self)
