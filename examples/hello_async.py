"""Hello, world in asyncio mode: the server is one task of your program's loop.

    python3 examples/hello_async.py    # then open http://127.0.0.1:8080/hello

Beside the server, another task counts seconds; handlers may be ``async def`` and await
(here, asyncio.sleep) without holding up other requests. No thread at all: the lightest
way on a board too. Ctrl-C stops it.
"""

import asyncio
import sys

from mws2 import GET, MicroWebSrv2, WebRoute

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
uptime = {"seconds": 0}


@WebRoute(GET, "/hello")
async def hello(microWebSrv2, request):
    await asyncio.sleep(0.1)  # waiting here lets the loop serve others meanwhile
    request.Response.ReturnOkJSON({"hello": "world", "uptime": uptime["seconds"]})


async def count_seconds():
    while True:
        await asyncio.sleep(1)
        uptime["seconds"] += 1


async def main():
    mws = MicroWebSrv2()
    mws.BindAddress = ("127.0.0.1", PORT)
    asyncio.create_task(count_seconds())
    print("Serving on http://127.0.0.1:%d/hello (Ctrl-C stops)" % PORT)
    await mws.StartAsync()  # serves until mws.Stop()


try:
    asyncio.run(main())
except KeyboardInterrupt:
    pass
