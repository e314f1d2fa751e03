"""The server under attack in the stress suite (CPython and MicroPython alike).

``stress_server.py PORT MODE [root=DIR] [tls=CERT,KEY] [preset=NAME] [log=LEVEL]``
serves on 127.0.0.1:PORT with the default settings of the runtime (nothing is tuned for
the attacks) and prints ``READY <port>`` once it listens. MODE: ``N`` (StartManaged with N
worker threads; 0 serves in this thread: on MicroPython the firmware's asyncio),
``asyncio`` (``StartAsync()`` as a task of an asyncio loop).

Routes: ``GET /`` "Hello, world!" (what the normal client asks), ``GET /slow`` answers
after SLOW_SEC (an ``async def`` handler, so hundreds are in flight at once in every
mode), ``POST /upload`` answers the size of the content it got, ``GET /debug/heap`` the
objects alive (evidence, asked by the harness before and after an attack), files under
``root``, and a WebSocket echo on any path. SIGINT stops the server; SIGUSR1 (CPython)
calls ``Stop()`` as a program would (graceful), then the process prints ``STOPPED``.
The packages come from this checkout: the harness puts them on the path (PYTHONPATH,
MICROPYPATH).
"""

import sys
import time

from mws2 import GET, POST, MicroWebSrv2, WebRoute

HELLO = "Hello, world!"
SLOW_SEC = 0.5
IS_MICROPYTHON = sys.implementation.name == "micropython"


@WebRoute(GET, "/")
def hello(microWebSrv2, request):
    request.Response.ReturnOk(HELLO)


@WebRoute(GET, "/slow")
async def slow(microWebSrv2, request):
    import asyncio

    print("SLOW")  # the harness stops the server once every request is in here
    await asyncio.sleep(SLOW_SEC)
    request.Response.ReturnOk("slow")


@WebRoute(POST, "/upload")
def upload(microWebSrv2, request):
    content = request.Content
    request.Response.ReturnOk("%d" % (0 if content is None else len(content)))


def give_back_freed_memory():
    """glibc keeps freed heap pages (its arenas' tops, fragments) resident until told: hand
    them back, so RSS after a collection shows what is still in use, not what malloc
    keeps for later. Elsewhere (MicroPython, another libc) nothing to do."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (ImportError, OSError, AttributeError):
        pass


@WebRoute(GET, "/debug/heap")
def heap(microWebSrv2, request):
    """Evidence for the harness, asked before an attack and after it: live objects by
    type (CPython), heap in use (MicroPython), after a full collection with ?collect=1
    (what a collection frees was garbage in cycles, not a leak)."""
    import gc

    collected = 0
    if "collect" in request.QueryParams:
        collected = gc.collect()
        give_back_freed_memory()
    types = {}
    if hasattr(gc, "get_objects"):
        for obj in gc.get_objects():
            name = type(obj).__name__
            types[name] = types.get(name, 0) + 1
    in_use = gc.mem_alloc() if hasattr(gc, "mem_alloc") else None
    request.Response.ReturnOkJSON({"collected": collected, "types": types, "mem_alloc": in_use})


def echo_text(webSocket, message):
    webSocket.SendTextMessage(message)


def echo_binary(webSocket, message):
    webSocket.SendBinaryMessage(message)


def accept_websocket(microWebSrv2, webSocket):
    webSocket.OnTextMessage = echo_text
    webSocket.OnBinaryMessage = echo_binary


def configure(mws, options):
    for option in options:
        name, _, value = option.partition("=")
        if name == "root":
            mws.RootPath = value
        elif name == "tls":
            cert, key = value.split(",")
            mws.EnableSSL(cert, key)
        elif name == "log":  # log=debug: every close says why (evidence, counted)
            show_log(mws, value.upper())
        elif name == "preset":
            getattr(mws, "Set%sConfig" % (value[:1].upper() + value[1:]))()
        else:
            raise ValueError("unknown option %r" % option)


def show_log(mws, level):
    """Print the server's messages from ``level`` up, in MicroPython's format."""
    if IS_MICROPYTHON:
        mws.LogLevel = getattr(MicroWebSrv2, level)
        return
    import logging

    logging.basicConfig(level=getattr(logging, level), format="MWS2-%(levelname)s> %(message)s")
    logging.getLogger("mws2.access").setLevel(logging.WARNING)  # not a line per request


class GracefulStop:
    """SIGUSR1 (CPython): a thread of ours calls Stop(), as a program stopping would, in
    every mode. Stop() turns IsRunning False at once and then lets the answers in flight
    finish, so the process waits for that call to return before it ends (``wait``)."""

    def __init__(self, mws):
        self.mws = mws
        self.asked = self.done = None
        if IS_MICROPYTHON:
            return  # no signal module on the unix port: SIGINT only
        import signal
        import threading

        self.asked = threading.Event()
        self.done = threading.Event()
        signal.signal(signal.SIGUSR1, lambda signum, frame: self.asked.set())
        threading.Thread(target=self._stop_when_asked, daemon=True).start()

    def _stop_when_asked(self):
        self.asked.wait()
        self.mws.Stop()
        self.done.set()

    def wait(self):
        if self.asked is not None and self.asked.is_set():
            self.done.wait(30)


def serve_pool(mws, threads, port):
    if threads == 0:
        # serves in this thread and returns once stopped: say READY first (port known)
        print("READY %d" % port)
        mws.StartManaged(parllProcCount=0)
        return
    mws.StartManaged(parllProcCount=threads)
    print("READY %d" % mws.BoundAddress[1])
    while mws.IsRunning:
        time.sleep(0.05)


async def serve_asyncio(mws):
    import asyncio

    server = asyncio.create_task(mws.StartAsync())
    while not mws.IsRunning:
        await asyncio.sleep(0.01)
    print("READY %d" % mws.BoundAddress[1])
    await server


def main():
    port = int(sys.argv[1])
    mode = sys.argv[2]
    mws = MicroWebSrv2()
    configure(mws, sys.argv[3:])
    MicroWebSrv2.LoadModule("WebSockets").OnWebSocketAccepted = accept_websocket
    mws.BindAddress = ("127.0.0.1", port)
    graceful = GracefulStop(mws)
    try:
        if mode == "asyncio":
            import asyncio

            asyncio.run(serve_asyncio(mws))
        else:
            serve_pool(mws, int(mode), port)
    except KeyboardInterrupt:
        pass
    graceful.wait()
    mws.Stop()
    print("STOPPED")


main()
