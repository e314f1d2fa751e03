"""What every managed socket shares: its id, poll interest, deadline and closing."""

from ._compat import now_ms
from ._pool import XClosedReason


class XAsyncSocket:
    """Base of the TCP server, TCP client and UDP datagram sockets.

    Interest changes are recorded and applied once per loop iteration, so a callback
    that ends one read and starts the next costs no poller system call.
    """

    def __init__(self, asyncSocketsPool, socket, recvBufSlot=None, sendBufSlot=None):
        self._pool = asyncSocketsPool
        self._sock = socket
        self._recv_slot = recvBufSlot
        self._send_slot = sendBufSlot
        self._mask = 0
        self._registered_mask = 0
        self._dirty = False
        self._closed = False
        self._closing = False
        # Deadline: base + timeout_ms; the base moves with traffic when idle is True.
        self._timeout_ms = 0
        self._timeout_idle = False
        self._timeout_base = 0
        self._heap_when = None
        # Worker-mode mailbox (see _pool._Workers).
        self._mail = None
        self._mail_busy = False
        self.OnClosed = None
        self.State = None
        self._id = asyncSocketsPool._add(self)

    # ------------------------------------------------------------ public API

    def GetAsyncSocketsPool(self):
        return self._pool

    def GetSocketObj(self):
        return self._sock

    @property
    def SocketID(self):
        return self._id

    @property
    def IsClosed(self):
        return self._closed

    @property
    def ExpireTimeSec(self):
        """Seconds left before the current operation times out, or None."""
        if not self._timeout_ms or self._closed:
            return None
        left = self._timeout_base + self._timeout_ms - now_ms()
        return max(0, left) / 1000

    def Close(self):
        """Close now (queued data not yet sent is dropped); OnClosed gets ClosedByHost."""
        if self._closed or self._closing:
            return
        self._close_soon(XClosedReason.ClosedByHost)

    def _close_soon(self, reason):
        """Close with this reason, on the loop thread (now, when already on it)."""
        if self._closed:
            return
        self._closing = True
        self._on_loop(self._close, reason)

    # ------------------------------------------------------------ loop side

    def _on_loop(self, func, *args):
        """Run func now if this thread may touch the socket, else on the loop."""
        if self._pool._in_loop():
            func(*args)
        else:
            self._pool.CallSoon(func, *args)

    def _set_mask(self, mask):
        if mask != self._mask:
            self._mask = mask
            if not self._dirty:
                self._dirty = True
                self._pool._dirty.append(self)

    def _apply_mask(self):
        self._dirty = False
        if self._closed:
            return
        mask = self._mask
        registered = self._registered_mask
        if mask == registered:
            return
        poller = self._pool._poller
        if poller is None:
            self._pool._ensure_io()
            poller = self._pool._poller
        if not mask:
            poller.unregister(self._sock)
        elif registered:
            poller.modify(self._sock, self, mask)
        else:
            poller.register(self._sock, self, mask)
        self._registered_mask = mask

    def _unregister_now(self):
        """Forget the socket in the poller at once (before its object is replaced)."""
        if self._registered_mask and self._pool._poller is not None:
            self._pool._poller.unregister(self._sock)
        self._registered_mask = 0
        self._mask = 0

    def _set_timeout(self, seconds, idle=False):
        if seconds is None or seconds <= 0:
            self._timeout_ms = 0
            return
        self._timeout_ms = int(seconds * 1000)
        self._timeout_idle = idle
        base = now_ms()
        self._timeout_base = base
        self._pool._schedule(self, base + self._timeout_ms)

    def _clear_timeout(self):
        self._timeout_ms = 0

    def _on_timer(self, when, now):
        if self._closed or not self._timeout_ms:
            return
        expire = self._timeout_base + self._timeout_ms
        if expire > now:
            self._pool._schedule(self, expire)
            return
        self._timeout_ms = 0
        self._on_timeout()

    def _on_timeout(self):
        self._close(XClosedReason.Timeout)

    def _close(self, closedReason=XClosedReason.Error, triggerOnClosed=True):
        if self._closed:
            return
        self._closed = True
        self._closing = True
        self._pool._remove(self)
        try:
            self._sock.close()
        except OSError as exc:  # already broken: the close itself has nothing to undo
            self._pool._report("closing socket %d" % self._id, exc, self)
        self._release_resources()
        on_closed = self.OnClosed
        self.OnClosed = None  # called once at most; dropping it breaks the usual cycle
        if triggerOnClosed and on_closed is not None:
            self._pool._dispatch(self, on_closed, (self, closedReason))

    def _release_resources(self):
        pass

    def _on_events(self, mask):
        raise NotImplementedError
