"""Helpers for common request header values: Accept-style lists, cookies, Basic auth."""

from ._compat import decode_utf8

try:
    from binascii import a2b_base64
except ImportError:  # a MicroPython build without binascii
    a2b_base64 = None


def _to_str(text):
    if type(text) is str:
        return text
    return decode_utf8(bytes(text))


def _quality(params):
    """The q parameter of an Accept-style element (RFC 9110 12.4.2); None if malformed."""
    for param in params:
        name, _equals, value = param.partition("=")
        if name.strip().lower() != "q":
            continue
        value = value.strip()
        try:
            quality = float(value)
        except ValueError:
            return None
        if not 0.0 <= quality <= 1.0 or len(value) > 5:
            return None
        return quality
    return 1.0


def parse_qvalues(text):
    """ "en;q=0.5, fr, de;q=0" -> ["fr", "en"]: best first, q=0 and malformed q dropped.

    Elements of equal quality keep their order; parameters other than q are kept
    (``text/html;level=1``).
    """
    ranked = []
    for position, element in enumerate(_to_str(text).split(",")):
        parts = [part.strip() for part in element.split(";")]
        value = parts[0]
        if not value:
            continue
        params = [part for part in parts[1:] if part]
        quality = _quality(params)
        if not quality:
            continue
        kept = [value] + [p for p in params if p.partition("=")[0].strip().lower() != "q"]
        ranked.append((-quality, position, ";".join(kept)))
    ranked.sort()
    return [item[2] for item in ranked]


def parse_cookies(text):
    """ "a=1; b=\\"x y\\"" -> {"a": "1", "b": "x y"} (RFC 6265 5.4; the first one wins,
    since user agents send the most specific cookie first)."""
    cookies = {}
    for item in _to_str(text).split(";"):
        name, equals, value = item.partition("=")
        name = name.strip()
        if not equals or not name:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
            value = value[1:-1]
        if name not in cookies:
            cookies[name] = value
    return cookies


def parse_basic_auth(text):
    """ "Basic dXNlcjpwYXNz" -> ("user", "pass"), or None when it is not valid Basic
    credentials (RFC 7617; the password may contain colons, the user name may not)."""
    if a2b_base64 is None:
        return None
    scheme, _space, token = _to_str(text).strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    token = token.strip()
    if not token or len(token) % 4:
        return None
    try:
        decoded = a2b_base64(token.encode("ascii"))
    except (ValueError, UnicodeError):  # binascii.Error is a ValueError
        return None
    user, colon, password = decoded.partition(b":")
    if not colon:
        return None
    return decode_utf8(user), decode_utf8(password)
