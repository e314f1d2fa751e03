"""Shared by the mws2 integration tests: a real server on 127.0.0.1 and strict checks.

``running(...)`` starts a MicroWebSrv2 in this process (StartManaged with worker
threads) on a free loopback port; ``exchange`` sends raw bytes and reads the answer;
``parse`` reads those bytes with an h11 client connection, so every response we test
is also proven well-formed HTTP/1.1.
"""

import asyncio
import contextlib
import os
import socket
import subprocess
import threading
import time

import h11

from mws2 import MicroWebSrv2

LOOPBACK = "127.0.0.1"


# The two ways mws2 runs: "pool" (StartManaged, xasync) and "asyncio" (StartAsync as a task
# of an asyncio loop). Tests that take the ``server_mode`` fixture run in both; ``running``
# starts the mode asked for, else the one that fixture set.
MODES = ("pool", "asyncio")
DEFAULT_MODE = ["pool"]


@contextlib.contextmanager
def running(root=None, threads=4, configure=None, mode=None):
    """A started server (yielded), stopped at the end whatever happens.

    ``threads`` (pool mode): StartManaged's worker count, 0 serving inline in a thread of
    the harness; ``threads="asyncio"`` or ``mode="asyncio"``: an asyncio loop in a thread
    of the harness runs ``StartAsync()``."""
    mode = "asyncio" if threads == "asyncio" else (mode or DEFAULT_MODE[0])
    mws = MicroWebSrv2()
    mws.BindAddress = (LOOPBACK, 0)
    if root is not None:
        mws.RootPath = str(root)
    if configure is not None:
        configure(mws)
    loop = None
    if mode == "asyncio":
        failed = []

        def serve():
            try:
                asyncio.run(mws.StartAsync())
            except Exception as exc:  # e.g. cannot listen: raised to the test below
                failed.append(exc)

        loop = threading.Thread(target=serve)
        loop.daemon = True
        loop.start()
        wait_for(lambda: mws.IsRunning or failed)
        if failed:
            raise failed[0]
    elif threads == 0:
        # parllProcCount=0 serves in the calling thread: give it one of its own, so the
        # test can talk to it (every callback then runs inline, as on a board).
        loop = threading.Thread(target=mws.StartManaged, kwargs={"parllProcCount": 0})
        loop.daemon = True
        loop.start()
        wait_for(lambda: mws.IsRunning)
    else:
        mws.StartManaged(parllProcCount=threads)
    try:
        yield mws
    finally:
        mws.Stop()
        if loop is not None:
            loop.join(5)


def port_of(mws):
    return mws.BoundAddress[1]


def url(mws, path="/", scheme="http"):
    return "%s://%s:%d%s" % (scheme, LOOPBACK, port_of(mws), path)


def connect(mws, timeout=5):
    sock = socket.create_connection((LOOPBACK, port_of(mws)), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_until_closed(sock, timeout=5, idle=None):
    """Everything the server sends until it closes (or ``idle`` seconds of silence)."""
    deadline = time.monotonic() + timeout
    chunks = []
    while time.monotonic() < deadline:
        sock.settimeout(idle if idle is not None else max(0.05, deadline - time.monotonic()))
        try:
            data = sock.recv(65536)
        except socket.timeout:
            if idle is not None:
                break
            continue
        except ConnectionResetError:
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


def exchange(mws, data, timeout=5, idle=None):
    """Send raw bytes, return what comes back until the server closes (or goes idle)."""
    with connect(mws, timeout) as sock:
        sock.sendall(data)
        return read_until_closed(sock, timeout, idle)


class Answer:
    def __init__(self, response, body):
        self.status = response.status_code
        self.http_version = response.http_version
        self.headers = {}
        for name, value in response.headers:
            name = name.decode().lower()
            value = value.decode("latin-1")
            self.headers[name] = (
                self.headers[name] + ", " + value if name in self.headers else value
            )
        self.body = body

    def __repr__(self):
        return "<Answer %d %r %r>" % (self.status, self.headers, self.body[:60])


def parse(data, methods=("GET",), http_version="1.1"):
    """The responses in ``data`` to requests of ``methods``, parsed strictly by h11.

    Fails (h11.RemoteProtocolError) on any framing or syntax error; asserts no byte is
    left over once all the expected responses are read.
    """
    conn = h11.Connection(h11.CLIENT)
    conn.receive_data(data)
    answers = []
    for index, method in enumerate(methods):
        if index:
            assert conn.our_state is h11.DONE and conn.their_state is h11.DONE, (
                "connection not reusable after %r" % answers[-1]
            )
            conn.start_next_cycle()
        # h11 only writes HTTP/1.1 requests; the framing it then expects of the answer
        # (Content-Length, chunked, or until close) is the same for an HTTP/1.0 peer.
        conn.send(h11.Request(method=method, target="/", headers=[("Host", "x")]))
        conn.send(h11.EndOfMessage())
        response = None
        body = bytearray()
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(b"")  # the server closed: only close-delimited can end
                continue
            if isinstance(event, h11.InformationalResponse):
                continue
            if isinstance(event, h11.Response):
                response = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                break
            else:
                raise AssertionError("unexpected h11 event %r" % (event,))
        answers.append(Answer(response, bytes(body)))
    if conn.their_state is h11.DONE:
        leftover = conn.trailing_data[0]
        assert not leftover, "bytes after the last response: %r" % leftover[:80]
    return answers


def parse_one(data, method="GET", http_version="1.1"):
    return parse(data, (method,), http_version)[0]


def request_bytes(method="GET", target="/", headers=(), body=b"", version="1.1"):
    lines = ["%s %s HTTP/%s" % (method, target, version), "Host: test"]
    lines += ["%s: %s" % pair for pair in headers]
    if body and not any(name.lower() == "content-length" for name, _ in headers):
        lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def make_cert(folder):
    """A self-signed certificate and key for 127.0.0.1 (openssl CLI)."""
    cert = os.path.join(str(folder), "cert.pem")
    key = os.path.join(str(folder), "key.pem")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            key,
            "-out",
            cert,
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


class LogCapture:
    """An OnLogging callback that keeps (msgType, msg) pairs."""

    def __init__(self):
        self.lines = []

    def __call__(self, mws, msg, msg_type):
        self.lines.append((msg_type, msg))

    def text(self, min_type=0):
        return "\n".join(msg for kind, msg in self.lines if kind >= min_type)


def wait_for(predicate, timeout=3.0, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
