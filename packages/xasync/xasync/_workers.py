"""Worker threads for `AsyncWaitEvents(threadsCount=N)`, loaded only then, and the
first in, first out queue their mailboxes are made of (`XFiFo`, public).

N threads drain per-owner mailboxes; an owner (a socket, or the pool) is never in two
threads at once, so a socket's callbacks run one at a time and in order.

Received bytes wait in a mailbox until a worker runs their callback. The loop counts
them per socket (`_rq_bytes`, under the workers' lock); once one more receive could
take a socket over its bound, `submit` says so and the loop stops reading it (the
kernel then throttles the sender). The worker that brings the count back to half the
bound hands the socket back to the loop, which reads again.
"""

from ._compat import allocate_lock, get_ident, start_thread
from ._pool import STOP_WAIT_SEC


class XFiFoException(Exception):
    pass


class XFiFo:
    """First in, first out; `Get()` on an empty queue raises XFiFoException."""

    def __init__(self):
        self._items = []
        self._head = 0

    def Put(self, obj):
        self._items.append(obj)

    def Get(self):
        if self._head >= len(self._items):
            raise XFiFoException("XFiFo is empty")
        obj = self._items[self._head]
        self._items[self._head] = None
        self._head += 1
        # Compact once the consumed prefix dominates: amortised O(1) per item.
        if self._head > 32 and self._head * 2 > len(self._items):
            del self._items[: self._head]
            self._head = 0
        return obj

    def Clear(self):
        self._items = []
        self._head = 0

    @property
    def Empty(self):
        return self._head >= len(self._items)

    def __len__(self):
        return len(self._items) - self._head


# Callbacks run for one owner before it goes to the back of the line: a busy socket
# cannot monopolise a worker.
BATCH = 16


class Workers:
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

    def submit(self, owner, func, args, size=0):
        """Queue func(*args) for owner. size: the received bytes this call hands over.
        -> True when owner must stop reading until `_activate_recv(True)`."""
        wake = None
        pause = False
        with self._lock:
            mail = owner._mail
            if mail is None:
                mail = owner._mail = XFiFo()
            mail.Put((func, args, size))
            if size:
                owner._rq_bytes += size
                # Paused under the lock that the worker's count-down takes: the worker
                # that ends the pause always sees it.
                pause = owner._rq_bytes + owner._recv_len > owner.MaxReceivingQueueSize
                if pause:
                    owner._rq_paused = True
            if not owner._mail_busy:
                owner._mail_busy = True
                self._ready.Put(owner)
                if self._idle:
                    wake = self._idle.pop()
        if wake is not None:
            wake.release()
        return pause

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
        size = 0  # received bytes of the callback that just ran
        for _ in range(BATCH):
            with self._lock:
                resume = size and self._count_down(owner, size)
                mail = owner._mail
                if mail.Empty:
                    owner._mail_busy = False
                    item = None
                else:
                    item = mail.Get()
            if resume:
                self._pool.CallSoon(owner._activate_recv, True)
            if item is None:
                return
            func, args, size = item
            self._pool._run_callback(owner, func, args)
        wake = None
        with self._lock:
            resume = size and self._count_down(owner, size)
            if owner._mail.Empty:
                owner._mail_busy = False
            else:
                self._ready.Put(owner)
                if self._idle:
                    wake = self._idle.pop()
        if resume:
            self._pool.CallSoon(owner._activate_recv, True)
        if wake is not None:
            wake.release()

    def _count_down(self, owner, size):
        """(Under the lock) size bytes were handled -> True when reading must resume."""
        owner._rq_bytes -= size
        if owner._rq_paused and owner._rq_bytes * 2 <= owner.MaxReceivingQueueSize:
            owner._rq_paused = False
            return True
        return False

    def stop(self, wait):
        with self._lock:
            self._stopping = True
            idle, self._idle = self._idle, []
        for wake in idle:
            wake.release()
        if wait:
            self._all_done.acquire(1, STOP_WAIT_SEC)
