"""Helpers that serving a request does not need: percent-decoding, query strings, forms,
Accept-style lists, cookies, Basic credentials, header lookups, the reason-phrase dict,
and the UTF-8 decoder that repairs invalid input.

``import httpcore_micro`` does not load this module: the package's ``__getattr__`` does,
the first time one of its public names is asked for (``from httpcore_micro import
parse_form``), so a board that never parses a form never holds this code.

RFC 3986 2.1 (percent-encoding), WHATWG URL "application/x-www-form-urlencoded"
(``+`` is a space in forms and query strings, not in paths).
"""

from ._compat import decode_utf8, is_hex
from ._parse import comma_tokens
from ._write import PHRASES

try:
    from binascii import a2b_base64
except ImportError:  # a MicroPython build without binascii
    a2b_base64 = None

# RFC 9110 15: {status code: reason phrase} (the standard phrases send() uses).
REASONS = dict((int(line[:3]), line[4:]) for line in PHRASES.split(b"\n") if line)


def _to_bytes(text):
    if type(text) is str:
        return text.encode("utf-8")
    return bytes(text)


def percent_decode(text, plus_as_space=False):
    """Decode %XX escapes (bytes or str in, str out; invalid UTF-8 -> U+FFFD).

    A ``%`` not followed by two hex digits is kept as it is, like browsers do.
    """
    data = _to_bytes(text)
    if plus_as_space and 43 in data:  # "+"
        data = data.replace(b"+", b" ")
    if 37 not in data:  # no "%"
        return decode_utf8(data)
    pieces = data.split(b"%")
    out = [pieces[0]]
    for piece in pieces[1:]:
        code = piece[:2]
        if len(code) == 2 and is_hex(code):
            out.append(bytes((int(code, 16),)))
            out.append(piece[2:])
        else:
            out.append(b"%")
            out.append(piece)
    return decode_utf8(b"".join(out))


def parse_query_list(query):
    """b"a=1&b=x+y&a=2" -> [("a", "1"), ("b", "x y"), ("a", "2")]; a name alone -> ""."""
    data = _to_bytes(query)
    out = []
    for item in data.split(b"&"):
        if not item:
            continue
        name, _equals, value = item.partition(b"=")
        out.append((percent_decode(name, True), percent_decode(value, True)))
    return out


def parse_query(query):
    """Query string -> dict (when a name repeats, the last value wins)."""
    return dict(parse_query_list(query))


def parse_form(body):
    """An application/x-www-form-urlencoded body -> dict (last value wins)."""
    return dict(parse_query_list(body))


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


def get_header(headers, name):
    """The value of header ``name``, repeated fields joined with ``b", "``, or None."""
    name = name.lower()
    found = [value for key, value in headers if key == name]
    if not found:
        return None
    if len(found) == 1:
        return found[0]
    return b", ".join(found)


def has_token(headers, name, token):
    """Does the comma-separated list in header ``name`` contain ``token``?"""
    name = name.lower()
    token = token.lower()
    for key, value in headers:
        if key == name and token in comma_tokens(value):
            return True
    return False


def _sequence_length(lead):
    if lead < 0xC2:
        return 1
    if lead < 0xE0:
        return 2
    if lead < 0xF0:
        return 3
    if lead < 0xF5:
        return 4
    return 1


def decode_utf8_replacing(data):
    """UTF-8 with each invalid or truncated sequence replaced by U+FFFD."""
    out = []
    index = 0
    size = len(data)
    while index < size:
        lead = data[index]
        if lead < 0x80:
            end = index + 1
            while end < size and data[end] < 0x80:
                end += 1
            out.append(data[index:end].decode("utf-8"))
            index = end
            continue
        length = _sequence_length(lead)
        piece = data[index : index + length]
        try:
            if length == 1 or len(piece) < length:
                raise UnicodeError("invalid lead byte or truncated sequence")
            out.append(piece.decode("utf-8"))
            index += length
        except UnicodeError:
            out.append("\ufffd")
            index += 1
    return "".join(out)
