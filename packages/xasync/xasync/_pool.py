"""The event loop (one poller, a heap of deadlines, optional worker threads) and the
base every managed socket shares (its id, poll interest, deadline and closing).

All socket I/O happens on the loop thread. With `threadsCount=N` the user callbacks run
on N worker threads instead (`_workers.py`, loaded only then), each socket's callbacks
one after the other, so a slow handler holds only its own connection. Calls that change
a socket from another thread are handed to the loop through `CallSoon` and a waker.
"""

import heapq
import socket

from ._compat import (
    EINTR,
    WOULD_BLOCK,
    Poller,
    allocate_lock,
    bind_addr,
    const,
    get_ident,
    now_ms,
    report_exception,
    resolve,
    start_thread,
)

_READ = const(1)
# XClosedReason's values.
_ERROR = const(0)
_CLOSED_BY_HOST = const(1)
# The longest the loop sleeps with nothing due: bounds how late a stop flag set without
# the waker (e.g. from a signal handler) is noticed.
_MAX_POLL_MS = const(1000)
_DEAD_TIMERS_MIN = const(64)  # dead heap entries tolerated before a clean-up pass
# How long StopWaitEvents waits for the loop thread and the workers to finish.
STOP_WAIT_SEC = 10


class XClosedReason:
    Error = 0x00
    ClosedByHost = 0x01
    ClosedByPeer = 0x02
    Timeout = 0x03


class XAsyncSocketsPoolException(Exception):
    pass


class _Timer:
    """A CallLater entry; it sits in the same heap as the sockets' deadlines."""

    def __init__(self, func, args, pool):
        self._func = func
        self._args = args
        self._pool = pool
        self._heap_when = None
        self.cancelled = False

    def _on_timer(self, when, now):
        # args before func: cancel() (any thread) clears func first, then args.
        args = self._args
        func = self._func
        if func is not None and not self.cancelled:
            func(*args)

    def cancel(self):
        # The entry stays in the heap until its time: let go of what the call would
        # have used (e.g. a closed WebSocket and its half-received message), or a board
        # keeps that memory pinned for the whole delay.
        self.cancelled = True
        self._func = None
        self._args = ()
        self._pool._unschedule(self)  # (from any thread: see there)


