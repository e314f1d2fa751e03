"""What only CPython uses: epoll straight or `selectors`, `logging`, `os.sendfile`,
`time.monotonic_ns`.

Imported by `_compat` on CPython only, so a board never loads (nor pays for) it.
"""

import os
import select
import selectors
import sys
import time

from ._compat import READ, WRITE

_os_sendfile = getattr(os, "sendfile", None)


def now_ms():
    return time.monotonic_ns() // 1000000


def without_traceback(exc):
    """``exc`` to keep as LastError, its traceback dropped: a closed socket that lingers
    must not keep the frames of its last error alive (a flood of failing connections,
    TLS junk, would pile them up)."""
    exc.__traceback__ = None
    return exc


def report_exception(message, exc):
    """Default error hook: `logging` (logger "xasync") with the traceback."""
    try:
        import logging  # (imported on first use: it needs threads)
    except ImportError:  # an interpreter without _thread: no threading, so no logging
        import traceback

        print("xasync:", message, file=sys.stderr)
        traceback.print_exception(type(exc), exc, exc.__traceback__)
        return
    logging.getLogger("xasync").error("%s", message, exc_info=(type(exc), exc, exc.__traceback__))


if hasattr(select, "epoll"):

    class Poller:
        """select.epoll straight (Linux): the owner of each fd in a dict.

        selectors.EpollSelector does the same work through a key object per event and a
        list rebuilt twice; on a server answering tens of thousands of small requests a
        second that is a measurable share of the loop (bench/http.py)."""

        _IN = select.EPOLLIN
        _OUT = select.EPOLLOUT

        def __init__(self):
            self._epoll = select.epoll()
            self._owners = {}  # fd -> (socket, owner)
            self._fds = {}  # socket -> fd: a closed socket's fileno() is -1

        def _flags(self, mask):
            return (self._IN if mask & READ else 0) | (self._OUT if mask & WRITE else 0)

        def register(self, sock, obj, mask):
            fd = sock.fileno()
            self._epoll.register(fd, self._flags(mask))
            self._owners[fd] = (sock, obj)
            self._fds[sock] = fd

        def modify(self, sock, obj, mask):
            fd = self._fds[sock]
            self._epoll.modify(fd, self._flags(mask))
            self._owners[fd] = (sock, obj)

        def unregister(self, sock):
            fd = self._fds.pop(sock, None)
            if fd is None:
                return
            entry = self._owners.get(fd)
            if entry is None or entry[0] is not sock:
                return  # the fd was closed and reused by a socket registered since
            del self._owners[fd]
            try:
                self._epoll.unregister(fd)
            except OSError:
                pass  # closed already: the kernel dropped it from the epoll set

        def poll(self, timeout_ms):
            owners = self._owners
            out = []
            for fd, flags in self._epoll.poll(-1 if timeout_ms < 0 else timeout_ms / 1000):
                entry = owners.get(fd)
                if entry is None:
                    continue
                if flags == self._IN:
                    out.append((entry[1], READ))
                    continue
                # As selectors does: an error or hang-up wakes both directions, whose
                # handlers then meet the error in recv/send.
                mask = 0
                if flags & ~self._OUT:
                    mask |= READ
                if flags & ~self._IN:
                    mask |= WRITE
                out.append((entry[1], mask))
            return out

        def close(self):
            self._owners = {}
            self._fds = {}
            self._epoll.close()

else:

    class Poller:
        """selectors.DefaultSelector (kqueue on BSD/macOS, select elsewhere)."""

        def __init__(self):
            self._sel = selectors.DefaultSelector()

        def register(self, sock, obj, mask):
            self._sel.register(sock, mask, obj)

        def modify(self, sock, obj, mask):
            self._sel.modify(sock, mask, obj)

        def unregister(self, sock):
            try:
                self._sel.unregister(sock)
            except (KeyError, ValueError, OSError):
                pass  # already gone (closed socket): nothing left to forget

        def poll(self, timeout_ms):
            # selectors' masks are EVENT_READ=1 / EVENT_WRITE=2, our READ / WRITE.
            events = self._sel.select(None if timeout_ms < 0 else timeout_ms / 1000)
            return [(key.data, mask) for key, mask in events]

        def close(self):
            self._sel.close()
