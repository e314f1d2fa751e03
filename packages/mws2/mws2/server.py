"""MicroWebSrv2: configuration, presets, start/stop, logging, modules.

The server itself moves no byte and parses nothing: a driver (aio.AioDriver, or
pool.PoolDriver over xasync) listens and gives every accepted client to a
``connection.HttpConnection``. What few programs use (TLS, the other presets, pools and
worker processes of their own) is in server_extras, joined on first use.
"""


from .compat import (
    IS_MICROPYTHON,
    collect_garbage,
    format_traceback,
    join_extras,
    more,
    new_lock,
)


class MicroWebSrv2Exception(Exception):
    pass


# A PC holds thousands of connections for a few MiB (10,000 idle ones: ~20 MiB,
# measured by tests/stress): the cap is there for boards.
PC_CONNECTIONS = 16384
# How long a connection may wait for its request (and a request head may take): short on
# a board, whose few slots the cap reclaims; longer on a PC, where connections opened
# ahead of their requests (a browser's spares, a load test's thousands) must not be cut
# first. Slow heads are bounded either way, and at the cap the longest waiting go first.
BOARD_TIMEOUT_SEC = 2
PC_TIMEOUT_SEC = 15
# How long Stop() lets requests in flight finish by default.
STOP_GRACE_SEC = 3



# MicroWebSrv2's presets: (ConnQueueCapacity, BufferSlotsCount, BufferSlotSize,
# KeepAllocBufferSlots, MaxRequestContentLength)
PRESETS = {
    "embedded": (8, 16, 1024, True, 16 * 1024),
    "light": (64, 128, 1024, True, 512 * 1024),
    "normal": (256, 512, 4 * 1024, True, 2 * 1024 * 1024),
    "large": (512, 2 * 1024, 16 * 1024, True, 8 * 1024 * 1024),
}



def _check_positive_int(value, argname, zero_ok=False):
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError('"%s" must be an integer' % argname)
    if value < 0 or (value == 0 and not zero_ok):
        tail = " or zero" if zero_ok else ""
        raise ValueError('"%s" must be a positive integer%s' % (argname, tail))


def _check_text(value, argname):
    if not isinstance(value, str):
        raise TypeError('"%s" must be a string' % argname)
    if not value:
        raise ValueError('"%s" must be a not empty string' % argname)


def _check_bool(value, argname):
    if not isinstance(value, bool):
        raise TypeError('"%s" must be a bool' % argname)


