"""A WebSocket chat: every line a browser sends goes to every open page.

    python3 examples/chat.py           # then open http://127.0.0.1:8080/ in two windows

Asyncio mode with the WebSockets module's async API: ``async def OnWebSocketAccepted``
is the task of one WebSocket for as long as it is open; ``async for message in
webSocket`` reads, ``await webSocket.Send(text)`` writes (and waits while that peer is
behind). One thread: no lock is needed around the list of sockets.
"""

import asyncio
import sys

from mws2 import GET, MicroWebSrv2, WebRoute

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8080

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Chat</title></head>
<body style="font-family: sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem">
<h1>Chat</h1>
<div id="log" style="height: 15rem; overflow-y: auto; border: 1px solid #ccc"></div>
<form id="form"><input id="line" autocomplete="off" placeholder="Say something">
<button>Send</button></form>
<script>
var socket = new WebSocket("ws://" + location.host + "/chat");
socket.onmessage = function (e) {
  var line = document.createElement("div");
  line.textContent = e.data;  // text, never HTML
  document.getElementById("log").appendChild(line);
};
document.getElementById("form").onsubmit = function (e) {
  e.preventDefault();
  var input = document.getElementById("line");
  if (input.value) { socket.send(input.value); input.value = ""; }
};
</script>
</body></html>
"""

sockets = []


@WebRoute(GET, "/")
def page(microWebSrv2, request):
    request.Response.ReturnOk(PAGE)


async def broadcast(text):
    for webSocket in list(sockets):
        await webSocket.Send(text)


async def on_websocket_accepted(microWebSrv2, webSocket):
    name = "%s:%s" % webSocket.Request.UserAddress
    sockets.append(webSocket)
    await broadcast("%s joined (%d here)" % (name, len(sockets)))
    try:
        async for message in webSocket:  # ends when the page closes
            if isinstance(message, str):
                await broadcast("%s: %s" % (name, message))
    finally:
        sockets.remove(webSocket)
    await broadcast("%s left" % name)


async def main():
    MicroWebSrv2.LoadModule("WebSockets").OnWebSocketAccepted = on_websocket_accepted
    mws = MicroWebSrv2()
    mws.BindAddress = ("127.0.0.1", PORT)
    print("Serving on http://127.0.0.1:%d/ (Ctrl-C stops)" % PORT)
    await mws.StartAsync()


try:
    asyncio.run(main())
except KeyboardInterrupt:
    pass
