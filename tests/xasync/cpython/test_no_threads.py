"""A runtime without threads (a MicroPython board built without _thread), simulated in a
child process where `_thread` cannot be imported: xasync imports, AsyncWaitEvents(0)
serves a real echo (to a client of the same pool and to this process), and asking for
worker threads is refused with a clear XAsyncSocketsPoolException."""

import shutil
import socket
import subprocess
import sys

import pytest

REPO = __file__.rsplit("/tests/", 1)[0]

SERVER = """
import sys
sys.modules['_thread'] = None  # as on a build without threads: import _thread fails
sys.path.insert(0, %(pkg)r)
from xasync import (XAsyncSocketsPool, XAsyncSocketsPoolException, XAsyncTCPClient,
                    XAsyncTCPServer)

pool = XAsyncSocketsPool()
try:
    pool.AsyncWaitEvents(threadsCount=1)
    print('WORKERS STARTED')
except XAsyncSocketsPoolException as exc:
    print('REFUSED', exc, pool.WaitEventsProcessing)

closed = []

def echo(cli, data, arg):
    cli.AsyncSendData(data)

def accepted(srv, cli):
    def on_closed(c, reason):
        closed.append(reason)
        if len(closed) == 2:  # the pool's own client, then this test's peer
            pool.StopWaitEvents()
    cli.OnClosed = on_closed
    cli.AsyncRecvStream(echo, None, 10)

srv = XAsyncTCPServer.Create(pool, ('127.0.0.1', 0))
srv.OnClientAccepted = accepted

payload = bytes(range(256)) * 400
got = []

def on_echo(cli, data, arg):
    got.append(data)
    if sum([len(d) for d in got]) >= len(payload):
        print('OWN ECHO', b''.join(got) == payload)
        print('PORT', srv.SrvAddr[1])  # now the peer in the test process
        cli.Close()

def connected(cli):
    cli.AsyncRecvStream(on_echo)
    cli.AsyncSendData(payload)

own = XAsyncTCPClient.Create(pool, srv.SrvAddr)
own.OnConnected = connected
pool.CallLater(20, pool.StopWaitEvents)
pool.AsyncWaitEvents(threadsCount=0)
print('CLOSED', closed)
print('THREAD MODULE', sys.modules.get('_thread'))
"""


def _serve_without_threads(command):
    script = SERVER % {"pkg": REPO + "/packages/xasync"}
    proc = subprocess.Popen(command + ["-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
        assert lines[0].startswith("REFUSED this runtime has no threads"), lines
        assert lines[0].split()[-1] == "False", lines  # and the pool is not running
        assert lines[1] == "OWN ECHO True\n", lines
        port = int(lines[2].split()[1])
        data = bytes(range(251)) * 300
        with socket.create_connection(("127.0.0.1", port), timeout=10) as peer:
            peer.sendall(data)
            echoed = b""
            while len(echoed) < len(data):
                chunk = peer.recv(65536)
                assert chunk, "the server closed early"
                echoed += chunk
        assert echoed == data
        rest = proc.stdout.read()
        assert proc.wait(timeout=20) == 0, rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # Both echoed connections ended by their peers; no real _thread was imported.
    assert "CLOSED [2, 2]\n" in rest, rest
    assert "THREAD MODULE None\n" in rest, rest


def test_cpython_without_threads_serves_with_threads_count_zero():
    _serve_without_threads([sys.executable])


def test_micropython_without_threads_serves_with_threads_count_zero():
    if not shutil.which("micropython"):
        pytest.skip("needs the micropython command")
    _serve_without_threads(["micropython", "-X", "heapsize=4M"])
