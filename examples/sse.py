"""Server-sent events: a page that shows a clock the server pushes every second.

    python3 examples/sse.py            # then open http://127.0.0.1:8080/

``request.Response.ReturnEventStream()`` answers ``text/event-stream`` and gives an
EventStream; in asyncio mode (here) the handler sends with ``await events.Send(...)``,
which also waits while a slow client catches up, until the browser goes away. In pool
mode, ``events.SendEvent(...)`` sends from anywhere (a timer, another thread).
"""

import asyncio
import sys
import time

from mws2 import GET, MicroWebSrv2, WebRoute

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8080

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Clock</title></head>
<body style="font-family: sans-serif; text-align: center">
<h1 id="clock">...</h1><p id="count"></p>
<script>
var source = new EventSource("/events");
source.addEventListener("tick", function (e) {
  var tick = JSON.parse(e.data);
  document.getElementById("clock").textContent = tick.time;
  document.getElementById("count").textContent = "event " + e.lastEventId;
});
</script>
</body></html>
"""


@WebRoute(GET, "/")
def page(microWebSrv2, request):
    request.Response.ReturnOk(PAGE)


@WebRoute(GET, "/events")
async def events(microWebSrv2, request):
    stream = request.Response.ReturnEventStream()
    count = 0
    while not stream.IsClosed:
        count += 1
        now = time.localtime()
        tick = '{"time": "%02d:%02d:%02d"}' % (now[3], now[4], now[5])
        if not await stream.Send(tick, event="tick", id=count):
            break  # the browser went away
        await asyncio.sleep(1)


async def main():
    mws = MicroWebSrv2()
    mws.BindAddress = ("127.0.0.1", PORT)
    print("Serving on http://127.0.0.1:%d/ (Ctrl-C stops)" % PORT)
    await mws.StartAsync()


try:
    asyncio.run(main())
except KeyboardInterrupt:
    pass
