"""Adapters are loaded only when imported, and each adapter server keeps its own routes.

mws2's routes and modules are global to every MicroWebSrv2 instance; an adapter's routes
must not be answered by another server (adapter or plain mws2), nor mws2's global routes
and files by an adapter server.
"""

import asyncio
import os
import shutil
import subprocess
import threading
import time

import pytest
import requests
from adapters_harness import free_port, package_path

from mws2 import GET, MicroWebSrv2, RegisterRoute
from mws2.routes import UnregisterRoute

IMPORT_CHECK = """
import sys
sys.path[:0] = %r
import mws2
from mws2 import *
loaded = [name for name in sys.modules if name.startswith("mws2.adapters")]
print("LOADED", loaded)
from mws2.adapters.micropasyncweb import MicropAsyncWeb
print("AFTER", sorted(n for n in sys.modules if n.startswith("mws2.adapters")))
"""


@pytest.mark.parametrize("exe", ["python3", "micropython"])
def test_importing_mws2_loads_no_adapter(exe, tmp_path):
    path = shutil.which(exe)
    if path is None:
        pytest.skip("no %s on PATH" % exe)
    script = tmp_path / "check.py"
    script.write_text(IMPORT_CHECK % (package_path(),))
    out = subprocess.run([path, str(script)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr + out.stdout
    assert "LOADED []" in out.stdout
    # An adapter loads what it needs, and not the other adapters.
    assert "ahttpserver" not in out.stdout and "microwebsrv" not in out.stdout
    assert "mws2.adapters.micropasyncweb" in out.stdout


def _wait_for(predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def loop():
    """An asyncio loop in a thread, as the async adapters' programs run one."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


async def _finished(task):
    await task


def _run(loop, coro):
    return asyncio.run_coroutine_threadsafe(coro, loop).result(10)


def _plain_server():
    def hello(microWebSrv2, request):
        request.Response.ReturnOk("plain mws2")

    RegisterRoute(hello, GET, "/plain")
    server = MicroWebSrv2()
    server.BindAddress = ("127.0.0.1", 0)
    server.OnLogging = lambda srv, msg, kind: None
    server.StartManaged(parllProcCount=1)
    return server


def _get(port, path):
    return requests.get("http://127.0.0.1:%d%s" % (port, path), timeout=10, allow_redirects=False)


def test_each_server_answers_only_its_own_routes(loop, tmp_path):
    from mws2.adapters.ahttpserver import HTTPResponse, HTTPServer
    from mws2.adapters.microwebsrv import MicroWebSrv
    from mws2.adapters.micropasyncweb import MicropAsyncWeb, Response

    (tmp_path / "index.html").write_text("files of one")
    plain = _plain_server()
    ports = [free_port() for _ in range(5)]
    one = MicropAsyncWeb(port=ports[0], address="127.0.0.1", webroot=str(tmp_path))
    two = MicropAsyncWeb(port=ports[1], address="127.0.0.1", webroot=os.devnull)
    app_a = HTTPServer(host="127.0.0.1", port=ports[2])
    app_b = HTTPServer(host="127.0.0.1", port=ports[3])
    v1 = MicroWebSrv(port=ports[4], bindIP="127.0.0.1", webPath=str(tmp_path))

    @one.route("/only-one")
    async def only_one(request):
        await Response.sendJson(request, {"server": "one"})

    @two.route("/only-two")
    async def only_two(request):
        await Response.sendJson(request, {"server": "two"})

    @app_a.route("GET", "/only-a")
    async def only_a(reader, writer, request):
        await HTTPResponse(200, "text/plain").send(writer)
        writer.write("a")

    @app_b.route("GET", "/only-a")  # the same route on the other server: no clash
    async def only_b(reader, writer, request):
        await HTTPResponse(200, "text/plain").send(writer)
        writer.write("b")

    try:
        for server in (one, two):
            _run(loop, server.runAsync())
            server._server.OnLogging = lambda srv, msg, kind: None
        for app in (app_a, app_b):
            _run(loop, app.start())
        v1.Start()
        _wait_for(v1.IsStarted)
        assert _get(ports[0], "/only-one").json() == {"server": "one"}
        assert _get(ports[0], "/").text == "files of one"
        assert _get(ports[0], "/only-two").status_code == 404
        assert _get(ports[1], "/only-two").json() == {"server": "two"}
        assert _get(ports[1], "/only-one").status_code == 404
        assert _get(ports[2], "/only-a").text == "a"
        assert _get(ports[3], "/only-a").text == "b"
        assert _get(ports[4], "/").text == "files of one"
        for port in ports:
            # mws2's global route is not answered by any adapter server ...
            assert _get(port, "/plain").status_code == 404
        # ... and the plain server answers none of the adapters' routes.
        plain_port = plain.BoundAddress[1]
        assert _get(plain_port, "/plain").text == "plain mws2"
        for path in ("/only-one", "/only-two", "/only-a"):
            assert _get(plain_port, path).status_code == 404
        # The v1 server's WebSockets are its own: the plain server still refuses them
        # (when the application loaded no WebSockets module of its own: other tests in
        # this process may have, so it is set aside for this check).
        from mws2 import MicroWebSrv2

        saved = [entry for entry in MicroWebSrv2._modules if entry[0] == "WebSockets"]
        for entry in saved:
            MicroWebSrv2._modules.remove(entry)
        headers = {
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version": "13",
        }
        try:
            answer = requests.get(
                "http://127.0.0.1:%d/ws" % plain_port, headers=headers, timeout=10
            )
        finally:
            MicroWebSrv2._modules.extend(saved)
        assert answer.status_code == 501
    finally:
        v1.Stop()
        for app in (app_a, app_b):
            _run(loop, app.stop())
        for server in (one, two):
            if server._server is not None:
                server._server.Stop()
                _run(loop, _finished(server._task))
        plain.Stop()
        UnregisterRoute("GET", "/plain")
