"""onPeerShutdown on the MicroPython unix port (select.poll), driven by a CPython peer
that really half-closes (MicroPython's own socket has no shutdown())."""

import shutil
import socket
import subprocess
import time

import pytest

REPO = __file__.rsplit("/tests/", 1)[0]

SERVER = """
import sys
sys.path.insert(0, %(pkg)r)
from xasync import XAsyncSocketsPool, XAsyncTCPServer
pool = XAsyncSocketsPool()
srv = XAsyncTCPServer.Create(pool, ('127.0.0.1', 0))
state = {'waiting': False, 'wakeups': 0, 'got': b''}
def closed(c, reason):
    print('CLOSED', reason, 'WAKEUPS', state['wakeups'])
    pool.StopWaitEvents()
def on_data(c, data, arg):
    state['got'] += data
def answer(c):
    state['waiting'] = False
    c.AsyncSendData(b'got:' + state['got'], lambda cli, a: cli.Close())
def on_shutdown(c, arg):
    print('SHUTDOWN', len(state['got']))
    state['waiting'] = True
    pool.CallLater(0.3, answer, c)
def accepted(s, cli):
    on_events = cli._on_events
    def counting(mask):
        if state['waiting']:
            state['wakeups'] += 1
        on_events(mask)
    cli._on_events = counting
    cli.OnClosed = closed
    cli.AsyncRecvStream(on_data, None, 5, on_shutdown)
srv.OnClientAccepted = accepted
print('PORT', srv.SrvAddr[1])
pool.CallLater(20, pool.StopWaitEvents)
pool.AsyncWaitEvents(0)
"""


@pytest.fixture
def mp_server():
    if not shutil.which("micropython"):
        pytest.skip("needs the micropython command")
    script = SERVER % {"pkg": REPO + "/packages/xasync"}
    proc = subprocess.Popen(["micropython", "-X", "heapsize=4M", "-c", script],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("PORT "), line + proc.stdout.read()
        yield proc, int(line.split()[1])
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_micropython_answers_a_half_closed_peer(mp_server):
    proc, port = mp_server
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    body = b"q" * 10000
    sock.sendall(b"request:" + body)
    time.sleep(0.05)
    sock.shutdown(socket.SHUT_WR)
    answer = b""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        chunk = sock.recv(65536)
        if not chunk:
            break
        answer += chunk
    sock.close()
    out, _ = proc.communicate(timeout=20)
    assert answer == b"got:request:" + body
    assert "SHUTDOWN %d" % (len(body) + 8) in out, out
    closed = [line.split() for line in out.splitlines() if line.startswith("CLOSED")]
    assert closed and closed[0][1] == "2", out  # ClosedByPeer
    assert int(closed[0][3]) < 5, out  # no busy loop on the EOF while waiting
