"""The members of HttpRequest that routing a request does not need: headers by name,
forms, JSON, cookies, authentication, content read piece by piece, and most of the
read-only properties.

They join HttpRequest on first use (compat.more): a handler that only looks at
``request.Path`` and answers never loads them.
"""

from .request import _split_list


class Extras:
    """Members of HttpRequest loaded on first use (see compat.more)."""

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
    def XAsyncTCPClient(self):
        return self._conn.client

    @property
    def Headers(self):
        """All headers as a dict of lower-case names (not in MicroWebSrv2)."""
        return self._headers


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
