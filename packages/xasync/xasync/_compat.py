"""Everything that differs between CPython and MicroPython, in one place.

The rest of the package imports its socket, poller, clock, thread and error-reporting
helpers from here, so a port difference is fixed once.
"""

import errno
import select
import socket
import sys
import time

import _thread

try:
    import selectors
except ImportError:  # MicroPython: select.poll below
    selectors = None

try:
    import ssl
except ImportError:  # a build without TLS
    ssl = None

try:
    import os

    _os_sendfile = getattr(os, "sendfile", None)
except ImportError:
    _os_sendfile = None

try:
    import logging

    _log = logging.getLogger("xasync")
except ImportError:  # MicroPython
    _log = None

try:
    import random

    _randbits = random.getrandbits
except (ImportError, AttributeError):
    _randbits = None

IS_MICROPYTHON = sys.implementation.name == "micropython"

# Receive size of an accepted connection with no buffer slot. CPython shrinks the bytes
# that recv(n) returns to what arrived, so a large n costs nothing for small messages
# and lifts bulk receive on loopback from ~350 MB/s (4 KiB) to ~1.5 GB/s (64 KiB).
# A board allocates the whole n on every read: 4 KiB there.
DEFAULT_RECV_LEN = 4096 if IS_MICROPYTHON else 65536

EAGAIN = errno.EAGAIN
# MicroPython has no EWOULDBLOCK name; on Linux both names are the same number.
EWOULDBLOCK = getattr(errno, "EWOULDBLOCK", errno.EAGAIN)
WOULD_BLOCK = (EAGAIN, EWOULDBLOCK)
EINPROGRESS = errno.EINPROGRESS
EINTR = getattr(errno, "EINTR", EAGAIN)
EADDRINUSE = errno.EADDRINUSE
# Running out of descriptors: accept() must back off instead of spinning.
OUT_OF_FDS = (getattr(errno, "EMFILE", -1), getattr(errno, "ENFILE", -1),
              getattr(errno, "ENOBUFS", -1), getattr(errno, "ENOMEM", -1))
CONNECT_IN_PROGRESS = (EINPROGRESS, EAGAIN, getattr(errno, "EALREADY", EINPROGRESS))

READ = 1
WRITE = 2
# Only select.poll reports errors apart; epoll and selectors fold them into READ | WRITE.
ERR = 4

get_ident = _thread.get_ident
allocate_lock = _thread.allocate_lock


def start_thread(func, args=()):
    _thread.start_new_thread(func, args)


# ---------------------------------------------------------------- clock (milliseconds)

if hasattr(time, "monotonic_ns"):

    def now_ms():
        return time.monotonic_ns() // 1000000

elif hasattr(time, "ticks_ms"):
    # ticks_ms wraps (2**30 ms on boards): accumulate the differences into an int that
    # only grows, so heap ordering of deadlines never breaks at the wrap.
    _clock = [time.ticks_ms(), 0]

    def now_ms():
        ticks = time.ticks_ms()
        _clock[1] += time.ticks_diff(ticks, _clock[0])
        _clock[0] = ticks
        return _clock[1]

else:  # pragma: no cover - neither clock

    def now_ms():
        return int(time.time() * 1000)


def sleep_ms(ms):
    time.sleep(ms / 1000)


# ---------------------------------------------------------------- addresses

def resolve(addr, kind=None):
    """(host, port) -> what bind/connect/sendto take on this port."""
    if not IS_MICROPYTHON:
        return addr
    host, port = addr
    return socket.getaddrinfo(host, port)[0][-1]


def to_tuple(addr):
    """An address from accept/recvfrom/getsockname -> (ip, port)."""
    if isinstance(addr, tuple):
        return addr[0], addr[1]
    # MicroPython hands raw struct sockaddr_in bytes: family(2) port(2, big-endian) ip(4).
    raw = bytes(addr)
    port = (raw[2] << 8) | raw[3]
    return "%d.%d.%d.%d" % (raw[4], raw[5], raw[6], raw[7]), port


def bound_addr(sock, asked):
    """The (ip, port) actually bound: getsockname when the port has it."""
    getsockname = getattr(sock, "getsockname", None)
    if getsockname is None:
        return asked
    return to_tuple(getsockname())


def set_reuse_addr(sock):
    if hasattr(socket, "SO_REUSEADDR"):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)


# MicroPython's socket module has no IPPROTO_TCP / TCP_NODELAY constants even where the
# OS supports the option: fall back to the values Linux, the BSDs, macOS, Windows and
# lwIP all share (IPPROTO_TCP = 6 by IANA protocol number, TCP_NODELAY = 1).
_IPPROTO_TCP = getattr(socket, "IPPROTO_TCP", 6)
_TCP_NODELAY = getattr(socket, "TCP_NODELAY", 1)


def set_nodelay(sock):
    try:
        sock.setsockopt(_IPPROTO_TCP, _TCP_NODELAY, 1)
    except (OSError, AttributeError):  # no such option here (or no setsockopt): latency only
        pass


