"""Web routes: ``@WebRoute``, ``RegisterRoute``, ``ResolveRoute``, ``PathFromRoute``.

Routes are global (every MicroWebSrv2 instance sees them), as in MicroWebSrv2. A route
path is split into segments; a ``<name>`` segment captures one path segment (any
characters but ``/``: dots, hyphens, hex digits ...). Matching compares literal segments
case-insensitively; captured values keep their case, and decimal values become ``int``.
"""

GET = "GET"
HEAD = "HEAD"
POST = "POST"
PUT = "PUT"
DELETE = "DELETE"
OPTIONS = "OPTIONS"
PATCH = "PATCH"

_routes = []
# (method, lower-case path) -> (first literal route, the argument routes of that method
# registered before it, which match first if they can). Built on first use after a
# change: most requests name a literal route, found here without a scan.
_literal_index = {}
_index_stale = [True]


class _Route:
    def __init__(self, handler, method, route_path, name, parts, stream_content=False,
                 max_content=None):
        self.handler = handler
        self.method = method
        self.route_path = route_path
        self.name = name
        # parts: list of (is_arg, text); text is the lower-cased literal or the arg name
        self.parts = parts
        self.arg_names = [text for is_arg, text in parts if is_arg]
        # The handler runs once the head is read and reads the content itself.
        self.stream_content = stream_content
        # This route's MaxRequestContentLength (None: the server's).
        self.max_content = max_content


class RouteResult:
    """What ``ResolveRoute`` found: the handler, the route and the captured arguments."""

    def __init__(self, route, args):
        self._route = route
        self._args = args

    def __repr__(self):
        if self._route.name:
            return self._route.name
        return "%s %s" % (self._route.method, self._route.route_path)

    @property
    def Handler(self):
        return self._route.handler

    @property
    def Method(self):
        return self._route.method

    @property
    def RoutePath(self):
        return self._route.route_path

    @property
    def Name(self):
        return self._route.name

    @property
    def Args(self):
        return self._args


def _check_text(value, argname):
    if not isinstance(value, str):
        raise TypeError('"%s" must be a string' % argname)
    if not value:
        raise ValueError('"%s" must be a not empty string' % argname)


def _strip_trailing_slash(path):
    if len(path) > 1 and path.endswith("/"):
        return path[:-1]
    return path


def _parse_route_path(route_path):
    parts = []
    for segment in route_path.split("/")[1:]:
        if segment.startswith("<") and segment.endswith(">"):
            arg_name = segment[1:-1]
            if not arg_name or "<" in arg_name or ">" in arg_name:
                raise ValueError('"routePath" has an empty or bad argument: %r' % route_path)
            if arg_name in [text for is_arg, text in parts if is_arg]:
                raise ValueError('"routePath" repeats the argument <%s>' % arg_name)
            parts.append((True, arg_name))
        elif "<" in segment or ">" in segment:
            raise ValueError('"routePath" argument must be a whole segment: %r' % route_path)
        else:
            parts.append((False, segment.lower()))
    return parts


def _same_shape(parts_a, parts_b):
    if len(parts_a) != len(parts_b):
        return False
    for (arg_a, text_a), (arg_b, text_b) in zip(parts_a, parts_b):
        if arg_a != arg_b or (not arg_a and text_a != text_b):
            return False
    return True


def RegisterRoute(handler, method, routePath, name=None, streamContent=False,
                  maxContentLength=None):
    """Register ``handler`` for ``method`` and ``routePath`` (the decorator's work).

    ``streamContent``: the handler runs as soon as the head is read and reads the
    content itself, piece by piece (``await request.ReadContentChunk()``, or the
    ``OnContentChunk`` / ``OnContentEnd`` callbacks): an upload is never held in memory.
    ``maxContentLength``: this route's content limit (None: MaxRequestContentLength)."""
    if not callable(handler):
        raise TypeError('"handler" must be a function')
    _check_text(method, "method")
    _check_text(routePath, "routePath")
    if routePath[0] != "/":
        raise ValueError('"routePath" must start with "/"')
    if name is not None and not isinstance(name, str):
        raise TypeError('"name" must be a string or None')
    if maxContentLength is not None and (
        not isinstance(maxContentLength, int) or isinstance(maxContentLength, bool)
        or maxContentLength < 0
    ):
        raise ValueError('"maxContentLength" must be a number of bytes (>= 0) or None')
    method = method.upper()
    routePath = _strip_trailing_slash(routePath)
    parts = _parse_route_path(routePath)
    for route in _routes:
        if route.method == method and _same_shape(route.parts, parts):
            if route.handler is handler and route.name == name:
                return  # registering the very same route again (module reloaded) is harmless
            raise ValueError('"routePath" duplicates the route %s %s' % (method, route.route_path))
    _routes.append(
        _Route(handler, method, routePath, name, parts, bool(streamContent), maxContentLength)
    )
    _index_stale[0] = True


