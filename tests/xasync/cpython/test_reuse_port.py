"""SO_REUSEPORT across processes (Linux): two processes, each with its own pool, listen
on one port with reusePort=True and both accept (the kernel spreads the connections)."""

import socket
import subprocess
import sys

import pytest

REPO = __file__.rsplit("/tests/", 1)[0]

SERVER = """
import os, sys, threading
sys.path.insert(0, %(pkg)r)
from xasync import XAsyncSocketsPool, XAsyncTCPServer
pool = XAsyncSocketsPool()
srv = XAsyncTCPServer.Create(pool, ('127.0.0.1', int(sys.argv[1])), reusePort=True)
answer = str(os.getpid()).encode()
srv.OnClientAccepted = lambda s, cli: cli.AsyncSendData(answer, lambda c, a: c.Close())
print('PORT', srv.SrvAddr[1], flush=True)
def stop_when_stdin_closes():
    sys.stdin.read()
    pool.StopWaitEvents()
threading.Thread(target=stop_when_stdin_closes, daemon=True).start()
pool.AsyncWaitEvents(threadsCount=0)
"""


def _start(port):
    script = SERVER % {"pkg": REPO + "/packages/xasync"}
    proc = subprocess.Popen([sys.executable, "-c", script, str(port)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.startswith("PORT "), line
    return proc, int(line.split()[1])


def _ask(port):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        out = b""
        while True:
            chunk = sock.recv(100)
            if not chunk:
                return int(out)
            out += chunk


@pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"), reason="no SO_REUSEPORT here")
def test_two_processes_accept_on_one_port():
    procs = []
    try:
        first, port = _start(0)
        procs.append(first)
        second, same = _start(port)
        procs.append(second)
        assert same == port
        # 40 connections all to one process would be a 1 in 2**39 chance.
        answered = {_ask(port) for _ in range(40)}
        assert answered == {first.pid, second.pid}, (answered, first.pid, second.pid)
    finally:
        for proc in procs:
            proc.stdin.close()
        codes = []
        for proc in procs:
            try:
                codes.append(proc.wait(timeout=10))
            except subprocess.TimeoutExpired:
                proc.kill()
                codes.append(proc.wait())
    assert codes == [0, 0]  # each stopped cleanly once told to
