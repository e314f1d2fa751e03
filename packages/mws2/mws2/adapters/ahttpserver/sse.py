"""ahttpserver's server-sent events on mws2: ``from mws2.adapters.ahttpserver.sse import
EventSource``.

``eventsource = await EventSource(reader, writer)`` (or ``await EventSource.init(...)``
/ ``EventSource.upgrade(...)``, the names of earlier versions) answers 200
``text/event-stream`` (an mws2 EventStream: mws2/sse.py) and returns the event source;
``await eventsource.send(data, id, event, retry)`` sends one event and raises OSError
(ECONNRESET) once the client has gone, so a handler's ``while True`` loop ends there.
Each send lets the loop run, even when the client keeps up.
"""

from ...sse import format_event
from .._raw import client_gone


class EventSource:
    """The event stream of one handler's client."""

    def __new__(cls, reader, writer):
        # ``await EventSource(reader, writer)``: the call gives a coroutine that opens the
        # stream and returns the instance (an __init__ cannot be awaited).
        return cls._open(reader, writer)

    @classmethod
    async def _open(cls, reader, writer):
        self = object.__new__(cls)
        self.reader = reader
        self.writer = writer
        self._answer = writer._answer
        self._stream = self._answer.event_stream()  # None: the handler wrote a head itself
        return self

    @classmethod
    async def init(cls, reader, writer):
        return await cls._open(reader, writer)

    upgrade = init

    async def send(self, data=":", id=None, event=None, retry=None):
        """Send one event; raises OSError (ECONNRESET) once the client has gone."""
        stream = self._stream
        if stream is None:
            self.writer.write(format_event(data, event, id, retry))
            await self.writer.drain()
            return
        if not await stream.Send(data, event, id, retry):
            raise client_gone()
        await self._answer.drain()

    async def retry(self, milliseconds):
        """Tell the client how long to wait before reconnecting."""
        await self.send(None, retry=milliseconds)
