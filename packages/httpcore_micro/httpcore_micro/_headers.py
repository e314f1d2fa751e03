"""Header fields: parsing received sections, validating outgoing ones, and lookups.

Received headers are ``(name, value)`` bytes pairs, names lower-cased, values without
surrounding whitespace, in arrival order (RFC 9110 5.3: order matters for repeated names).
"""

from ._abnf import FIELD_CHARS, OWS, TCHAR
from ._compat import count_outside, only_chars
from ._errors import LocalProtocolError, RemoteProtocolError


# Names every browser sends, known to be tokens: checking that all received names are
# among them is one C-level call; only the others are checked character by character.
COMMON_NAMES = frozenset(
    b"host user-agent accept accept-language accept-encoding accept-charset referer "
    b"connection cookie content-type content-length transfer-encoding expect upgrade "
    b"origin authorization cache-control pragma if-modified-since if-none-match range "
    b"if-range if-match if-unmodified-since dnt te trailer via x-requested-with "
    b"x-forwarded-for x-forwarded-proto x-forwarded-host forwarded priority "
    b"upgrade-insecure-requests sec-fetch-dest sec-fetch-mode sec-fetch-site "
    b"sec-fetch-user sec-ch-ua sec-ch-ua-mobile sec-ch-ua-platform sec-websocket-key "
    b"sec-websocket-version sec-websocket-extensions sec-websocket-protocol "
    b"keep-alive content-encoding content-language content-disposition location "
    b"server date last-modified etag expires vary set-cookie www-authenticate "
    b"access-control-allow-origin content-range accept-ranges retry-after allow".split()
)


def parse_header_section(section, max_headers):
    """Header lines (CRLF separated, no final blank line) -> (headers, fields).

    ``headers`` is the list of (name, value) pairs in order, ``fields`` a dict of them
    (last value per name). C-level checks over the whole section (control characters,
    bare CR or LF, name characters), then one split per line: no per-byte Python loop.
    """
    if not section:
        return [], {}
    lines = section.split(b"\r\n")
    check_line_breaks(section, len(lines))
    return parse_header_lines(lines, max_headers)


def check_line_breaks(block, line_count):
    """Refuse control characters in a block of ``line_count`` CRLF-separated lines.

    What is not field content must be exactly the CRLFs between the lines: a control
    character, a bare CR (RFC 9112 2.2) or a bare LF line end is refused.
    """
    if count_outside(block, FIELD_CHARS) != 2 * line_count - 2:
        raise RemoteProtocolError(_explain_bad_section(block))


def parse_header_lines(lines, max_headers):
    """Header lines already checked by check_line_breaks -> (headers, fields)."""
    if len(lines) > max_headers:
        raise RemoteProtocolError("too many header fields (max %d)" % max_headers, 431)
    headers = []
    append = headers.append
    # A plain loop: faster than nested comprehensions on CPython 3.11, and partition()
    # is a cheaper call than split(b":", 1).
    for line in lines:
        name, colon, value = line.partition(b":")
        if not colon:
            raise RemoteProtocolError(_explain_bad_lines(lines))
        # Values cannot hold CR, LF, VT or FF any more: strip() only removes SP / HTAB.
        append((name.lower(), value.strip()))
    fields = dict(headers)
    if not COMMON_NAMES.issuperset(fields):
        names = [name for name in fields if name not in COMMON_NAMES]
        if b"" in fields or not only_chars(b"".join(names), TCHAR):
            raise RemoteProtocolError(_explain_bad_lines(lines))
    return headers, fields


def _explain_bad_section(section):
    # A bare CR or LF first: it means the lines are not what they seem.
    breaks = section.count(b"\r\n")
    if section.count(b"\r") != breaks or section.count(b"\n") != breaks:
        return "bare CR or LF in header section"
    return "control character in header section"


def _explain_bad_lines(lines):
    """The first reason a header line is invalid (only called once one is)."""
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            # RFC 9112 5.2: obs-fold is refused outside message/http.
            return "obsolete line folding in header section"
        name, colon, _value = line.partition(b":")
        if not colon:
            return "header line without a colon: %r" % line[:40]
        if not name:
            return "header line with an empty name"
        if name[-1:] in (b" ", b"\t"):
            # RFC 9112 5.1: no whitespace between field name and colon.
            return "whitespace before the colon in header %r" % name[:40]
        if not only_chars(name, TCHAR):
            return "invalid header name %r" % name[:40]
    return "invalid header line"


def get_header(headers, name):
    """The value of header ``name``, repeated fields joined with ``b", "``, or None."""
    name = name.lower()
    found = [value for key, value in headers if key == name]
    if not found:
        return None
    if len(found) == 1:
        return found[0]
    return b", ".join(found)


def comma_tokens(value):
    """b"a, B ,,c" -> [b"a", b"b", b"c"] (lower-cased, empty elements dropped)."""
    out = []
    for item in value.lower().split(b","):
        item = item.strip(OWS)
        if item:
            out.append(item)
    return out


def has_token(headers, name, token):
    """Does the comma-separated list in header ``name`` contain ``token``?"""
    name = name.lower()
    token = token.lower()
    for key, value in headers:
        if key == name and token in comma_tokens(value):
            return True
    return False


def to_bytes(text):
    if type(text) is bytes:
        return text
    if type(text) is str:
        return text.encode("utf-8")
    if isinstance(text, (bytearray, memoryview)):
        return bytes(text)
    raise LocalProtocolError("header names and values must be str or bytes, not %r" % (text,))


def normalize_outgoing(headers):
    """Headers we are about to send -> (list of (name, value) bytes, lower-case names).

    Names must be tokens and values field content: a CR or LF in either would let the
    caller inject headers or a whole response (RFC 9110 5.5), so it is an error.
    """
    pairs = [(to_bytes(name), to_bytes(value).strip(OWS)) for name, value in headers]
    names = [name for name, value in pairs]
    if not only_chars(b"".join(names), TCHAR) or b"" in names:
        raise LocalProtocolError("invalid header name in %r" % (names,))
    if not only_chars(b"".join([value for name, value in pairs]), FIELD_CHARS):
        raise LocalProtocolError("invalid character (CR, LF, NUL ...) in a header value")
    return pairs, [name.lower() for name in names]
