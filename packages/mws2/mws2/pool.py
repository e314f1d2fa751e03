"""The pool driver: mws2 in an xasync pool (MicroWebSrv2's StartInPool / StartManaged).

The listening socket is an xasync ``XAsyncTCPServer``; every accepted client is already
an XAsyncTCPClient, which is what the connection core speaks. Timeouts: one sweep per
server on the pool's timer. ``async def`` handlers, which need an event loop, run on one
shared asyncio loop in a thread of its own (``AsyncRunner``), never one thread each.
"""

from xasync import XAsyncSocketsPool, XAsyncTCPServer, XBufferSlots, XClosedReason


import time

from .compat import IS_MICROPYTHON, monotonic, new_lock, set_thread_stack_size, thread_id

# CPython: received bytes a connection may queue for the workers (xasync's bound).
PC_RECEIVE_QUEUE = 32 * 1024

# How often a stopping server looks whether its last answers are sent.
FINISH_STEP_SEC = 0.02


class PoolDriver:
    """One listening server of a MicroWebSrv2 instance, in an xasync pool."""

    def __init__(self, mws2, pool, managed):
        self.mws2 = mws2
        self.pool = pool
        self.managed = managed  # the pool is ours (StartManaged): stop it with the server
        self.srv = None
        self.bound = None
        # Threads that ran this server's callbacks: Stop() from one of them must not
        # wait for the answers in flight (its own may be one of them).
        self.threads = set()

    @property
    def running(self):
        return self.srv is not None and bool(self.pool.WaitEventsProcessing)

    def listen(self):
        mws2 = self.mws2
        # One slot per connection served (slots are allocated on first use), and as
        # many for the connections answered 503 (xasync closes when no slot is left).
        count = max(mws2._slotsCount, mws2.MaxConnections) * 2
        slots = XBufferSlots(count, mws2._slotsSize, mws2._keepAlloc)
        try:
            srv = XAsyncTCPServer.Create(self.pool, mws2._bindAddr, mws2._backlog, slots,
                                         reusePort=mws2._reusePort)
        except Exception as exc:  # bind errors differ per port; all mean "cannot listen"
            raise mws2._listen_error(exc) from None
        srv.OnClientAccepted = self._on_client_accepted
        srv.OnClosed = self._on_server_closed
        self.srv = srv
        addr = getattr(srv, "SrvAddr", None)
        self.bound = tuple(addr) if addr else mws2._bindAddr
        self._schedule_sweep(srv)

    def stop_listening(self):
        srv, self.srv = self.srv, None
        if srv is not None:
            srv.Close()

    def finish(self, mws2, conns, grace):
        """Let ``conns`` finish their answers within ``grace`` seconds, then close what
        is left and stop the pool if it is ours. Waits here unless called from one of
        the pool's own threads (a handler): then a timer finishes it."""
        live = [conn for conn in conns if not conn.closed]
        deadline = monotonic() + grace
        if live and grace:
            if thread_id() in self.threads:
                self.pool.CallLater(FINISH_STEP_SEC, self._finish_later, live, deadline)
                return
            while monotonic() < deadline and _any_open(live):
                time.sleep(FINISH_STEP_SEC)
        self._end(live)

    def _finish_later(self, live, deadline):
        if monotonic() < deadline and _any_open(live):
            self.pool.CallLater(FINISH_STEP_SEC, self._finish_later, live, deadline)
        else:
            self._end(live)

    def _end(self, live):
        for conn in live:
            conn.close()
        if self.managed:
            self.mws2.Log("Stopping the managed pool", self.mws2.INFO)
            self.pool.StopWaitEvents()

    def call_later(self, seconds, func, *args):
        return self.pool.CallLater(seconds, func, *args)

    def spawn(self, coro):
        AsyncRunner.shared().run(coro)

    def _on_client_accepted(self, srv, client):
        self.threads.add(thread_id())
        if not IS_MICROPYTHON:
            # Room for 16 KiB reads (xasync grows them while the peer keeps sending):
            # an upload then costs 4x fewer reads than in 4 KiB slots.
            client.MaxReceivingQueueSize = PC_RECEIVE_QUEUE
        ssl_context = self.mws2._sslContext
        if ssl_context is not None:
            from .aio import TLS_HANDSHAKE_SEC

            client.SSLHandshakeTimeoutSec = TLS_HANDSHAKE_SEC
            try:
                client.StartSSLContext(ssl_context, serverSide=True)
            except Exception as exc:  # a bad handshake closes this socket only
                self.mws2.Log("TLS refused for %s: %s" % (client.CliAddr, exc), self.mws2.DEBUG)
                client.Close()
                return
        self.mws2._accept(client)

    def _on_server_closed(self, srv, reason):
        self.threads.add(thread_id())
        mws2 = self.mws2
        addr = self.bound or mws2._bindAddr
        if srv is not self.srv or reason == XClosedReason.ClosedByHost:
            # stop() asked for it, or the pool is stopping (StopWaitEvents, Ctrl-C)
            mws2.Log("Server %s:%s closed" % (addr[0], addr[1]), mws2.INFO)
            if srv is self.srv:
                self.srv = None
                mws2._stopped(self)
            return
        # The listening socket died under us (e.g. an error while accepting): nothing
        # more can connect. Say it loudly and stop, so IsRunning turns False and a
        # program looping on it can restart (StartManaged works again afterwards).
        mws2.Log(
            "Server %s:%s lost its listening socket (reason %s): stopping"
            % (addr[0], addr[1], reason),
            mws2.ERROR,
        )
        mws2.Stop()

    def _schedule_sweep(self, srv):
        self.pool.CallLater(self.mws2._sweep_period(), self._sweep, srv)

    def _sweep(self, srv):
        """On the loop thread: each connection closes itself if it waited too long."""
        self.threads.add(thread_id())
        if srv is not self.srv:
            return  # that run is over (stopped, or restarted with a new listener)
        self.mws2._sweep_connections()
        self._schedule_sweep(srv)