def UnregisterRoute(method, routePath):
    """Remove a registered route (not in MicroWebSrv2; handy for tests and reloads)."""
    method = method.upper()
    parts = _parse_route_path(_strip_trailing_slash(routePath))
    for route in _routes:
        if route.method == method and _same_shape(route.parts, parts):
            _routes.remove(route)
            _index_stale[0] = True
            return True
    return False


def WebRoute(method, routePath, name=None, streamContent=False, maxContentLength=None):
    """Decorator: ``@WebRoute(GET, '/users/<id>')`` registers the function below it
    (see RegisterRoute for ``streamContent`` and ``maxContentLength``)."""
    if callable(method):
        raise TypeError("@WebRoute needs its arguments: @WebRoute(method, routePath)")

    def register(handler):
        RegisterRoute(handler, method, routePath, name, streamContent, maxContentLength)
        return handler

    return register


def _arg_value(text):
    digits = text[1:] if text[:1] == "-" else text
    if digits and len(digits) <= 18 and digits.isdigit():
        return int(text)
    return text


def _match(route, segments):
    if len(route.parts) != len(segments):
        return None
    args = {}
    for (is_arg, text), segment in zip(route.parts, segments):
        if is_arg:
            if not segment:
                return None
            args[text] = _arg_value(segment)
        elif text != segment.lower():
            return None
    return args


def _segments(path):
    return _strip_trailing_slash(path).split("/")[1:]


def _build_literal_index():
    _literal_index.clear()
    arg_routes = {}  # method -> its argument routes so far, in registration order
    for route in _routes:
        if route.arg_names:
            arg_routes.setdefault(route.method, []).append(route)
            continue
        key = (route.method, route.route_path.lower())
        if key not in _literal_index:
            _literal_index[key] = (route, tuple(arg_routes.get(route.method, ())))
    _index_stale[0] = False


def ResolveRoute(method, path):
    """The ``RouteResult`` of the first route matching ``method`` and ``path``, or None."""
    if not isinstance(method, str) or not isinstance(path, str):
        return None
    return resolve(method, path)


def resolve(method, path):
    """``ResolveRoute`` for the server's own calls: ``method`` and ``path`` are str."""
    if path[:1] != "/":
        return None
    method = method.upper()
    if _index_stale[0]:
        _build_literal_index()
    # Most paths are already in the index's form (lower case, no trailing slash).
    found = _literal_index.get((method, path))
    if found is None:
        found = _literal_index.get((method, _strip_trailing_slash(path).lower()))
    if found is not None:
        route, earlier = found
        if not earlier:
            return RouteResult(route, {})
        return _first_match(method, _segments(path), earlier) or RouteResult(route, {})
    return _first_match(method, _segments(path), _routes)


def _first_match(method, segments, routes):
    for route in routes:
        if route.method == method:
            args = _match(route, segments)
            if args is not None:
                return RouteResult(route, args)
    return None


def RouteMethodKnown(method):
    """Does any route take ``method``?"""
    for route in _routes:
        if route.method == method:
            return True
    return False


def AllowedMethods(path):
    """The methods some route accepts for ``path`` (for 405 answers and pre-flights)."""
    segments = _segments(path)
    found = []
    for route in _routes:
        if route.method not in found and _match(route, segments) is not None:
            found.append(route.method)
    return found


def PathFromRoute(routeName, routeArgs=None):
    """Build the path of the route named ``routeName`` with ``routeArgs`` filled in."""
    _check_text(routeName, "routeName")
    if routeArgs is None:
        routeArgs = {}
    if not isinstance(routeArgs, dict):
        raise TypeError('"routeArgs" must be a dict')
    for route in _routes:
        if route.name == routeName:
            segments = []
            for is_arg, text in route.parts:
                if not is_arg:
                    segments.append(text)
                    continue
                if routeArgs.get(text) is None:
                    raise ValueError('"routeArgs" lacks <%s> for route %s' % (text, routeName))
                segments.append(str(routeArgs[text]))
            return _literal_case(route.route_path, segments)
    raise ValueError('"routeName" is not a registered route: %s' % routeName)


def _literal_case(route_path, segments):
    """Put the route's own spelling back on literal segments (parts are lower-cased)."""
    original = route_path.split("/")[1:]
    out = []
    for orig, seg in zip(original, segments):
        out.append(orig if orig.lower() == seg and not orig.startswith("<") else seg)
    return "/" + "/".join(out)
