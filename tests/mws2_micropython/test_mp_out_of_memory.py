"""Out of memory while a connection is set up or served, in the asyncio mode on the
MicroPython unix port: that connection is lost (closed), never the server's accepting.

The firmware's own stream server ends its accepting task on the first error while it
sets up a connection (MemoryError on a full heap): the server then listens without
ever accepting again. Here the failures are made to happen (a stream, a connection
object that cannot be made), then the server must answer as before.
"""

import os
import subprocess
import sys

import pytest
from mws2_mp_process import runtime

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGES = os.path.join(os.path.dirname(os.path.dirname(HERE)), "packages")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "bench"))

PROGRAM = """
import sys, asyncio, asyncio.stream
sys.path[:0] = %(paths)r
from mws2 import GET, MicroWebSrv2, WebRoute
from mws2.connection import HttpConnection

FAILURES = {'stream': 3, 'connection': 3}


def failing(kind, make):
    def make_or_fail(*args):
        if FAILURES[kind]:
            FAILURES[kind] -= 1
            raise MemoryError('simulated: no heap for a new %%s' %% kind)
        return make(*args)
    return make_or_fail


# The stream of a new connection (where the firmware's accept loop fails), then the
# connection object (in the connection's own task).
asyncio.StreamReader = asyncio.stream.Stream = failing('stream', asyncio.stream.Stream)
HttpConnection.__init__ = failing('connection', HttpConnection.__init__)


@WebRoute(GET, '/hello')
def hello(microWebSrv2, request):
    request.Response.ReturnOk('Hello, world! %%d %%d' %% (FAILURES['stream'],
                                                       FAILURES['connection']))


mws = MicroWebSrv2()
mws.BindAddress = ('127.0.0.1', int(sys.argv[1]))
asyncio.run(mws.StartAsync())
"""


def _answer(heap, port):
    """The answer to GET /hello, or b"" if the connection was closed without one."""
    try:
        return heap.http_get(port, b"/hello")
    except ConnectionResetError:
        return b""


def test_a_connection_that_cannot_be_set_up_costs_only_itself():
    if runtime() != "micropython":
        pytest.skip("the firmware's asyncio (MWS2_RUNTIME=micropython)")
    import heap  # bench/heap.py: free_port, wait_listening, http_get

    paths = [os.path.join(PACKAGES, name) for name in sorted(os.listdir(PACKAGES))]
    port = heap.free_port()
    proc = subprocess.Popen(
        ["micropython", "-c", PROGRAM % {"paths": paths}, str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env=dict(os.environ, MICROPYPATH=".frozen"))
    try:
        assert heap.wait_listening(proc, port), proc.stdout.read1(4096)
        # wait_listening's probe was the first connection: two stream failures left,
        # then three connection failures; each of those is closed without an answer.
        answers = [_answer(heap, port) for _ in range(5)]
        assert answers == [b""] * 5, answers
        answer = _answer(heap, port)
        assert answer.startswith(b"HTTP/1.1 200 ") and answer.endswith(b"Hello, world! 0 0")
        assert proc.poll() is None
    finally:
        proc.kill()
        output = proc.communicate()[0].decode(errors="replace")
    assert "Task exception wasn't retrieved" not in output, output[-2000:]
