# micropAsyncWeb's thread example (seed 002): the server's loop runs in a thread, the
# REPL stays free. Only the import line differs from the seed (the harness puts in a
# loopback address and a free port); the route is the seed's.
import asyncio
from mws2.adapters.micropasyncweb import MicropAsyncWeb, Response
from _thread import start_new_thread

webserver = MicropAsyncWeb()


@webserver.route("/ping")
async def _route_ping(request):
    await Response.start(request, 200, "OK")
    await Response.startBody(request)
    await request.write("pong")


def runThread():
    loop = asyncio.get_event_loop()
    loop.create_task(webserver.runAsync())
    # add any other _thread compatible async tasks
    loop.run_forever()


start_new_thread(runThread, ())
