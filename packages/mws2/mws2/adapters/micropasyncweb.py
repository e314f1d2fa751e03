"""micropAsyncWeb's API on mws2: ``from mws2.adapters.micropasyncweb import
MicropAsyncWeb, Response`` in place of ``from micropAsyncWeb import ...``.

``MicropAsyncWeb(port, address, webroot, indexFile)`` keeps its own routes (``route``
decorator and ``appendRoutes`` lists, mixed), ``*`` placeholders become
``request.params``, methods are a comma-separated string ("GET" when left out), routes
are tried by complexity (fewer segments first, a ``*`` counting more than a literal;
equal ones in the order given), and "/" and "/*" deliver files from ``webroot``
(``indexFile`` for "/"). ``await webserver.runAsync()`` listens on the running asyncio
loop (``loop.create_task(webserver.runAsync())`` beside other tasks, or in a thread that
runs a loop) and returns once listening, as the original did.

Handlers write raw HTTP (``Response.start``/``startBody`` then ``request.write``), which
mws2 turns into a framed answer: see _raw.py for where that differs from raw bytes.
"""

import json
import os

from ..server import MicroWebSrv2
from .AdapterHook import AdaptedServer, HeaderDict, start_serving
from ._raw import BodyReader, RawAnswer

_S_IFMT = 0o170000
_S_IFREG = 0o100000


class HttpError(Exception):
    """``raise HttpError(request, code, reason)`` in a handler: answered by Response.error."""


class Request:
    """What a handler gets: ``url``, ``path``, ``method``, ``version``, ``header`` (also
    ``headers``; every header, looked up in any case), ``params``, ``route``, and
    ``await write(data)`` / ``await read(n)``."""

    def __init__(self, answer, params, route):
        request = answer.request
        self._answer = answer
        self._body = None
        self.method = request.Method
        self.path = request.Path
        query = request.QueryString
        self.url = self.path + "?" + query if query else self.path
        self.version = request.HttpVer
        self.header = self.headers = HeaderDict(request.Headers)
        self.params = params
        self.route = route

    async def write(self, data):
        """Write ``data`` (str or bytes) to the answer; raises once the client has gone."""
        self._answer.write(data)
        await self._answer.drain()

    async def read(self, n=-1):
        """Read from the request body."""
        if self._body is None:
            self._body = BodyReader(self._answer.request.Content)
        return await self._body.read(n)

    async def close(self):
        self._answer.finish()

    def getFilename(self):
        return self.path.split("/")[-1]

    def getFileExtension(self, filename=""):
        return (filename or self.getFilename()).split(".")[-1]


class Response:
    """Static coroutines that write an answer (``await Response.start(request, ...)``)."""

    @staticmethod
    async def start(request, statusCode, statusText):
        """The status line; the header section stays open."""
        await request.write("HTTP/1.1 %s %s\r\n" % (statusCode, statusText))

    @staticmethod
    async def startBody(request):
        """End the header section."""
        await request.write("\r\n")

    @staticmethod
    async def sendJson(request, dict):
        """A whole 200 answer of ``dict`` as JSON."""
        await Response.start(request, 200, "OK")
        await request.write("Content-Type: application/json; charset=UTF-8\r\n")
        await Response.startBody(request)
        await request.write(json.dumps(dict))

    @staticmethod
    async def sendFile(request, filename):
        """A whole 200 answer of a file, its type from its extension; a missing file
        raises HttpError 404 (answered as such when the handler lets it go)."""
        try:
            st = os.stat(filename)
        except OSError:
            st = None
        if st is None or st[0] & _S_IFMT != _S_IFREG:
            raise HttpError(request, 404, "File Not Found")
        ctype = MicroWebSrv2.GetMimeTypeFromFilename(filename) or "application/octet-stream"
        answer = request._answer
        if not answer.send_file(filename, ctype):
            await answer.write_file(filename)  # after a head the handler wrote itself

    @staticmethod
    async def write(request, data):
        """Write ``data`` (str as UTF-8); no status line or header is added."""
        await request.write(data)

    @staticmethod
    async def error(request, code, reason):
        """A whole answer: status ``code`` and ``reason`` as a heading."""
        await request.write("HTTP/1.1 %s %s\r\n\r\n" % (code, reason))
        await request.write("<h1>%s</h1>" % MicroWebSrv2.HTMLEscape(str(reason)))


