"""The members of MicroWebSrv2 that most programs never use: TLS, the presets other
than the embedded one (SetEmbeddedConfig stays: boards call it), a pool or worker
processes of the program's own, CPython's logging and file limits, the cap's quick
refusals, the access log.

They join MicroWebSrv2 on first use (compat.more): a board that serves with
``StartAsync`` or ``StartManaged`` never loads them.
"""

from .server import MicroWebSrv2, MicroWebSrv2Exception, _check_text


class Extras:
    """Members of MicroWebSrv2 loaded on first use (see compat.more)."""

    def StartInPool(self, asyncSocketsPool):
        """Listen on BindAddress inside an existing XAsyncSocketsPool."""
        from .pool import start_in_pool

        start_in_pool(self, asyncSocketsPool)

    def _fds_for_connections(self):
        """CPython: a server capped at N connections needs N file descriptors, and many
        systems start processes with a soft limit of 1024: raise it (to the hard limit
        at most) before serving, as servers do."""
        try:
            import resource
        except ImportError:  # not a POSIX CPython (or MicroPython)
            return
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = self.MaxConnections * 2 + 64  # with the refusals answered 503
        if hard != resource.RLIM_INFINITY:
            wanted = min(wanted, hard)
        if soft != resource.RLIM_INFINITY and soft < wanted:
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            except (OSError, ValueError) as exc:  # a container may refuse: serve anyway
                self.Log("Cannot raise the open files limit: %s" % exc, MicroWebSrv2.DEBUG)

    def StartWorkers(self, workersCount, parllProcCount=0, workerMain=None, onStarted=None):
        """CPython on POSIX: serve with ``workersCount`` processes forked from this one,
        all accepting on BindAddress (SO_REUSEPORT), each with this server as set up so
        far. Blocks, restarting a worker that dies, until Ctrl-C, SIGTERM or ``Stop()``
        stops them all gracefully. Each worker serves with
        ``StartManaged(parllProcCount)``, or runs ``workerMain(microWebSrv2,
        workerIndex)`` (an ``async def`` one on its own asyncio loop) which must serve
        until stopped. ``onStarted(microWebSrv2)``: once the workers listen
        (BoundAddress then tells the port). See mws2/workers.py."""
        from .workers import start_workers

        start_workers(self, workersCount, parllProcCount, workerMain, onStarted)

    def _listen_error(self, exc):
        addr = self._bindAddr
        return MicroWebSrv2Exception("cannot listen on %s:%s (%s)" % (addr[0], addr[1], exc))

    def _quick_refusal_done(self, refusal):
        with self._connLock:
            self._quickRefusals.pop(id(refusal), None)

    def _python_logger(self):
        if self._logger is None:
            import logging

            self._logger = logging.getLogger("mws2")
        return self._logger

    def _log_access(self, request, response, seconds):
        from .accesslog import log_access

        log_access(self, request, response, seconds)

    def EnableSSL(self, certFile, keyFile, caFile=None):
        """Serve HTTPS with this certificate and key (port 80 becomes 443)."""
        _check_text(certFile, "certFile")
        _check_text(keyFile, "keyFile")
        if caFile is not None:
            _check_text(caFile, "caFile")
        self._check_not_running("SSL")
        from .tls import ssl_context

        self._sslContext = ssl_context(certFile, keyFile, caFile)
        if self._bindAddr[1] == 80:
            self._bindAddr = (self._bindAddr[0], 443)

    def DisableSSL(self):
        self._check_not_running("SSL")
        self._sslContext = None
        if self._bindAddr[1] == 443:
            self._bindAddr = (self._bindAddr[0], 80)

    def SetLightConfig(self):
        self._apply_preset("light")

    def SetNormalConfig(self):
        self._apply_preset("normal")

    def SetLargeConfig(self):
        self._apply_preset("large")
