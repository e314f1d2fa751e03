"""HttpRequest: the MicroWebSrv2 request API over one httpcore_micro ``Request`` event.

Headers are decoded once into a dict (lower-case names; repeated fields joined with
", " as RFC 9110 section 5.3 allows, cookies with "; "). The body is read by the
connection before any handler runs, up to ``MaxRequestContentLength``.
"""

from httpcore_micro import split_target

from .compat import latin1, monotonic
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


def _check_str(value, argname):
    if not isinstance(value, str):
        raise TypeError('"%s" must be a string' % argname)


def _same_secret(given, expected):
    """Compare without stopping at the first difference (no timing hint on secrets)."""
    given = given.encode()
    expected = expected.encode()
    diff = len(given) ^ len(expected)
    for i in range(min(len(given), len(expected))):
        diff |= given[i] ^ expected[i]
    return diff == 0


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

    def __repr__(self):
        return "<HttpRequest %s %s>" % (self._method, self._path)

    # ---- methods -------------------------------------------------------------------

    def GetPostedURLEncodedForm(self):
        """The name/value pairs of an ``application/x-www-form-urlencoded`` body."""
        if self.ContentType.lower() != "application/x-www-form-urlencoded" or not self._content:
            return {}
        from httpcore_micro import parse_form  # loaded on first use, as the helpers below

        return parse_form(bytes(self._content))

    def GetPostedJSONObject(self):
        """The JSON value of an ``application/json`` body, or None if absent or invalid."""
        ctype = self.ContentType.lower()
        if not (ctype == "application/json" or ctype.endswith("+json")) or not self._content:
            return None
        import json

        try:
            return json.loads(bytes(self._content).decode())
        except ValueError:  # includes UnicodeError: documented answer is None
            return None

    # ---- content read piece by piece (routes with streamContent=True) --------------

    def _declared_length(self):
        """The Content-Length the client announced, or None (chunked, or none)."""
        for name, value in self._rawHeaders:
            if len(name) == 14 and _decode(name).lower() == "content-length":
                return int(value)  # httpcore_micro checked it is digits
        return None

    def _content_stream(self):
        stream = self._stream
        if stream is None:
            from .server import MicroWebSrv2Exception

            raise MicroWebSrv2Exception(
                "the content was read before the handler ran: register the route with "
                "streamContent=True to read it piece by piece"
            )
        return stream

    async def ReadContentChunk(self):
        """The next piece of the content (bytes), b"" once it is all read."""
        return await self._content_stream().read_chunk()

    def ContentChunks(self):
        """``async for chunk in request.ContentChunks()``: the content, piece by piece."""
        from .content import ContentChunks

        return ContentChunks(self._content_stream())

    async def SaveContent(self, path):
        """Write the content to file ``path`` as it arrives; returns its size."""
        return await self._content_stream().save(path)

    async def ReadMultipartForm(self, saveTo=None, maxFileSize=None, maxFieldSize=8192):
        """A multipart/form-data content as a dict: field name -> str value, or ->
        ``UploadedFile`` (``Name``, ``FileName``, ``ContentType``, ``Size``, ``Path``)
        whose data was written, as it arrived, to a file in folder ``saveTo`` (None:
        files are read and dropped). Over ``maxFileSize`` / ``maxFieldSize``: 413;
        malformed: 400 (the error raised carries it). See mws2/forms.py."""
        from .forms import parse_form, read_form

        if self._stream is None:
            return parse_form(self, self._content, saveTo, maxFileSize, maxFieldSize)
        return await read_form(self, saveTo, maxFileSize, maxFieldSize)

    def GetPostedMultipartForm(self, saveTo=None, maxFileSize=None, maxFieldSize=8192):
        """ReadMultipartForm for a content already read (a route that does not stream
        its content, whose handler may be a plain function)."""
        from .forms import parse_form

        return parse_form(self, self._content, saveTo, maxFileSize, maxFieldSize)

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

    def GetQueryValues(self, name):
        """Every value of query argument ``name``, in order (``a=1&a=2`` -> ["1", "2"])."""
        if not self._queryString:
            return []
        from httpcore_micro import parse_query_list

        return [value for key, value in parse_query_list(self._queryString) if key == name]

    def GetPostedFormValues(self, name):
        """Every value of field ``name`` of an urlencoded form (checkboxes, multi-selects)."""
        if self.ContentType.lower() != "application/x-www-form-urlencoded" or not self._content:
            return []
        from httpcore_micro import parse_query_list

        return [value for key, value in parse_query_list(bytes(self._content)) if key == name]

    def GetCookie(self, name, default=None):
        """The value of cookie ``name`` (decoded as SetCookie encoded it), or default."""
        from httpcore_micro import parse_cookies

        from .cookies import decode_value

        value = parse_cookies(self._headers.get("cookie", "")).get(name)
        return default if value is None else decode_value(value)

    def GetHeader(self, name):
        """The value of header ``name`` (case-insensitive), '' if absent."""
        _check_str(name, "name")
        if not name:
            raise ValueError('"name" must be a not empty string')
        return self._headers.get(name.lower(), "")

    def CheckBasicAuth(self, username, password):
        """True if the request carries Basic credentials equal to these (RFC 7617)."""
        _check_str(username, "username")
        _check_str(password, "password")
        from httpcore_micro import parse_basic_auth

        creds = parse_basic_auth(self.Authorization)
        if not creds:
            return False
        user_ok = _same_secret(creds[0], username)
        return _same_secret(creds[1], password) and user_ok

    def CheckBearerAuth(self, token):
        """True if the request carries ``Authorization: Bearer <token>`` (RFC 6750)."""
        _check_str(token, "token")
        parts = self.Authorization.split()
        if len(parts) != 2 or parts[0].lower() != "bearer":
            return False
        return _same_secret(parts[1], token)

    # ---- properties ----------------------------------------------------------------

    @property
    def UserAddress(self):
        if self._mws2._trustedProxies is None:
            return self._conn.client.CliAddr
        return self._forwarded()[0]

    @property
    def IsSSL(self):
        if self._mws2._trustedProxies is None:
            return bool(self._conn.client.IsSSL)
        return self._forwarded()[1]

    def _forwarded(self):
        """(UserAddress, IsSSL) through the server's TrustedProxies, once a request."""
        found = self._proxied
        if found is None:
            from .proxies import forwarded

            found = self._proxied = forwarded(self._mws2._trustedProxies, self._conn.client,
                                              self)
        return found

    @property
    def HttpVer(self):
        return self._httpVer

    @property
    def Method(self):
        return self._method

    @property
    def Path(self):
        return self._path

    @property
    def QueryString(self):
        return self._queryString

    @property
    def QueryParams(self):
        if self._queryParams is None:
            params = {}
            if self._queryString:
                from httpcore_micro import parse_query

                params = parse_query(self._queryString)
            self._queryParams = params
        return self._queryParams

    @property
    def Host(self):
        return self._headers.get("host", "")

    @property
    def Accept(self):
        return _split_list(self._headers.get("accept", ""))

    @property
    def AcceptEncodings(self):
        return _split_list(self._headers.get("accept-encoding", ""))

    @property
    def AcceptLanguages(self):
        return _split_list(self._headers.get("accept-language", ""))

    @property
    def Cookies(self):
        return _split_list(self._headers.get("cookie", ""), ";")

    @property
    def CacheControl(self):
        return self._headers.get("cache-control", "")

    @property
    def Referer(self):
        return self._headers.get("referer", "")

    @property
    def ContentType(self):
        return self._headers.get("content-type", "").split(";", 1)[0].strip()

    @property
    def ContentLength(self):
        if self._content is not None:
            return len(self._content)
        try:
            return int(self._headers.get("content-length", "0"))
        except ValueError:
            return 0

    @property
    def UserAgent(self):
        return self._headers.get("user-agent", "")

    @property
    def Authorization(self):
        return self._headers.get("authorization", "")

    @property
    def Origin(self):
        return self._headers.get("origin", "")

    @property
    def IsKeepAlive(self):
        return self._keepAlive

    @property
    def IsUpgrade(self):
        # Scans the raw fields without building the header dict: dispatch asks this of
        # every request. Repeated Connection fields count as one list (RFC 9110 5.3).
        for name, value in self._rawHeaders:
            if len(name) == 10 and _decode(name).lower() == "connection":
                if "upgrade" in _split_list(_decode(value).lower()):
                    return True
        return False

    @property
    def Upgrade(self):
        return self._headers.get("upgrade", "")

    @property
    def Content(self):
        return self._content

    @property
    def Response(self):
        return self._response

    @property
    def XAsyncTCPClient(self):
        return self._conn.client

    @property
    def Headers(self):
        """All headers as a dict of lower-case names (not in MicroWebSrv2)."""
        return self._headers
