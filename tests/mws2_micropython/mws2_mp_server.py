"""The mws2 demo served by MicroPython (also runs on CPython): the program the tests start.

``micropython tests/mws2_micropython/mws2_mp_server.py PORT [THREADS|asyncio]`` serves the bundled
demo (static pages, routes, WebSockets, .pyhtml) plus a few test routes on 127.0.0.1:PORT
and prints ``READY <port>`` once it listens. MicroPython has no site-packages for this
repository's packages, so the ``packages/*`` folders are put on ``sys.path`` from this
file's own location. SIGINT (KeyboardInterrupt) stops it cleanly.
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
    packages = _dirname(_dirname(here)) + "/packages"
    for name in sorted(os.listdir(packages)):
        sys.path.insert(0, packages + "/" + name)


_add_packages()

from mws2 import GET, POST, MicroWebSrv2, WebRoute  # noqa: E402
from mws2 import demo  # noqa: E402


@WebRoute(GET, "/hello")
def hello(microWebSrv2, request):
    request.Response.ReturnOk("Hello, world!")


@WebRoute(GET, "/users/<id>/profile/<property>", "user-profile")
def user_profile(microWebSrv2, request, args):
    request.Response.ReturnOkJSON({"id": args["id"], "property": args["property"]})


@WebRoute(POST, "/form-echo")
def form_echo(microWebSrv2, request):
    request.Response.ReturnOkJSON(request.GetPostedURLEncodedForm())


@WebRoute(GET, "/runtime")
def runtime(microWebSrv2, request):
    request.Response.ReturnOkJSON({"implementation": sys.implementation.name})


@WebRoute(GET, "/stream/generator")
def stream_generator(microWebSrv2, request):
    def pieces():
        for i in range(3):
            yield "line %d\n" % i

    request.Response.ReturnStream(200, pieces())


class Countdown:
    """An async iterator (MicroPython has no async generators)."""

    def __init__(self, count):
        self.count = count

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self.count == 0:
            raise StopAsyncIteration
        self.count -= 1
        return "tick %d\n" % self.count


@WebRoute(GET, "/stream/async-iterator")
def stream_async_iterator(microWebSrv2, request):
    request.Response.ReturnStream(200, Countdown(3))


@WebRoute(GET, "/stream/events")
async def stream_events(microWebSrv2, request):
    stream = request.Response.ReturnEventStream()
    for n in range(3):
        await stream.Send("tick %d" % n, event="tick", id=n)
    stream.Close()


@WebRoute(GET, "/async/slow")
async def async_slow(microWebSrv2, request):
    import asyncio

    await asyncio.sleep(0.05)
    request.Response.ReturnOkJSON({"slow": True})


@WebRoute(GET, "/async/raise")
async def async_raise(microWebSrv2, request):
    raise ValueError("async handler bug")


@WebRoute(GET, "/mem")
def mem(microWebSrv2, request):
    import gc

    gc.collect()
    request.Response.ReturnOkJSON({"alloc": gc.mem_alloc()})


@WebRoute(POST, "/upload", streamContent=True, maxContentLength=4 * 1024 * 1024)
async def upload(microWebSrv2, request):
    """A multipart upload streamed to a folder; reports the live heap seen meanwhile."""
    import gc

    alloc = getattr(gc, "mem_alloc", lambda: 0)  # MicroPython only (0 on CPython)
    folder = request.QueryParams.get("to", "/tmp")
    gc.collect()
    before = alloc()
    form = await request.ReadMultipartForm(saveTo=folder, maxFileSize=3 * 1024 * 1024)
    gc.collect()
    sizes = {}
    for name, value in form.items():
        sizes[name] = value if isinstance(value, str) else [value.FileName, value.Size]
    request.Response.ReturnOkJSON({"form": sizes, "before": before, "after": alloc()})


@WebRoute(GET, "/file")
def send_any_file(microWebSrv2, request):
    """Test only: the file named in the query (Range, .gz siblings, charset)."""
    request.Response.ReturnFile(request.QueryParams["path"])


@WebRoute(GET, "/cookies")
def cookies(microWebSrv2, request):
    request.Response.SetCookie("session", "a b;c", maxAge=60)
    request.Response.SetCookie("other", "2", httpOnly=False)
    request.Response.ReturnOkJSON({"seen": request.GetCookie("seen"),
                                   "all": request.GetQueryValues("a")})


# Autobahn's sections 1 to 7 and 10 send messages up to 64 KiB; on the root path the
# echo accepts 128 KiB (the embedded preset's default, 16 KiB, stays on every other path).
AUTOBAHN_PATH = "/"
AUTOBAHN_MAX_MESSAGE = 128 * 1024


def accept_websocket(microWebSrv2, webSocket):
    demo.on_websocket_accepted(microWebSrv2, webSocket)
    if webSocket.Request.Path == AUTOBAHN_PATH:
        webSocket.MaxRecvMessageLength = AUTOBAHN_MAX_MESSAGE


async def serve_in_asyncio(mws):
    """The asyncio mode: the server is one task of this loop, beside another."""
    import asyncio

    server = asyncio.create_task(mws.StartAsync())
    while not mws.IsRunning:
        await asyncio.sleep(0.01)
    print("READY %d" % mws.BoundAddress[1])
    await server


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
    mode = sys.argv[2] if len(sys.argv) > 2 else "1"  # worker threads, or "asyncio"
    mws = MicroWebSrv2()
    demo.setup(mws)
    MicroWebSrv2.LoadModule("WebSockets").OnWebSocketAccepted = accept_websocket
    mws.BindAddress = ("127.0.0.1", port)
    try:
        if mode == "asyncio":
            import asyncio

            asyncio.run(serve_in_asyncio(mws))
        else:
            mws.StartManaged(parllProcCount=int(mode))
            print("READY %d" % mws.BoundAddress[1])
            while mws.IsRunning:
                time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    mws.Stop()
    print("STOPPED")


main()
