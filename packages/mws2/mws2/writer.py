"""ResponseWriter: an answer written piece by piece, as the application has the pieces.

``request.Response.ReturnStreamWriter(code)`` sends the status and headers (chunked, or
close-delimited for an HTTP/1.0 client) and returns a writer that holds no thread and no
task: each ``Write`` frames and queues its piece on the connection at once, from a
handler, a timer, another connection or (pool mode) another thread.

- ``Write(data)`` (str or bytes) queues and returns at once: False if the client has gone
  (or is so far behind that it was dropped: a writer that never waits must not fill the
  memory).
- ``await Drain()`` waits while the client is behind; False once the writer is closed.
- ``Close()`` ends the answer (the connection may then serve another request);
  ``IsClosed``; ``OnClosed(writer)`` when it ends, whoever ended it.
"""

# Bytes a writer may have waiting for a client that does not read them: beyond, the
# client is dropped.
MAX_BACKLOG = 256 * 1024
# ``await Drain()`` waits while more than this is queued.
DRAIN_HIGH_WATER = 16 * 1024


class ResponseWriter:
    """The body of one answer, written piece by piece (see the module's documentation)."""

    def __init__(self, response):
        self._response = response
        self._conn = response._conn
        self._mws2 = response._mws2
        self._closed = False
        self._onClosed = None
        self._waker = None
        self._conn.attach_stream(self)  # its close() is called if the client goes

    def Write(self, data):
        """Queue ``data`` (str: UTF-8); False if the writer is closed."""
        if self._closed:
            return False
        if self._conn.client.SendingQueueSize > MAX_BACKLOG:
            self._mws2.Log("Streamed answer: client too far behind, dropped", self._mws2.WARNING)
            self._conn.close()
            return False
        if isinstance(data, str):
            data = data.encode()
        if data:
            self._written()
            self._conn.send_body(bytes(data))
        return True

    def _written(self):
        pass  # EventStream notes it for its keep-alive comments

    async def Drain(self):
        """Wait while the client is behind; False once the writer is closed."""
        client = self._conn.client
        while not self._closed and client.SendingQueueSize > DRAIN_HIGH_WATER:
            waker = self._waiter()
            client.AsyncSendData(b"", _wake, waker)  # called once the queue got there
            await waker.wait()
        return not self._closed

    def Close(self):
        """End the answer (the connection may be reused)."""
        if self._closed:
            return
        self.close()
        self._conn.attach_stream(None)
        self._conn.end_response(self._response)

    def close(self):
        """Called by the connection when it closes (the client has gone), or by Close."""
        if self._closed:
            return
        self._closed = True
        self._ended()
        if self._waker is not None:
            self._waker.set()
        if self._onClosed is not None:
            try:
                self._onClosed(self)
            except Exception as exc:  # an application bug in OnClosed: logged
                self._mws2._log_exception("OnClosed of a streamed answer", exc)

    def _ended(self):
        pass  # EventStream stops its keep-alive timer

    def _waiter(self):
        if self._waker is None:
            from .wake import Waker

            self._waker = Waker()
        return self._waker

    @property
    def IsClosed(self):
        return self._closed

    @property
    def Request(self):
        return self._response.Request

    @property
    def OnClosed(self):
        return self._onClosed

    @OnClosed.setter
    def OnClosed(self, value):
        if value is not None and not callable(value):
            raise TypeError('"OnClosed" must be a function or None')
        self._onClosed = value


def _wake(client, waker):
    waker.set()
