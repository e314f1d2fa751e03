"""The programs bench/heap.py measures, for mws2 and for microdot, on MicroPython.

``_heap_app.py PORT SERVER KIND MODE ROOT``: SERVER is ``mws2`` or ``microdot``; KIND is
``plain`` (one route, GET /hello) or ``full`` (plus a WebSocket echo on /ws and, for
mws2, a ``.pyhtml`` page under ROOT); MODE is ``pool`` (mws2's ``StartManaged(0)``: the
xasync pool in the calling thread) or ``asyncio`` (mws2 as a task of the firmware's
asyncio loop; microdot always runs so). Every server uses its embedded-sized settings
and no thread. Imported as a module, so that bench/heap.py can run it from source,
from ``.mpy`` files or from a ROMFS image alike.
"""

import sys


def mws2_app(port, kind, mode, root):
    from mws2 import GET, MicroWebSrv2, WebRoute

    @WebRoute(GET, "/hello")
    def hello(microWebSrv2, request):
        request.Response.ReturnOk("Hello, world!")

    if kind == "full":
        def accepted(microWebSrv2, webSocket):
            webSocket.OnTextMessage = echo

        def echo(webSocket, msg):
            webSocket.SendTextMessage(msg)

        MicroWebSrv2.LoadModule("WebSockets").OnWebSocketAccepted = accepted
        MicroWebSrv2.LoadModule("PyhtmlTemplate")
    server = MicroWebSrv2()
    server.SetEmbeddedConfig()
    server.RootPath = root
    server.BindAddress = ("127.0.0.1", port)
    if mode == "asyncio":
        import asyncio

        asyncio.run(server.StartAsync())
    else:
        server.StartManaged(0)


def microdot_app(port, kind):
    from microdot import Microdot

    app = Microdot()

    @app.route("/hello")
    async def hello(request):
        return "Hello, world!"

    if kind == "full":
        from microdot.websocket import with_websocket

        @app.route("/ws")
        @with_websocket
        async def ws(request, ws):
            while True:
                await ws.send(await ws.receive())

    app.run(host="127.0.0.1", port=port)


def main(argv):
    port, server, kind, mode, root = int(argv[1]), argv[2], argv[3], argv[4], argv[5]
    if server == "microdot":
        microdot_app(port, kind)
    else:
        mws2_app(port, kind, mode, root)


main(sys.argv)
