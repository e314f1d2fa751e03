"""Attackers and heavy clients: asyncio coroutines on raw sockets, in the harness process.

Every attacker is one coroutine that loops until it is cancelled (the attacker leaves:
its socket is closed in a ``finally``), reconnecting when the server closes it
(``again_and_again`` with what it does on each connection), and counts what the server
did to it in a ``Tally``. WebSocket frames are built by hand
(``client_frame``: masked with a zero key, so the payload goes as is) for the floods,
and by wsframe's client role for the echo clients, which check every answer.
"""

import asyncio
import json
import os
import ssl
import time

import wsframe
from stress_probe import client_tls_context

LOOPBACK = "127.0.0.1"
HELLO = b"Hello, world!"
CONNECT_TIMEOUT = 10.0
# A refused or failed connection is tried again after this (no busy loop on errors).
RETRY_SEC = 0.05
# Connections being opened at once: more would overflow the listen backlog (SYN
# retries then take a second and more, which measures the kernel, not the server).
CONNECTS_AT_ONCE = 200
RESPONSE_TIMEOUT = 30.0
LEAVE_STEP_SEC = 0.5
SYN_RETRY_SEC = 0.9  # a connect slower than this waited for a SYN retransmit (1 s)
OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10
ZERO_MASK = b"\0\0\0\0"


class Tally:
    """Counts of what happened to the attackers (names chosen by the callers)."""

    def __init__(self):
        self.counts = {}
        self.hold_total = 0.0
        self.hold_count = 0

    def add(self, name, count=1):
        self.counts[name] = self.counts.get(name, 0) + count

    def get(self, name):
        return self.counts.get(name, 0)

    def held(self, seconds):
        self.hold_total += seconds
        self.hold_count += 1

    def __str__(self):
        parts = ["%s %d" % item for item in sorted(self.counts.items())]
        if self.hold_count:
            parts.append("mean hold %.2f s" % (self.hold_total / self.hold_count))
        return ", ".join(parts) or "nothing"


class Attack:
    """``count`` attacker coroutines from ``make(index)``, running until ``leave()``."""

    def __init__(self, count, make):
        self.tasks = [asyncio.ensure_future(make(index)) for index in range(count)]

    async def leave(self):
        # Cancelled again until every task ended: asyncio.wait_for (Python < 3.12) drops
        # a cancellation that lands as the connection it waits for completes, and that
        # attacker would go on forever.
        pending = set(self.tasks)
        while pending:
            for task in pending:
                task.cancel()
            _, pending = await asyncio.wait(pending, timeout=LEAVE_STEP_SEC)
        results = await asyncio.gather(*self.tasks, return_exceptions=True)
        return [r for r in results
                if isinstance(r, BaseException) and not isinstance(r, asyncio.CancelledError)]


# ---- connections -------------------------------------------------------------------


async def connect(port, tally, tls=None):
    try:
        return await asyncio.wait_for(
            asyncio.open_connection(LOOPBACK, port, ssl=tls, limit=1 << 20), CONNECT_TIMEOUT
        )
    except (OSError, asyncio.TimeoutError, ssl.SSLError):
        tally.add("connect failed")
        return None


def describe_answer(data):
    """What the server's last words on a connection were, as a tally name."""
    if data.startswith(b"HTTP/1."):
        return "answered %s" % data[9:12].decode("latin-1")
    return "sent %d bytes" % len(data) if data else "closed silently"


