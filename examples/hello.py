"""Hello, world: one route, served by a pool of worker threads (StartManaged).

    python3 examples/hello.py          # then open http://127.0.0.1:8080/hello
    python3 examples/hello.py 8000     # another port

Ctrl-C stops it. Runs on MicroPython too (see examples/README.md).
"""

import sys
from time import sleep

from mws2 import GET, MicroWebSrv2, WebRoute

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8080


@WebRoute(GET, "/hello")
def hello(microWebSrv2, request):
    request.Response.ReturnOk("Hello, world!")


@WebRoute(GET, "/hello/<name>")
def hello_name(microWebSrv2, request, args):
    request.Response.ReturnOk("Hello, %s!" % args["name"])


mws = MicroWebSrv2()
mws.BindAddress = ("127.0.0.1", PORT)
mws.StartManaged()  # one worker thread; returns at once
print("Serving on http://127.0.0.1:%d/hello (Ctrl-C stops)" % PORT)
try:
    while mws.IsRunning:
        sleep(1)
except KeyboardInterrupt:
    pass
mws.Stop()
