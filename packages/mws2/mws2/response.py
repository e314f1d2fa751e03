"""HttpResponse: the MicroWebSrv2 answer API, turned into response events on the connection.

The response never writes bytes itself: it gives a status, headers and body pieces to
its connection (``connection.HttpConnection``), which frames them with httpcore_micro
and queues them on the xasync client. Streams and files are read one chunk at a time,
the next chunk only once the previous one is in the kernel (back-pressure).
"""

from .compat import elapsed_since

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

    def AddHeader(self, name, value):
        """Add a header field, keeping those of the same name (Set-Cookie, Link ...)."""
        self._set_header(name, value, False)

    def SetCookie(self, name, value, maxAge=None, expires=None, path="/", domain=None,
                  secure=False, httpOnly=True, sameSite="Lax"):
        """Add a Set-Cookie field (RFC 6265): any number per answer. ``value`` is
        percent-encoded where it holds what a cookie cannot (``GetCookie`` decodes it);
        ``expires``: seconds since the epoch or an HTTP date; ``maxAge`` 0 deletes."""
        from .cookies import set_cookie_value

        self.AddHeader("Set-Cookie", set_cookie_value(
            name, value, maxAge, expires, path, domain, secure, httpOnly, sameSite))

    def _has_header(self, lower_name):
        for pair in self._headers:
            if pair[0].lower() == lower_name:
                return True
        return False

    def _cors_headers(self, out):
        origin = self._accessControlAllowOrigin
        mws2 = self._mws2
        if origin is None and not mws2.CORSAllowAll and not mws2.AllowAllOrigins:
            return  # the usual case: no CORS header, and no need to read Origin
        request_origin = self._request.Origin
        if origin is None and mws2.CORSAllowAll and request_origin:
            # Credentials are allowed with CORSAllowAll: the Fetch standard then forbids
            # "*", so the request's own origin is echoed back.
            origin = request_origin
            out.append(("Access-Control-Allow-Credentials", "true"))
            out.append(("Vary", "Origin"))
        elif origin is None and self._mws2.AllowAllOrigins:
            origin = "*"
        if origin:
            out.append(("Access-Control-Allow-Origin", origin))

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

    def ReturnJSON(self, code, obj):
        """Answer ``code`` with ``obj`` serialized as JSON."""
        import json

        _check_code(code)
        try:
            text = json.dumps(obj)
        except (TypeError, ValueError) as exc:
            raise ValueError('"obj" cannot be serialized to JSON: %s' % exc) from None
        self._contentType = "application/json"
        self._contentCharset = "UTF-8"
        self.Return(code, text)

    def ReturnOk(self, content=None):
        self.Return(200, content)

    def ReturnOkJSON(self, obj):
        self.ReturnJSON(200, obj)

    def ReturnStream(self, code, stream):
        """Answer with the content of ``stream`` (chunked if the length is unknown): a
        readable object (``readinto`` or ``read``), read as the socket drains; or an
        iterator / generator of str or bytes pieces; or an async iterator (an async
        generator on CPython, any object with ``__anext__``), each piece sent as it
        comes (asyncio mode, or the pool's async runner)."""
        _check_code(code)
        kind = _stream_kind(stream)
        if kind is None:
            raise TypeError(
                '"stream" must be readable (readinto or read), an iterator or an async iterator'
            )
        if self._already_sent():
            _close_quietly(stream, self._mws2)
            return
        if not self._contentType:
            self._contentType = "application/octet-stream"
        length = self._contentLength or None
        self._start(code, length)
        if self._request._is_head or _has_no_body(code):
            _close_quietly(stream, self._mws2)
            self._conn.end_response(self)
            return
        from .streams import send_async_iterator, send_iterator, send_stream

        if kind == "read":
            send_stream(self._conn, stream, length, self)
        elif kind == "async":
            send_async_iterator(self._conn, stream, self)
        else:
            send_iterator(self._conn, stream, self)

    def ReturnStreamWriter(self, code=200):
        """Send the status and headers now and return a ``ResponseWriter``: the body
        is then written piece by piece (``Write``, ``await Drain()``, ``Close()``), from
        anywhere; see mws2/writer.py."""
        from .writer import ResponseWriter

        _check_code(code)
        if self._already_sent():
            return None
        if not self._contentType:
            self._contentType = "application/octet-stream"
        length = self._contentLength or None
        self._start(code, length)
        writer = ResponseWriter(self)
        if self._request._is_head or _has_no_body(code):
            writer.Close()
        return writer

    def ReturnEventStream(self, keepAliveSec=15):
        """Answer 200 ``text/event-stream`` and return an ``EventStream`` (server-sent
        events) to send events on, now or later, from anywhere; see mws2/sse.py."""
        from .sse import EventStream

        if self._already_sent():
            return None
        self._contentType = "text/event-stream"
        self._contentCharset = "UTF-8"
        # An event stream is never cached, and proxies must not buffer it (nginx).
        self.SetHeader("Cache-Control", "no-cache")
        self.SetHeader("X-Accel-Buffering", "no")
        self._start(200, None)
        stream = EventStream(self, keepAliveSec)
        if self._request._is_head:
            stream.Close()
        return stream

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

    def ReturnFile(self, filename, attachmentName=None):
        """Answer with a file: shown inline, or downloaded as ``attachmentName``. With
        validators (304), ranges (206 / 416) and precompressed ``.gz`` siblings: see
        mws2/files.py."""
        _check_text(filename, "filename")
        if attachmentName is not None and not isinstance(attachmentName, str):
            raise TypeError('"attachmentName" must be a string or None')
        if self._already_sent():
            return
        from .files import return_file

        return_file(self, filename, attachmentName)

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

    # ---- the named answers ---------------------------------------------------------

    def ReturnNotModified(self):
        self.Return(304)

    def ReturnRedirect(self, location):
        """Temporary redirect (307: the method and body are kept) to ``location``."""
        _check_text(location, "location")
        self.SetHeader("Location", location)
        self.Return(307)

    def ReturnBadRequest(self):
        self.Return(400)

    def ReturnUnauthorized(self, typeName, realm=None):
        """401 asking for authentication scheme ``typeName`` (RFC 9110 section 11.6.1)."""
        _check_text(typeName, "typeName")
        if realm is not None and not isinstance(realm, str):
            raise TypeError('"realm" must be a string or None')
        challenge = typeName
        if realm:
            challenge += ' realm="%s"' % realm.replace("\\", "\\\\").replace('"', '\\"')
        self.SetHeader("WWW-Authenticate", challenge)
        self.Return(401)

    def ReturnForbidden(self):
        self.Return(403)

    def ReturnNotFound(self):
        url = self._mws2.NotFoundURL
        if url and url != self._request.Path:
            self.ReturnRedirect(url)
        else:
            self.Return(404)

    def ReturnMethodNotAllowed(self):
        self.Return(405)

    def ReturnEntityTooLarge(self):
        self.Return(413)

    def ReturnInternalServerError(self):
        self.Return(500)

    def ReturnNotImplemented(self):
        self.Return(501)

    def ReturnServiceUnavailable(self):
        self.Return(503)

    def ReturnBasicAuthRequired(self):
        self.ReturnUnauthorized("Basic", "mws2")

    def ReturnBearerAuthRequired(self):
        self.ReturnUnauthorized("Bearer")

    # ---- properties ----------------------------------------------------------------

    @property
    def Request(self):
        return self._request

    @property
    def UserAddress(self):
        return self._request.UserAddress

    @property
    def IsSSL(self):
        return self._request.IsSSL

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
    def HeadersSent(self):
        return self._hdrSent

    @property
    def OnSent(self):
        return self._onSent

    @OnSent.setter
    def OnSent(self, value):
        if value is not None and not callable(value):
            raise TypeError('"OnSent" must be a function or None')
        self._onSent = value

    @property
    def StatusCode(self):
        """The status sent (None before the headers go out)."""
        return self._code


def _stream_kind(stream):
    if hasattr(stream, "readinto") or hasattr(stream, "read"):
        return "read"
    if hasattr(stream, "__anext__"):
        return "async"
    if hasattr(stream, "__next__") or (
        hasattr(stream, "__iter__") and not isinstance(stream, (str, bytes, bytearray))
    ):
        return "iter"
    return None


def _close_quietly(stream, mws2):
    close = getattr(stream, "close", None)
    if close is None:
        return
    try:
        close()
    except OSError as exc:  # nothing more to do with a stream we are done with
        mws2.Log("Closing a response stream failed: %s" % exc, mws2.DEBUG)
