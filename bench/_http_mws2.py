"""The mws2 side of bench/http.py: "Hello, world!" on GET /, files from a folder.

``python3 bench/_http_mws2.py PORT THREADS [ROOT] [maxconn=N] [timeout=S]`` (also under
``micropython``): StartManaged with THREADS worker threads (0: one pool, every callback in
the main thread; ``asyncio``: the asyncio mode, ``StartAsync()`` as a task of the loop)
on 127.0.0.1:PORT (0 = a free port), RootPath ROOT for the static-file
test ("-": none), BufferSlotsCount = MaxConnections = N, RequestsTimeoutSec = S;
``workers=N``: N processes (``StartWorkers(N, THREADS)``, CPython) on the port. Prints
``READY <port>``; SIGINT stops it. The packages come from this checkout (``packages/*``
found from this file's location), so MicroPython needs no install.
"""

import os
import sys
import time


def _dirname(path):
    cut = path.rfind("/")
    return path[:cut] if cut > 0 else "."


def _add_packages():
    here = _dirname(__file__.replace("\\", "/"))
    if not here.startswith("/"):
        here = os.getcwd() + "/" + here
    packages = _dirname(here) + "/packages"
    for name in sorted(os.listdir(packages)):
        sys.path.insert(0, packages + "/" + name)


_add_packages()

from mws2 import GET, MicroWebSrv2, WebRoute, XAsyncSocketsPool  # noqa: E402

HELLO = "Hello, world!"


@WebRoute(GET, "/")
def hello(microWebSrv2, request):
    request.Response.ReturnOk(HELLO)


async def serve_in_asyncio(mws):
    import asyncio

    server = asyncio.create_task(mws.StartAsync())
    while not mws.IsRunning:
        await asyncio.sleep(0.01)
    print("READY %d" % mws.BoundAddress[1])
    await server


def main():
    port = int(sys.argv[1])
    threads = sys.argv[2]
    workers = None
    mws = MicroWebSrv2()
    if len(sys.argv) > 3 and sys.argv[3] != "-":
        mws.RootPath = sys.argv[3]
    for option in sys.argv[4:]:
        name, _, value = option.partition("=")
        if name == "maxconn":
            mws.BufferSlotsCount = int(value)
            mws.MaxConnections = int(value)
            mws.ConnQueueCapacity = min(int(value), 4096)
        elif name == "timeout":
            mws.RequestsTimeoutSec = int(value)
        elif name == "workers":
            workers = int(value)
        else:
            raise ValueError("unknown option %r" % option)
    if sys.implementation.name == "micropython":
        # MicroPython's default log prints a line per request (into a pipe nobody reads)
        mws.OnLogging = _quiet
    mws.BindAddress = ("127.0.0.1", port)
    if workers:
        # SIGINT (the bench's stop) reaches the supervisor, which stops every worker
        mws.StartWorkers(workers, parllProcCount=int(threads),
                         onStarted=lambda m: print("READY %d" % m.BoundAddress[1]))
        return
    if threads == "asyncio":
        import asyncio

        try:
            asyncio.run(serve_in_asyncio(mws))
        except KeyboardInterrupt:
            pass
        mws.Stop()
        return
    threads = int(threads)
    if threads == 0:
        # every callback in this thread: MicroWebSrv2's dual-server way, one pool
        pool = XAsyncSocketsPool()
        mws.StartInPool(pool)
        print("READY %d" % mws.BoundAddress[1])
        try:
            pool.AsyncWaitEvents(threadsCount=0)
        except KeyboardInterrupt:
            pass
        mws.Stop()
        pool.StopWaitEvents()
        return
    mws.StartManaged(parllProcCount=threads)
    print("READY %d" % mws.BoundAddress[1])
    try:
        while mws.IsRunning:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    mws.Stop()


def _quiet(microWebSrv2, msg, msgType):
    # a benchmark measures serving, not logging: only errors are shown (on CPython the
    # default, Python's logging without a handler, already drops the per-request lines)
    if msgType >= MicroWebSrv2.ERROR:
        print("mws2 error: %s" % msg)


main()
