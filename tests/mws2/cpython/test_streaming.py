"""Streamed answers in both modes: generators, async iterators, server-sent events."""

import asyncio
import socket
import threading
import time

import pytest
import requests
from mws2_harness import LOOPBACK, exchange, parse_one, port_of, request_bytes, running, wait_for

from mws2 import GET, RegisterRoute
from mws2.sse import format_event

# Every test here runs in both modes (pool and asyncio).
pytestmark = pytest.mark.usefixtures("server_mode")

STREAMS = []  # EventStreams the routes opened
FINALLY = []  # generators that ran their finally block


def _generator_route(mws, request):
    def pieces():
        try:
            for i in range(5):
                yield "line %d\n" % i
            yield b"bytes too\n"
        finally:
            FINALLY.append("sync")

    request.Response.ReturnStream(200, pieces())


class _Countdown:
    """An async iterator without async generators (what MicroPython code writes)."""

    def __init__(self, count):
        self.count = count

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self.count == 0:
            raise StopAsyncIteration
        self.count -= 1
        await asyncio.sleep(0.01)
        return "tick %d\n" % self.count


async def _async_generator_route(mws, request):
    async def pieces():
        try:
            for i in range(3):
                await asyncio.sleep(0.01)
                yield "part %d\n" % i
        finally:
            FINALLY.append("async")

    request.Response.ReturnStream(200, pieces())


def _async_iterator_route(mws, request):
    request.Response.ReturnStream(200, _Countdown(3))


def _endless_async_route(mws, request):
    async def forever():
        try:
            while True:
                await asyncio.sleep(0.01)
                yield "x" * 100
        finally:
            FINALLY.append("endless")

    request.Response.ReturnStream(200, forever())


def _events_route(mws, request):
    stream = request.Response.ReturnEventStream(keepAliveSec=1)
    STREAMS.append(stream)
    stream.SendEvent("hello")


async def _async_events_route(mws, request):
    stream = request.Response.ReturnEventStream()
    n = 0
    while await stream.Send("tick %d" % n, event="tick", id=n):
        n += 1
        if n == 3:
            stream.Close()
        await asyncio.sleep(0.01)


async def _writer_route(mws, request):
    request.Response.ContentType = "text/plain"
    writer = request.Response.ReturnStreamWriter(200)
    for i in range(3):
        writer.Write("piece %d\n" % i)
        assert await writer.Drain()
    writer.Write(b"bytes\n")
    writer.Close()
    assert writer.IsClosed and writer.Write("late") is False


def _threaded_writer_route(mws, request):
    writer = request.Response.ReturnStreamWriter(201)

    def produce():
        for i in range(3):
            time.sleep(0.01)
            writer.Write("from a thread %d\n" % i)
        writer.Close()

    threading.Thread(target=produce).start()


for _handler, _path in (
    (_writer_route, "/stream/writer"),
    (_threaded_writer_route, "/stream/threaded-writer"),
    (_generator_route, "/stream/generator"),
    (_async_generator_route, "/stream/async-generator"),
    (_async_iterator_route, "/stream/async-iterator"),
    (_endless_async_route, "/stream/endless"),
    (_events_route, "/stream/events"),
    (_async_events_route, "/stream/async-events"),
):
    RegisterRoute(_handler, GET, _path)


def test_return_stream_takes_a_generator_and_runs_its_finally():
    FINALLY.clear()
    with running() as mws:
        answer = parse_one(exchange(mws, request_bytes("GET", "/stream/generator",
                                                       [("Connection", "close")])))
    assert answer.status == 200 and answer.headers["transfer-encoding"] == "chunked"
    assert answer.body == b"".join(b"line %d\n" % i for i in range(5)) + b"bytes too\n"
    assert FINALLY == ["sync"]


def test_return_stream_takes_async_iterators():
    FINALLY.clear()
    with running() as mws:
        first = requests.get("http://%s:%d/stream/async-generator" % (LOOPBACK, port_of(mws)))
        second = requests.get("http://%s:%d/stream/async-iterator" % (LOOPBACK, port_of(mws)))
    assert first.text == "part 0\npart 1\npart 2\n"
    assert second.text == "tick 2\ntick 1\ntick 0\n"
    assert FINALLY == ["async"]


def test_an_endless_async_stream_stops_when_the_client_goes():
    FINALLY.clear()
    with running() as mws:
        with socket.create_connection((LOOPBACK, port_of(mws))) as sock:
            sock.sendall(request_bytes("GET", "/stream/endless"))
            assert sock.recv(100).startswith(b"HTTP/1.1 200")
        assert wait_for(lambda: FINALLY == ["endless"], timeout=5)
        assert wait_for(lambda: not mws._all_connections(), timeout=5)


def test_event_stream_sends_events_from_elsewhere_and_keep_alive_comments():
    STREAMS.clear()
    with running() as mws:
        with socket.create_connection((LOOPBACK, port_of(mws)), timeout=5) as sock:
            sock.sendall(request_bytes("GET", "/stream/events"))
            head = b""
            while b"data: hello\n\n" not in head:
                head += sock.recv(4096)
            assert b"Content-Type: text/event-stream; charset=UTF-8" in head
            assert b"Cache-Control: no-cache" in head
            stream = STREAMS[0]
            # From another thread, as an application's sensor loop would.
            sender = threading.Thread(
                target=stream.SendEvent, args=("two\nlines",), kwargs={"event": "m", "id": 7}
            )
            sender.start()
            sender.join()
            got = b""
            deadline = time.monotonic() + 5
            while b": keep-alive" not in got and time.monotonic() < deadline:
                got += sock.recv(4096)
            assert b"event: m\nid: 7\ndata: two\ndata: lines\n\n" in got
            assert b": keep-alive\n\n" in got  # nothing sent for keepAliveSec
        # The client went: the stream knows.
        assert wait_for(lambda: stream.IsClosed, timeout=5)
        assert stream.SendEvent("too late") is False


def test_async_event_stream_with_close():
    with running() as mws:
        answer = requests.get("http://%s:%d/stream/async-events" % (LOOPBACK, port_of(mws)),
                              timeout=5)
    assert answer.headers["Content-Type"] == "text/event-stream; charset=UTF-8"
    assert answer.text == "".join(
        "event: tick\nid: %d\ndata: tick %d\n\n" % (n, n) for n in range(3)
    )


def test_stream_writer_from_a_coroutine_and_from_a_thread():
    with running() as mws:
        base = "http://%s:%d" % (LOOPBACK, port_of(mws))
        with requests.Session() as session:  # the connection is reused after each
            first = session.get(base + "/stream/writer", timeout=5)
            second = session.get(base + "/stream/threaded-writer", timeout=5)
            third = session.get(base + "/stream/writer", timeout=5)
    assert first.status_code == 200 and first.headers["Content-Type"] == "text/plain"
    assert first.text == "piece 0\npiece 1\npiece 2\nbytes\n" == third.text
    assert second.status_code == 201
    assert second.text == "".join("from a thread %d\n" % i for i in range(3))


def test_format_event_rules():
    assert format_event("a\r\nb\rc") == "data: a\ndata: b\ndata: c\n\n"
    assert format_event(retry=3000) == "retry: 3000\n\n"
    assert format_event("") == "data: \n\n"
    for bad in ({"event": "a\nb"}, {"id": "x\x00"}, {"retry": -1}, {}):
        with pytest.raises(ValueError):
            format_event(**bad)
