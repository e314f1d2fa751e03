"""HttpRequest: the MicroWebSrv2 request API over one httpcore_micro ``Request`` event.

Headers are decoded once into a dict (lower-case names; repeated fields joined with
", " as RFC 9110 section 5.3 allows, cookies with "; "). The body is read by the
connection before any handler runs, up to ``MaxRequestContentLength``.
"""

from httpcore_micro import split_target

from .compat import IS_MICROPYTHON, join_extras, latin1, monotonic, more
from .response import HttpResponse


def _decode(value):
    if isinstance(value, str):
        return value
    return latin1(value)


def _headers_dict(header_pairs):
    headers = {}
    for name, value in header_pairs:
        name = _decode(name).lower()
        value = _decode(value)
        if name in headers:
            value = headers[name] + ("; " if name == "cookie" else ", ") + value
        headers[name] = value
    return headers


_VERSIONS = {b"1.1": "HTTP/1.1", b"1.0": "HTTP/1.0"}


def _origin_path(path):
    """The path of an absolute-form target (RFC 9112 3.2.2: servers accept it); only
    called for a path that is not origin-form already (not starting with "/")."""
    lower = path[:8].lower()
    if lower.startswith("http://") or lower.startswith("https://"):
        slash = path.find("/", path.find("//") + 2)
        return path[slash:] if slash >= 0 else "/"
    return path


def _split_list(text, sep=","):
    return [item.strip() for item in text.split(sep) if item.strip()]


def _callback(value, name):
    if value is not None and not callable(value):
        raise TypeError('"%s" must be a function or None' % name)
    return value


class HttpRequest:
    """One request received on a connection (given to handlers and modules)."""

    def __init__(self, microWebSrv2, conn, event, keep_alive):
        self._mws2 = microWebSrv2
        self._conn = conn
        method = event.method
        # Both are ASCII (a token and digits: RFC 9112 3): no latin-1 pass needed.
        self._method = method.decode() if type(method) is bytes else _decode(method)
        version = _VERSIONS.get(event.http_version)
        self._httpVer = version or "HTTP/" + _decode(event.http_version)
        path, query = split_target(event.target)
        self._path = path if path[:1] == "/" else _origin_path(path)  # "/": the usual
        self._queryString = query
        self._rawHeaders = event.headers
        self._keepAlive = keep_alive
        self._is_head = self._method == "HEAD"
        self._maxContentLength = microWebSrv2._maxContentLen
        self._response = HttpResponse(microWebSrv2, self)
        if microWebSrv2._access_logging():
            self._started = monotonic()

    # Set by few requests: class-level defaults spare every request the assignments.
    _started = None  # when the head arrived, if an access log line is due
    _route = None  # the RouteResult found once the head was read
    _stream = None  # content.ContentStream when the route streams its content
    _queryParams = None
    _headersDict = None  # built on first use (see _headers)
    _content = None
    _proxied = None  # (UserAddress, IsSSL) through TrustedProxies, once asked

    @property
    def _headers(self):
        # Decoded on first use: many handlers read no header at all, and a browser sends
        # a dozen or more, so building the dict for every request is wasted work.
        headers = self._headersDict
        if headers is None:
            headers = self._headersDict = _headers_dict(self._rawHeaders)
        return headers

    def _keep_decoded_only(self):
        """For a request kept beyond its answer (an open WebSocket's ``Request``): its
        header fields in decoded form only, the raw ones (about as big) dropped, and its
        answer's header list too (framed and sent: nothing reads it again)."""
        headers = self._headers
        self._rawHeaders = ()
        self._response._headers = ()
        return headers

    def __getattr__(self, name):
        # The members few handlers need (request_extras): loaded on first use.
        return more(self, name, HttpRequest, "mws2.request_extras")

    def __repr__(self):
        return "<HttpRequest %s %s>" % (self._method, self._path)

    # ---- methods -------------------------------------------------------------------

    # ---- content read piece by piece (routes with streamContent=True) --------------

    # The raw fields are scanned rather than the header dict built: these are asked of
    # every request, and most handlers read no header. Once the dict exists (always
    # after _keep_decoded_only drops the raw fields), it answers.

    def _chunked(self):
        """Does a chunked content follow (Transfer-Encoding, RFC 9112 6.1)?"""
        if self._headersDict is not None:
            return "transfer-encoding" in self._headersDict
        for name, _value in self._rawHeaders:
            if len(name) == 17 and _decode(name).lower() == "transfer-encoding":
                return True  # httpcore_micro accepts chunked as the only coding
        return False

    def _declared_length(self):
        """The Content-Length the client announced, or None (chunked, or none)."""
        if self._headersDict is not None:
            value = self._headersDict.get("content-length")
            # httpcore_micro checked it is digits (repeated: the same digits)
            return int(value.split(",")[0]) if value is not None else None
        for name, value in self._rawHeaders:
            if len(name) == 14 and _decode(name).lower() == "content-length":
                return int(value)  # httpcore_micro checked it is digits
        return None

    @property
    def OnContentChunk(self):
        return self._content_stream().on_chunk

    @OnContentChunk.setter
    def OnContentChunk(self, value):
        self._content_stream().on_chunk = _callback(value, "OnContentChunk")
        self._conn.content_taken()  # what waited is handed to it now

    @property
    def OnContentEnd(self):
        return self._content_stream().on_end

    @OnContentEnd.setter
    def OnContentEnd(self, value):
        self._content_stream().on_end = _callback(value, "OnContentEnd")

    @property
    def MaxContentLength(self):
        """This request's content limit (bytes; None: no limit): the route's
        maxContentLength, else MaxRequestContentLength. A streamed route's handler may
        change it before reading; beyond it the client gets 413."""
        return self._maxContentLength

    @MaxContentLength.setter
    def MaxContentLength(self, value):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                  or value < 0):
            raise ValueError('"MaxContentLength" must be a number of bytes (>= 0) or None')
        self._maxContentLength = value
        if self._stream is not None:
            self._conn.content_limit_changed()

    def _call(self, callback, *args):
        try:
            callback(self, *args)
        except Exception as exc:  # as for handlers: 500 if nothing was answered
            self._mws2._log_exception("Content callback", exc)
            from .dispatch import fail

            fail(self)

    # ---- properties ----------------------------------------------------------------

    # Here, not in request_extras: the WebSockets module needs them for every upgrade
    # (loading the extras then, on a full heap, could turn a handshake into a 501).
    @property
    def HttpVer(self):
        return self._httpVer

    @property
    def Upgrade(self):
        return self._headers.get("upgrade", "")

    @property
    def Method(self):
        return self._method

    @property
    def Path(self):
        return self._path

    @property
    def IsUpgrade(self):
        # Repeated Connection fields count as one list (RFC 9110 section 5.3).
        if self._headersDict is not None:
            return "upgrade" in _split_list(self._headersDict.get("connection", "").lower())
        for name, value in self._rawHeaders:
            if len(name) == 10 and _decode(name).lower() == "connection":
                if "upgrade" in _split_list(_decode(value).lower()):
                    return True
        return False

    @property
    def Content(self):
        return self._content

    @property
    def Response(self):
        return self._response


if not IS_MICROPYTHON:
    join_extras(HttpRequest, "mws2.request_extras")  # CPython: whole from the start
