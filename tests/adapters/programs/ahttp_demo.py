# ahttpserver's example (seed 004) with the routes its demo describes: a page, two
# divide-by-zero errors and a server-sent event stream. Only the import lines differ
# from the seed (the harness puts in a loopback address and a free port).
import uasyncio as asyncio

from mws2.adapters.ahttpserver import HTTPResponse, HTTPServer, sendfile
from mws2.adapters.ahttpserver.sse import EventSource

app = HTTPServer()


@app.route("GET", "/")
async def root(reader, writer, request):
    response = HTTPResponse(200, "text/html", close=True)
    await response.send(writer)
    await sendfile(writer, "index.html")
    try:
        print(1 / 0)
    except Exception as e:
        print("exception in function root():", e)  # handled locally


@app.route("GET", "/api/time")
async def get_time(reader, writer, request):
    response = HTTPResponse(200, "text/html", close=True)
    await response.send(writer)
    writer.write("01-02-2025 12:34:56")
    print(1 / 0)  # after the head: the answer ends here


@app.route("GET", "/api/zero")
async def zero(reader, writer, request):
    print(1 / 0)  # before anything was written: answered 500


@app.route("GET", "/api/greeting")
async def api_greeting(reader, writer, request):
    # Say hello every 5 seconds
    eventsource = await EventSource(reader, writer)
    while True:
        asyncio.sleep(5)
        try:
            await eventsource.send(event="greeting", data="hello")
        except Exception as e:  # catch (a.o.) ECONNRESET when the client has disappeared  # noqa: F841
            break  # close connection#
    print("greeting stream closed")


@app.route("POST", "/api/request")
async def api_request(reader, writer, request):
    body = await reader.read(int(request.header[b"Content-Length"]))
    response = HTTPResponse(200, "text/plain", close=False, header={"X-Demo": "1"})
    await response.send(writer)
    writer.write("%s|%s|%s|%s|%s|%s|%s|%s" % (
        request.method, request.url, request.path, request.query, request.version,
        sorted(request.parameters.items()), request.header.get(b"x-test"), body.decode()))
    await writer.drain()


if __name__ == "__main__":
    loop = asyncio.get_event_loop()
    asyncio.create_task(app.start())
    loop.run_forever()
