"""Raw HTTP that a handler writes, turned into an mws2 answer (micropAsyncWeb, ahttpserver).

Handlers of those servers write the status line, the header lines and the body as bytes
on the connection. Here the head is read back (lines end with CRLF or LF, as those
servers wrote either) and becomes the status and headers of an mws2 ``ResponseWriter``
(mws2/writer.py); what follows the blank line is its body. mws2 then frames the body
(Content-Length when the handler gave one, else chunked) and keeps the connection alive
when the client and the handler's headers allow it.

The choices where raw bytes and mws2 meet:
- a head without Content-Type gets ``text/html``: these servers sent none and browsers
  sniffed the page (mws2 alone would say ``application/octet-stream``, which downloads);
- Transfer-Encoding from the handler is dropped (mws2 frames the body), bytes beyond a
  declared Content-Length are dropped, and the reason phrase is the standard one;
- bytes written before any status line make a 200 answer of which they are the body;
- a handler that raises before anything went out gets a 500; after the head went out,
  the answer ends as it stands (the originals closed the connection there, which ended
  their close-delimited bodies the same way); the error is logged either way;
- a handler that answered nothing gets mws2's 501 and a warning.
"""

import asyncio
import errno

from .AdapterHook import log_error

HEAD_MAX = 8192  # bytes of a response head before it is refused
_CHUNK = 1024  # bytes per read when a file goes out as body bytes


def client_gone():
    """What the originals' streams raised once the client had gone."""
    return OSError(errno.ECONNRESET, "the client has gone")


def _head_end(data):
    """Index just past the blank line that ends a head, or -1."""
    ends = [i + n for i, n in ((data.find(b"\n\r\n"), 3), (data.find(b"\n\n"), 2)) if i >= 0]
    return min(ends) if ends else -1