def _any_open(conns):
    for conn in conns:
        if not conn.closed:
            return True
    return False


class AsyncRunner:
    """One asyncio loop in a thread of its own, for the ``async def`` handlers, streams
    and WebSocket tasks of pool servers (coroutines need a loop; the pool's threads have
    none), shared by every pool server: never a thread per coroutine."""

    _shared = None
    _lock = new_lock()

    @classmethod
    def shared(cls):
        cls._lock.acquire()
        try:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared
        finally:
            cls._lock.release()

    def __init__(self):
        import asyncio

        self.asyncio = asyncio
        self.loop = None
        self._pending = None
        if hasattr(asyncio, "run_coroutine_threadsafe"):  # CPython
            import threading

            self.loop = asyncio.new_event_loop()
            thread = threading.Thread(target=self.loop.run_forever, name="mws2-async")
            thread.daemon = True
            thread.start()
            return
        try:
            import _thread
        except ImportError:  # a board without threads: see run()
            return
        # MicroPython: its asyncio takes work from other threads through a
        # ThreadSafeFlag. (Its loop is one per process: an application that runs its
        # own asyncio loop should serve with StartAsync, not a pool.)
        self._pending = []
        self._flag = asyncio.ThreadSafeFlag()
        _thread.start_new_thread(asyncio.run, (self._take_work(),))

    async def _take_work(self):
        from .wake import RUNNER_THREADS

        RUNNER_THREADS.add(thread_id())
        while True:
            await self._flag.wait()
            self._lock.acquire()
            try:
                work, self._pending = self._pending, []
            finally:
                self._lock.release()
            for coro in work:
                self.asyncio.create_task(coro)

    def run(self, coro):
        if self.loop is not None:
            self.asyncio.run_coroutine_threadsafe(coro, self.loop)
        elif self._pending is not None:
            self._lock.acquire()
            try:
                self._pending.append(coro)
            finally:
                self._lock.release()
            self._flag.set()
        else:
            # No thread to run a loop in: the coroutine runs to its end here, on the
            # pool's thread, like a handler that blocks (no streaming from it).
            self.asyncio.run(coro)


def start_in_pool(mws2, pool):
    """MicroWebSrv2.StartInPool: listen in an XAsyncSocketsPool the program runs."""
    if not isinstance(pool, XAsyncSocketsPool):
        raise TypeError('"asyncSocketsPool" must be an XAsyncSocketsPool')
    _start(mws2, pool, managed=False)


def _start(mws2, pool, managed):
    from .server import MicroWebSrv2Exception

    if mws2._driver is not None:
        raise MicroWebSrv2Exception("the server is already running")
    mws2._check_root()
    mws2._import_serving()
    driver = PoolDriver(mws2, pool, managed)
    driver.listen()
    mws2._started(driver)
    return driver


# MicroPython ports that run on a PC: an 8 KiB thread stack is far too small there.
_HOSTED_PLATFORMS = ("linux", "darwin", "win32", "windows")


def start_managed(mws2, threads, stack_size):
    """MicroWebSrv2.StartManaged on a pool of our own: 0 threads serves here (blocks),
    N returns at once with N worker threads running the callbacks."""
    import sys

    if stack_size == 0 and IS_MICROPYTHON and sys.platform not in _HOSTED_PLATFORMS:
        stack_size = 8 * 1024  # a board's default; the unix port keeps its own
    previous = None
    if stack_size:
        try:
            previous = set_thread_stack_size(stack_size)
        except ValueError as exc:
            raise ValueError('"procStackSize" of %d is refused: %s' % (stack_size, exc)) from None
    pool = XAsyncSocketsPool()
    driver = None
    try:
        driver = _start(mws2, pool, managed=True)
        mws2.Log("Managed pool started (%d thread(s))" % threads, mws2.INFO)
        pool.AsyncWaitEvents(threadsCount=threads)
    except BaseException:  # Ctrl-C included: stopped quietly, then it goes on up
        mws2.Stop()
        raise
    finally:
        if previous is not None:
            set_thread_stack_size(previous)
    if threads == 0:
        mws2._stopped(driver)  # the loop returned: the pool was stopped