def _route_parts(route):
    if not isinstance(route, str) or not route.startswith("/"):
        raise ValueError('a route must begin with "/": %r' % (route,))
    parts = route.split("/")[1:]
    for part in parts:
        if "*" in part and part != "*":
            raise ValueError('a "*" placeholder must stand alone between slashes: %r' % route)
    return parts


def _methods(methods):
    if isinstance(methods, str):
        methods = methods.split(",")
    return [method.strip().upper() for method in methods]


def _match(parts, segments):
    if len(parts) != len(segments):
        return None
    params = []
    for part, segment in zip(parts, segments):
        if part == "*":
            if not segment:
                return None
            params.append(segment)
        elif part != segment:
            return None
    return params


class MicropAsyncWeb:
    """One web server with its own routes (see the module's documentation)."""

    def __init__(self, port=80, address="0.0.0.0", webroot=".", indexFile="index.html"):
        self.port = port
        self.address = address
        self.webroot = webroot
        self.indexFile = indexFile
        self.routes = [
            ["/", self.fileRouteHandler, "GET"],
            ["/*", self.fileRouteHandler, "GET"],
        ]
        self._table = None  # [(parts, handler, methods, route)], tried in this order
        self._server = None
        self._task = None

    def appendRoutes(self, routes):
        """Add routes given as lists ``[route, handler]`` or ``[route, handler, methods]``."""
        for entry in routes:
            if len(entry) not in (2, 3):
                raise ValueError("a route is [route, handler] or [route, handler, methods]")
            _route_parts(entry[0])
            self.routes.append([entry[0], entry[1], entry[2] if len(entry) == 3 else "GET"])
        self._table = None

    def route(self, route, methods="GET"):
        """Decorator: ``@webserver.route("/api/*", "GET,POST")``."""
        _route_parts(route)

        def decorator(func):
            self.routes.append([route, func, methods])
            self._table = None
            return func

        return decorator

    def sortRoutes(self):
        """Order the routes by complexity (stable: equal ones keep their order)."""
        keyed = []
        for index, entry in enumerate(self.routes):
            parts = _route_parts(entry[0])
            keyed.append((len(parts) + parts.count("*"), index, entry))
        keyed.sort(key=lambda item: (item[0], item[1]))
        self.routes = [item[2] for item in keyed]
        self._table = [
            (_route_parts(e[0]), e[1], _methods(e[2] if len(e) > 2 else "GET"), e[0])
            for e in self.routes
        ]

    async def fileRouteHandler(self, request):
        """Deliver ``webroot/<name>`` ("/": ``indexFile``)."""
        filename = request.getFilename() or self.indexFile
        if filename in (".", "..") or "\\" in filename or "\x00" in filename:
            raise HttpError(request, 404, "File Not Found")
        await Response.sendFile(request, self.webroot + "/" + filename)

    async def runAsync(self):
        """Listen on the running loop; returns once listening (the server stays as a
        task of that loop). Returns the mws2 server (``Stop()`` ends it)."""
        if self._server is not None and self._server.IsRunning:
            raise RuntimeError("this MicropAsyncWeb is already running")
        self.sortRoutes()
        self._server = AdaptedServer(self, (self.address, self.port))
        self._task = await start_serving(self._server)
        return self._server

    # ---- called by AdapterHook for each request of our server ----------------------

    def _serve(self, request):
        if self._table is None:
            self.sortRoutes()
        method = request.Method
        segments = request.Path.split("/")[1:]
        for parts, handler, methods, route in self._table:
            if method in methods:
                params = _match(parts, segments)
                if params is not None:
                    return self._run(request, handler, params, route)
        request.Response.Return(404, "<h1>File Not Found</h1>")
        return None

    async def _run(self, httpRequest, handler, params, route):
        answer = RawAnswer(self._server, httpRequest)
        request = Request(answer, params, route)
        try:
            try:
                # As the original: a handler may return a file name to send, or another
                # handler to run.
                while handler:
                    if isinstance(handler, str):
                        await Response.sendFile(request, handler)
                        break
                    handler = handler(request)
                    if handler is not None and hasattr(handler, "send"):
                        handler = await handler
            except HttpError as exc:
                await Response.error(request, exc.args[-2], exc.args[-1])
            answer.finish()
        except Exception as exc:  # the handler's bug: logged, 500 if still possible
            answer.fail(exc)
