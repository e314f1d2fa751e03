"""What a complete request goes through: modules, then routes, then static files.

The order is MicroWebSrv2's: each loaded module's ``OnRequest`` may answer (and stop the
pipeline; an ``async def OnRequest``, or one that returns a coroutine, takes the request
and answers once awaited); then a matching route's handler; then, for GET/HEAD, a file
under RootPath; OPTIONS is answered as a CORS pre-flight; anything else is 405.
"""

from .routes import AllowedMethods, RouteMethodKnown, resolve

# The methods of RFC 9110 section 9 and PATCH (RFC 5789): answered 405 where no route
# takes them. Any other method is 501 unless a route registered it.
STANDARD_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE",
                    "CONNECT")


def route_of(request):
    """The route of a request, found once its head is read (its limit and whether it
    streams its content depend on it)."""
    method = request._method
    route = resolve(method, request._path)
    if route is None and method == "HEAD":
        route = resolve("GET", request._path)  # HEAD is GET without content
    return route


def process_request(mws2, request):
    response = request._response
    try:
        if mws2._modules and _run_modules(mws2, request):
            return
        if request.IsUpgrade and request.Upgrade.lower() == "websocket":
            # Nobody took the WebSocket (module not loaded): say so instead of serving
            # a page the client's handshake would reject anyway.
            response.ReturnNotImplemented()
            return
        method = request._method
        route = request._route
        if route is not None:
            _call_handler(mws2, request, route)
        elif method in ("GET", "HEAD"):
            _serve_static(mws2, request)
        elif method == "OPTIONS":
            _answer_preflight(mws2, request)
        elif method not in STANDARD_METHODS and not RouteMethodKnown(method):
            # RFC 9110 section 9.1: a method the server does not implement at all is 501;
            # 405 is for a known method that this resource does not take.
            response.ReturnNotImplemented()
        else:
            allowed = AllowedMethods(request.Path)
            response.SetHeader("Allow", ", ".join(allowed or ["GET", "HEAD", "OPTIONS"]))
            response.ReturnMethodNotAllowed()
    except Exception as exc:  # last resort: the server goes on whatever happened
        mws2._log_exception("Processing %s %s" % (request.Method, request.Path), exc)
        fail(request)


def fail(request, exc=None):
    """Answer a request whose handler raised: the status the exception carries (a
    ``status_code`` of 400-599, as the form and content errors have), else 500."""
    response = request.Response
    if response.HeadersSent:
        request._conn.close()
        return
    code = _status_of(exc)
    try:
        if isinstance(exc, MemoryError):
            # No status page (its module may not load on a full heap): a line.
            response.Return(503, "Out of memory for now: try again.")
        else:
            response.Return(code or 500)
    except Exception as error:  # e.g. the client is gone: nothing left to answer
        request._mws2._log_exception("Answering %d" % (code or 500), error)
        request._conn.close()


def _status_of(exc):
    if isinstance(exc, MemoryError):
        return 503  # a board's heap is full right now: the request may be tried again
    code = getattr(exc, "status_code", None)
    return code if type(code) is int and 400 <= code < 600 else None


def handler_failed(mws2, request, where, exc):
    code = _status_of(exc)
    if code:  # an answer the application did not catch, or a full heap: not a bug
        mws2.Log("%s: %s (%d)" % (where, exc, code), mws2.WARNING)
    else:
        mws2._log_exception(where, exc)
    fail(request, exc)


def _run_modules(mws2, request):
    for name, module in mws2._loaded_modules():
        on_request = getattr(module, "OnRequest", None)
        if on_request is None:
            continue
        try:
            result = on_request(mws2, request)
        except MemoryError as exc:  # a full heap, not a faulty module: 503 for now
            mws2._log_exception('Module "%s" OnRequest' % name, exc)
            fail(request, exc)
            return True
        except Exception as exc:  # MicroWebSrv2 logs a faulty module and goes on
            mws2._log_exception('Module "%s" OnRequest' % name, exc)
            if request.Response.HeadersSent:
                return True
            continue
        if result is not None and hasattr(result, "send"):
            # A coroutine (``async def OnRequest``, or one it returned): the module took
            # the request; it answers once awaited, where async handlers run.
            mws2._spawn(_await_handler(mws2, request, name, result))
            return True
        if request.Response.HeadersSent:
            return True
    return False


