"""The event loop: one poller, a heap of deadlines, and optional worker threads.

All socket I/O happens on the loop thread. With `threadsCount=N` the user callbacks run
on N worker threads instead, each socket's callbacks one after the other (a per-socket
mailbox), so a slow handler holds only its own connection. Calls that change a socket
from another thread are handed to the loop through `CallSoon` and a waker.
"""

import heapq

from ._buffers import XFiFo
from ._compat import (
    EINTR,
    Poller,
    READ,
    Waker,
    allocate_lock,
    get_ident,
    now_ms,
    report_exception,
    start_thread,
)

# The longest the loop sleeps with nothing due: bounds how late a stop flag set without
# the waker (e.g. from a signal handler) is noticed.
MAX_POLL_MS = 1000
# How long StopWaitEvents waits for the loop thread and the workers to finish.
STOP_WAIT_SEC = 10


def _name(func):
    # Never repr() a callable: MicroPython prints a closure with its cells, and a
    # closure that refers to itself recurses until the stack runs out.
    return getattr(func, "__name__", "callable")


class XClosedReason:
    Error = 0x00
    ClosedByHost = 0x01
    ClosedByPeer = 0x02
    Timeout = 0x03


class XAsyncSocketsPoolException(Exception):
    pass


class XAsyncSocketException(Exception):
    pass


class _Timer:
    """A CallLater entry; it sits in the same heap as the sockets' deadlines."""

    def __init__(self, func, args):
        self._func = func
        self._args = args
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


class _Workers:
    """N threads draining per-owner mailboxes; an owner is never in two threads at once."""

    BATCH = 16  # callbacks run for one owner before it goes to the back of the line

    def __init__(self, pool, count):
        self._pool = pool
        self._lock = allocate_lock()
        self._ready = XFiFo()
        self._idle = []
        self._stopping = False
        self._alive = count
        self._idents = []
        self._all_done = allocate_lock()
        self._all_done.acquire()
        for _ in range(count):
            start_thread(self._work, ())

    def submit(self, owner, func, args):
        wake = None
        with self._lock:
            mail = owner._mail
            if mail is None:
                mail = owner._mail = XFiFo()
            mail.Put((func, args))
            if not owner._mail_busy:
                owner._mail_busy = True
                self._ready.Put(owner)
                if self._idle:
                    wake = self._idle.pop()
        if wake is not None:
            wake.release()

    def is_worker(self):
        return get_ident() in self._idents

    def _work(self):
        self._idents.append(get_ident())
        wake = allocate_lock()
        wake.acquire()
        while True:
            with self._lock:
                if not self._ready.Empty:
                    owner = self._ready.Get()
                elif self._stopping:
                    break
                else:
                    owner = None
                    self._idle.append(wake)
            if owner is None:
                wake.acquire()
                continue
            self._drain(owner)
        with self._lock:
            self._alive -= 1
            last = self._alive == 0
        if last:
            self._all_done.release()

    def _drain(self, owner):
        for _ in range(self.BATCH):
            with self._lock:
                mail = owner._mail
                if mail.Empty:
                    owner._mail_busy = False
                    return
                func, args = mail.Get()
            self._pool._run_callback(owner, func, args)
        wake = None
        with self._lock:
            if owner._mail.Empty:
                owner._mail_busy = False
            else:
                self._ready.Put(owner)
                if self._idle:
                    wake = self._idle.pop()
        if wake is not None:
            wake.release()

    def stop(self, wait):
        with self._lock:
            self._stopping = True
            idle, self._idle = self._idle, []
        for wake in idle:
            wake.release()
        if wait:
            self._all_done.acquire(1, STOP_WAIT_SEC)


