"""The program tests/mws2/cpython/test_workers.py runs: MicroWebSrv2.StartWorkers.

``python mws2_workers_app.py ROOT WORKERS MODE [CERT KEY]``: MODE ``pool`` (each worker
StartManaged(0)), ``threads`` (StartManaged(2)), ``asyncio`` (an ``async def``
workerMain awaiting StartAsync), ``crash`` (a workerMain that raises at once) or
``selfstop`` (a thread of the program calls Stop() on the supervisor after 2 s). Prints
``READY <port>`` once the workers listen. Routes: /pid (the worker's pid), /slow (answers
after 1 s); WebSockets echo with the pid; files from ROOT.
"""

import os
import sys
import threading
import time

from mws2 import GET, MicroWebSrv2, WebRoute


@WebRoute(GET, "/pid")
def pid(microWebSrv2, request):
    request.Response.ReturnOk(str(os.getpid()))


@WebRoute(GET, "/slow")
def slow(microWebSrv2, request):
    time.sleep(1)
    request.Response.ReturnOk("slow %d" % os.getpid())


def on_accepted(microWebSrv2, webSocket):
    webSocket.OnTextMessage = lambda ws, msg: ws.SendTextMessage("%d %s" % (os.getpid(), msg))


async def serve_async(microWebSrv2, index):
    await microWebSrv2.StartAsync()


def crash(microWebSrv2, index):
    raise RuntimeError("worker %d cannot start" % index)


def main():
    root, workers, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    mws = MicroWebSrv2()
    mws.RootPath = root
    mws.BindAddress = ("127.0.0.1", 0)
    mws.StopGraceSec = 3
    if len(sys.argv) > 5:
        mws.EnableSSL(sys.argv[4], sys.argv[5])
    MicroWebSrv2.LoadModule("WebSockets").OnWebSocketAccepted = on_accepted
    main_of = {"asyncio": serve_async, "crash": crash}.get(mode)
    threads = 2 if mode == "threads" else 0

    def started(server):
        print("READY %d" % server.BoundAddress[1], flush=True)
        if mode == "selfstop":
            def stop():
                server.Stop()  # from another thread: returns once every worker stopped
                print("STOP RETURNED running=%s" % server.IsRunning, flush=True)

            threading.Timer(2, stop).start()

    mws.StartWorkers(workers, parllProcCount=threads, workerMain=main_of, onStarted=started)
    print("STOPPED", flush=True)


if __name__ == "__main__":
    main()
