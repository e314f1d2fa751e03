"""Reference grammars, written independently of the package (regular expressions and the
standard library's ``ipaddress``), to check its stricter edges against.

- Host (RFC 9110 7.2, RFC 3986 3.2.2): uri-host [ ":" port ].
- Chunk-size lines (RFC 9112 7.1, 7.1.1): chunk-size [ chunk-ext ], CRLF removed.
"""

import ipaddress
import re

_UNRESERVED_SUB_DELIMS = rb"A-Za-z0-9\-._~!$&'()*+,;="
_REG_NAME = re.compile(rb"(?:[" + _UNRESERVED_SUB_DELIMS + rb"]|%[0-9A-Fa-f]{2})*")
_IPV_FUTURE = re.compile(rb"[vV][0-9A-Fa-f]+\.[" + _UNRESERVED_SUB_DELIMS + rb":]+")
_PORT = re.compile(rb"[0-9]*")
_IPV4 = re.compile(rb"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}"
                   rb"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])")


def _is_ipv6(text):
    # ipaddress also takes a zone ("%eth0", RFC 6874), which RFC 3986's IPv6address does
    # not have; and it takes an IPv4 tail with leading zeros only on some versions.
    if b"%" in text or not re.fullmatch(rb"[0-9A-Fa-f:.]+", text):
        return False
    if b"." in text and not _IPV4.fullmatch(text.rsplit(b":", 1)[-1]):
        return False
    try:
        ipaddress.IPv6Address(text.decode("ascii"))
    except ValueError:
        return False
    return True


def valid_host(value):
    """Is ``value`` a valid Host field value?"""
    if value.startswith(b"["):
        literal, close, port = value[1:].partition(b"]")
        if not close:
            return False
        if port and not (port.startswith(b":") and _PORT.fullmatch(port[1:])):
            return False
        return bool(_IPV_FUTURE.fullmatch(literal)) or _is_ipv6(literal)
    host, colon, port = value.partition(b":")
    return bool(_REG_NAME.fullmatch(host)) and bool(_PORT.fullmatch(port))


_TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_QUOTED = rb'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"'
_EXT = (rb"(?:[ \t]*;[ \t]*" + _TOKEN + rb"(?:[ \t]*=[ \t]*(?:" + _TOKEN + rb"|" + _QUOTED
        + rb"))?)*")
_CHUNK_LINE = re.compile(rb"[0-9A-Fa-f]+" + _EXT)


def valid_chunk_line(line):
    """Is ``line`` (no CRLF) a chunk-size line, size digits aside from their count?"""
    return bool(_CHUNK_LINE.fullmatch(line))


def host_values(data):
    """The values of the Host fields in a request stream (whitespace around removed)."""
    return [match.group(1).strip(b" \t")
            for match in re.finditer(rb"(?im)^host:([^\r\n]*)\r?$", data)]


def bad_chunk_lines(data):
    """Lines of ``data`` that start like a chunk-size line but are not one."""
    lines = data.split(b"\r\n")
    return [line for line in lines
            if re.match(rb"[0-9A-Fa-f]+[ \t;]", line) and not valid_chunk_line(line)]