async def again_and_again(port, tally, use, tls=None, reset=False, pause=0.0):
    """Connect, ``await use(reader, writer)`` (the name it returns is tallied), leave (a
    reset with ``reset``, else a close), wait ``pause``; again until cancelled."""
    while True:
        conn = await connect(port, tally, tls)
        if conn is None:
            await asyncio.sleep(RETRY_SEC)
            continue
        reader, writer = conn
        tally.add("opened")
        started = time.monotonic()
        try:
            outcome = await use(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            outcome = "reset"
        except asyncio.TimeoutError:
            outcome = "no answer in time"
        finally:
            if reset:
                writer.transport.abort()
            else:
                writer.close()
        tally.add(outcome)
        tally.held(time.monotonic() - started)
        if pause:
            await asyncio.sleep(pause)


async def read_until_closed(reader, limit=1 << 16):
    data = b""
    while len(data) < limit:
        chunk = await reader.read(limit)
        if not chunk:
            break
        data += chunk
    return data


async def read_response(reader):
    """(status, body) of one answer with Content-Length; (0, b"") if the server closed."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        return (0, b"") if not exc.partial else (_status(exc.partial), b"")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    body = await reader.readexactly(length) if length else b""
    return _status(head), body


def _status(head):
    try:
        return int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def get_request(path="/", close=False):
    head = "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % path
    return (head + ("Connection: close\r\n" if close else "") + "\r\n").encode()


async def open_many(port, count, tally):
    """``count`` connections opened at once (CONNECTS_AT_ONCE in progress at a time)."""
    gate = asyncio.Semaphore(CONNECTS_AT_ONCE)

    async def open_one():
        async with gate:
            started = time.monotonic()
            conn = await connect(port, tally)
            if conn is not None and time.monotonic() - started > SYN_RETRY_SEC:
                # the kernel dropped the SYN: the server's listen queue was full
                tally.add("connects retried (listen queue full)")
            return conn

    conns = await asyncio.gather(*(open_one() for _ in range(count)))
    return [conn for conn in conns if conn is not None]


def close_all(conns):
    for _reader, writer in conns:
        writer.close()


async def heap_snapshot(port, collect=False, tls=False):
    """The server's /debug/heap answer (a dict), or None if it did not answer."""
    conn = await connect(port, Tally(), client_tls_context() if tls else None)
    if conn is None:
        return None
    reader, writer = conn
    try:
        writer.write(get_request("/debug/heap" + ("?collect=1" if collect else "")))
        status, body = await asyncio.wait_for(read_response(reader), RESPONSE_TIMEOUT)
        return json.loads(body) if status == 200 else None
    except (ConnectionError, asyncio.TimeoutError, ValueError):
        return None
    finally:
        writer.close()


# ---- slowloris ---------------------------------------------------------------------


def trickled_head():
    """The bytes of a request head that never ends: a header line, again and again."""
    for byte in b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n":
        yield byte
    while True:
        for byte in b"X-a: b\r\n":
            yield byte


def trickling(interval):
    """One byte every ``interval`` seconds until the server answers or closes."""

    async def use(reader, writer):
        answer = asyncio.ensure_future(reader.read(4096))
        try:
            for byte in trickled_head():
                writer.write(bytes((byte,)))
                done, _ = await asyncio.wait((answer,), timeout=interval)
                if done:
                    return describe_answer(answer.result())
        finally:
            answer.cancel()

    return use


def silent(opening=b""):
    """``opening`` (maybe nothing), then not a byte more until the server closes."""

    async def use(reader, writer):
        if opening:
            writer.write(opening)
        return describe_answer(await read_until_closed(reader))

    return use


# ---- many keep-alive clients --------------------------------------------------------


async def one_request_each(conns, tally, timeout=RESPONSE_TIMEOUT):
    """Every connection asks ``GET /`` at once; each answer (or its absence) is tallied."""
    request = get_request()
    for _reader, writer in conns:
        try:
            writer.write(request)
        except (ConnectionError, RuntimeError):
            pass  # its read below tells what happened

    async def answer(reader):
        try:
            status, body = await asyncio.wait_for(read_response(reader), timeout)
        except asyncio.TimeoutError:
            return "no answer in time"
        except ConnectionError:
            return "reset"
        if status == 200 and body == HELLO:
            return "answered 200"
        return "answered %d" % status if status else "closed unanswered"

    for outcome in await asyncio.gather(*(answer(reader) for reader, _ in conns)):
        tally.add(outcome)


# ---- WebSocket ---------------------------------------------------------------------


def client_frame(opcode, payload=b"", fin=True):
    """A masked client frame (zero mask key: the masked payload is the payload)."""
    first = (0x80 if fin else 0) | opcode
    size = len(payload)
    if size < 126:
        head = bytes((first, 0x80 | size))
    elif size < 65536:
        head = bytes((first, 0x80 | 126)) + size.to_bytes(2, "big")
    else:
        head = bytes((first, 0x80 | 127)) + size.to_bytes(8, "big")
    return head + ZERO_MASK + payload


def repeated(frame, size=65536):
    """A block of about ``size`` bytes made of ``frame`` again and again."""
    return frame * max(1, size // len(frame))


async def ws_open(port, tally, path="/ws"):
    """A WebSocket (reader, writer) after a checked handshake; None if refused."""
    conn = await connect(port, tally)
    if conn is None:
        return None
    reader, writer = conn
    key, headers = wsframe.client_handshake("127.0.0.1:%d" % port)
    lines = [b"GET " + path.encode() + b" HTTP/1.1"]
    lines += [name + b": " + value for name, value in headers]
    try:
        writer.write(b"\r\n".join(lines) + b"\r\n\r\n")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), RESPONSE_TIMEOUT)
        answer = []
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name:
                answer.append((name.strip().lower(), value.strip()))
        wsframe.verify_server_handshake(key, _status(head), answer)
    except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError,
            wsframe.HandshakeError) as exc:
        tally.add("handshake failed (%s)" % type(exc).__name__)
        writer.close()
        return None
    return reader, writer


