"""What a complete request goes through: modules, then routes, then static files.

The order is MicroWebSrv2's: each loaded module's ``OnRequest`` may answer (and stop the
pipeline; an ``async def OnRequest``, or one that returns a coroutine, takes the request
and answers once awaited); then a matching route's handler; then, for GET/HEAD, a file
under RootPath; OPTIONS is answered as a CORS pre-flight; anything else is 405.
"""

from .routes import AllowedMethods, resolve


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
        route = resolve(method, request._path)
        if route is None and method == "HEAD":
            route = resolve("GET", request._path)  # HEAD is GET without content
        if route is not None:
            _call_handler(mws2, request, route)
        elif method in ("GET", "HEAD"):
            _serve_static(mws2, request)
        elif method == "OPTIONS":
            _answer_preflight(mws2, request)
        else:
            allowed = AllowedMethods(request.Path)
            response.SetHeader("Allow", ", ".join(allowed or ["GET", "HEAD", "OPTIONS"]))
            response.ReturnMethodNotAllowed()
    except Exception as exc:  # last resort: the server goes on whatever happened
        mws2._log_exception("Processing %s %s" % (request.Method, request.Path), exc)
        _fail(request)


def _fail(request):
    response = request.Response
    if response.HeadersSent:
        request._conn.close()
    else:
        try:
            response.ReturnInternalServerError()
        except Exception as exc:  # e.g. the client is gone: nothing left to answer
            request._mws2._log_exception("Answering 500", exc)
            request._conn.close()


def _run_modules(mws2, request):
    for name, module in mws2._loaded_modules():
        on_request = getattr(module, "OnRequest", None)
        if on_request is None:
            continue
        try:
            result = on_request(mws2, request)
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
        mws2._log_exception(_where(route), exc)
        _fail(request)
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
        mws2._log_exception(_where(source), exc)
        _fail(request)
        return
    _check_answered(mws2, request, source)


def _where(source):
    if isinstance(source, str):
        return 'Module "%s" OnRequest' % source
    return "Route %r" % source


def _check_answered(mws2, request, source):
    response = request._response
    if not response._hdrSent:
        where = _where(source)
        mws2.Log("No response was sent from %s%s" % (where[0].lower(), where[1:]), mws2.WARNING)
        response.ReturnNotImplemented()


def _serve_static(mws2, request):
    response = request.Response
    filename = mws2.ResolvePhysicalPath(request.Path)
    if filename is None:
        response.ReturnNotFound()
        return
    ctype = mws2.GetMimeTypeFromFilename(filename)
    if not ctype:
        response.ReturnForbidden()  # only files of a known type are served
        return
    response.AllowCaching = True
    response.ContentType = ctype
    response.ReturnFile(filename)


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
