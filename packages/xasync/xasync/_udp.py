"""UDP: datagrams in to OnRecv, datagrams out with a queue when the kernel is full."""

import socket

from ._compat import READ, WOULD_BLOCK, WRITE, bind_addr, resolve, to_tuple, without_traceback
from ._pool import XAsyncSocket

# Datagrams read per wake-up, so a flood on one socket cannot starve the others.
RECV_BURST = 64


class XAsyncUDPDatagramException(Exception):
    pass


class XAsyncUDPDatagram(XAsyncSocket):
    """OnRecv(udp, remoteAddr, data); AsyncSendDatagram(data, remoteAddr, onDataSent, arg)."""

    @staticmethod
    def Create(asyncSocketsPool, localAddr=None, recvBufLen=4096, broadcast=False):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            if broadcast:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
            local = None
            if localAddr is not None:
                local = bind_addr(sock, localAddr)
            sock.setblocking(False)
        except OSError as exc:
            sock.close()
            raise XAsyncUDPDatagramException(
                "Create: cannot bind %r: %s" % (localAddr, exc)) from exc
        return XAsyncUDPDatagram(asyncSocketsPool, sock, local, recvBufLen)

    def __init__(self, asyncSocketsPool, udpSocket, localAddr=None, recvBufLen=4096):
        XAsyncSocket.__init__(self, asyncSocketsPool, udpSocket)
        self._local_addr = localAddr
        self._recv_len = recvBufLen
        self._sendq = []
        self.OnRecv = None
        self.OnFailsToSend = None
        self.LastError = None
        self._on_loop(self._set_mask, READ)

    @property
    def LocalAddr(self):
        return self._local_addr

    @property
    def OnDataRecv(self):
        """The original's later name for OnRecv (same signature)."""
        return self.OnRecv

    @OnDataRecv.setter
    def OnDataRecv(self, value):
        self.OnRecv = value

    def AsyncSendDatagram(self, datagram, remoteAddr, onDataSent=None, onDataSentArg=None):
        if self._closed or self._closing:
            return False
        self._on_loop(self._queue, datagram, remoteAddr, onDataSent, onDataSentArg)
        return True

    def _queue(self, datagram, remote, callback, arg):
        if self._closed:
            return
        self._sendq.append((datagram, remote, callback, arg))
        if len(self._sendq) == 1:
            # Sent from the loop, never inside AsyncSendDatagram: its callbacks must not
            # run (and recurse) inside the caller.
            self._pool.CallSoon(self._flush)

    def _flush(self):
        queue = self._sendq
        while queue and not self._closed and self._send_one(*queue[0]):
            del queue[0]
        if not self._closed:
            self._set_mask(READ | WRITE if queue else READ)

    def _send_one(self, datagram, remote, callback, arg):
        """True when the datagram is done with (sent or failed), False to retry later."""
        try:
            self._sock.sendto(datagram, resolve(remote))
        except OSError as exc:
            if exc.errno in WOULD_BLOCK:
                return False
            self.LastError = without_traceback(exc)
            handler = self.OnFailsToSend
            if handler is None:
                self._pool._report("datagram to %r failed" % (remote,), exc, self)
            else:
                self._pool._dispatch(self, handler, (self, datagram, remote))
            return True
        if callback is not None:
            self._pool._dispatch(self, callback, (self, arg))
        return True

    def _on_events(self, mask):
        if mask & WRITE:
            self._flush()
        if mask & READ and not self._closed:
            self._on_readable()

    def _on_readable(self):
        sock = self._sock
        for _ in range(RECV_BURST):
            try:
                data, addr = sock.recvfrom(self._recv_len)
            except OSError as exc:
                if exc.errno in WOULD_BLOCK:
                    return
                # ICMP errors (e.g. port unreachable) surface here: not fatal for UDP.
                self.LastError = without_traceback(exc)
                self._pool._report("UDP receive error", exc, self)
                return
            handler = self.OnRecv
            if handler is not None:
                self._pool._dispatch(self, handler, (self, to_tuple(addr), data))

    def _release_resources(self):
        self._sendq = []
