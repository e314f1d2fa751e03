"""ahttpserver's API on mws2: ``from mws2.adapters.ahttpserver import HTTPResponse,
HTTPServer, sendfile`` (and ``from mws2.adapters.ahttpserver.sse import EventSource``).

``HTTPServer(host, port, backlog, timeout)`` keeps its own routes: ``@app.route("GET",
"/")`` registers ``async def handler(reader, writer, request)`` for that exact method
and path (registering one twice raises ``HTTPServerError``); anything else is 404.
``app.start()`` listens on the running asyncio loop and returns once listening (as
``asyncio.start_server`` did); ``await app.stop()`` ends it.

A handler writes raw HTTP on ``writer`` (``HTTPResponse(...).send(writer)``, ``writer.write``,
``await writer.drain()``, ``await sendfile(writer, path)``) and reads the request body
from ``reader``; mws2 turns what is written into a framed answer (see ../_raw.py). A
handler that raises is answered 500 (or, after its head went out, its answer ends there)
and the server goes on.

``request`` carries what the original's request object did: ``method``, ``url`` (path
and query), ``path``, ``query`` (the raw query string), ``version`` ("1.1"),
``parameters`` (the query's name/value pairs, undecoded, the first of a repeated name
kept) and ``header`` (bytes names and values; looked up in any case, lower case when
iterated).
"""

from ..AdapterHook import AdaptedServer, HeaderDict, start_serving
from .._raw import BodyReader, RawAnswer

_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found"}


class HTTPServerError(Exception):
    pass


class HTTPResponse:
    """A response head: ``await HTTPResponse(200, "text/html").send(writer)``."""

    def __init__(self, status, mimetype=None, close=True, header=None):
        self.status = status
        self.mimetype = mimetype
        self.close = close
        self.header = {} if header is None else header

    async def send(self, writer):
        """Write the status line and header lines, then drain."""
        lines = ["HTTP/1.1 %s %s" % (self.status, _REASONS.get(self.status, "NA"))]
        if self.mimetype is not None:
            lines.append("Content-Type: %s" % self.mimetype)
        lines.append("Connection: %s" % ("close" if self.close else "keep-alive"))
        for name, value in self.header.items():
            lines.append("%s: %s" % (name, value))
        writer.write("\r\n".join(lines) + "\r\n\r\n")
        await writer.drain()


async def sendfile(writer, filename):
    """Write the bytes of file ``filename`` to ``writer``, a slice at a time."""
    await writer._answer.write_file(filename)


class HTTPRequest:
    """The request a handler gets (see the package's documentation)."""

    def __init__(self, request):
        self.method = request.Method
        self.path = request.Path
        self.query = request.QueryString
        self.url = self.path + "?" + self.query if self.query else self.path
        self.version = request.HttpVer.split("/", 1)[-1]
        self.parameters = {}
        for pair in self.query.split("&"):
            name, equals, value = pair.partition("=")
            if equals and name not in self.parameters:
                self.parameters[name] = value
        self.header = HeaderDict(
            (name.encode(), value.encode()) for name, value in request.Headers.items()
        )


class StreamWriter:
    """The writer a handler gets: asyncio's StreamWriter calls, onto the mws2 answer."""

    def __init__(self, answer):
        self._answer = answer

    def write(self, buf):
        self._answer.write(buf)

    async def drain(self):
        """Raises once the client has gone (OSError ECONNRESET)."""
        await self._answer.drain()

    async def awrite(self, buf):
        self._answer.write(buf)
        await self._answer.drain()

    def close(self):
        self._answer.finish()

    async def wait_closed(self):
        pass

    async def aclose(self):
        self._answer.finish()

    def get_extra_info(self, name, default=None):
        if name == "peername":
            return self._answer.request.UserAddress
        return default


class HTTPServer:
    """One server with its own routes (see the package's documentation)."""

    def __init__(self, host="0.0.0.0", port=80, backlog=5, timeout=30):
        self.host = host
        self.port = port
        self.backlog = backlog
        self.timeout = timeout
        self._server = None
        self._task = None
        self._routes = {}  # (method, path) -> handler

    def route(self, method="GET", path="/"):
        """Decorator: ``@app.route("GET", "/")`` registers the coroutine below it."""
        if (method, path) in self._routes:
            raise HTTPServerError("route %s %s is already registered" % (method, path))

        def wrapper(function):
            self._routes[(method, path)] = function
            return function

        return wrapper

    async def start(self):
        """Listen on the running loop; returns once listening."""
        if self._server is not None and self._server.IsRunning:
            raise HTTPServerError("the server is already running")
        server = AdaptedServer(self, (self.host, self.port))
        server.ConnQueueCapacity = self.backlog
        server.RequestsTimeoutSec = self.timeout
        self._server = server
        self._task = await start_serving(server)

    async def stop(self):
        """Stop listening and close the connections."""
        server, self._server = self._server, None
        if server is not None:
            server.Stop()
            if self._task is not None:
                await self._task

    # ---- called by AdapterHook for each request of our server ----------------------

    def _serve(self, request):
        handler = self._routes.get((request.Method, request.Path))
        if handler is None:
            request.Response.Return(404, "")
            return None
        return self._run(request, handler)

    async def _run(self, request, handler):
        answer = RawAnswer(self._server, request)
        try:
            await handler(BodyReader(request.Content), StreamWriter(answer), HTTPRequest(request))
            answer.finish()
        except Exception as exc:  # the handler's bug: logged, 500 if still possible
            answer.fail(exc)

