"""Shared by the portable xasync tests: loopback peers in threads and a bounded loop.

Only socket, time and _thread: it runs on the MicroPython unix port too.
"""

import socket
import time

import _thread

LOOPBACK = ("127.0.0.1", 0)


def sockaddr(addr):
    """(host, port) -> what connect() takes here (MicroPython wants getaddrinfo's form)."""
    return socket.getaddrinfo(addr[0], addr[1])[0][-1]


def run_pool(pool, limit_sec=10):
    """Serve in this thread until a test stops the pool, or limit_sec passes."""
    timer = pool.CallLater(limit_sec, pool.StopWaitEvents)
    pool.AsyncWaitEvents(threadsCount=0)
    timer.cancel()


def stop_when(pool, predicate, limit_sec=10, started=None):
    """Poll predicate on the loop (every 10 ms) and stop the pool once it holds."""
    now = time.time()
    started = started or now
    if predicate() or now - started > limit_sec:
        pool.StopWaitEvents()
    else:
        pool.CallLater(0.01, stop_when, pool, predicate, limit_sec, started)


def in_thread(func, *args):
    """Run func(*args) in a thread; returns a dict filled with 'result' or 'error'."""
    box = {}

    def body():
        try:
            box["result"] = func(*args)
        except Exception as exc:  # handed back to the test thread
            box["error"] = exc
        box["done"] = True

    _thread.start_new_thread(body, ())
    return box


def wait_for(predicate, limit_sec=10):
    deadline = time.time() + limit_sec
    while not predicate():
        if time.time() > deadline:
            return False
        time.sleep(0.005)
    return True


def finished(box, limit_sec=10):
    assert wait_for(lambda: "done" in box, limit_sec), "peer thread did not finish"
    if "error" in box:
        raise box["error"]
    return box.get("result")


def connect(addr, timeout=10):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sock.connect(sockaddr(addr))
    return sock


def send_all(sock, data):
    view = memoryview(data)
    while len(view):
        sent = sock.send(view)
        view = view[sent:]


def recv_exact(sock, size):
    out = b""
    while len(out) < size:
        chunk = sock.recv(size - len(out))
        if not chunk:
            break
        out += chunk
    return out


def recv_to_eof(sock):
    out = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return out
        out += chunk


def read_all(addr):
    """Connect, read until the server closes, close: everything the server sent."""
    sock = connect(addr)
    try:
        return recv_to_eof(sock)
    finally:
        sock.close()


def send_pieces(addr, pieces, pause=0.004, then_read=0):
    """Connect, send each piece with a pause between, read then_read bytes back, close."""
    sock = connect(addr)
    try:
        for piece in pieces:
            send_all(sock, piece)
            time.sleep(pause)
        return recv_exact(sock, then_read) if then_read else b""
    finally:
        sock.close()


def cuts(data):
    """Every way to cut data in two (each boundary), plus byte by byte."""
    for i in range(1, len(data)):
        yield [data[:i], data[i:]]
    yield [data[i : i + 1] for i in range(len(data))]