class XAsyncSocketsPool:
    """The pool of managed sockets and the loop that serves them."""

    def __init__(self):
        self._sockets = {}
        self._next_id = 1
        self._poller = None
        self._waker = None  # the socket the poller watches for wake-ups
        self._wake_sock = None  # the one that sends them (the same, for a UDP waker)
        self._running = False
        self._processing = False
        self._loop_ident = None
        self._finished = None
        self._workers = None
        self._calls = []
        self._calls_lock = allocate_lock()
        self._wake_pending = False
        self._timers = []
        self._seq = 0
        self._dead_timers = 0  # heap entries no longer needed (see _unschedule)
        self._dirty = []
        self._now = now_ms()
        # Worker-mode mailbox for callbacks that belong to no socket.
        self._mail = None
        self._mail_busy = False
        # OnError(pool, asyncSocket_or_None, exception): a callback or handler raised.
        self.OnError = None

    # ------------------------------------------------------------ public API

    def AsyncWaitEvents(self, threadsCount=0):
        """Serve events. 0: in this thread until stopped; N: in a thread, N workers."""
        if not isinstance(threadsCount, int) or threadsCount < 0:
            raise ValueError("threadsCount must be an int >= 0")
        if threadsCount and start_thread is None:
            raise XAsyncSocketsPoolException("this runtime has no threads (use threadsCount=0)")
        if self._processing:
            raise XAsyncSocketsPoolException("AsyncWaitEvents: already processing")
        if self._poller is None:
            self._poller = Poller()
        if self._waker is None:
            # Something the poller watches that another thread can make readable: a
            # socketpair on CPython; MicroPython has neither socketpair nor pipe, so
            # there a loopback UDP socket sends one byte to itself.
            if hasattr(socket, "socketpair"):
                waker, self._wake_sock = socket.socketpair()
                self._wake_sock.setblocking(False)
            else:
                waker = self._wake_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                waker.connect(resolve(bind_addr(waker, ("127.0.0.1", 0), False)))  # itself
            waker.setblocking(False)
            self._waker = waker
            self._poller.register(waker, self, _READ)
        self._running = True
        self._processing = True
        self._finished = allocate_lock()
        self._finished.acquire()
        if not threadsCount:
            self._main()
            return
        from ._workers import Workers

        self._loop_ident = None
        self._workers = Workers(self, threadsCount)
        start_thread(self._main, ())

    def StopWaitEvents(self):
        """Stop the loop, close every socket of the pool; safe to call twice."""
        if not self._processing:
            for asock in list(self._sockets.values()):
                asock._close(_CLOSED_BY_HOST)
            self._release_io()
            return
        self._running = False
        if get_ident() == self._loop_ident:
            return  # the loop sees the flag when this callback returns
        self._wake()
        workers = self._workers
        if workers is not None and workers.is_worker():
            return  # waiting here would wait for this very thread
        finished = self._finished
        if finished is not None and finished.acquire(1, STOP_WAIT_SEC):
            finished.release()

    @property
    def WaitEventsProcessing(self):
        return self._processing

    def GetAllAsyncSockets(self):
        return list(self._sockets.values())

    def GetAsyncSocketByID(self, id):
        return self._sockets.get(id)

    def CallSoon(self, func, *args):
        """Run func(*args) on the loop thread, soon. Safe from any thread."""
        wake = False
        with self._calls_lock:
            self._calls.append((func, args))
            if self._processing and not self._wake_pending:
                if get_ident() != self._loop_ident:
                    self._wake_pending = True
                    wake = True
        if wake:
            self._wake()

    def CallLater(self, delaySec, func, *args):
        """Run func(*args) on the loop thread after delaySec; returns a `.cancel()`-able."""
        timer = _Timer(func, args, self)
        self.CallSoon(self._schedule, timer, now_ms() + int(delaySec * 1000))
        return timer

    # ------------------------------------------------------------ sockets' side

    def _in_loop(self):
        """True when socket state may be touched directly from here."""
        return not self._processing or get_ident() == self._loop_ident

    def _schedule(self, target, when):
        """Make target._on_timer run at `when` (ms); keeps at most one live entry each."""
        current = target._heap_when
        if current is not None and current <= when:
            return  # the earlier entry fires first and re-checks the real deadline
        target._heap_when = when
        self._seq += 1
        heapq.heappush(self._timers, (when, self._seq, target))

    def _unschedule(self, target):
        """``target``'s deadline no longer matters (a closed socket, a cancelled
        timer): its heap entry is dead, and removed with the others once they are most
        of the heap (see _main), not held until its time: thousands of closed clients
        under a TLS flood, small objects that pin memory across a flood. From any
        thread: a count lost to a race only delays that clean-up."""
        if target._heap_when is not None:
            target._heap_when = None
            self._dead_timers += 1

    def _dispatch(self, owner, func, args):
        """Call a user callback: inline without workers, else in owner's mailbox."""
        workers = self._workers
        if workers is None:
            self._run_callback(owner, func, args)
        else:
            workers.submit(owner, func, args)

    def _run_callback(self, owner, func, args):
        try:
            func(*args)
        except Exception as exc:  # a user callback: report it, close only its socket
            # (Never repr() a callable: MicroPython prints a closure with its cells, and
            # a closure that refers to itself recurses until the stack runs out.)
            self._report("callback %s raised" % getattr(func, "__name__", "?"), exc, owner)
            if owner is not self and owner is not None:
                owner._close_soon(_ERROR)

    def _report(self, message, exc, asock=None):
        hook = self.OnError
        if hook is not None:
            try:
                hook(self, asock, exc)
                return
            except Exception as hook_exc:  # a broken hook must not kill the loop
                report_exception("OnError hook raised", hook_exc)
        report_exception(message, exc)

    # ------------------------------------------------------------ the loop

    def _wake(self):
        """Interrupt the loop's poll (from another thread)."""
        sock = self._wake_sock
        if sock is None:
            return
        try:
            sock.send(b"\x00")
        except OSError as exc:
            # Closed meanwhile by the loop's shutdown (another thread's StopWaitEvents or
            # CallSoon raced it): the loop is over, nothing is left to wake. Full means a
            # wake-up is already pending: that is all we need.
            if self._wake_sock is not None and exc.errno not in WOULD_BLOCK:
                raise

    def _on_events(self, mask):
        # The waker: its byte only interrupts poll(); the calls run after the events.
        for _ in range(64):
            try:
                if not self._waker.recv(512):
                    return
            except OSError as exc:
                if exc.errno in WOULD_BLOCK:
                    return
                raise

    def _release_io(self):
        waker, wake_sock = self._waker, self._wake_sock
        if waker is not None:
            self._waker = self._wake_sock = None
            if self._poller is not None:
                self._poller.unregister(waker)
            waker.close()
            if wake_sock is not waker:
                wake_sock.close()
        if self._poller is not None:
            self._poller.close()
            self._poller = None

    def _main(self):
        """The loop, until stopped; then every socket is closed and the workers stop."""
        self._loop_ident = get_ident()
        poller = self._poller
        timers = self._timers
        # A stop (StopWaitEvents, Ctrl-C's KeyboardInterrupt, SystemExit) closes the
        # sockets as their host closing them; only a loop that died of an error says
        # Error, so a listener's owner can tell a normal stop from a lost socket.
        reason = _CLOSED_BY_HOST
        try:
            while self._running:
                if self._dirty:
                    dirty, self._dirty = self._dirty, []
                    for asock in dirty:
                        asock._apply_mask()
                timeout = _MAX_POLL_MS
                if self._calls:
                    timeout = 0
                elif timers:
                    timeout = max(0, min(timeout, timers[0][0] - now_ms()))
                try:
                    events = poller.poll(timeout)
                except OSError as exc:
                    if exc.errno != EINTR:
                        raise
                    events = ()
                self._now = now = now_ms()
                for asock, mask in events:
                    try:
                        asock._on_events(mask)
                    except Exception as exc:  # a handler bug: close that socket, go on
                        self._report("I/O handler of %r raised" % (asock,), exc, asock)
                        if asock is not self:
                            asock._close(_ERROR)
                if self._calls:
                    self._run_calls()
                dead = self._dead_timers
                if dead > _DEAD_TIMERS_MIN and dead * 2 > len(timers):
                    timers[:] = [e for e in timers if e[2]._heap_when == e[0]]
                    heapq.heapify(timers)
                    self._dead_timers = 0
                while timers and timers[0][0] <= now:
                    when, _seq, target = heapq.heappop(timers)
                    if target._heap_when != when:
                        if target._heap_when is None and self._dead_timers:
                            self._dead_timers -= 1  # (or superseded: no matter)
                        continue  # superseded by an earlier entry, or its socket closed
                    target._heap_when = None
                    try:
                        target._on_timer(when, now)
                    except Exception as exc:  # same policy as any handler
                        self._report("timer of %r raised" % (target,), exc)
        except Exception:  # (not KeyboardInterrupt / SystemExit: they are a stop)
            reason = _ERROR
            raise
        finally:
            try:
                for asock in list(self._sockets.values()):
                    asock._close(reason)
                if self._calls:
                    self._run_calls()
                self._timers = []
                self._dirty = []
            finally:
                workers = self._workers
                if workers is not None:
                    workers.stop(wait=not workers.is_worker())
                    self._workers = None
                self._release_io()
                self._running = False
                self._processing = False
                self._loop_ident = None
                self._finished.release()

    def _run_calls(self):
        with self._calls_lock:
            calls, self._calls = self._calls, []
            self._wake_pending = False
        for func, args in calls:
            try:
                func(*args)
            except Exception as exc:  # one bad call must not stop the others
                self._report("CallSoon %s raised" % getattr(func, "__name__", "?"), exc)


