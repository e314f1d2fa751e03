"""MicroWebSrv (v1)'s API on mws2: ``from mws2.adapters.microwebsrv import MicroWebSrv``
in place of ``from microWebSrv import MicroWebSrv``.

Route handlers are ``(route, method, handler)`` tuples given to the constructor, or
functions decorated with ``@MicroWebSrv.route(url, method='GET')`` (those are shared by
every MicroWebSrv, as in the original, and also count when decorated after the server
was made); ``<name>`` segments give ``routeArgs`` (a dict; digits become ``int``). A
handler gets ``(httpClient, httpResponse)``, plus ``routeArgs`` when its route has
arguments, and answers with the ``Write...`` methods.
Other GET requests are files under ``webPath`` (``.pyhtml`` pages rendered, with
``{{ include }}``; "/" the first of index.pyhtml, index.html, index.htm, default.pyhtml,
default.html, default.htm); anything not found is 404, or a redirect to the page set
with ``SetNotFoundPageUrl`` (a captive portal). WebSocket upgrades go to
``AcceptWebSocketCallback(webSocket, httpClient)`` with a ``MicroWebSocket``.

``Start(threaded=True)`` serves from a thread of its own and returns (mws2's
``StartManaged(1)``); ``Start(threaded=False)`` serves in the calling thread until
``Stop()``. Handlers are called on that thread, one at a time, as in the original.
"""

import json
import os

from ..server import MicroWebSrv2
from .AdapterHook import AdaptedServer, HeaderDict, log_error

_INDEX_PAGES = (
    "index.pyhtml",
    "index.html",
    "index.htm",
    "default.pyhtml",
    "default.html",
    "default.htm",
)
_S_IFMT = 0o170000
_S_IFREG = 0o100000


def _is_file(path):
    try:
        return os.stat(path)[0] & _S_IFMT == _S_IFREG
    except OSError:
        return False


def _route_parts(route):
    if not isinstance(route, str) or not route:
        raise ValueError("a route must be a non-empty string: %r" % (route,))
    if not route.startswith("/"):
        route = "/" + route  # the original matched "x" as "/x"
    route = route[:-1] if len(route) > 1 and route.endswith("/") else route
    parts = []
    for segment in route.split("/")[1:]:
        if segment.startswith("<") and segment.endswith(">") and len(segment) > 2:
            parts.append((True, segment[1:-1]))
        elif "<" in segment or ">" in segment:
            raise ValueError("a route argument must be a whole segment: %r" % route)
        else:
            parts.append((False, segment))
    return parts


def _arg_value(text):
    digits = text[1:] if text[:1] == "-" else text
    return int(text) if digits and digits.isdigit() else text