class MicroWebSrv2:
    """The web server (one listening socket; many instances may share a pool)."""

    DEBUG = 0x00
    INFO = 0x01
    WARNING = 0x02
    ERROR = 0x03
    MSG_TYPE_STR = {DEBUG: "DEBUG", INFO: "INFO", WARNING: "WARNING", ERROR: "ERROR"}

    # Loaded modules are global to every instance, as in MicroWebSrv2: [(name, instance)]
    _modules = []

    # Scale-out settings, rarely set: class-level defaults (see workers.py, proxies.py).
    _reusePort = False
    _trustedProxies = None  # a proxies.ProxyTrust once TrustedProxies is set
    _forwardedHeader = "X-Forwarded-For"

    def __init__(self):
        self._bindAddr = ("0.0.0.0", 80)
        self._boundAddr = None
        self._sslContext = None
        self._rootPath = "www"
        self._rootPathSet = False  # set by the program: it must exist (see _check_root)
        self._timeoutSec = BOARD_TIMEOUT_SEC if IS_MICROPYTHON else PC_TIMEOUT_SEC
        self._notFoundURL = None
        self._allowAllOrigins = False
        self._corsAllowAll = False
        self._onLogging = None
        self._maxConnections = None
        self._driver = None  # pool.PoolDriver or aio.AioDriver while running
        self._connections = {}
        self._refusing = 0  # connections over the cap, being answered 503
        self._quickRefusals = {}  # past the refusals: refusal.QuickRefusal objects
        self._bufferedContent = 0  # request content bytes held in memory, all connections
        self._contentWaiters = []  # connections that wait for room in that budget
        self._maxBufferedContent = None
        self._stopGraceSec = STOP_GRACE_SEC
        self._connLock = new_lock()
        self._logger = None
        self._access_logger = None
        self._accessLog = None  # None: CPython follows the logger "mws2.access"
        self._logLevel = MicroWebSrv2.WARNING  # what MicroPython prints by default
        self._backlog = self._slotsCount = self._slotsSize = None
        self._keepAlloc = self._maxContentLen = None
        # A board gets the embedded preset: the normal one is sized for a PC.
        self._apply_preset("embedded" if IS_MICROPYTHON else "normal")

    def __getattr__(self, name):
        # The members few programs use (server_extras): loaded on first use.
        return more(self, name, MicroWebSrv2, "mws2.server_extras")

    # ---- static methods ------------------------------------------------------------

    @staticmethod
    def LoadModule(modName):
        """Load module ``modName`` (mws2/mods or anywhere on the import path), once."""
        _check_text(modName, "modName")
        for name, instance in MicroWebSrv2._modules:
            if name == modName:
                return instance
        collect_garbage()
        from .mods import find_module_class

        module_class = find_module_class(modName)
        instance = module_class()
        MicroWebSrv2._modules.append((modName, instance))
        return instance

    @staticmethod
    def UnloadModule(modName):
        """Forget a loaded module (not in MicroWebSrv2; handy for tests and reloads)."""
        for entry in MicroWebSrv2._modules:
            if entry[0] == modName:
                MicroWebSrv2._modules.remove(entry)
                return True
        return False

    @staticmethod
    def HTMLEscape(s):
        """``s`` with ``& < > " '`` escaped for HTML text and attribute values."""
        if not isinstance(s, str):
            raise TypeError('"s" must be a string')
        return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace('"', "&quot;").replace("'", "&#x27;"))

    @staticmethod
    def AddDefaultPage(filename):
        _check_text(filename, "filename")
        if "/" in filename or "\\" in filename:
            raise ValueError('"filename" must be a file name, not a path')
        from .static import DEFAULT_PAGES

        if filename not in DEFAULT_PAGES:
            DEFAULT_PAGES.append(filename)

    @staticmethod
    def AddMimeType(ext, mimeType):
        _check_text(ext, "ext")
        _check_text(mimeType, "mimeType")
        if not ext.startswith("."):
            raise ValueError('"ext" must start with a dot, e.g. ".tar"')
        from .static import MIME_TYPES

        MIME_TYPES[ext.lower()] = mimeType.lower()

    @staticmethod
    def GetMimeTypeFromFilename(filename):
        _check_text(filename, "filename")
        from .static import mime_type

        return mime_type(filename)

    # ---- start / stop --------------------------------------------------------------

    def _check_root(self):
        """A RootPath set to a folder that is not there is refused: everything would be
        404 without a word. The default ("www") may be missing: then no file is served."""
        import os

        try:
            if os.stat(self._rootPath)[0] & 0o170000 == 0o040000:  # S_ISDIR
                return
        except OSError:
            pass
        if self._rootPathSet:
            raise MicroWebSrv2Exception('RootPath "%s" is not a folder' % self._rootPath)
        self.Log('RootPath "%s" does not exist: no file is served' % self._rootPath,
                 MicroWebSrv2.INFO)

    def _import_serving(self):
        # Import what serving a request needs now, while the heap is free: a lazy import
        # that hits MemoryError under load leaves a half-made module behind, and every
        # later connection then fails on it ("can't import name"): the server never
        # recovers (bug 7, 1 MiB heap).
        # One at a time, each after a collection (see compat.collect_garbage).
        collect_garbage()
        from . import dispatch  # noqa: F401

        collect_garbage()
        from . import connection  # noqa: F401

        collect_garbage()
        if not IS_MICROPYTHON:
            self._fds_for_connections()

    def StartManaged(self, parllProcCount=1, procStackSize=0):
        """Start in a pool of our own: 0 = run in this thread (blocks), N = N threads.

        On MicroPython, 0 serves on the firmware's asyncio (the lightest way: nothing
        more to load); with threads, and on CPython, on an xasync pool."""
        _check_positive_int(parllProcCount, "parllProcCount", zero_ok=True)
        _check_positive_int(procStackSize, "procStackSize", zero_ok=True)
        if self._driver is not None:
            raise MicroWebSrv2Exception("the server is already running")
        if IS_MICROPYTHON and parllProcCount == 0:
            from .aio_micropython import run_managed

            run_managed(self)
            return
        collect_garbage()
        from .pool import start_managed  # (with xasync)

        start_managed(self, parllProcCount, procStackSize)

    async def StartAsync(self):
        """Serve as a task of the running asyncio loop, until ``Stop()``.

        ``asyncio.create_task(server.StartAsync())`` beside the application's other tasks,
        or ``asyncio.run(server.StartAsync())``. Listening errors raise here."""
        if self._driver is not None:
            raise MicroWebSrv2Exception("the server is already running")
        self._check_root()
        self._import_serving()
        from .aio import AioDriver  # (after _import_serving's last collection)

        await AioDriver(self).serve()

    def Stop(self):
        """Stop gracefully: stop accepting, close idle connections at once, let the
        requests in flight be answered (within StopGraceSec), then close what is left
        and stop the pool if managed. Safe to call twice, from any thread, a handler or
        a task. From another thread it returns once the stop is done; from a handler or
        a task (the server's own thread) at once, the rest following by itself."""
        # Take everything this run owns first, then release the state: once IsRunning
        # reads False a program may start again at once (the listener-lost path stops
        # from a pool callback), and the stop must touch only the old run's objects.
        driver = self._driver
        self._stopped(driver)
        if driver is None:
            return
        driver.stop_listening()
        conns = self._all_connections()
        for conn in conns:
            conn.finish()
        driver.finish(self, conns, self._stopGraceSec)

    def _stopped(self, driver):
        if driver is None or self._driver is driver:
            self._driver = None

    def _started(self, driver):
        self._driver = driver
        addr = driver.bound
        self.Log("Server listening on %s:%s" % (addr[0], addr[1]), MicroWebSrv2.INFO)

    def _note_thread(self, thread):
        """A handler runs on ``thread``: Stop() called there must not wait (see Stop)."""
        threads = getattr(self._driver, "threads", None)
        if threads is not None and thread not in threads:
            threads.add(thread)

    def _call_later(self, seconds, func, *args):
        """A timer on whatever runs this server (None when it is not running)."""
        driver = self._driver
        return driver.call_later(seconds, func, *args) if driver is not None else None

    def _spawn(self, coro):
        """Run an ``async def`` handler's coroutine where this server's mode can."""
        driver = self._driver
        if driver is None:
            from .pool import AsyncRunner

            AsyncRunner.shared().run(coro)
        else:
            driver.spawn(coro)

    # ---- connections ---------------------------------------------------------------

    def _accept(self, client):
        """A client the driver accepted: served while there is room, else what the
        cap decides (refusal.at_cap: loaded only once the server is full)."""
        with self._connLock:
            serving = len(self._connections) - self._refusing
        if serving < self.MaxConnections:
            self._serve(client)
        else:
            from .refusal import at_cap

            at_cap(self, client)

    def _serve(self, client, refusing=False):
        """A connection for ``client``; ``refusing``: counted as one of the refusals."""
        from .connection import HttpConnection

        conn = HttpConnection(self, client)
        if refusing:
            self.Log("MaxConnections reached: refusing %s:%s" % conn._addr(), self.WARNING)
            conn.refusing = True
        with self._connLock:
            if refusing:
                self._refusing += 1
            self._connections[id(conn)] = conn
        conn.start()

    # ---- request contents held in memory (buffered routes) -----------------------

    def _reserve_content(self, conn, size, committed):
        """Room for ``size`` more bytes of ``conn``'s request content in memory: True
        if reserved. MaxBufferedContent bounds what all connections hold at once (a
        flood of uploads that never finish, each within its own limit, must not add up
        to more memory than the machine has). When nothing is reserved there is always
        room (a content larger than the budget still gets through), and a ``committed``
        content (a chunked one that grew) always gets it. Otherwise ``conn`` waits in
        line, and go_on() is called once its room is reserved."""
        with self._connLock:
            held = self._bufferedContent
            if committed or not held or held + size <= self.MaxBufferedContent:
                self._bufferedContent = held + size
                conn._reserved += size
                return True
            conn._waiting_need = size
            self._contentWaiters.append(conn)
            return False

    def _drop_content(self, conn):
        woken = []
        with self._connLock:
            self._bufferedContent -= conn._reserved
            conn._reserved = 0
            waiters = self._contentWaiters
            budget = self.MaxBufferedContent
            while waiters:  # first come, first served
                waiter = waiters[0]
                need = waiter._waiting_need
                held = self._bufferedContent
                if held and held + need > budget:
                    break
                waiters.pop(0)
                if waiter.closed:
                    continue
                self._bufferedContent = held + need
                waiter._reserved += need
                woken.append(waiter)
        for waiter in woken:
            waiter.go_on()

    def _sweep_period(self):
        # A few checks per RequestsTimeoutSec (read each time: it may change while
        # running), at most one a second, at least 0.1 s apart.
        return min(max(self._timeoutSec / 3.0, 0.1), 1.0)

    def _sweep_connections(self):
        """On the loop: each connection closes itself if it waited too long. Never
        raises: a failed check (MemoryError on a full heap) is logged and tried again at
        the next sweep, since a sweep that died would let every later timeout pass."""
        try:
            for conn in self._all_connections():
                conn.check_timeouts()
            if self._quickRefusals:
                with self._connLock:
                    refusals = list(self._quickRefusals.values())
                for refusal in refusals:
                    refusal.check_timeouts()
        except Exception as exc:
            self._log_exception("Timeout sweep", exc)

    def _forget_connection(self, conn):
        with self._connLock:
            if self._connections.pop(id(conn), None) is not None and conn.refusing:
                self._refusing -= 1

    def _all_connections(self):
        with self._connLock:
            return list(self._connections.values())

    def _http_limits(self):
        """(max_header_bytes, max_headers, max_target) from the buffer settings.

        The head may take 4 slots (4 KiB on the embedded preset, 16 KiB normal, 64 KiB
        large, never below 4 KiB nor above 64 KiB); the target half of it.
        """
        head = min(max(4 * self._slotsSize, 4096), 65536)
        return (head, 100, head // 2)

    def _chunk_size(self):
        """Bytes per read of a streamed response: one slot (at least 512 bytes)."""
        return max(self._slotsSize, 512)

    # ---- logging -------------------------------------------------------------------

    def Log(self, msg, msgType):
        """Log to OnLogging if set, else Python's logging ("mws2") on CPython, or print
        on MicroPython (from LogLevel up: warnings and errors by default)."""
        if self._onLogging is not None:
            try:
                self._onLogging(self, str(msg), msgType)
                return
            except Exception as exc:  # a faulty OnLogging falls back to the default output
                msg = "OnLogging raised %r while logging: %s" % (exc, msg)
                msgType = MicroWebSrv2.ERROR
        if IS_MICROPYTHON:
            if msgType >= self._logLevel:
                print("MWS2-%s> %s" % (MicroWebSrv2.MSG_TYPE_STR.get(msgType, "INFO"), msg))
            return
        self._python_logger().log(_LEVELS.get(msgType, 20), "%s", msg)

    def _log_exception(self, where, exc):
        """``where`` raised ``exc``: logged with its traceback. Never raises: it runs
        where something already failed, often on a full heap, and its caller must go
        on (a sweep, the task of deferred callbacks, a connection's steps)."""
        try:
            if self._onLogging is None and not IS_MICROPYTHON:
                # The traceback as logging's own exc_info: handlers format (or ship) it.
                self._python_logger().error("%s raised %r", where, exc, exc_info=exc)
                return
            text = "%s raised %s\n%s" % (where, repr(exc), format_traceback(exc))
        except Exception:  # no heap for the traceback: the line alone, if even that
            text = None
        try:
            self.Log(text or "%s raised %r" % (where, exc), MicroWebSrv2.ERROR)
        except Exception:
            pass

    # ---- the access log ------------------------------------------------------------

    def _access_logging(self):
        """Is a line to be logged for each request? AccessLog, or by default (None) on
        CPython whether the logger ``mws2.access`` takes INFO lines."""
        enabled = self._accessLog
        if enabled is None and not IS_MICROPYTHON:
            logger = self._access_logger
            if logger is None:
                import logging

                logger = self._access_logger = logging.getLogger("mws2.access")
            return logger.isEnabledFor(20)
        return bool(enabled)

    def _loaded_modules(self):
        return MicroWebSrv2._modules

    # ---- files ---------------------------------------------------------------------

    def ResolvePhysicalPath(self, urlPath):
        """The file under RootPath that serves ``urlPath`` (default page for folders), or None."""
        _check_text(urlPath, "urlPath")
        from .static import resolve

        return resolve(self._rootPath, urlPath)

    # ---- presets -------------------------------------------------------------------

    def _check_not_running(self, what):
        if self._driver is not None:
            raise MicroWebSrv2Exception("%s cannot be changed while the server is running" % what)

    def _apply_preset(self, name):
        self._check_not_running("Configuration")
        (self._backlog, self._slotsCount, self._slotsSize, self._keepAlloc, self._maxContentLen) = (
            PRESETS[name]
        )

    def SetEmbeddedConfig(self):
        self._apply_preset("embedded")

    # ---- properties ----------------------------------------------------------------

    @property
    def IsRunning(self):
        driver = self._driver
        return driver is not None and driver.running

    @property
    def ConnQueueCapacity(self):
        return self._backlog

    @ConnQueueCapacity.setter
    def ConnQueueCapacity(self, value):
        _check_positive_int(value, "ConnQueueCapacity")
        self._check_not_running('"ConnQueueCapacity"')
        self._backlog = value

    @property
    def BufferSlotsCount(self):
        return self._slotsCount

    @BufferSlotsCount.setter
    def BufferSlotsCount(self, value):
        _check_positive_int(value, "BufferSlotsCount")
        self._check_not_running('"BufferSlotsCount"')
        self._slotsCount = value

    @property
    def BufferSlotSize(self):
        return self._slotsSize

    @BufferSlotSize.setter
    def BufferSlotSize(self, value):
        _check_positive_int(value, "BufferSlotSize")
        self._check_not_running('"BufferSlotSize"')
        self._slotsSize = value

    @property
    def KeepAllocBufferSlots(self):
        return self._keepAlloc

    @KeepAllocBufferSlots.setter
    def KeepAllocBufferSlots(self, value):
        _check_bool(value, "KeepAllocBufferSlots")
        self._check_not_running('"KeepAllocBufferSlots"')
        self._keepAlloc = value

    @property
    def MaxRequestContentLength(self):
        return self._maxContentLen

    @MaxRequestContentLength.setter
    def MaxRequestContentLength(self, value):
        _check_positive_int(value, "MaxRequestContentLength")
        self._check_not_running('"MaxRequestContentLength"')
        self._maxContentLen = value

    @property
    def MaxConnections(self):
        """Open connections served at once; beyond, a waiting one is reclaimed, else 503.
        Default: BufferSlotsCount on MicroPython, at least 4096 on CPython."""
        if self._maxConnections:
            return self._maxConnections
        return self._slotsCount if IS_MICROPYTHON else max(self._slotsCount, PC_CONNECTIONS)

    @property
    def MaxBufferedContent(self):
        """Request content bytes held in memory at once by all connections (buffered
        routes); beyond, connections wait before reading more. Default: 32 MiB on CPython,
        3 x MaxRequestContentLength on MicroPython."""
        if self._maxBufferedContent:
            return self._maxBufferedContent
        return 3 * self._maxContentLen if IS_MICROPYTHON else 32 * 1024 * 1024

    @MaxBufferedContent.setter
    def MaxBufferedContent(self, value):
        if value is not None:
            _check_positive_int(value, "MaxBufferedContent")
        self._maxBufferedContent = value

    @property
    def StopGraceSec(self):
        """How long Stop() lets the requests in flight finish (3 s)."""
        return self._stopGraceSec

    @StopGraceSec.setter
    def StopGraceSec(self, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError('"StopGraceSec" must be a number of seconds (>= 0)')
        self._stopGraceSec = value

    @MaxConnections.setter
    def MaxConnections(self, value):
        if value is not None:
            _check_positive_int(value, "MaxConnections")
        self._maxConnections = value

    @property
    def BindAddress(self):
        return self._bindAddr

    @BindAddress.setter
    def BindAddress(self, value):
        if not isinstance(value, tuple) or len(value) != 2:
            raise TypeError('"BindAddress" must be a tuple (str_ip_addr, int_port)')
        if not isinstance(value[0], str):
            raise TypeError('"BindAddress" address must be a string')
        if not isinstance(value[1], int) or not 0 <= value[1] <= 65535:
            raise ValueError('"BindAddress" port must be an integer from 0 to 65535')
        self._check_not_running('"BindAddress"')
        self._bindAddr = value

    @property
    def ReusePort(self):
        """Listen with SO_REUSEPORT (False): several processes accept on one port and
        the kernel shares the connections out (see StartWorkers)."""
        return self._reusePort

    @ReusePort.setter
    def ReusePort(self, value):
        _check_bool(value, "ReusePort")
        self._check_not_running('"ReusePort"')
        if value:
            import socket

            if not hasattr(socket, "SO_REUSEPORT"):  # Windows, MicroPython
                raise MicroWebSrv2Exception('"ReusePort": this system has no SO_REUSEPORT')
        self._reusePort = value

    @property
    def TrustedProxies(self):
        """The proxies whose X-Forwarded-For / Forwarded headers are believed (IP
        addresses and CIDR networks as strings; empty: none, the default). From them,
        request.UserAddress and IsSSL tell the client's. See mws2/proxies.py."""
        trust = self._trustedProxies
        return list(trust.entries) if trust else []

    @TrustedProxies.setter
    def TrustedProxies(self, value):
        from .proxies import trust_for

        self._trustedProxies = trust_for(value, self._forwardedHeader)

    @property
    def ForwardedHeader(self):
        """The header a trusted proxy reports the client in: "X-Forwarded-For" (the
        default, with X-Forwarded-Proto) or "Forwarded" (RFC 7239)."""
        return self._forwardedHeader

    @ForwardedHeader.setter
    def ForwardedHeader(self, value):
        from .proxies import header_name

        self._forwardedHeader = header_name(value)
        if self._trustedProxies is not None:
            self._trustedProxies.header = self._forwardedHeader

    @property
    def BoundAddress(self):
        """The address really listened on (port 0 resolved), else BindAddress."""
        driver = self._driver
        return driver.bound if driver is not None and driver.bound else self._bindAddr

    @property
    def IsSSLEnabled(self):
        return self._sslContext is not None

    @property
    def RootPath(self):
        return self._rootPath

    @RootPath.setter
    def RootPath(self, value):
        _check_text(value, "RootPath")
        self._rootPath = value
        self._rootPathSet = True

    @property
    def RequestsTimeoutSec(self):
        return self._timeoutSec

    @RequestsTimeoutSec.setter
    def RequestsTimeoutSec(self, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ValueError('"RequestsTimeoutSec" must be a positive number')
        self._timeoutSec = value

    @property
    def NotFoundURL(self):
        return self._notFoundURL

    @NotFoundURL.setter
    def NotFoundURL(self, value):
        if value is not None and not isinstance(value, str):
            raise TypeError('"NotFoundURL" must be a string or None')
        self._notFoundURL = value or None

    @property
    def AllowAllOrigins(self):
        return self._allowAllOrigins

    @AllowAllOrigins.setter
    def AllowAllOrigins(self, value):
        _check_bool(value, "AllowAllOrigins")
        self._allowAllOrigins = value

    @property
    def CORSAllowAll(self):
        return self._corsAllowAll

    @CORSAllowAll.setter
    def CORSAllowAll(self, value):
        _check_bool(value, "CORSAllowAll")
        self._corsAllowAll = value

    @property
    def AccessLog(self):
        """A line per request (Combined Log Format plus the time taken): True, False, or
        None (default: on CPython when the logger "mws2.access" takes INFO lines; off on
        MicroPython, where lines are printed, or go to OnLogging, when True)."""
        return self._accessLog

    @AccessLog.setter
    def AccessLog(self, value):
        if value is not None and not isinstance(value, bool):
            raise TypeError('"AccessLog" must be a bool or None')
        self._accessLog = value

    @property
    def LogLevel(self):
        """MicroPython's default output (print) shows messages from this type up
        (default WARNING); OnLogging and Python's logging get every message."""
        return self._logLevel

    @LogLevel.setter
    def LogLevel(self, value):
        if value not in MicroWebSrv2.MSG_TYPE_STR:
            raise ValueError('"LogLevel" must be DEBUG, INFO, WARNING or ERROR')
        self._logLevel = value

    @property
    def OnLogging(self):
        return self._onLogging

    @OnLogging.setter
    def OnLogging(self, value):
        if value is not None and not callable(value):
            raise TypeError('"OnLogging" must be a function or None')
        self._onLogging = value


_LEVELS = {0x00: 10, 0x01: 20, 0x02: 30, 0x03: 40}


if not IS_MICROPYTHON:
    join_extras(MicroWebSrv2, "mws2.server_extras")  # CPython: whole from the start
