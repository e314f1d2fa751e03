"""HttpResponse: the MicroWebSrv2 answer API, turned into response events on the connection.

The response never writes bytes itself: it gives a status, headers and body pieces to
its connection (``connection.HttpConnection``), which frames them with httpcore_micro
and queues them on the xasync client. Streams and files are read one chunk at a time,
the next chunk only once the previous one is in the kernel (back-pressure).
"""

from .compat import IS_MICROPYTHON, elapsed_since, join_extras, more

# How long browsers may keep a cacheable answer before revalidating it (ETag /
# Last-Modified make revalidation cheap: a 304 without content).
CACHE_MAX_AGE_SEC = 3600
SERVER_NAME = "mws2"


_SERVER_FIELD = ("Server", SERVER_NAME)
_CACHE_FIELD = ("Cache-Control", "public, max-age=%d" % CACHE_MAX_AGE_SEC)
_NO_CACHE_FIELD = ("Cache-Control", "no-cache, no-store, must-revalidate")
_CONTENT_TYPE_FIELDS = {}  # (type, charset) -> field, for the few pairs a server uses
CONTENT_TYPE_FIELDS_MAX = 64


def _content_type_field(ctype, charset):
    key = (ctype, charset)
    field = _CONTENT_TYPE_FIELDS.get(key)
    if field is None:
        if len(_CONTENT_TYPE_FIELDS) >= CONTENT_TYPE_FIELDS_MAX:
            _CONTENT_TYPE_FIELDS.clear()
        field = ("Content-Type", ctype + "; charset=" + charset if charset else ctype)
        _CONTENT_TYPE_FIELDS[key] = field
    return field


def _has_no_body(code):
    """1xx, 204 and 304 answers never carry content (RFC 9110 sections 6.4.1, 15)."""
    return code < 200 or code == 204 or code == 304


def _check_code(code):
    if not isinstance(code, int) or isinstance(code, bool):
        raise TypeError('"code" must be an integer')
    if code < 100 or code > 999:
        raise ValueError('"code" must be an HTTP status code (100-999)')


def _check_text(value, argname):
    if not isinstance(value, str):
        raise TypeError('"%s" must be a string' % argname)
    if not value:
        raise ValueError('"%s" must be a not empty string' % argname)


def _content_bytes(content):
    if isinstance(content, bytes):
        return content
    if isinstance(content, (bytearray, memoryview)):
        return bytes(content)
    if isinstance(content, (int, float, bool)):
        raise TypeError('"content" must be str, bytes or convertible into bytes')
    try:
        return bytes(content)
    except TypeError:
        raise TypeError('"content" must be str, bytes or convertible into bytes') from None