async def read_server_frame(reader):
    """(opcode, payload) of the server's next frame (never masked)."""
    first, second = await reader.readexactly(2)
    size = second & 0x7F
    if size == 126:
        size = int.from_bytes(await reader.readexactly(2), "big")
    elif size == 127:
        size = int.from_bytes(await reader.readexactly(8), "big")
    return first & 0x0F, await reader.readexactly(size)


async def wait_close_frame(reader):
    """How the server ended the WebSocket: "closed <code>" or "dropped"."""
    try:
        while True:
            opcode, payload = await read_server_frame(reader)
            if opcode == OP_CLOSE:
                code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                return "closed %d" % code
    except (asyncio.IncompleteReadError, ConnectionError):
        return "dropped without close frame"


async def ws_flood(port, tally, opening, block, budget=None):
    """A flooding WebSocket, reconnecting when the server ends it: ``opening`` once,
    then ``block`` as fast as the server takes it (``budget`` bytes at most: then the
    connection is held open, the message left unfinished)."""
    while True:
        conn = await ws_open(port, tally)
        if conn is None:
            await asyncio.sleep(RETRY_SEC)
            continue
        reader, writer = conn
        tally.add("opened")
        ended = asyncio.ensure_future(wait_close_frame(reader))
        try:
            writer.write(opening)
            sent = 0
            while not ended.done() and (budget is None or sent < budget):
                writer.write(block)
                sent += len(block)
                tally.add("bytes sent", len(block))
                await writer.drain()
            tally.add(await ended)
        except ConnectionError:
            tally.add("reset")
        finally:
            ended.cancel()
            writer.close()


def echo_message(client, index):
    """The index-th message of a client: text and binary, sizes across the length forms."""
    size = (0, 1, 17, 125, 126, 1000, 4000)[index % 7]
    label = "%d:%d:" % (client, index)
    if index % 2:
        return (label + "\u00e9" * size)[: max(size, len(label))]
    return (label.encode() + os.urandom(size))[: max(size, len(label))]


async def ws_echo_client(port, client, count, tally, pause=0.0):
    """``count`` messages, each waited for and compared; True if every echo was right."""
    conn = await ws_open(port, tally)
    if conn is None:
        return False
    reader, writer = conn
    ws = wsframe.Connection(wsframe.CLIENT, max_message=None)
    try:
        for index in range(count):
            message = echo_message(client, index)
            if isinstance(message, str):
                writer.write(ws.send_text(message))
            else:
                writer.write(ws.send_bytes(message))
            echoed = await asyncio.wait_for(_next_message(reader, writer, ws), RESPONSE_TIMEOUT)
            if echoed != message:
                tally.add("wrong echo")
                return False
            tally.add("echoes right")
            if pause:
                await asyncio.sleep(pause)
        writer.write(ws.close(1000))
        await asyncio.wait_for(_next_message(reader, writer, ws), 5)
        return True
    except (ConnectionError, asyncio.IncompleteReadError, asyncio.TimeoutError,
            wsframe.ProtocolError) as exc:
        tally.add("echo failed (%s)" % type(exc).__name__)
        return False
    finally:
        writer.close()


