"""Out of file descriptors: accept pauses (no busy loop) and resumes when fds free up."""

import errno
import os
import socket
import subprocess
import sys
import time

PACKAGE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "packages", "xasync")

SERVER = """
import resource, sys, threading
sys.path.insert(0, %(pkg)r)
from xasync import XAsyncSocketsPool, XAsyncTCPServer
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (%(limit)d, hard))
pool = XAsyncSocketsPool()
reports = []
pool.OnError = lambda p, s, exc: reports.append(exc)
srv = XAsyncTCPServer.Create(pool, ("127.0.0.1", 0), srvBacklog=128)
srv.OnClientAccepted = lambda s, cli: cli.AsyncRecvStream(lambda c, d, a: c.AsyncSendData(d))
print("PORT", srv.SrvAddr[1], flush=True)
threading.Thread(target=lambda: (sys.stdin.read(), pool.StopWaitEvents()), daemon=True).start()
pool.AsyncWaitEvents(0)
print("REPORTS", len(reports), sorted(set(getattr(e, "errno", None) for e in reports)), flush=True)
"""


def _cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _echo(sock, data):
    sock.sendall(data)
    got = b""
    while len(got) < len(data):
        part = sock.recv(100)
        if not part:
            return got
        got += part
    return got


def test_accept_pauses_on_emfile_then_resumes():
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER % {"pkg": PACKAGE, "limit": 24}],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    socks = []
    try:
        port = int(proc.stdout.readline().split()[1])
        for _ in range(40):  # more than the server has descriptors for
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        time.sleep(0.3)
        before = _cpu_seconds(proc.pid)
        time.sleep(1.0)
        spent = _cpu_seconds(proc.pid) - before
        assert spent < 0.3, "the loop spins while out of descriptors: %.2fs CPU" % spent
        assert _echo(socks[0], b"first") == b"first"  # the accepted ones still work
        for sock in socks[:25]:  # free descriptors on the server side
            sock.close()
        for sock in socks[25:]:  # were waiting in the backlog: accepted once fds free up
            assert _echo(sock, b"late") == b"late"
        proc.stdin.close()
        out = proc.stdout.read()
        proc.wait(timeout=20)
    finally:
        for sock in socks:
            sock.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "REPORTS" in out and "[%d]" % errno.EMFILE in out, out  # EMFILE was reported
