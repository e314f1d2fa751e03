"""Several processes serving one port: ``MicroWebSrv2.StartWorkers`` (CPython, POSIX).

One mws2 process runs its Python code on one core. ``StartWorkers(N)`` forks N worker
processes that each listen on the same address with ``SO_REUSEPORT`` (the kernel shares
the incoming connections out among them; Linux balances them, the BSDs and macOS hand
each one to a listener of their choice) and serve with the whole server: routes, static
files, modules (WebSockets, templates), TLS. The calling process becomes the
supervisor: it serves nothing, restarts a worker that dies (with a back-off, so a worker
that fails at start does not spin) and, on Ctrl-C, SIGTERM or ``Stop()``, asks each
worker to stop gracefully (SIGTERM: the worker calls ``Stop()``, which lets the requests
in flight be answered within ``StopGraceSec``), then returns.

How the program reaches the workers: by ``fork``, at the call. The routes, loaded
modules, settings and TLS context the program set up before ``StartWorkers`` exist in
each worker as they were, without importing the program again (which would need an
``if __name__ == "__main__":`` guard and would run its side effects once per worker),
and a restarted worker starts from that same state, since the supervisor itself never
serves. The flip side: whatever the program opened before the call (a database
connection, a thread) is shared or missing in the workers, so per-process resources are
opened in ``workerMain``, which runs in each worker. Threads the program started before
the call are not in the workers (fork copies only the calling thread); the supervisor
runs none of its own, so that a fork never copies a lock another thread held.

State is per worker: a WebSocket chat or an in-memory session table sees only the
clients of its own worker (``examples/chat_redis`` shares a chat through Redis).
"""

import os
import socket
import sys
import time

from .server import MicroWebSrv2Exception, _check_positive_int

# A worker that served at least this long and then died is restarted at once; one that
# died sooner waits RESTART_MIN_SEC, doubled at each early death, at most RESTART_MAX_SEC.
HEALTHY_SEC = 10.0
RESTART_MIN_SEC = 0.1
RESTART_MAX_SEC = 30.0
# How often the supervisor (and each worker's main thread) looks at what happened.
POLL_SEC = 0.05
# How long the supervisor waits for the first workers to listen before onStarted anyway.
READY_TIMEOUT_SEC = 10.0
# Beyond StopGraceSec, how long a stopping worker may take before it is killed.
STOP_MARGIN_SEC = 5.0


def check_supported():
    """MicroWebSrv2Exception unless this runtime can fork processes sharing a port (this
    module imports nothing MicroPython lacks, so that it can say so there too)."""
    if not hasattr(os, "fork"):
        raise MicroWebSrv2Exception(
            "StartWorkers needs os.fork (CPython on Linux, macOS or a BSD): this runtime "
            "has none; serve with StartManaged or StartAsync instead")
    if not hasattr(socket, "SO_REUSEPORT"):
        raise MicroWebSrv2Exception(
            "StartWorkers needs SO_REUSEPORT, which this system's socket module lacks")


class WorkersDriver:
    """The supervisor's side of a MicroWebSrv2 run by StartWorkers: what ``Stop()``,
    ``IsRunning`` and ``BoundAddress`` ask of a driver (it serves no connection)."""

    def __init__(self, mws2, bound):
        import threading

        self.mws2 = mws2
        self.bound = bound
        self.running = True
        self.stopping = False
        self.threads = set()
        self._thread = threading.get_ident()
        self._done = threading.Event()

    def stop_listening(self):
        self.stopping = True

    def finish(self, mws2, conns, grace):
        """Stop() from another thread waits until the workers are stopped; from the
        supervisor's own thread (a signal handler, onStarted) the loop finishes it."""
        import threading

        if threading.get_ident() != self._thread:
            self._done.wait(grace + STOP_MARGIN_SEC + 5)

    def call_later(self, seconds, func, *args):
        return None  # the supervisor serves nothing: no connection asks for timers

    def spawn(self, coro):
        raise MicroWebSrv2Exception("the supervisor of StartWorkers runs no handler")