async def _next_message(reader, writer, ws):
    """The next whole message (pings answered); None once the server closes."""
    while True:
        for event in ws.events():
            if isinstance(event, (wsframe.TextMessage, wsframe.BytesMessage)):
                return event.data
            if isinstance(event, wsframe.Ping):
                writer.write(ws.send(event.response()))
            elif isinstance(event, wsframe.CloseConnection):
                return None
        data = await reader.read(65536)
        ws.receive_data(data or None)
        if not data:
            for event in ws.events():
                if isinstance(event, wsframe.CloseConnection):
                    return None


# ---- aborted transfers -------------------------------------------------------------


def aborted_download(path, keep):
    """Ask for a big file, take ``keep`` bytes, then leave (with the rest unread)."""

    async def use(reader, writer):
        writer.write(get_request(path))
        got = b""
        while len(got) < keep:
            chunk = await reader.read(65536)
            if not chunk:
                break
            got += chunk
        if got.startswith(b"HTTP/1.1 200") and len(got) >= keep:
            return "downloads aborted"
        return "download not started: %s" % describe_answer(got)

    return use


def aborted_upload(length, sent):
    """Announce ``length`` bytes of content, send ``sent`` of them, then leave."""
    head = ("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
            "application/octet-stream\r\nContent-Length: %d\r\n\r\n" % length).encode()
    body = os.urandom(sent)

    async def use(reader, writer):
        writer.write(head + body)
        await writer.drain()
        await asyncio.sleep(0.01)  # let the server take part of it first
        return "uploads aborted"

    return use


# ---- TLS ---------------------------------------------------------------------------


def tls_junk():
    """What reaches a TLS port instead of a ClientHello: noise, plain HTTP, and a
    handshake record of the right length with nonsense inside."""
    return (
        os.urandom(517),
        get_request(),
        b"\x16\x03\x01\x00\x20" + b"\x00" * 32,
    )


def client_hello():
    """The first flight of a real TLS client (a ClientHello record)."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = client_tls_context().wrap_bio(incoming, outgoing, server_side=False)
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


# ---- ordinary traffic (the soak) ---------------------------------------------------


def keepalive_requests(pause, tally):
    """One keep-alive connection asking ``GET /`` again and again (each answer tallied)."""

    async def use(reader, writer):
        while True:
            writer.write(get_request())
            status, body = await asyncio.wait_for(read_response(reader), RESPONSE_TIMEOUT)
            if status != 200 or body != HELLO:
                return "keep-alive wrong answer %d" % status
            tally.add("keep-alive answered")
            await asyncio.sleep(pause)

    return use


def fetch(path, expected_size):
    """One request for ``path`` (the connection then closes); the body size is checked."""

    async def use(reader, writer):
        writer.write(get_request(path, close=True))
        status, body = await asyncio.wait_for(read_response(reader), RESPONSE_TIMEOUT)
        good = status == 200 and len(body) == expected_size
        return "fetch %s %s" % (path, "answered" if good else "wrong %d" % status)

    return use


def upload(size):
    """A whole upload of ``size`` bytes; the server must report that size."""
    body = os.urandom(size)
    head = ("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n"
            "Connection: close\r\n\r\n" % size).encode()

    async def use(reader, writer):
        writer.write(head + body)
        status, answer = await asyncio.wait_for(read_response(reader), RESPONSE_TIMEOUT)
        return "upload %s" % ("answered" if status == 200 and answer == str(size).encode()
                              else "wrong %d" % status)

    return use


async def ws_echo_forever(port, client, tally, pause):
    """Echo clients one after the other (each 100 messages), until cancelled."""
    while True:
        if not await ws_echo_client(port, client, 100, tally, pause):
            await asyncio.sleep(RETRY_SEC)
