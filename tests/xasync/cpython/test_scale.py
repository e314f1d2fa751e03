"""Ten thousand simultaneous connections on one pool, each echoing (about 10 s)."""

import json
import os
import resource
import subprocess
import sys
import threading
import time

import pytest

from xasync import XAsyncSocketsPool, XAsyncTCPServer, XClosedReason

CONNECTIONS = 10_000
LOAD = os.path.join(os.path.dirname(__file__), "..", "..", "..", "bench", "_echo_load.py")


def _raise_fd_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < needed:
        pytest.skip("hard fd limit %d < %d" % (hard, needed))
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(needed, soft)), hard))
    return soft, hard


def test_ten_thousand_connections_echo():
    old = _raise_fd_limit(CONNECTIONS + 500)
    pool = XAsyncSocketsPool()
    counts = {"open": 0, "max_open": 0, "accepted": 0, "by_peer": 0, "other": 0}
    lock = threading.Lock()

    def on_closed(cli, reason):
        with lock:
            counts["open"] -= 1
            counts["by_peer" if reason == XClosedReason.ClosedByPeer else "other"] += 1

    def accepted(server, cli):
        with lock:
            counts["accepted"] += 1
            counts["open"] += 1
            counts["max_open"] = max(counts["max_open"], counts["open"])
        cli.OnClosed = on_closed
        cli.AsyncRecvStream(lambda c, data, arg: c.AsyncSendData(data), timeoutSec=60)

    srv = XAsyncTCPServer.Create(pool, ("127.0.0.1", 0), srvBacklog=4096)
    srv.OnClientAccepted = accepted
    loop = threading.Thread(target=pool.AsyncWaitEvents, args=(0,))
    loop.start()
    started = time.monotonic()
    try:
        run = subprocess.run(
            [sys.executable, LOAD, str(srv.SrvAddr[1]), "--connections", str(CONNECTIONS),
             "--rounds", "3", "--size", "64", "--limit", "25"],
            capture_output=True, text=True, timeout=40)
        assert run.returncode == 0, run.stderr[-2000:]
        result = json.loads(run.stdout.strip().splitlines()[-1])
        deadline = time.monotonic() + 10
        while counts["by_peer"] + counts["other"] < CONNECTIONS and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        pool.StopWaitEvents()
        loop.join(15)
        resource.setrlimit(resource.RLIMIT_NOFILE, old)
    elapsed = time.monotonic() - started
    maxrss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("10k echo: %.1f s, load %s, server-process peak RSS %.1f MiB"
          % (elapsed, result, maxrss_mib))
    assert result["connected"] == CONNECTIONS and result["connect_failed"] == 0
    assert result["completed"] == CONNECTIONS and result["bad"] == 0
    assert result["requests"] == 3 * CONNECTIONS
    assert counts["accepted"] == CONNECTIONS
    assert counts["max_open"] == CONNECTIONS  # all of them open at the same time
    assert counts["by_peer"] == CONNECTIONS and counts["other"] == 0
    assert elapsed < 30