class Supervisor:
    def __init__(self, mws2, count, threads, workerMain, onStarted, reserved):
        self.mws2 = mws2
        self.count = count
        self.threads = threads
        self.workerMain = workerMain
        self.onStarted = onStarted
        self.reserved = reserved  # the socket holding the port (never listens)
        self.driver = WorkersDriver(mws2, mws2._bindAddr)
        self.pids = {}  # pid -> worker index
        self.started = {}  # index -> when its current process was forked
        self.failures = {}  # index -> early deaths in a row
        self.restarts = {}  # index -> when to fork it again
        self.ready = set()  # indexes whose current process listens
        self.readyRead, self.readyWrite = os.pipe()
        os.set_blocking(self.readyRead, False)

    # ---- the supervisor's loop ---------------------------------------------------

    def run(self):
        mws2 = self.mws2
        driver = self.driver
        announced = False
        deadline = time.monotonic() + READY_TIMEOUT_SEC
        for index in range(self.count):
            self.spawn(index)
        while not driver.stopping:
            self.reap()
            self.read_ready()
            now = time.monotonic()
            for index, when in list(self.restarts.items()):
                if now >= when:
                    del self.restarts[index]
                    self.spawn(index)
            if not announced and (len(self.ready) >= self.count or now >= deadline):
                announced = True
                if len(self.ready) < self.count:
                    mws2.Log("%d of %d workers listen after %d s" % (
                        len(self.ready), self.count, READY_TIMEOUT_SEC), mws2.WARNING)
                if self.onStarted is not None:
                    self.onStarted(mws2)
                continue  # onStarted may have called Stop()
            time.sleep(POLL_SEC)
        self.stop_all()

    def spawn(self, index):
        mws2 = self.mws2
        _flush_std()  # else what waits in the buffers is written again by each worker
        pid = os.fork()
        if pid == 0:
            self.become_worker(index)  # never returns
        self.pids[pid] = index
        self.started[index] = time.monotonic()
        self.ready.discard(index)
        mws2.Log("Worker %d started (pid %d)" % (index, pid), mws2.INFO)

    def reap(self):
        for pid, index in list(self.pids.items()):
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done, status = pid, 0  # reaped by someone else: gone all the same
            if done:
                del self.pids[pid]
                self.ready.discard(index)
                if not self.driver.stopping:
                    self.schedule_restart(index, pid, status)

    def schedule_restart(self, index, pid, status):
        mws2 = self.mws2
        now = time.monotonic()
        if now - self.started.get(index, now) >= HEALTHY_SEC:
            self.failures[index] = 0
            delay = 0.0
        else:
            failures = self.failures.get(index, 0) + 1
            self.failures[index] = failures
            delay = min(RESTART_MIN_SEC * 2 ** (failures - 1), RESTART_MAX_SEC)
        self.restarts[index] = now + delay
        mws2.Log("Worker %d (pid %d) %s: restarting it in %.1f s" % (
            index, pid, _describe(status), delay), mws2.WARNING)

    def read_ready(self):
        try:
            data = os.read(self.readyRead, 4096)
        except BlockingIOError:
            return
        for line in data.split():
            index = int(line)
            if index not in self.ready:
                self.ready.add(index)
                self.mws2.Log("Worker %d listens" % index, self.mws2.DEBUG)

    def stop_all(self):
        """SIGTERM to every worker (each stops gracefully), SIGKILL to any that is
        still there after StopGraceSec and a margin."""
        import signal

        mws2 = self.mws2
        if not self.pids:
            return
        mws2.Log("Stopping %d worker(s)" % len(self.pids), mws2.INFO)
        for pid in self.pids:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + mws2._stopGraceSec + STOP_MARGIN_SEC
        while self.pids and time.monotonic() < deadline:
            self.reap()
            if self.pids:
                time.sleep(POLL_SEC)
        for pid, index in list(self.pids.items()):
            mws2.Log("Worker %d (pid %d) did not stop: killed" % (index, pid), mws2.WARNING)
            _signal(pid, signal.SIGKILL)
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        self.pids.clear()

    def close(self):
        os.close(self.readyRead)
        os.close(self.readyWrite)
        self.reserved.close()

    # ---- in a worker -------------------------------------------------------------

    def become_worker(self, index):
        """In the forked child: serve until SIGTERM / SIGINT, then exit (never returns:
        the supervisor's caller must not go on in a worker)."""
        code = 1
        try:
            code = self.serve(index)
        except BaseException as exc:  # whatever it is, the worker ends here
            self.mws2._log_exception("Worker %d" % index, exc)
        finally:
            _flush()
            os._exit(code)

    def serve(self, index):
        import signal
        import threading

        mws2 = self.mws2
        mws2._driver = None  # the supervisor's, copied by fork
        _forget_async_runner()
        self.reserved.close()
        os.close(self.readyRead)
        stops = []

        def on_signal(signum, frame):
            stops.append(signum)

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        if self.driver.stopping:  # a signal came before this worker had its handlers
            return 0
        failed = []
        thread = threading.Thread(target=self.run_server, args=(index, failed),
                                  name="mws2-worker-%d" % index)
        thread.daemon = True
        thread.start()
        ready = False
        # The server runs on that thread and this one waits for a signal: Stop() is
        # then called from outside the server's threads, so it waits for the answers in
        # flight (see MicroWebSrv2.Stop).
        while not stops:
            if not ready and mws2.IsRunning:
                ready = True
                os.write(self.readyWrite, b"%d\n" % index)
            if not thread.is_alive() and not mws2.IsRunning:
                break  # the server stopped by itself (or never started)
            time.sleep(POLL_SEC)
        mws2.Stop()
        thread.join(mws2._stopGraceSec + STOP_MARGIN_SEC)
        return 1 if failed else 0

    def run_server(self, index, failed):
        mws2 = self.mws2
        try:
            if self.workerMain is None:
                mws2.StartManaged(parllProcCount=self.threads)  # 0: serves here
                return
            result = self.workerMain(mws2, index)
            if hasattr(result, "send"):  # an async def workerMain: run it on a loop
                import asyncio

                asyncio.run(result)
        except BaseException as exc:  # told to the supervisor by the exit code
            failed.append(exc)
            mws2._log_exception("Worker %d" % index, exc)