def bind_addr(sock, addr):
    """Bind to (host, port) and return the address really bound.

    Port 0 asks the kernel for a free port. MicroPython's sockets have no getsockname,
    so there the port is drawn at random from the dynamic range (RFC 6335 section 6)
    and drawn again when it is taken.
    """
    host, port = addr
    if port != 0 or hasattr(sock, "getsockname"):
        sock.bind(resolve((host, port)))
        return bound_addr(sock, (host, port))
    last = None
    for _attempt in range(64):
        candidate = 49152 + _random_below(16383)
        try:
            sock.bind(resolve((host, candidate)))
        except OSError as exc:
            if exc.errno != EADDRINUSE:
                raise
            last = exc
            continue
        return host, candidate
    raise last


def _random_below(n):
    if _randbits is not None:
        return _randbits(16) % n
    return now_ms() % n


def socket_error(sock):
    """Pending error of a non-blocking connect (0 = connected), when the port can say."""
    if hasattr(sock, "getsockopt") and hasattr(socket, "SO_ERROR"):
        return sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    return 0


def has_recv_into(sock):
    return hasattr(sock, "recv_into")


def sendfile_fn(sock, fileobj):
    """os.sendfile(out_fd, in_fd, offset, count) usable for this pair, or None."""
    if _os_sendfile is None or IS_MICROPYTHON:
        return None
    if ssl is not None and isinstance(sock, getattr(ssl, "SSLSocket", ())):
        return None
    try:
        fileobj.fileno()
    except (AttributeError, OSError, ValueError):
        return None
    return _os_sendfile


# ---------------------------------------------------------------- waker

class Waker:
    """Something the poller watches that another thread can make readable.

    A socketpair on CPython; MicroPython has neither socketpair nor pipe, so there a
    loopback UDP socket sends one byte to itself.
    """

    def __init__(self):
        if hasattr(socket, "socketpair"):
            self._reader, self._writer = socket.socketpair()
            self._target = None
        else:
            self._reader = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            host_port = bind_addr(self._reader, ("127.0.0.1", 0))
            self._writer = self._reader
            self._target = resolve(host_port)
        self._reader.setblocking(False)
        if self._writer is not self._reader:
            self._writer.setblocking(False)
        self._closed = False

    @property
    def sock(self):
        return self._reader

    def wake(self):
        if self._closed:
            return
        try:
            if self._target is None:
                self._writer.send(b"\x00")
            else:
                self._writer.sendto(b"\x00", self._target)
        except OSError as exc:
            # Closed meanwhile by the loop's shutdown (another thread's StopWaitEvents or
            # CallSoon raced it): the loop is over, nothing is left to wake.
            if self._closed:
                return
            # Full means a wake-up is already pending: that is all we need.
            if exc.errno not in WOULD_BLOCK:
                raise

    def drain(self):
        for _ in range(64):
            try:
                if not self._reader.recv(512):
                    return
            except OSError as exc:
                if exc.errno in WOULD_BLOCK:
                    return
                raise

    def close(self):
        self._closed = True
        self._reader.close()
        if self._writer is not self._reader:
            self._writer.close()


# ---------------------------------------------------------------- poller

if hasattr(select, "epoll"):

    class Poller:
        """select.epoll straight (Linux CPython): the owner of each fd in a dict.

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

elif selectors is not None:

    class Poller:
        """selectors.DefaultSelector (epoll on Linux, kqueue on BSD/macOS)."""

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

else:

    class Poller:
        """select.poll, mapping socket objects back to their owners."""

        _ERR = select.POLLERR | select.POLLHUP

        def __init__(self):
            self._poll = select.poll()
            self._owners = {}

        def _flags(self, mask):
            flags = 0
            if mask & READ:
                flags |= select.POLLIN
            if mask & WRITE:
                flags |= select.POLLOUT
            return flags

        def register(self, sock, obj, mask):
            self._owners[sock] = obj
            self._poll.register(sock, self._flags(mask))

        def modify(self, sock, obj, mask):
            self._owners[sock] = obj
            self._poll.modify(sock, self._flags(mask))

        def unregister(self, sock):
            if self._owners.pop(sock, None) is not None:
                try:
                    self._poll.unregister(sock)
                except (KeyError, OSError):
                    pass  # the port already dropped it

        def poll(self, timeout_ms):
            out = []
            for entry in self._poll.poll(timeout_ms):
                obj = self._owners.get(entry[0])
                if obj is None:
                    continue
                flags = entry[1]
                mask = 0
                if flags & (select.POLLIN | self._ERR):
                    mask |= READ
                if flags & (select.POLLOUT | self._ERR):
                    mask |= WRITE
                if flags & self._ERR:
                    mask |= ERR
                out.append((obj, mask))
            return out

        def close(self):
            for sock in list(self._owners):
                self.unregister(sock)


# ---------------------------------------------------------------- reporting

def report_exception(message, exc):
    """Default error hook: `logging` on CPython, the traceback printed on MicroPython."""
    if _log is not None:
        _log.error("%s", message, exc_info=(type(exc), exc, exc.__traceback__))
        return
    print("xasync:", message)
    print_exception = getattr(sys, "print_exception", None)
    if print_exception is not None:
        print_exception(exc)
    else:
        print(repr(exc))
