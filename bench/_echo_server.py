"""An echo server for bench/echo.py, in its own process: `xasync` or `asyncio` streams.

Prints `PORT <n>` once listening; serves until stdin closes; then prints one JSON line
with its peak memory (ru_maxrss) and CPU seconds.
"""

import json
import os
import resource
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "packages", "xasync"))


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def when_stdin_closes(stop):
    def watch():
        sys.stdin.read()
        stop()

    threading.Thread(target=watch, daemon=True).start()


def serve_xasync(backlog):
    from xasync import XAsyncSocketsPool, XAsyncTCPServer

    pool = XAsyncSocketsPool()
    srv = XAsyncTCPServer.Create(pool, ("127.0.0.1", 0), srvBacklog=backlog)

    def on_data(cli, data, arg):
        cli.AsyncSendData(data)

    srv.OnClientAccepted = lambda server, cli: cli.AsyncRecvStream(on_data)
    print("PORT %d" % srv.SrvAddr[1], flush=True)
    when_stdin_closes(pool.StopWaitEvents)
    pool.AsyncWaitEvents(threadsCount=0)


def serve_asyncio(backlog):
    import asyncio

    async def handle(reader, writer):
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass  # the load client closed mid-exchange: nothing to answer
        finally:
            writer.close()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=backlog)
        stopped = asyncio.Event()
        loop = asyncio.get_running_loop()
        print("PORT %d" % server.sockets[0].getsockname()[1], flush=True)
        when_stdin_closes(lambda: loop.call_soon_threadsafe(stopped.set))
        await stopped.wait()
        server.close()

    asyncio.run(main())


def main(argv):
    kind = argv[0]
    backlog = int(argv[1]) if len(argv) > 1 else 4096
    raise_fd_limit()
    if kind == "xasync":
        serve_xasync(backlog)
    elif kind == "asyncio":
        serve_asyncio(backlog)
    else:
        raise SystemExit("kind must be xasync or asyncio")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"maxrss_kb": usage.ru_maxrss,
                      "cpu_sec": round(usage.ru_utime + usage.ru_stime, 3)}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
