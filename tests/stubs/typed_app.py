"""An application written against the stubs: ``nox -s stubs`` type-checks it with mypy
(strict), so the stubs give an editor what a program uses. Never run."""

import asyncio

import pyhtml
import wsframe
from httpcore_micro import NEED_DATA, Request, ServerConnection
from mws2 import GET, POST, HttpRequest, MicroWebSrv2, WebRoute
from mws2.forms import UploadedFile
from mws2.mods.WebSockets import WebSocket, WebSockets
from mws2.testing import TestClient


@WebRoute(GET, "/hello/<name>")
def hello(microWebSrv2: MicroWebSrv2, request: HttpRequest, args: dict[str, object]) -> None:
    request.Response.SetCookie("seen", "yes", maxAge=60)
    request.Response.ReturnOkJSON({"hello": args["name"], "agent": request.UserAgent})


@WebRoute(POST, "/upload", streamContent=True, maxContentLength=1 << 20)
async def upload(microWebSrv2: MicroWebSrv2, request: HttpRequest) -> None:
    form = await request.ReadMultipartForm(saveTo="/tmp", maxFileSize=1 << 20)
    sizes = {name: value.Size for name, value in form.items() if isinstance(value, UploadedFile)}
    request.Response.ReturnOkJSON(sizes)


@WebRoute(GET, "/events")
async def events(microWebSrv2: MicroWebSrv2, request: HttpRequest) -> None:
    stream = request.Response.ReturnEventStream()
    if stream is not None:
        sent: bool = await stream.Send("tick", event="tick", id=1)
        if sent:
            stream.Close()


async def on_accepted(microWebSrv2: MicroWebSrv2, webSocket: WebSocket) -> None:
    async for message in webSocket:
        await webSocket.Send(message)


module: WebSockets = MicroWebSrv2.LoadModule("WebSockets")
module.OnWebSocketAccepted = on_accepted


def check() -> int:
    server = MicroWebSrv2()
    server.BindAddress = ("127.0.0.1", 8080)
    server.SetEmbeddedConfig()
    with TestClient(server) as client:
        answer = client.get("/hello/board", headers={"Accept": "application/json"})
        with client.websocket("/echo") as ws:
            ws.send("hi")
            echoed = ws.receive(timeout=1)
        status: int = answer.status
        assert echoed == "hi" and answer.json()["hello"] == "board"
    asyncio.run(server.StartAsync())
    page: str = pyhtml.Template("{{ x }}").render({"x": 1})
    frames: bytes = wsframe.Connection(wsframe.SERVER).send_text(page)
    conn = ServerConnection(max_body=1024)
    conn.receive_data(frames)
    event = conn.next_event()
    if event is not NEED_DATA and isinstance(event, Request):
        status += len(event.target)
    return status
