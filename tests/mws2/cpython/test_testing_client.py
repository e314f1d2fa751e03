"""mws2.testing.TestClient on CPython: threads, files, back-pressure, logs, closing."""

import asyncio
import logging
import os
import re
import subprocess
import sys
import threading
import time

import pytest

from mws2 import GET, MicroWebSrv2, MicroWebSrv2Exception, RegisterRoute
from mws2.testing import TestClient, TestClientTimeout

CANCELLED = []
FINALLY = []
SENT = []


def _threaded_writer(mws, request):
    # Every write reaches the in-memory connection from a thread that is not the loop's.
    writer = request.Response.ReturnStreamWriter(200)
    threading.Thread(target=_write_lines, args=(writer,), name="writer-thread").start()


def _write_lines(writer):
    for line in ("from %s\n" % threading.current_thread().name, "second\n", "third\n"):
        time.sleep(0.01)
        writer.Write(line)
    writer.Close()


def _endless(mws, request):
    def pieces():
        try:
            while True:
                FINALLY.append("made")
                yield b"z" * 4096
        finally:
            FINALLY.append("finally")

    request.Response.ReturnStream(200, pieces())


def _watched(mws, request):
    request.Response.OnSent = lambda mws, response: SENT.append(response.StatusCode)
    request.Response.ReturnOk("watched")


def _big(mws, request):
    request.Response.ReturnOk(b"0123456789abcdef" * 65536)


async def _forever(mws, request):
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        CANCELLED.append("cancelled")
        raise


async def _async_boom(mws, request):
    raise KeyError("async handler failed")


for _handler, _path in (
    (_threaded_writer, "/tcc/writer"),
    (_endless, "/tcc/endless"),
    (_watched, "/tcc/watched"),
    (_big, "/tcc/big"),
    (_async_boom, "/tcc/async-boom"),
    (_forever, "/tcc/forever"),
):
    RegisterRoute(_handler, GET, _path)


@pytest.fixture
def client():
    with TestClient(MicroWebSrv2()) as test_client:
        yield test_client


def test_an_answer_written_from_another_thread(client):
    answer = client.get("/tcc/writer")
    assert answer.body == b"from writer-thread\nsecond\nthird\n"
    assert answer.headers["transfer-encoding"] == "chunked"


def test_on_sent_and_access_log_have_run_when_the_call_returns(client, caplog):
    del SENT[:]
    with caplog.at_level(logging.INFO, logger="mws2.access"):
        assert client.get("/tcc/watched", headers={"User-Agent": "agent/1"}).text == "watched"
    assert SENT == [200]
    lines = [r.getMessage() for r in caplog.records if r.name == "mws2.access"]
    assert len(lines) == 1 and lines[0].startswith("127.0.0.1 - - [")
    assert '"GET /tcc/watched HTTP/1.1" 200 7 "-" "agent/1"' in lines[0]


def test_big_answer_arrives_whole(client):
    answer = client.get("/tcc/big")
    assert answer.body == b"0123456789abcdef" * 65536
    assert answer.headers["content-length"] == str(16 * 65536)


def test_a_stream_not_read_is_held_back_then_closed(client):
    del FINALLY[:]
    with client.stream("GET", "/tcc/endless") as stream:
        assert len(stream.read_chunk()) > 0
        # Nobody reads: the server made only what a peer's buffers would hold.
        assert len(FINALLY) * 4096 < 256 * 1024
        stream.read_chunk()
    assert FINALLY[-1] == "finally"  # hanging up closed the generator
    assert not client.server.IsRunning


def test_an_async_handler_exception_is_raised_with_its_traceback(client, caplog):
    with pytest.raises(KeyError, match="async handler failed") as info:
        client.get("/tcc/async-boom")
    assert info.traceback[-1].name == "_async_boom"
    quiet = TestClient(MicroWebSrv2(), raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="mws2"):
        assert quiet.get("/tcc/async-boom").status == 500
    errors = [r for r in caplog.records if r.name == "mws2" and r.levelno == logging.ERROR]
    assert errors and errors[0].exc_info[0] is KeyError


def test_static_files_ranges_and_validators(tmp_path):
    (tmp_path / "index.html").write_text("<p>home</p>")
    (tmp_path / "data.txt").write_bytes(b"0123456789")
    server = MicroWebSrv2()
    server.RootPath = str(tmp_path)
    client = TestClient(server)
    home = client.get("/")
    assert home.text == "<p>home</p>" and home.headers["content-type"].startswith("text/html")
    part = client.get("/data.txt", headers={"Range": "bytes=2-4"})
    assert part.status == 206 and part.body == b"234"
    assert part.headers["content-range"] == "bytes 2-4/10"
    tag = client.get("/data.txt").headers["etag"]
    assert client.get("/data.txt", headers={"If-None-Match": tag}).status == 304
    server.RootPath = str(tmp_path / "missing")
    with pytest.raises(MicroWebSrv2Exception, match="is not a folder"):
        TestClient(server).get("/")


def test_close_cancels_a_handler_still_running():
    server = MicroWebSrv2()
    client = TestClient(server)
    with pytest.raises(TestClientTimeout):
        client.get("/tcc/forever", timeout=0.05)
    assert server.IsRunning  # its handler still runs
    client.close()
    assert not server.IsRunning and CANCELLED == ["cancelled"]


def test_close_hangs_up_what_is_left_open():
    module = MicroWebSrv2.LoadModule("WebSockets")
    previous = module.OnWebSocketAccepted
    closed = []

    def accepted(mws, ws):
        ws.OnClosed = lambda ws: closed.append("closed")

    module.OnWebSocketAccepted = accepted
    try:
        server = MicroWebSrv2()
        client = TestClient(server)
        ws = client.websocket("/tcc/ws")
        stream = client.stream("GET", "/tcc/endless")
        assert server.IsRunning and len(server._all_connections()) == 2
        client.close()
        assert closed == ["closed"] and server._all_connections() == []
        assert not server.IsRunning
        assert ws.receive() is None and ws.close_code == 1006  # gone without a close frame
        assert stream.read_chunk() == b"" and stream.closed
    finally:
        module.OnWebSocketAccepted = previous


def test_websocket_receive_timeout_then_ping_answered():
    module = MicroWebSrv2.LoadModule("WebSockets")
    previous = module.OnWebSocketAccepted
    pongs = []

    def accepted(mws, ws):
        ws.WaitFrameTimeoutSec = 1  # the server pings a silent client after a period
        ws.OnTextMessage = lambda ws, msg: pongs.append(msg)

    module.OnWebSocketAccepted = accepted
    try:
        with TestClient(MicroWebSrv2()).websocket("/tcc/ping") as ws:
            with pytest.raises(TestClientTimeout):
                ws.receive(timeout=2.5)  # pinged at 2 s: our pong keeps it open
            assert not ws.closed
            ws.send("still here")
        assert pongs == ["still here"] and ws.close_code == 1000
    finally:
        module.OnWebSocketAccepted = previous


def test_the_readme_example_runs(tmp_path):
    packages = os.path.join(os.path.dirname(__file__), "..", "..", "..", "packages")
    with open(os.path.join(packages, "mws2", "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    section = readme[readme.index("## Testing your application"):]
    (tmp_path / "test_app.py").write_text(re.search(r"```python\n(.*?)```", section, re.S)[1])
    paths = [os.path.join(packages, name) for name in sorted(os.listdir(packages))]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_app.py"],
        cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "5 passed" in run.stdout
