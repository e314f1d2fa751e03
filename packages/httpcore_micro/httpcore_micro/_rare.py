"""The parts of the grammar that well-behaved peers rarely send, checked as strictly as
the rest: IPv6 literals and percent-encoding in Host, chunk extensions, and the reason
a malformed header section was refused.

``_parse`` imports this module the first time one of these is met, so a board that
never sees them never holds this code.
"""

from ._compat import REG_NAME_CHARS, TCHARS, is_field, is_hex, is_token
from ._events import RemoteProtocolError


def explain_bad_section(section):
    """Why ``only_field_lines`` refused a header section."""
    # A bare CR or LF first: it means the lines are not what they seem.
    breaks = section.count(b"\r\n")
    if section.count(b"\r") != breaks or section.count(b"\n") != breaks:
        return "bare CR or LF in header section"
    return "control character in header section"


def explain_bad_lines(lines):
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
        if not is_token(name):
            return "invalid header name %r" % name[:40]
    return "invalid header line"


def _bad_host(value):
    return RemoteProtocolError("invalid Host header %r" % value[:60])


def check_unusual_host(value):
    """A Host value that is not a plain reg-name or IPv4 address with an optional port
    (RFC 9110 7.2, RFC 3986 3.2.2): an IP-literal, a reg-name with pct-encoded bytes
    ("%" HEXDIG HEXDIG, RFC 3986 2.1), or invalid."""
    if value[:1] == b"[":
        check_ip_literal(value)
        return
    host, _colon, port = value.partition(b":")
    if host.strip(REG_NAME_CHARS + b"%") or (port and not port.isdigit()):
        raise _bad_host(value)
    for piece in host.split(b"%")[1:]:
        if len(piece) < 2 or not is_hex(piece[:2]):
            raise _bad_host(value)


def check_ip_literal(value):
    """RFC 3986 3.2.2: IP-literal = "[" ( IPv6address / IPvFuture ) "]", then the
    optional ":" port of RFC 9110 7.2 (port = *DIGIT)."""
    close = value.find(b"]")
    port = value[close + 1 :]
    if close < 0 or (port and (port[:1] != b":" or not (port == b":" or port[1:].isdigit()))):
        raise _bad_host(value)
    literal = value[1:close]
    if literal[:1] in (b"v", b"V"):
        valid = _is_ipv_future(literal)
    else:
        valid = _is_ipv6(literal)
    if not valid:
        raise _bad_host(value)


def _is_ipv_future(literal):
    """IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )."""
    version, _dot, rest = literal[1:].partition(b".")
    return bool(version and rest and is_hex(version) and not rest.strip(REG_NAME_CHARS + b":"))


def _is_ipv6(literal):
    """IPv6address (RFC 3986 3.2.2): eight h16 (1*4HEXDIG) separated by ":", the last
    two possibly an IPv4address, or fewer around one "::" that stands for the others."""
    head, double, tail = literal.partition(b"::")
    if double:
        if b"::" in tail:
            return False
        groups = (head.split(b":") if head else []) + (tail.split(b":") if tail else [])
        last = tail
    else:
        groups = literal.split(b":")
        last = literal
    count = len(groups)
    if last and b"." in groups[-1]:  # ls32 as an IPv4address: two groups' worth
        if not _is_ipv4(groups.pop()):
            return False
        count += 1
    for group in groups:
        if not 1 <= len(group) <= 4 or not is_hex(group):
            return False
    return count < 8 if double else count == 8


def _is_ipv4(text):
    """IPv4address = dec-octet "." dec-octet "." dec-octet "." dec-octet (0-255, no
    leading zero)."""
    octets = text.split(b".")
    if len(octets) != 4:
        return False
    for octet in octets:
        if not octet.isdigit() or len(octet) > 3 or (len(octet) > 1 and octet[:1] == b"0"):
            return False
        if int(octet) > 255:
            return False
    return True


def _skip_ows(data, pos):
    while pos < len(data) and data[pos] in b" \t":
        pos += 1
    return pos


def _token_end(data, pos):
    while pos < len(data) and data[pos] in TCHARS:
        pos += 1
    return pos


def _quoted_string_end(data, pos):
    """RFC 9110 5.6.4: the end of the quoted-string starting at ``pos`` (a DQUOTE), or
    -1 if it does not end. Control characters were refused before: any other byte is
    qdtext or may follow a backslash (quoted-pair)."""
    pos += 1
    while pos < len(data):
        byte = data[pos]
        if byte == 34:  # the closing DQUOTE
            return pos + 1
        pos += 2 if byte == 92 else 1  # "\" quotes the next byte
    return -1


def check_chunk_ext(ext):
    """RFC 9112 7.1.1, ``ext`` starting at its first ";":
    chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ),
    chunk-ext-name = token, chunk-ext-val = token / quoted-string. Whitespace (BWS)
    comes before a ";" or around "=", never at the end of the line."""
    if not is_field(ext):
        # Extensions are skipped, but may not smuggle control characters.
        raise RemoteProtocolError("control character in chunk extension")
    pos = 0  # at a ";"
    while True:
        pos = _ext_element_end(ext, pos + 1)
        if pos == len(ext):
            return
        if pos >= 0:
            after = _skip_ows(ext, pos)
            if after < len(ext) and ext[after] == 59:  # another ";"
                pos = after
                continue
        raise RemoteProtocolError("invalid chunk extension %r" % ext[:40])


def _ext_element_end(ext, pos):
    """BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] from ``pos``: its end, or -1."""
    start = _skip_ows(ext, pos)
    pos = _token_end(ext, start)
    if pos == start:  # no name
        return -1
    after = _skip_ows(ext, pos)
    if after == len(ext) or ext[after] != 61:  # no "=": a name alone
        return pos
    start = _skip_ows(ext, after + 1)
    if start < len(ext) and ext[start] == 34:  # DQUOTE
        return _quoted_string_end(ext, start)
    pos = _token_end(ext, start)
    return -1 if pos == start else pos
