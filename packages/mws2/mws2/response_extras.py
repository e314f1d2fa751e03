"""The members of HttpResponse that a plain answer does not need: JSON, streams, files,
events, the named answers (404, 401 ...), cookies, CORS headers, read-only properties.

They join HttpResponse on first use (compat.more): a board that only answers
``Return``/``ReturnOk`` never loads them.
"""

from .response import _check_code, _check_text, _has_no_body


class Extras:
    """Members of HttpResponse loaded on first use (see compat.more)."""

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
