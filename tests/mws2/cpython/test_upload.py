"""Request content read piece by piece (streamContent routes), in both modes."""

import hashlib
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from mws2_harness import connect, exchange, parse_one, read_until_closed, request_bytes
from mws2_harness import running, url, wait_for

from mws2 import POST, WebRoute
from mws2.server import MicroWebSrv2Exception

# Every test here runs in both modes (pool and asyncio).
pytestmark = pytest.mark.usefixtures("server_mode")

SAVED = {}


@WebRoute(POST, "/up/save", streamContent=True, maxContentLength=8 * 1024 * 1024)
async def save(mws, request):
    path = os.path.join(SAVED["folder"], "upload.bin")
    size = await request.SaveContent(path)
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    request.Response.ReturnOkJSON({"size": size, "sha256": digest})


@WebRoute(POST, "/up/chunks", streamContent=True)
async def chunks(mws, request):
    total = pieces = 0
    async for chunk in request.ContentChunks():
        total += len(chunk)
        pieces += 1
    request.Response.ReturnOkJSON({"total": total, "pieces": pieces,
                                   "buffered": request.Content is None})


@WebRoute(POST, "/up/callbacks", streamContent=True)
def callbacks(mws, request):
    digest = hashlib.sha256()

    def on_chunk(request, chunk):
        digest.update(chunk)

    def on_end(request):
        request.Response.ReturnOk(digest.hexdigest())

    request.OnContentChunk = on_chunk
    request.OnContentEnd = on_end


@WebRoute(POST, "/up/limited", streamContent=True)
async def limited(mws, request):
    request.MaxContentLength = 1000  # per call: e.g. lowered for this client
    size = 0
    try:
        while True:
            chunk = await request.ReadContentChunk()
            if not chunk:
                break
            size += len(chunk)
    except OSError:
        return  # cut short: the server answered 413 itself
    request.Response.ReturnOk(str(size))


@WebRoute(POST, "/up/small-route", maxContentLength=10)
def small_route(mws, request):
    request.Response.ReturnOk(bytes(request.Content or b""))


def test_a_large_upload_is_streamed_to_a_file(tmp_path):
    SAVED["folder"] = str(tmp_path)
    payload = os.urandom(3 * 1024 * 1024)  # over MaxRequestContentLength (2 MiB)
    with running() as mws:
        answer = requests.post(url(mws, "/up/save"), data=payload, timeout=20)
    assert answer.json() == {"size": len(payload),
                             "sha256": hashlib.sha256(payload).hexdigest()}


def test_chunked_upload_read_piece_by_piece():
    def pieces():
        for _ in range(50):
            yield b"x" * 1000

    with running() as mws:
        answer = requests.post(url(mws, "/up/chunks"), data=pieces(), timeout=10)
        data = answer.json()
    assert data["total"] == 50000 and data["pieces"] >= 1 and data["buffered"] is True


def test_plain_handler_reads_content_with_callbacks():
    payload = os.urandom(200000)
    with running() as mws:
        answer = requests.post(url(mws, "/up/callbacks"), data=payload, timeout=10)
    assert answer.text == hashlib.sha256(payload).hexdigest()


def test_limits_per_route_and_per_call():
    with running() as mws:
        # The announced length over the route's limit: 413 before any content is read.
        answer = parse_one(exchange(mws, request_bytes("POST", "/up/small-route",
                                                      body=b"x" * 11)), "POST")
        assert answer.status == 413
        assert requests.post(url(mws, "/up/small-route"), data=b"0123456789").text == \
            "0123456789"
        # The handler lowered the limit: a chunked body that goes over it gets 413.
        answer = requests.post(url(mws, "/up/limited"), data=iter([b"y" * 600] * 3))
        assert answer.status_code == 413
        assert requests.post(url(mws, "/up/limited"), data=iter([b"y" * 600])).text == "600"


GATE = threading.Event()


@WebRoute(POST, "/up/slow-consumer", streamContent=True, maxContentLength=1 << 27)
async def slow_consumer(mws, request):
    import asyncio

    total = 0
    async for chunk in request.ContentChunks():
        total += len(chunk)
        while not GATE.is_set():
            await asyncio.sleep(0.01)
    request.Response.ReturnOk(str(total))