class HttpResponse:
    """The answer to one HttpRequest (``request.Response``)."""

    def __init__(self, microWebSrv2, request):
        self._mws2 = microWebSrv2
        self._request = request
        self._conn = request._conn

    # Defaults at class level: most answers change few of them, so an instance sets
    # only what its handler changes (one response is built per request).
    _headers = ()  # SetHeader makes an instance list
    _allowCaching = False
    _accessControlAllowOrigin = None
    _contentType = None
    _contentCharset = None
    _contentLength = 0
    _hdrSent = False
    _onSent = None
    _code = None
    _stream = None
    _bodyBytes = 0  # content bytes sent (the access log's size)

    def __getattr__(self, name):
        # The members few answers need (response_extras): loaded on first use.
        return more(self, name, HttpResponse, "mws2.response_extras")

    # ---- headers -------------------------------------------------------------------

    def SetHeader(self, name, value):
        """Set (replace) a response header; ``value`` is converted with ``str``."""
        self._set_header(name, value, True)

    def _set_header(self, name, value, replace):
        _check_text(name, "name")
        if value is None:
            raise ValueError('"value" cannot be None')
        value = str(value)
        for text in (name, value):
            if "\r" in text or "\n" in text:
                raise ValueError("header name and value cannot hold CR or LF")
        lower = name.lower()
        for pair in self._headers if replace else ():
            if pair[0].lower() == lower:
                pair[1] = value
                return
        if not self._headers:
            self._headers = []
        self._headers.append([name, value])

    def _has_header(self, lower_name):
        for pair in self._headers:
            if pair[0].lower() == lower_name:
                return True
        return False

    def _final_headers(self, code, length):
        own = self._headers  # usually none: then no header of ours needs looking up
        if not own:
            out = [_SERVER_FIELD]
        else:
            out = [] if self._has_header("server") else [_SERVER_FIELD]
        if code >= 200 and (not own or not self._has_header("cache-control")):
            out.append(_CACHE_FIELD if self._allowCaching else _NO_CACHE_FIELD)
        mws2 = self._mws2
        if (
            self._accessControlAllowOrigin is not None
            or mws2._corsAllowAll
            or mws2._allowAllOrigins
        ) and (not own or not self._has_header("access-control-allow-origin")):
            self._cors_headers(out)
        if not _has_no_body(code):
            if self._contentType:
                out.append(_content_type_field(self._contentType, self._contentCharset))
            if length is not None:
                out.append(("Content-Length", str(length)))
        for name, value in own:
            lower = name.lower()
            if lower in ("content-length", "transfer-encoding") and length is not None:
                continue  # the framing is ours to decide
            out.append((name, value))
        if self._conn.finishing:
            out.append(("Connection", "close"))  # the server is stopping (RFC 9112 9.6)
        return out

    def _already_sent(self):
        if self._hdrSent:
            self._mws2.Log(
                "Response already sent for %s %s" % (self._request.Method, self._request.Path),
                self._mws2.WARNING,
            )
            return True
        return False

    def _start(self, code, length):
        self._conn.start_response(code, self._final_headers(code, length))
        self._code = code
        self._hdrSent = True

    def _refuse_answers(self, code):
        """The connection answered ``code`` itself (413 ...): the handler's answer, if
        any comes, is refused as a second answer."""
        if not self._hdrSent:
            self._code = code
            self._hdrSent = True

    def _finished(self):
        """Called by the connection once the last byte is in the kernel."""
        started = self._request._started
        if started is not None:
            self._mws2._log_access(self._request, self, elapsed_since(started))
        if self._onSent:
            try:
                self._onSent(self._mws2, self)
            except Exception as exc:  # a faulty callback must not stop the server
                self._mws2._log_exception("OnSent callback", exc)

    # ---- sending -------------------------------------------------------------------

    def _send_whole(self, code, body):
        """Status, headers and a known body: framed in one step, sent in one write."""
        length = None
        if not _has_no_body(code):
            self._contentLength = length = len(body)
        if self._request._is_head or not length:
            body = None
        headers = self._final_headers(code, length)
        # Marked sent first: the connection may finish this answer (and start on the
        # next request) before send_whole returns.
        self._code = code
        self._hdrSent = True
        self._bodyBytes = len(body) if body else 0
        self._conn.send_whole(code, headers, body, self)

    def Return(self, code, content=None):
        """Answer ``code`` with ``content`` (str, bytes ...) or a small status page."""
        if type(code) is not int or code < 100 or code > 999:
            _check_code(code)  # raises the documented error (a bool is not a code either)
        if self._hdrSent and self._already_sent():
            return
        if content is None:
            body = b""
            if not _has_no_body(code):
                from .status import status_page

                body = status_page(code)
                self._contentType = "text/html"
                self._contentCharset = "UTF-8"
        elif isinstance(content, str):
            body = content.encode()
            if not self._contentType:
                self._contentType = "text/html"
            if not self._contentCharset:
                self._contentCharset = "UTF-8"
        else:
            body = _content_bytes(content)
            if not self._contentType:
                self._contentType = "application/octet-stream"
        self._send_whole(code, body)

    def ReturnOk(self, content=None):
        self.Return(200, content)

    # ---- the named answers ---------------------------------------------------------

    # Here, not in response_extras: the PyhtmlTemplate and WebSockets modules answer
    # with them, and loading all the extras for one of them would cost more.

    def _ReturnChunks(self, code, chunks):
        """Answer with an iterator of str/bytes pieces (templates); chunked framing."""
        _check_code(code)
        if self._already_sent():
            return
        if not self._contentType:
            self._contentType = "text/html"
            self._contentCharset = "UTF-8"
        self._start(code, None)
        if self._request._is_head:
            self._conn.end_response(self)
            return
        from .streams import send_iterator

        send_iterator(self._conn, chunks, self)

    def SwitchingProtocols(self, upgrade):
        """Answer 101 and hand the connection to the new protocol named ``upgrade``."""
        _check_text(upgrade, "upgrade")
        if self._already_sent():
            return
        self.SetHeader("Connection", "Upgrade")
        self.SetHeader("Upgrade", upgrade)
        self._code = 101
        self._hdrSent = True
        headers = [(name, value) for name, value in self._headers]
        if not self._has_header("server"):
            headers.insert(0, ("Server", SERVER_NAME))
        self._conn.switch_protocols(headers, self)

    # ---- properties ----------------------------------------------------------------

    @property
    def HeadersSent(self):
        # Here, not in response_extras: dispatch asks it after every loaded module.
        return self._hdrSent

    @property
    def AllowCaching(self):
        return self._allowCaching

    @AllowCaching.setter
    def AllowCaching(self, value):
        if not isinstance(value, bool):
            raise TypeError('"AllowCaching" must be a bool')
        self._allowCaching = value

    @property
    def AccessControlAllowOrigin(self):
        return self._accessControlAllowOrigin

    @AccessControlAllowOrigin.setter
    def AccessControlAllowOrigin(self, value):
        if value is not None and not isinstance(value, str):
            raise TypeError('"AccessControlAllowOrigin" must be a string or None')
        self._accessControlAllowOrigin = value or None

    @property
    def ContentType(self):
        return self._contentType

    @ContentType.setter
    def ContentType(self, value):
        if value is not None and not isinstance(value, str):
            raise TypeError('"ContentType" must be a string or None')
        self._contentType = value

    @property
    def ContentCharset(self):
        return self._contentCharset

    @ContentCharset.setter
    def ContentCharset(self, value):
        if value is not None and not isinstance(value, str):
            raise TypeError('"ContentCharset" must be a string or None')
        self._contentCharset = value

    @property
    def ContentLength(self):
        return self._contentLength

    @ContentLength.setter
    def ContentLength(self, value):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError('"ContentLength" must be an integer')
        if value < 0:
            raise ValueError('"ContentLength" must be zero or positive')
        self._contentLength = value

    @property
    def OnSent(self):
        return self._onSent

    @OnSent.setter
    def OnSent(self, value):
        if value is not None and not callable(value):
            raise TypeError('"OnSent" must be a function or None')
        self._onSent = value


if not IS_MICROPYTHON:
    # CPython has the heap to spare: the class is whole from the start (introspection,
    # editors, no first-use step).
    join_extras(HttpResponse, "mws2.response_extras")
