"""TCP: the listening server; every connection it accepts is an XAsyncTCPClient."""

import errno
import socket

from ._compat import OUT_OF_FDS, READ, WOULD_BLOCK, bind_addr, set_nodelay, set_reuse_addr, to_tuple
from ._pool import XClosedReason
from ._socket import XAsyncSocket
from ._tcp import XAsyncTCPClient

# Accepted per wake-up: a connection storm cannot starve the open connections.
ACCEPT_BURST = 64
# How long accept() pauses when the process is out of descriptors (EMFILE).
ACCEPT_PAUSE_SEC = 0.5
_ECONNABORTED = getattr(errno, "ECONNABORTED", -1)


class XAsyncTCPServerException(Exception):
    pass


class XAsyncTCPServer(XAsyncSocket):
    """A listening socket; every accepted connection goes to OnClientAccepted."""

    @staticmethod
    def Create(asyncSocketsPool, srvAddr, srvBacklog=256, bufSlots=None):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            set_reuse_addr(sock)
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
        self._on_loop(self._set_mask, READ)

    @property
    def SrvAddr(self):
        return self._srv_addr

    def _on_events(self, mask):
        sock = self._sock
        for _ in range(ACCEPT_BURST):
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
                if code == _ECONNABORTED:
                    continue  # the peer gave up while queued: next one
                if code in OUT_OF_FDS:
                    self._pause_accept("accept paused: out of resources", exc)
                    return
                raise
            try:
                self._accepted(conn, addr)
            except MemoryError as exc:
                # This connection only: drop it; the listening socket must survive.
                self._drop_half_made(conn)
                self._pause_accept("accepted connection dropped: out of memory", exc)
                return

    def _pause_accept(self, message, exc):
        self._pool._report(message, exc, self)
        self._set_mask(0)
        self._pool.CallLater(ACCEPT_PAUSE_SEC, self._resume_accept)

    def _drop_half_made(self, conn):
        pool = self._pool
        for key, asock in list(pool._sockets.items()):
            if asock._sock is conn:  # registered before its set-up failed
                asock._closed = True  # a pending interest change must not re-register it
                # By key: the MemoryError may have struck before `_id` was stored.
                pool._sockets.pop(key, None)
                pool._remove(asock)
                slot, owner = asock._recv_slot, getattr(asock, "_slots_owner", None)
                if slot is not None and owner is not None:
                    owner.ReleaseSlot(slot)
        try:
            conn.close()
        except OSError as exc:  # already broken: nothing more to undo
            pool._report("closing a dropped connection", exc, self)

    def _resume_accept(self):
        if not self._closed:
            self._set_mask(READ)

    def _accepted(self, conn, addr):
        slot = None
        if self._slots is not None:
            slot = self._slots.GetAvailableSlot()
            if slot is None:
                conn.close()  # every slot is in use: the configured connection cap
                return
        conn.setblocking(False)
        set_nodelay(conn)
        try:
            cli = XAsyncTCPClient(self._pool, conn, self._srv_addr, to_tuple(addr), slot,
                                  None)
        except MemoryError:
            if slot is not None:
                self._slots.ReleaseSlot(slot)
            raise
        cli._slots_owner = self._slots
        handler = self.OnClientAccepted
        if handler is None:
            cli._close(XClosedReason.ClosedByHost, triggerOnClosed=False)
            return
        self._pool._dispatch(cli, handler, (self, cli))
