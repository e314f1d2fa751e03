"""Everything that differs between runtimes, in one place.

The rest of the package imports its clock, thread, address and error-reporting helpers
and its poller from here, so a port difference is fixed once. What only
CPython uses (epoll straight, `selectors`, `logging`, `os.sendfile`) lives in
`_cpython.py`, which MicroPython never loads.
"""

import errno
import select
import socket
import sys
import time

try:
    from micropython import const
except ImportError:  # CPython: const(1) is just 1
    const = int


IS_MICROPYTHON = sys.implementation.name == "micropython"

# Receive size of an accepted connection with no buffer slot. CPython shrinks the bytes
# that recv(n) returns to what arrived, so a large n costs nothing for small messages
# and lifts bulk receive on loopback from ~350 MB/s (4 KiB) to ~1.5 GB/s (64 KiB).
# A board allocates the whole n on every read: 4 KiB there.
DEFAULT_RECV_LEN = 4096 if IS_MICROPYTHON else 65536

EAGAIN = errno.EAGAIN
# MicroPython has no EWOULDBLOCK name; on Linux both names are the same number.
WOULD_BLOCK = (EAGAIN, getattr(errno, "EWOULDBLOCK", EAGAIN))
EINTR = getattr(errno, "EINTR", EAGAIN)

READ = const(1)
WRITE = const(2)
# Only select.poll reports errors apart; epoll and selectors fold them into READ | WRITE.
ERR = const(4)

# ---------------------------------------------------------------- threads (optional)

try:
    import _thread
except ImportError:  # a build without threads: the loop runs in the calling thread only
    _thread = None
if _thread is None:  # (MicroPython also gives None for a None in sys.modules)
    from . import _nothreads as _thread

get_ident = _thread.get_ident
allocate_lock = _thread.allocate_lock
start_thread = getattr(_thread, "start_new_thread", None)

# ---------------------------------------------------------------- clock (milliseconds)

if IS_MICROPYTHON:
    # ticks_ms wraps (2**30 ms on boards): accumulate the differences into an int that
    # only grows, so heap ordering of deadlines never breaks at the wrap.
    _clock = [time.ticks_ms(), 0]

    def now_ms():
        ticks = time.ticks_ms()
        _clock[1] += time.ticks_diff(ticks, _clock[0])
        _clock[0] = ticks
        return _clock[1]


# ---------------------------------------------------------------- addresses

def resolve(addr):
    """(host, port) -> what bind/connect/sendto take on this port."""
    if not IS_MICROPYTHON:
        return addr
    return socket.getaddrinfo(addr[0], addr[1])[0][-1]


def to_tuple(addr):
    """An address from accept/recvfrom/getsockname -> (ip, port)."""
    if isinstance(addr, tuple):
        return addr[0], addr[1]
    # MicroPython hands raw struct sockaddr_in bytes: family(2) port(2, big-endian) ip(4).
    raw = bytes(addr)
    return "%d.%d.%d.%d" % (raw[4], raw[5], raw[6], raw[7]), (raw[2] << 8) | raw[3]


def set_nodelay(sock):
    # MicroPython's socket module has no IPPROTO_TCP / TCP_NODELAY constants even where
    # the OS has the option: the values Linux, the BSDs, macOS, Windows and lwIP all
    # share (IPPROTO_TCP = 6 by IANA protocol number, TCP_NODELAY = 1).
    try:
        sock.setsockopt(getattr(socket, "IPPROTO_TCP", 6), getattr(socket, "TCP_NODELAY", 1), 1)
    except (OSError, AttributeError):  # no such option here (or no setsockopt): latency only
        pass


def bind_addr(sock, addr, reuse=True):
    """Bind to (host, port) (with SO_REUSEADDR unless `reuse` is False: a restart binds
    at once, soft reboot included); return the address really bound.

    Port 0 asks the kernel for a free port. MicroPython's sockets have no getsockname,
    so there the port is drawn at random from the dynamic range (RFC 6335 section 6)
    and drawn again when it is taken.
    """
    host, port = addr
    if reuse and hasattr(socket, "SO_REUSEADDR"):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if port or hasattr(sock, "getsockname"):
        sock.bind(resolve(addr))
        return to_tuple(sock.getsockname()) if hasattr(sock, "getsockname") else addr
    for attempt in range(64):
        try:
            from random import getrandbits

            port = 49152 + getrandbits(16) % 16383
        except ImportError:  # no random module: the clock, stirred by the attempt
            port = 49152 + (now_ms() + attempt * 7919) % 16383
        try:
            sock.bind(resolve((host, port)))
            return host, port
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE or attempt == 63:
                raise


# ---------------------------------------------------------------- poller and reporting

if IS_MICROPYTHON:

    class Poller:
        """select.poll, mapping socket objects back to their owners."""

        def __init__(self):
            self._poll = select.poll()
            self._owners = {}

        def register(self, sock, obj, mask):
            self._owners[sock] = obj
            self._poll.register(sock, (select.POLLIN if mask & READ else 0)
                                | (select.POLLOUT if mask & WRITE else 0))

        # poll.register of a registered socket sets its new mask.
        modify = register

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
                if flags & (select.POLLERR | select.POLLHUP):
                    # Both directions wake (their handlers then meet the error in
                    # recv/send), and ERR tells a pending connect that it failed.
                    out.append((obj, READ | WRITE | ERR))
                else:
                    out.append((obj, (READ if flags & select.POLLIN else 0)
                                | (WRITE if flags & select.POLLOUT else 0)))
            return out

        def close(self):
            self._owners = {}  # the poll object goes with this poller

    def report_exception(message, exc):
        """Default error hook on MicroPython: the message and the traceback, printed."""
        print("xasync:", message)
        sys.print_exception(exc)

    def without_traceback(exc):
        return exc  # MicroPython keeps no frames with an exception

else:
    from ._cpython import (  # noqa: F401
        Poller,
        _os_sendfile,
        now_ms,
        report_exception,
        without_traceback,
    )