def start_workers(mws2, count, threads, workerMain, onStarted):
    """MicroWebSrv2.StartWorkers (see there and this module's docstring)."""
    _check_positive_int(count, "workersCount")
    _check_positive_int(threads, "parllProcCount", zero_ok=True)
    if workerMain is not None and not callable(workerMain):
        raise TypeError('"workerMain" must be a function or None')
    if onStarted is not None and not callable(onStarted):
        raise TypeError('"onStarted" must be a function or None')
    check_supported()
    if mws2._driver is not None:
        raise MicroWebSrv2Exception("the server is already running")
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        raise MicroWebSrv2Exception(
            "StartWorkers must be called from the main thread (it handles SIGINT/SIGTERM)")
    mws2._check_root()
    mws2._import_serving()  # once here rather than once per worker
    if workerMain is None:
        from . import pool  # noqa: F401 - the same: shared by every worker's memory

    bindAddr, reusePort = mws2._bindAddr, mws2._reusePort
    mws2.ReusePort = True
    reserved = None
    try:
        reserved = reserve_port(mws2, bindAddr)
        supervisor = Supervisor(mws2, count, threads, workerMain, onStarted, reserved)
    except BaseException:
        if reserved is not None:
            reserved.close()
        mws2._bindAddr, mws2._reusePort = bindAddr, reusePort
        raise
    driver = supervisor.driver
    previous = {}

    def on_signal(signum, frame):
        driver.stopping = True

    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, on_signal)
    try:
        mws2._started(driver)
        mws2.Log("Supervising %d worker process(es)" % count, mws2.INFO)
        supervisor.run()
    finally:
        driver.stopping = True
        supervisor.stop_all()  # nothing left to do unless run() raised
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        supervisor.close()
        driver.running = False
        mws2._stopped(driver)
        mws2._bindAddr, mws2._reusePort = bindAddr, reusePort
        driver._done.set()
        mws2.Log("Workers stopped", mws2.INFO)


def reserve_port(mws2, bindAddr):
    """Bind (without listening) a socket with SO_REUSEPORT on the address: port 0
    becomes the real port every worker then binds, a port another program holds fails
    here with a clear error (not in each worker, restarted forever), and the port stays
    ours while workers restart. A socket that does not listen gets no connection."""
    host, port = bindAddr
    try:
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM, 0, socket.AI_PASSIVE)
        # IPv4 first: the pool mode (xasync) listens on IPv4 only.
        infos.sort(key=lambda info: info[0] != socket.AF_INET)
        sock = socket.socket(infos[0][0], socket.SOCK_STREAM)
    except OSError as exc:
        raise mws2._listen_error(exc) from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(infos[0][4])
    except OSError as exc:
        sock.close()
        raise mws2._listen_error(exc) from None
    mws2._bindAddr = (host, sock.getsockname()[1])
    return sock


def _signal(pid, signum):
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _describe(status):
    if os.WIFSIGNALED(status):
        return "was killed by signal %d" % os.WTERMSIG(status)
    return "exited with status %d" % os.waitstatus_to_exitcode(status)


def _forget_async_runner():
    """The pool's shared asyncio runner, if the program made one before the fork, has no
    thread in a worker: the worker makes its own on first use."""
    pool = sys.modules.get(__package__ + ".pool")
    if pool is not None:
        from .compat import new_lock

        pool.AsyncRunner._shared = None
        pool.AsyncRunner._lock = new_lock()


def _flush():
    """What the worker logged and printed, out before os._exit (which skips it)."""
    try:
        import logging

        logging.shutdown()
    except Exception:  # exiting anyway
        pass
    _flush_std()


def _flush_std():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