class MicroWebSrv:
    """A web server with its own route handlers (see the module's documentation)."""

    _decoratedRouteHandlers = []  # (parts, method, func) of @MicroWebSrv.route

    @classmethod
    def route(cls, url, method="GET"):
        """Decorator: the function below handles ``method`` requests of ``url``."""
        parts = _route_parts(url)

        def route_decorator(func):
            cls._decoratedRouteHandlers.append((parts, method.upper(), func))
            return func

        return route_decorator

    @staticmethod
    def HTMLEscape(s):
        return MicroWebSrv2.HTMLEscape(s)

    def __init__(self, routeHandlers=None, port=80, bindIP="", webPath="/flash/www"):
        self._srvAddr = (bindIP or "0.0.0.0", port)
        self._webPath = webPath.rstrip("/") or "/"
        self._notFoundUrl = None
        self._server = None
        self._loader = None  # pyhtml FileLoader, made on the first page
        self._wsModule = None  # a WebSockets module of our own, made on the first upgrade
        self.MaxWebSocketRecvLen = 1024
        self.WebSocketThreaded = True
        self.AcceptWebSocketCallback = None
        self._routeHandlers = [
            (_route_parts(route), method.upper(), func)
            for route, method, func in routeHandlers or ()
        ]

    # ---- server --------------------------------------------------------------------

    def Start(self, threaded=True):
        """Serve: in a thread of its own (returns), or in this thread (blocks)."""
        if self.IsStarted():
            return
        server = AdaptedServer(self, self._srvAddr)
        server.RootPath = self._webPath
        self._server = server
        server.StartManaged(parllProcCount=1 if threaded else 0)

    def Stop(self):
        if self._server is not None:
            self._server.Stop()

    def IsStarted(self):
        return self._server is not None and self._server.IsRunning

    def SetNotFoundPageUrl(self, url=None):
        self._notFoundUrl = url

    def GetMimeTypeFromFilename(self, filename):
        return MicroWebSrv2.GetMimeTypeFromFilename(filename) if filename else None

    def GetRouteHandler(self, resUrl, method):
        """``(handler, routeArgs)`` of the first matching route (routeArgs None when the
        route has no argument), or ``(None, None)``."""
        if len(resUrl) > 1 and resUrl.endswith("/"):
            resUrl = resUrl[:-1]
        segments = resUrl.split("/")[1:]
        method = method.upper()
        for parts, route_method, func in self._routeHandlers + self._decoratedRouteHandlers:
            if route_method != method or len(parts) != len(segments):
                continue
            args = {}
            for (is_arg, text), segment in zip(parts, segments):
                if is_arg:
                    args[text] = _arg_value(segment)
                elif text != segment:
                    break
            else:
                return (func, args or None)
        return (None, None)

    # ---- called by AdapterHook for each request of our server ----------------------

    def _serve(self, request):
        client = _HttpClient(self, request)
        response = _HttpResponse(client)
        if request.IsUpgrade:
            if request.Upgrade.lower() == "websocket" and self.AcceptWebSocketCallback:
                self._accept_websocket(request, client)
            else:
                response.WriteResponseNotImplemented()
            return None
        handler, routeArgs = self.GetRouteHandler(request.Path, request.Method)
        try:
            if handler is not None:
                if routeArgs is not None:
                    handler(client, response, routeArgs)
                else:
                    handler(client, response)
                if not request.Response.HeadersSent:
                    self._server.Log(
                        "No response was sent for %s %s" % (request.Method, request.Path),
                        MicroWebSrv2.WARNING,
                    )
                    response.WriteResponseNotImplemented()
            elif request.Method in ("GET", "HEAD"):
                self._serve_file(request, response)
            else:
                response.WriteResponseMethodNotAllowed()
        except Exception as exc:  # the handler's bug: logged, 500 (the server goes on)
            log_error(self._server, "%s %s" % (request.Method, request.Path), exc)
            if not request.Response.HeadersSent:
                response.WriteResponseInternalServerError()
        return None

    def _serve_file(self, request, response):
        path = request.Path
        filepath = None
        if path == "/":
            for page in _INDEX_PAGES:
                filepath = self._server.ResolvePhysicalPath("/" + page)
                if filepath:
                    break
        else:
            filepath = self._server.ResolvePhysicalPath(path)
        if not filepath:
            response.WriteResponseNotFound()
        elif filepath.lower().endswith(".pyhtml"):
            response.WriteResponsePyHTMLFile(filepath)
        else:
            contentType = self.GetMimeTypeFromFilename(filepath)
            if contentType:
                response.WriteResponseFile(filepath, contentType)
            else:
                response.WriteResponseForbidden()

    def _accept_websocket(self, request, client):
        if self._wsModule is None:
            from ..mods.WebSockets import WebSockets

            self._wsModule = WebSockets()  # ours alone: no other server's upgrades
        accept = self.AcceptWebSocketCallback

        def on_accepted(microWebSrv2, webSocket):
            webSocket.MaxRecvMessageLength = self.MaxWebSocketRecvLen
            accept(MicroWebSocket(webSocket), client)

        self._wsModule.OnWebSocketAccepted = on_accepted
        self._wsModule.OnRequest(self._server, request)

    def _pyhtml_loader(self):
        if self._loader is None:
            from pyhtml import FileLoader

            self._loader = FileLoader(self._webPath)
        return self._loader


class MicroWebSocket:
    """One WebSocket, given to ``AcceptWebSocketCallback``: set ``RecvTextCallback(ws,
    msg)``, ``RecvBinaryCallback(ws, data)``, ``ClosedCallback(ws)``; ``SendText``,
    ``SendBinary``, ``IsClosed``, ``Close``."""

    def __init__(self, webSocket):
        self._ws = webSocket
        self.RecvTextCallback = None
        self.RecvBinaryCallback = None
        self.ClosedCallback = None
        webSocket.OnTextMessage = self._on_text
        webSocket.OnBinaryMessage = self._on_binary
        webSocket.OnClosed = self._on_closed

    def _on_text(self, webSocket, msg):
        if self.RecvTextCallback:
            self.RecvTextCallback(self, msg)

    def _on_binary(self, webSocket, data):
        if self.RecvBinaryCallback:
            self.RecvBinaryCallback(self, bytes(data))

    def _on_closed(self, webSocket):
        if self.ClosedCallback:
            self.ClosedCallback(self)

    def SendText(self, msg):
        return self._ws.SendTextMessage(msg)

    def SendBinary(self, data):
        return self._ws.SendBinaryMessage(data)

    def IsClosed(self):
        return self._ws.IsClosed

    def Close(self):
        self._ws.Close()


