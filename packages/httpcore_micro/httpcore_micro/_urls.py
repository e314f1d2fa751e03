"""Request-target and form helpers: percent-decoding, query strings, url-encoded forms.

RFC 3986 2.1 (percent-encoding), WHATWG URL "application/x-www-form-urlencoded"
(``+`` is a space in forms and query strings, not in paths).
"""

from ._abnf import HEXDIG
from ._compat import decode_utf8, only_chars


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
        if len(code) == 2 and only_chars(code, HEXDIG):
            out.append(bytes((int(code, 16),)))
            out.append(piece[2:])
        else:
            out.append(b"%")
            out.append(piece)
    return decode_utf8(b"".join(out))


def split_target(target):
    """Request-target -> (decoded path, raw query string).

    b"/a%20b?x=1" -> ("/a b", "x=1"). The query stays encoded: decode it with
    ``parse_query``, since a decoded ``&`` or ``=`` would change its meaning.
    """
    if type(target) is bytes and 37 not in target and 63 not in target and 35 not in target:
        return decode_utf8(target), ""  # no "%", "?" or "#": the usual short target
    data = _to_bytes(target)
    hash_at = data.find(b"#")
    if hash_at >= 0:
        data = data[:hash_at]
    path, _question, query = data.partition(b"?")
    return percent_decode(path), decode_utf8(query)


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