class XAsyncSocketsPool:
    """The pool of managed sockets and the loop that serves them."""

    def __init__(self):
        self._sockets = {}
        self._next_id = 1
        self._poller = None
        self._waker = None
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
        if self._processing:
            raise XAsyncSocketsPoolException("AsyncWaitEvents: already processing")
        self._ensure_io()
        self._running = True
        self._processing = True
        self._finished = allocate_lock()
        self._finished.acquire()
        if threadsCount == 0:
            self._loop_ident = get_ident()
            self._main()
            return
        self._loop_ident = None
        self._workers = _Workers(self, threadsCount)
        start_thread(self._thread_main, ())

    def StopWaitEvents(self):
        """Stop the loop, close every socket of the pool; safe to call twice."""
        if not self._processing:
            self._close_all()
            self._release_io()
            return
        self._running = False
        if self._in_loop_thread():
            return  # the loop sees the flag when this callback returns
        waker = self._waker
        if waker is not None:
            waker.wake()
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
            waker = self._waker
            if waker is not None:
                waker.wake()

    def CallLater(self, delaySec, func, *args):
        """Run func(*args) on the loop thread after delaySec; returns a `.cancel()`-able."""
        timer = _Timer(func, args)
        self.CallSoon(self._schedule, timer, now_ms() + int(delaySec * 1000))
        return timer

    # ------------------------------------------------------------ sockets' side

    def _add(self, asock):
        with self._calls_lock:
            sock_id = self._next_id
            self._next_id += 1
        self._sockets[sock_id] = asock
        return sock_id

    def _remove(self, asock):
        self._sockets.pop(getattr(asock, "_id", None), None)
        if asock._registered_mask and self._poller is not None:
            self._poller.unregister(asock._sock)
        asock._registered_mask = 0

    def _in_loop(self):
        """True when socket state may be touched directly from here."""
        return not self._processing or get_ident() == self._loop_ident

    def _in_loop_thread(self):
        return self._processing and get_ident() == self._loop_ident

    def _schedule(self, target, when):
        """Make target._on_timer run at `when` (ms); keeps at most one live entry each."""
        current = target._heap_when
        if current is not None and current <= when:
            return  # the earlier entry fires first and re-checks the real deadline
        target._heap_when = when
        self._seq += 1
        heapq.heappush(self._timers, (when, self._seq, target))

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
            self._report("callback %s raised" % _name(func), exc, owner)
            if owner is not self and owner is not None:
                owner._close_soon(XClosedReason.Error)

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

    def _ensure_io(self):
        if self._poller is None:
            self._poller = Poller()
        if self._waker is None:
            self._waker = Waker()
            self._poller.register(self._waker.sock, self, READ)

    def _release_io(self):
        if self._waker is not None:
            if self._poller is not None:
                self._poller.unregister(self._waker.sock)
            self._waker.close()
            self._waker = None
        if self._poller is not None:
            self._poller.close()
            self._poller = None

    def _thread_main(self):
        self._loop_ident = get_ident()
        self._main()

    def _main(self):
        try:
            self._run()
        finally:
            self._shutdown()

    def _run(self):
        poller = self._poller
        timers = self._timers
        while self._running:
            if self._dirty:
                self._flush_masks()
            timeout = MAX_POLL_MS
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
            self._now = now_ms()
            for asock, mask in events:
                try:
                    asock._on_events(mask)
                except Exception as exc:  # a handler bug: close that socket, keep serving
                    self._report("I/O handler of %r raised" % (asock,), exc, asock)
                    if asock is not self:
                        asock._close(XClosedReason.Error)
            if self._calls:
                self._run_calls()
            if timers and timers[0][0] <= self._now:
                self._run_timers()

    def _flush_masks(self):
        dirty, self._dirty = self._dirty, []
        for asock in dirty:
            asock._apply_mask()

    def _on_events(self, mask):
        # The waker: its byte only interrupts poll(); the calls run after the events.
        self._waker.drain()

    def _run_calls(self):
        with self._calls_lock:
            calls, self._calls = self._calls, []
            self._wake_pending = False
        for func, args in calls:
            try:
                func(*args)
            except Exception as exc:  # one bad call must not stop the others
                self._report("CallSoon %s raised" % _name(func), exc)

    def _run_timers(self):
        timers = self._timers
        now = self._now
        while timers and timers[0][0] <= now:
            when, _seq, target = heapq.heappop(timers)
            if target._heap_when != when:
                continue  # superseded by an earlier entry that already ran
            target._heap_when = None
            try:
                target._on_timer(when, now)
            except Exception as exc:  # same policy as any handler
                self._report("timer of %r raised" % (target,), exc)

    def _close_all(self):
        for asock in list(self._sockets.values()):
            asock._close(XClosedReason.ClosedByHost)

    def _shutdown(self):
        try:
            self._close_all()
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
