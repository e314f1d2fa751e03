"""Request content read piece by piece (routes registered with ``streamContent=True``).

The handler runs as soon as the head is read. The connection hands each piece of the
content here as it arrives; while a piece waits unread, the connection stops reading
(back-pressure: the kernel then holds the client back), so an upload costs one piece of
memory whatever its size. Two ways to read:

- ``async def`` handlers: ``await request.ReadContentChunk()`` (b"" at the end),
  ``async for chunk in request.ContentChunks()``, ``await request.SaveContent(path)``;
- plain handlers: ``request.OnContentChunk = f(request, chunk)`` and
  ``request.OnContentEnd = f(request)`` (the answer then goes in OnContentEnd).
"""


class ContentStream:
    """The pieces of one request's content, between the connection and the handler."""

    def __init__(self, conn, request):
        self._conn = conn
        self._request = request
        self._pieces = []
        self._ended = False
        self._failed = None
        self._waker = None
        self.on_chunk = None
        self.on_end = None

    # ---- the connection's side -----------------------------------------------------

    @property
    def full(self):
        """A piece waits unread: the connection stops reading until it is taken."""
        return bool(self._pieces) and self.on_chunk is None

    def feed(self, data):
        if self.on_chunk is not None:
            self._request._call(self.on_chunk, data)
            return
        self._pieces.append(bytes(data))
        self._wake()

    def end(self, error=None):
        """The content is complete (or cut short: ``error`` says why)."""
        if self._ended:
            return
        self._ended = True
        self._failed = error
        self._wake()
        if self.on_end is not None and error is None:
            self._request._call(self.on_end)

    def _wake(self):
        if self._waker is not None:
            self._waker.set()

    # ---- the handler's side --------------------------------------------------------

    async def read_chunk(self):
        while True:
            if self._pieces:
                piece = self._pieces.pop(0)
                self._conn.content_taken()
                return piece
            if self._ended:
                if self._failed is not None:
                    raise OSError("request content cut short: %s" % self._failed)
                return b""
            if self._waker is None:
                from .wake import Waker

                # Pool mode: a piece fed on a pool thread before the waker existed woke
                # nobody; look again before the first wait.
                self._waker = Waker()
                continue
            await self._waker.wait()

    async def save(self, path):
        size = 0
        with open(path, "wb") as out:
            while True:
                chunk = await self.read_chunk()
                if not chunk:
                    return size
                out.write(chunk)
                size += len(chunk)


class ContentChunks:
    """``async for chunk in request.ContentChunks()`` (MicroPython has no async
    generators)."""

    def __init__(self, stream):
        self._stream = stream

    def __aiter__(self):
        return self

    async def __anext__(self):
        chunk = await self._stream.read_chunk()
        if not chunk:
            raise StopAsyncIteration
        return chunk
