"""examples/chat_redis: the demo's chat across two mws2 instances (and across worker
processes) through Redis pub/sub. redis-server (Debian's package, installed if missing)
runs on loopback on a free port, without persistence, in a temporary folder."""

import asyncio
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import time

import pytest
from debian_tools import ensure
from mws2_harness import wait_for

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
EXAMPLE = os.path.join(REPO, "examples", "chat_redis")
PROGRAM = os.path.join(EXAMPLE, "chat_redis.py")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pong(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64) == b"+PONG\r\n"
    except OSError:
        return False


@pytest.fixture
def redis_port(tmp_path):
    path = ensure("redis-server", "redis-server")
    port = _free_port()
    proc = subprocess.Popen(
        [path, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path), "--daemonize", "no"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        if not wait_for(lambda: proc.poll() is not None or _pong(port), timeout=10) or \
                proc.poll() is not None:
            raise AssertionError("redis-server did not start: %r" % proc.stdout.read())
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


class Instance:
    def __init__(self, redis_port, *options):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        command = [sys.executable, "-u", PROGRAM, "--port", "0",
                   "--redis", "127.0.0.1:%d" % redis_port, *options]
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env)
        self.port = self._port()

    def _port(self):
        out = b""
        deadline = time.monotonic() + 20
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline and self.proc.poll() is None:
                if sel.select(0.2):
                    out += os.read(self.proc.stdout.fileno(), 4096)
                    match = re.search(rb"http://127\.0\.0\.1:(\d+)/wschat\.html", out)
                    if match:
                        return int(match.group(1))
        self.proc.kill()
        raise AssertionError("no banner: %r %r" % (out, self.proc.stderr.read()))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            _out, err = self.proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        return self.proc.returncode, err.decode("utf-8", "replace")


async def _chat(ports, senders):
    """A client on each port; each sender says a line; every client must read every
    line. Returns what each client read."""
    import websockets

    clients = []
    for port in ports:
        ws = await websockets.connect("ws://127.0.0.1:%d/wschat" % port, open_timeout=10)
        assert (await asyncio.wait_for(ws.recv(), 10)).startswith("Welcome!")
        clients.append(ws)
    read = [[] for _ in clients]

    async def until(index, text):
        while not any(line.endswith(text) for line in read[index]):
            read[index].append(await asyncio.wait_for(clients[index].recv(), 10))

    try:
        for index in senders:
            text = "hello from client %d" % index
            await clients[index].send(text)
            await asyncio.gather(*(until(n, "> " + text) for n in range(len(clients))))
    finally:
        for ws in clients:
            await ws.close()
    return read


def test_a_message_sent_to_one_instance_reaches_a_client_of_the_other(redis_port):
    one = Instance(redis_port)
    two = Instance(redis_port)
    try:
        read = asyncio.run(_chat([one.port, two.port], senders=[0, 1]))
        # the client of instance two read what was said on instance one, and back
        assert any(line.endswith("> hello from client 0") for line in read[1])
        assert any(line.endswith("> hello from client 1") for line in read[0])
        assert any(re.match(r"<127\.0\.0\.1:\d+ joined>", line) for line in read[0] + read[1])
    finally:
        results = [one.stop(), two.stop()]
    assert [code for code, _ in results] == [0, 0], results


def test_worker_processes_share_the_chat(redis_port):
    app = Instance(redis_port, "--workers", "2")
    try:
        # clients spread over the two workers by the kernel: every one reads every line
        read = asyncio.run(_chat([app.port] * 6, senders=[0, 5]))
        for lines in read:
            assert any(line.endswith("> hello from client 5") for line in lines)
    finally:
        code, err = app.stop()
    assert code == 0, err


def test_without_redis_it_says_so(tmp_path):
    port = _free_port()  # nobody listens there
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    out = subprocess.run([sys.executable, PROGRAM, "--port", "0", "--redis",
                          "127.0.0.1:%d" % port], capture_output=True, text=True, env=env,
                         timeout=30)
    assert out.returncode == 1 and "cannot use Redis at 127.0.0.1:%d" % port in out.stderr


def test_resp_encoding_and_replies():
    sys.path.insert(0, EXAMPLE)
    try:
        from resp import RedisError, encode, read_reply
    finally:
        sys.path.remove(EXAMPLE)
    expected = b"*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$3\r\nh\xc3\xa9\r\n"
    assert encode("PUBLISH", "ch", "hé") == expected

    async def replies(data):
        reader = asyncio.StreamReader()
        reader.feed_data(data)
        reader.feed_eof()
        out = []
        while not reader.at_eof():
            out.append(await read_reply(reader))
        return out

    got = asyncio.run(replies(b"+OK\r\n:3\r\n$-1\r\n$5\r\nhi\r\n!\r\n"
                              b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$0\r\n\r\n-ERR no\r\n"))
    assert got[:4] == [b"OK", 3, None, b"hi\r\n!"]
    assert got[4] == [b"message", b"ch", b""]
    assert isinstance(got[5], RedisError) and str(got[5]) == "ERR no"