def test_a_slow_consumer_holds_the_client_back():
    # The handler is slow to take pieces: the server stops reading, the kernel buffers
    # fill and the client's sendall blocks, instead of the server holding it all.
    gate = GATE
    gate.clear()
    size = 64 * 1024 * 1024
    with running() as mws:
        sock = connect(mws, timeout=30)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
        sock.sendall(b"POST /up/slow-consumer HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n"
                     b"\r\n" % size)
        sent = [0]

        def push():
            block = b"z" * 65536
            try:
                while sent[0] < size:
                    sent[0] += sock.send(block[: size - sent[0]])
            except OSError:
                pass

        pusher = threading.Thread(target=push, daemon=True)
        pusher.start()
        time.sleep(1.0)
        stuck_at = sent[0]
        assert stuck_at < 16 * 1024 * 1024, stuck_at  # held back, far from 64 MiB
        gate.set()
        pusher.join(30)
        answer = read_until_closed(sock, timeout=30, idle=2)
        sock.close()
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"%d" % size)


REQUEST_ERROR = {}


@WebRoute(POST, "/up/not-streamed")
def not_streamed(mws, request):
    try:
        request.ContentChunks()
    except MicroWebSrv2Exception as exc:
        REQUEST_ERROR["text"] = str(exc)
    request.Response.ReturnOk("ok")


def test_reading_content_of_a_buffered_route_says_how_to_stream():
    request_error = REQUEST_ERROR
    with running() as mws:
        assert requests.post(url(mws, "/up/not-streamed"), data=b"abc").text == "ok"
    assert "streamContent=True" in request_error["text"]


@WebRoute(POST, "/up/form", streamContent=True, maxContentLength=16 * 1024 * 1024)
async def form_upload(mws, request):
    form = await request.ReadMultipartForm(saveTo=SAVED["folder"], maxFileSize=4 * 1024 * 1024)
    answer = {}
    for name, value in form.items():
        if isinstance(value, str):
            answer[name] = value
        else:
            with open(value.Path, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            answer[name] = [value.FileName, value.ContentType, value.Size, digest,
                            os.path.basename(value.Path)]
    request.Response.ReturnOkJSON(answer)


@WebRoute(POST, "/up/small-form")
def small_form(mws, request):
    form = request.GetPostedMultipartForm()
    request.Response.ReturnOkJSON({name: value if isinstance(value, str) else value.Size
                                   for name, value in form.items()})


def test_multipart_form_files_written_as_they_arrive(tmp_path):
    SAVED["folder"] = str(tmp_path)
    firmware = os.urandom(3 * 1024 * 1024)
    with running() as mws:
        answer = requests.post(
            url(mws, "/up/form"),
            data={"version": "1.2.3", "note": "été"},
            files={"image": ("../../fw.bin", firmware, "application/octet-stream"),
                   "config": ("cfg.json", b'{"a": 1}', "application/json")},
            timeout=30,
        )
        assert answer.json() == {
            "version": "1.2.3",
            "note": "été",
            "image": ["../../fw.bin", "application/octet-stream", len(firmware),
                      hashlib.sha256(firmware).hexdigest(), "fw.bin"],
            "config": ["cfg.json", "application/json", 8,
                       hashlib.sha256(b'{"a": 1}').hexdigest(), "cfg.json"],
        }
        # A file over maxFileSize: 413, and the part written so far is removed.
        too_big = requests.post(url(mws, "/up/form"),
                                files={"image": ("big.bin", b"x" * (5 * 1024 * 1024))})
        assert too_big.status_code == 413
        assert not os.path.exists(tmp_path / "big.bin")
        # Not multipart at all: 415; broken: 400.
        assert requests.post(url(mws, "/up/form"), data=b"x",
                             headers={"Content-Type": "text/plain"}).status_code == 415
        broken = requests.post(url(mws, "/up/form"), data=b"--b\r\nnonsense",
                               headers={"Content-Type": "multipart/form-data; boundary=b"})
        assert broken.status_code == 400
        # A small form on a buffered route, read by a plain handler.
        small = requests.post(url(mws, "/up/small-form"), data={"a": "1"},
                              files={"f": ("f.txt", b"12345")})
        assert small.json() == {"a": "1", "f": 5}


@WebRoute(POST, "/up/size", maxContentLength=1024 * 1024)
def content_size(mws, request):
    request.Response.ReturnOk(str(len(request.Content or b"")))


def test_buffered_contents_share_a_budget():
    # MaxBufferedContent: what all connections may hold in memory of request contents
    # at once. Over it, connections wait (their client is held back by TCP); one may
    # always go on, so a content larger than the budget still gets through.
    def configure(mws):
        mws.MaxBufferedContent = 64 * 1024

    with running(configure=configure) as mws:
        with ThreadPoolExecutor(6) as pool:
            sizes = [pool.submit(requests.post, url(mws, "/up/size"), data=b"u" * 60000,
                                 timeout=20) for _ in range(6)]
            assert [future.result().text for future in sizes] == ["60000"] * 6
        big = requests.post(url(mws, "/up/size"), data=b"B" * 300000, timeout=20)
        assert big.text == "300000"
        assert wait_for(lambda: mws._bufferedContent == 0)