class XAsyncSocket:
    """Base of the TCP server, TCP client and UDP datagram sockets.

    Interest changes are recorded and applied once per loop iteration, so a callback
    that ends one read and starts the next costs no poller system call.
    """

    _heap_when = None  # its deadline in the pool's timer heap (TCP clients have one)

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
        self._timeout_ms = 0  # the current operation's timeout (TCP clients only)
        # Worker-mode mailbox (see _workers.py).
        self._mail = None
        self._mail_busy = False
        self.OnClosed = None
        self.State = None
        pool = asyncSocketsPool
        with pool._calls_lock:  # sockets may be made in any thread
            self._id = pool._next_id
            pool._next_id += 1
        pool._sockets[self._id] = self

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
        return max(0, self._timeout_base + self._timeout_ms - now_ms()) / 1000

    def Close(self):
        """Close now (queued data not yet sent is dropped); OnClosed gets ClosedByHost."""
        if not self._closing:
            self._close_soon(_CLOSED_BY_HOST)

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
        mask = self._mask
        registered = self._registered_mask
        if self._closed or mask == registered:
            return
        poller = self._pool._poller  # (masks are applied by the running loop only)
        if not mask:
            poller.unregister(self._sock)
        elif registered:
            poller.modify(self._sock, self, mask)
        else:
            poller.register(self._sock, self, mask)
        self._registered_mask = mask

    def _close(self, closedReason=_ERROR, triggerOnClosed=True):
        if self._closed:
            return
        self._closed = True
        self._closing = True
        pool = self._pool
        pool._sockets.pop(self._id, None)
        pool._unschedule(self)
        if self._registered_mask and pool._poller is not None:
            pool._poller.unregister(self._sock)
        self._registered_mask = 0
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
