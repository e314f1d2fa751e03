# micropAsyncWeb's first example (seed 002): the server as a task beside others on the
# loop of the main thread. Only the import line differs from the seed (the harness puts
# in a loopback address and a free port); the routes are the seed's examples.
import asyncio
from mws2.adapters.micropasyncweb import MicropAsyncWeb, Response

# Automatically handles "/" and "/*" routes (deliver files from webroot).
webserver = MicropAsyncWeb(webroot="./webroot", indexFile="index.htm")


class myLedClass:
    @staticmethod
    def setLed(ledNum, ledState):
        return {"led": ledNum, "state": ledState}


@webserver.route("/ping")
async def _route_ping(request):
    await Response.start(request, 200, "OK")
    await Response.startBody(request)
    await request.write("pong")


async def _route_info(request):
    await Response.sendJson(request, {"version": "0.0.1"})


# appendRoutes and decorators can be mixed
webserver.appendRoutes(
    [
        ["/api/v1/info", _route_info]
    ]
)


@webserver.route("/api/v1/led/*/*", "POST")
async def _route_set_led(request):
    ledNum = int(request.params[0])
    ledState = int(request.params[0])
    result = myLedClass.setLed(ledNum, ledState)
    await Response.sendJson(request, result)


# Beyond the seed's examples: the rest of what its API documents.
async def _route_request(request):
    body = await request.read()
    await Response.sendJson(request, {
        "url": request.url, "path": request.path, "method": request.method,
        "params": request.params, "route": request.route,
        "type": request.header.get("Content-Type"), "body": body.decode(),
    })


webserver.appendRoutes(
    [
        ["/echo/*/x/*", _route_request, "GET,PUT"]
    ]
)


@webserver.route("/api/*")
async def _route_api_any(request):
    await Response.sendJson(request, {"any": request.params[0]})


@webserver.route("/api/status")
async def _route_api_status(request):
    await Response.sendJson(request, {"status": "fine"})


@webserver.route("/file")
async def _route_file(request):
    await Response.sendFile(request, "./webroot/data.json")


@webserver.route("/teapot")
async def _route_teapot(request):
    await Response.error(request, 418, "I'm a teapot")


@webserver.route("/written")
async def _route_written(request):
    await Response.start(request, 201, "Created")
    await Response.write(request, "X-Mine: yes\r\n")
    await Response.startBody(request)
    await Response.write(request, "é")
    await Response.write(request, b"!")


@webserver.route("/boom")
async def _route_boom(request):
    print(1 / 0)


loop = asyncio.get_event_loop()
loop.create_task(webserver.runAsync())
# add any other async tasks


async def ticker():
    while True:
        print("tick")
        await asyncio.sleep(0.5)

loop.create_task(ticker())
loop.run_forever()