class RawAnswer:
    """The answer to one request, written as raw HTTP by a handler."""

    def __init__(self, server, request):
        self._server = server
        self.request = request  # the mws2 HttpRequest
        self._head = b""  # the head so far; None once the answer has started
        self._writer = None  # the ResponseWriter (or EventStream) once started
        self._left = None  # Content-Length still due, when the handler declared one
        self._no_body = False  # HEAD, 204, 304: body bytes are dropped
        self._done = False

    @property
    def started(self):
        """Has anything been written or answered?"""
        return self._head != b"" or self.request.Response.HeadersSent

    # ---- writing -------------------------------------------------------------------

    def write(self, data):
        """Queue ``data`` (str: UTF-8, or bytes-like); False once the client has gone."""
        if isinstance(data, str):
            data = data.encode()
        elif not isinstance(data, bytes):
            data = bytes(data)
        if self._head is not None:
            if self.request.Response.HeadersSent:
                return False  # answered another way (a file): nothing more to add
            data = self._head + data
            if len(data) >= 5 and not data.startswith(b"HTTP/"):
                self._head = None
                self._start(200, ())  # no status line: all of it is a body
            else:
                end = _head_end(data)
                if end < 0:
                    if len(data) > HEAD_MAX:
                        raise ValueError("response head longer than %d bytes" % HEAD_MAX)
                    self._head = data
                    return True
                self._head = None
                self._start_from(data[:end])
                data = data[end:]
        if self._writer is None:
            return False  # answered another way (a file): nothing more goes out
        return self._send(data)

    def _send(self, data):
        writer = self._writer
        if self._no_body or not data:
            return self._no_body or not writer.IsClosed
        if self._left is not None:
            if len(data) > self._left:
                data = data[: self._left]  # past the declared length: not part of it
            self._left -= len(data)
        return writer.Write(data)

    async def drain(self):
        """Wait while the client is behind; raise as the originals did once it has gone.
        Always lets the loop run, as a socket's drain does (a handler writing in a loop
        must not hold the loop)."""
        writer = self._writer
        if writer is not None and not self._no_body and not await writer.Drain():
            raise client_gone()
        await asyncio.sleep(0)

    def _start_from(self, head):
        text = head.decode()
        lines = text.split("\n")
        parts = lines[0].split(None, 2)
        try:
            code = int(parts[1])
        except (IndexError, ValueError):
            raise ValueError("bad status line written: %r" % lines[0][:60]) from None
        headers = []
        for line in lines[1:]:
            line = line.strip()
            if line:
                name, colon, value = line.partition(":")
                if not colon:
                    raise ValueError("bad header line written: %r" % line[:60])
                headers.append((name.strip(), value.strip()))
        self._start(code, headers)

    def _start(self, code, headers):
        response = self.request.Response
        for name, value in headers:
            lower = name.lower()
            if lower == "content-type":
                response.ContentType = value
            elif lower == "content-length":
                self._left = response.ContentLength = int(value)
            elif lower != "transfer-encoding":
                response.SetHeader(name, value)
        if not response.ContentType:
            response.ContentType = "text/html"
        self._opened(response.ReturnStreamWriter(code))

    def _opened(self, writer):
        self._head = None
        self._writer = writer
        self._no_body = writer.IsClosed  # closed at once: HEAD, 204, 304

    # ---- other ways to answer ------------------------------------------------------

    def send_file(self, filename, contentType):
        """The whole answer is this file (mws2 sends it, zero-copy where it can); True,
        or False when the head is out already (then write the bytes as body)."""
        if self.started:
            return False
        self._head = None
        self.request.Response.ContentType = contentType
        self.request.Response.ReturnFile(filename)
        return True

    async def write_file(self, filename):
        """The file's bytes as body (after a head the handler wrote)."""
        with open(filename, "rb") as f:
            while True:
                chunk = f.read(_CHUNK)
                if not chunk:
                    break
                self.write(chunk)
                await self.drain()

    def event_stream(self):
        """An mws2 EventStream as the whole answer (None when the head is out already)."""
        if self.started:
            return None
        stream = self.request.Response.ReturnEventStream()
        self._opened(stream)
        return stream

    # ---- the end -------------------------------------------------------------------

    def finish(self):
        """The handler returned: end the answer (or answer 501 if it gave none)."""
        if self._done:
            return
        self._done = True
        if self._head:
            head, self._head = self._head, None
            if head.startswith(b"HTTP/"):
                self._start_from(head + b"\r\n")  # a head never ended: it ends here
            else:
                self._start(200, ())
                self._send(head)
        if self._writer is not None:
            self._writer.Close()
        elif not self.request.Response.HeadersSent:
            self._server.Log(
                "No response was sent for %s %s" % (self.request.Method, self.request.Path),
                self._server.WARNING,
            )
            self.request.Response.ReturnNotImplemented()

    def fail(self, exc):
        """The handler raised ``exc``: 500 if nothing went out yet, else end the answer."""
        server = self._server
        writer = self._writer
        if writer is not None and writer.IsClosed and not self._no_body:
            request = self.request
            server.Log(
                "%s %s: the client has gone (%r)" % (request.Method, request.Path, exc),
                server.DEBUG,
            )
            self._done = True
            return
        log_error(server, "%s %s" % (self.request.Method, self.request.Path), exc)
        if writer is None and not self.request.Response.HeadersSent:
            self._head = None
            self._done = True
            self.request.Response.ReturnInternalServerError()
            return
        self._head = None
        self.finish()


class BodyReader:
    """The request body (already read by mws2) behind the originals' stream reader API."""

    def __init__(self, content):
        self._data = bytes(content) if content else b""
        self._pos = 0

    async def read(self, n=-1):
        start = self._pos
        end = len(self._data) if n is None or n < 0 else min(start + n, len(self._data))
        self._pos = end
        return self._data[start:end]

    async def readline(self):
        start = self._pos
        cut = self._data.find(b"\n", start)
        self._pos = len(self._data) if cut < 0 else cut + 1
        return self._data[start : self._pos]

    async def readexactly(self, n):
        data = await self.read(n)
        if len(data) < n:
            raise EOFError("the request body has %d bytes less than asked" % (n - len(data)))
        return data
