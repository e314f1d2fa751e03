"""Set-Cookie values (RFC 6265 section 4.1), for ``HttpResponse.SetCookie``.

Loaded only when a cookie is set. A cookie value may hold only cookie-octets (no space,
DQUOTE, comma, semicolon or backslash, no control characters or non-ASCII): anything
else is percent-encoded (as UTF-8), which ``HttpRequest.GetCookie`` decodes, and which
browsers keep as it is. Names must be tokens; attributes are checked.
"""

from httpcore_micro import percent_decode

# RFC 6265 4.1.1: cookie-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E; and "%"
# (0x25) itself is encoded so that decoding gives back exactly what was set.
_PLAIN = "!#$&'()*+-./0123456789:<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~"
# RFC 9110 5.6.2 tchar, for the cookie's name.
_TCHAR = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SAME_SITE = ("Strict", "Lax", "None")


def encode_value(value):
    if not isinstance(value, str):
        raise TypeError('"value" must be a string')
    out = []
    for char in value:
        if char in _PLAIN:
            out.append(char)
        else:
            out.append("".join(["%%%02X" % byte for byte in char.encode()]))
    return "".join(out)


def decode_value(value):
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        value = value[1:-1]  # RFC 6265 allows the value in double quotes
    return percent_decode(value) if "%" in value else value


def _check_attribute(value, argname):
    if not isinstance(value, str) or not value:
        raise TypeError('"%s" must be a not empty string' % argname)
    for char in value:
        if char == ";" or ord(char) < 0x20 or ord(char) == 0x7F:
            raise ValueError('"%s" cannot hold ";" or control characters' % argname)


def set_cookie_value(name, value, maxAge=None, expires=None, path=None, domain=None,
                     secure=False, httpOnly=False, sameSite=None):
    """The value of a Set-Cookie header field (RFC 6265 section 4.1.1)."""
    if not isinstance(name, str) or not name:
        raise TypeError('"name" must be a not empty string')
    for char in name:
        if char not in _TCHAR:
            raise ValueError('"name" must be a token (RFC 6265 4.1.1): %r' % name)
    parts = [name + "=" + encode_value(value)]
    if maxAge is not None:
        if not isinstance(maxAge, int) or isinstance(maxAge, bool):
            raise TypeError('"maxAge" must be an integer (seconds)')
        parts.append("Max-Age=%d" % maxAge)
    if expires is not None:
        parts.append("Expires=" + _expires_text(expires))
    if path is not None:
        _check_attribute(path, "path")
        parts.append("Path=" + path)
    if domain is not None:
        _check_attribute(domain, "domain")
        parts.append("Domain=" + domain)
    if secure:
        parts.append("Secure")
    if httpOnly:
        parts.append("HttpOnly")
    if sameSite is not None:
        if sameSite not in _SAME_SITE:
            raise ValueError('"sameSite" must be "Strict", "Lax" or "None"')
        if sameSite == "None" and not secure:
            # Browsers drop SameSite=None cookies that are not Secure.
            raise ValueError('sameSite="None" needs secure=True')
        parts.append("SameSite=" + sameSite)
    return "; ".join(parts)


def _expires_text(expires):
    if isinstance(expires, str):
        _check_attribute(expires, "expires")
        return expires
    if isinstance(expires, bool) or not isinstance(expires, (int, float)):
        raise TypeError('"expires" must be seconds since the epoch or an HTTP date string')
    from .static import epoch_offset, http_date

    # The runtime's epoch may be 2000 (MicroPython boards): the date is computed there.
    return http_date(expires - epoch_offset())
