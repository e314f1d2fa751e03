"""A coroutine's first wait misses nothing that arrived while its waker was being made.

In pool mode the connection feeds a request's content (and queues WebSocket messages)
on a pool thread while the handler's coroutine runs on the async runner: a piece that
came after the coroutine saw nothing, but before its waker existed, woke nobody, and
the upload hung until the client gave up (the demo's upload page in Chromium, about one
upload in ten on a fresh server). Here the piece arrives exactly then, every time.
"""

import asyncio

import mws2.wake
from mws2.content import ContentStream


class _Conn:
    def content_taken(self):
        pass


def test_a_piece_fed_while_the_waker_is_made_is_read(monkeypatch):
    stream = ContentStream(_Conn(), None)
    Waker = mws2.wake.Waker

    class FeedWhileMade(Waker):
        def __init__(self):
            stream.feed(b"piece")  # the pool thread, between the check and the waker
            stream.end()
            Waker.__init__(self)

    monkeypatch.setattr(mws2.wake, "Waker", FeedWhileMade)

    async def read_all():
        first = await asyncio.wait_for(stream.read_chunk(), 2)
        return first, await asyncio.wait_for(stream.read_chunk(), 2)

    assert asyncio.run(read_all()) == (b"piece", b"")


def test_a_message_queued_while_the_waker_is_made_is_received(monkeypatch):
    from mws2.mods.WebSockets import WebSocket

    webSocket = WebSocket.__new__(WebSocket)  # the state Receive() reads, no connection
    webSocket._closedNotified = webSocket._failed = False
    Waker = mws2.wake.Waker

    class QueueWhileMade(Waker):
        def __init__(self):
            webSocket._queue_message("hello")  # the pool thread, as above
            Waker.__init__(self)

    monkeypatch.setattr(mws2.wake, "Waker", QueueWhileMade)
    assert asyncio.run(asyncio.wait_for(webSocket.Receive(), 2)) == "hello"