def _call_handler(mws2, request, route):
    found = route._route
    try:
        if found.arg_names:
            result = found.handler(mws2, request, route._args)
        else:
            result = found.handler(mws2, request)
    except Exception as exc:  # a handler bug answers 500; the server keeps serving
        handler_failed(mws2, request, _where(route), exc)
        return
    if result is not None and hasattr(result, "send"):
        # An ``async def`` handler (a coroutine; a generator on MicroPython): it answers
        # once awaited, on the loop of the asyncio mode or the pool's async runner.
        mws2._spawn(_await_handler(mws2, request, route, result))
        return
    _check_answered(mws2, request, route)


async def _await_handler(mws2, request, source, coro):
    """``source``: the RouteResult, or the name of the module whose OnRequest gave it."""
    try:
        await coro
    except Exception as exc:  # as for plain handlers: 500, logged, the server goes on
        handler_failed(mws2, request, _where(source), exc)
        return
    _check_answered(mws2, request, source)


def _where(source):
    if isinstance(source, str):
        return 'Module "%s" OnRequest' % source
    return "Route %r" % source


def _check_answered(mws2, request, source):
    response = request._response
    stream = request._stream
    if stream is not None and (stream.on_chunk is not None or stream.on_end is not None):
        return  # a plain handler reading its content: it answers in OnContentEnd
    if not response._hdrSent:
        where = _where(source)
        mws2.Log("No response was sent from %s%s" % (where[0].lower(), where[1:]), mws2.WARNING)
        response.ReturnNotImplemented()


def _serve_static(mws2, request):
    from . import static

    response = request.Response
    path = request.Path
    filename = mws2.ResolvePhysicalPath(path)
    if filename is None or (path[-1:] != "/" and static.is_folder(mws2.RootPath, path)):
        if path[-1:] != "/" and static.is_folder(mws2.RootPath, path):
            # "/sub" is a folder: its page's relative links need "/sub/" (301, as nginx).
            query = request.QueryString
            response.SetHeader("Location", path + "/" + ("?" + query if query else ""))
            response.Return(301)
            return
        filename = _packed_only(mws2, path)
        if filename is None:
            response.ReturnNotFound()
            return
    if not mws2.GetMimeTypeFromFilename(filename):
        response.ReturnForbidden()  # only files of a known type are served
        return
    response.AllowCaching = True
    response.ReturnFile(filename)


def _packed_only(mws2, path):
    """``/app.js`` when only ``app.js.gz`` exists (a board keeps only the .gz): the name
    to answer with (ReturnFile picks the .gz), or None."""
    if path[-1:] == "/" or path.endswith(".gz"):
        return None
    packed = mws2.ResolvePhysicalPath(path + ".gz")
    return packed[:-3] if packed is not None else None


def _answer_preflight(mws2, request):
    """CORS pre-flight (Fetch standard, CORS protocol): 204 with what is allowed."""
    response = request.Response
    allowed = AllowedMethods(request.Path)
    for method in ("GET", "HEAD", "OPTIONS"):
        if method not in allowed:
            allowed.append(method)
    response.SetHeader("Allow", ", ".join(allowed))
    if mws2.CORSAllowAll:
        wanted = request.GetHeader("Access-Control-Request-Method")
        response.SetHeader("Access-Control-Allow-Methods", wanted or ", ".join(allowed))
        wanted_headers = request.GetHeader("Access-Control-Request-Headers")
        response.SetHeader("Access-Control-Allow-Headers", wanted_headers or "*")
        response.SetHeader("Access-Control-Max-Age", "86400")
    response.Return(204)