class _HttpClient:
    """``httpClient``: the request of a route handler."""

    def __init__(self, microWebSrv, request):
        self._microWebSrv = microWebSrv
        self._request = request
        self._read = 0  # bytes of the body already read by ReadRequestContent

    def GetServer(self):
        return self._microWebSrv

    def GetAddr(self):
        return self._request.UserAddress

    def GetIPAddr(self):
        return self._request.UserAddress[0]

    def GetPort(self):
        return self._request.UserAddress[1]

    def GetRequestMethod(self):
        return self._request.Method

    def GetRequestTotalPath(self):
        query = self._request.QueryString
        return self._request.Path + "?" + query if query else self._request.Path

    def GetRequestPath(self):
        return self._request.Path

    def GetRequestQueryString(self):
        return self._request.QueryString

    def GetRequestQueryParams(self):
        return self._request.QueryParams

    def GetRequestHeaders(self):
        return HeaderDict(self._request.Headers)

    def GetRequestContentType(self):
        return self._request.GetHeader("Content-Type") or None

    def GetRequestContentLength(self):
        return self._request.ContentLength

    def ReadRequestContent(self, size=None):
        """The body's next ``size`` bytes (all that is left when None)."""
        content = self._request.Content
        data = bytes(content) if content else b""
        end = len(data) if size is None else min(len(data), self._read + max(size, 0))
        chunk = data[self._read : end]
        self._read = end
        return chunk

    def ReadRequestPostedFormData(self):
        from httpcore_micro import parse_form

        data = self.ReadRequestContent()
        return parse_form(data) if data else {}

    def ReadRequestContentAsJSON(self):
        data = self.ReadRequestContent()
        try:
            return json.loads(data.decode()) if data else None
        except ValueError:  # not JSON (nor UTF-8): the original answered None too
            return None


class _HttpResponse:
    """``httpResponse``: the answer of a route handler; each method returns True once
    the answer is sent (False when it could not be)."""

    def __init__(self, client):
        self._client = client
        self._response = client._request.Response

    def _set_headers(self, headers):
        if isinstance(headers, dict):
            for name in headers:
                self._response.SetHeader(name, headers[name])

    def WriteSwitchProto(self, upgrade, headers=None):
        self._set_headers(headers)
        self._response.SwitchingProtocols(upgrade)
        return True

    def WriteResponse(self, code, headers, contentType, contentCharset, content):
        response = self._response
        if response.HeadersSent:
            return False
        self._set_headers(headers)
        response.ContentType = contentType
        response.ContentCharset = contentCharset
        response.Return(code, "" if content is None else content)
        return True

    def WriteResponsePyHTMLFile(self, filepath, headers=None, vars=None):
        """Render a .pyhtml page; it sees ``httpClient``, ``httpResponse`` and the names
        of ``vars``."""
        microWebSrv = self._client._microWebSrv
        response = self._response
        variables = {"httpClient": self._client, "httpResponse": self}
        if vars:
            variables.update(vars)
        try:
            chunks = iter(microWebSrv._pyhtml_loader().load(filepath).stream(variables))
            first = _first(chunks)
        except Exception as exc:  # template or page error before anything went out
            log_error(microWebSrv._server, "Page %s" % filepath, exc)
            page = "<html><body><h1>PyHTML page execution error</h1><pre>%s</pre></body></html>"
            return self.WriteResponse(
                500, None, "text/html", "UTF-8", page % MicroWebSrv2.HTMLEscape(str(exc))
            )
        self._set_headers(headers)
        response.ContentType = "text/html"
        response.ContentCharset = "UTF-8"
        response.ReturnStream(200, _prepend(first, chunks))
        return True

    def WriteResponseFile(self, filepath, contentType=None, headers=None):
        if not _is_file(filepath):
            self.WriteResponseNotFound()
            return False
        self._set_headers(headers)
        self._response.ContentType = contentType
        self._response.ReturnFile(filepath)
        return True

    def WriteResponseFileAttachment(self, filepath, attachmentName, headers=None):
        if not _is_file(filepath):
            self.WriteResponseNotFound()
            return False
        self._set_headers(headers)
        self._response.ReturnFile(filepath, attachmentName)
        return True

    def WriteResponseOk(self, headers=None, contentType=None, contentCharset=None, content=None):
        return self.WriteResponse(200, headers, contentType, contentCharset, content)

    def WriteResponseJSONOk(self, obj=None, headers=None):
        return self.WriteResponse(200, headers, "application/json", "UTF-8", json.dumps(obj))

    def WriteResponseRedirect(self, location):
        return self.WriteResponse(302, {"Location": location}, None, None, None)

    def WriteResponseError(self, code):
        if self._response.HeadersSent:
            return False
        self._response.Return(code)  # mws2's small status page
        return True

    def WriteResponseJSONError(self, code, obj=None):
        return self.WriteResponse(code, None, "application/json", "UTF-8", json.dumps(obj or {}))

    def WriteResponseBadRequest(self):
        return self.WriteResponseError(400)

    def WriteResponseForbidden(self):
        return self.WriteResponseError(403)

    def WriteResponseNotFound(self):
        url = self._client._microWebSrv._notFoundUrl
        if url and url != self._client._request.Path:
            return self.WriteResponseRedirect(url)
        return self.WriteResponseError(404)

    def WriteResponseMethodNotAllowed(self):
        return self.WriteResponseError(405)

    def WriteResponseInternalServerError(self):
        return self.WriteResponseError(500)

    def WriteResponseNotImplemented(self):
        return self.WriteResponseError(501)


def _prepend(first, chunks):
    if first:
        yield first
    for chunk in chunks:
        yield chunk


def _first(chunks):
    try:
        return next(chunks)
    except StopIteration:
        return ""
