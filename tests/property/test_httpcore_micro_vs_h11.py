"""Differential tests: the same request bytes, cut the same way, fed to httpcore_micro and
to h11 0.16.0 (server side) must give the same events (method, target, version,
headers, body bytes, trailers) or both be refused.

Deliberate differences (packages/httpcore_micro/README.md, "Differences from h11"), each
excused below only when our error names that rule and the input has the feature:
  D1  a bare LF as line end: h11 accepts it, we refuse (RFC 9112 2.2 allows either).
  D2  control characters (other than HTAB) in field values: h11 accepts them.
  D3  repeated Content-Length, even identical ("5, 5" or two fields): h11 merges them.
  D4  Content-Length together with Transfer-Encoding: h11 lets chunked win.
  D5  Transfer-Encoding in an HTTP/1.0 request: h11 accepts it.
  D6  a major version other than 1 (HTTP/2.0, HTTP/0.9): h11 accepts, we answer 505.
  D7  CONNECT: h11 switches protocol, we answer 501.
  D8  HTTP/1.0 with "Connection: keep-alive" persists here; h11 always closes.
  D9  obs-fold: h11 joins continuation lines, we refuse (RFC 9112 5.2 allows either).
  D10 chunk sizes above 2**60 - 1 (16+ significant hex digits): h11 accepts up to 20.
  D11 control characters in chunk extensions: h11 accepts them.
  D12 Content-Length above 18 digits: we answer 413.
  D13 Content-Length, Transfer-Encoding or Host in trailers: refused (RFC 9110 6.5.1).
  D14 no Host in an HTTP/1.x request with x >= 2: h11 only asks it of exactly 1.1.
  D20 an asterisk-form target ("*") with a method other than OPTIONS (RFC 9112 3.2.4).
  D21 a Host value that is not uri-host [ ":" port ] (RFC 9110 7.2, RFC 3986 3.2.2):
      h11 does not check it.
  D22 chunk-size lines are held to RFC 9112 7.1.1: no whitespace after a size without
      extension, no empty extension name, no unterminated quoted value (h11 takes
      anything after ";").
And where h11 refuses what RFC 9112 allows and we accept: H1, empty lines before a
request line (2.2: a server SHOULD ignore at least one; we ignore up to four): the
mutation test's h11 skips them the same way (run_h11(skip_empty_lines=True): h11 goes
on after them in a new connection), so the events are still compared one to one; H2,
whitespace before a chunk extension's ";" (7.1.1: BWS), excused below with evidence.
Also: the Transfer-Encoding value is compared case-insensitively (D16: h11 lower-cases
it), and when both refuse a message the body bytes just before the error may differ
(D18: we deliver chunks buffered together as one Data, so an error in the middle of
them comes before their bytes).
"""

import os
import re
import sys

from hypothesis import example, given
from hypothesis import strategies as st

sys.path.append(
    os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "httpcore_micro",
                 "cpython")
)

from httpcore_micro_h11 import cut, run_h11, run_ours  # noqa: E402
from httpcore_micro_reference import bad_chunk_lines, host_values, valid_host  # noqa: E402

TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
VCHARS = bytes(range(0x21, 0x7F))
FIELD_VCHARS = VCHARS + bytes(range(0x80, 0x100))

tokens = st.text(alphabet=TCHARS, min_size=1, max_size=10).map(str.encode)
methods = st.one_of(
    st.sampled_from([b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"OPTIONS", b"PATCH"]),
    tokens.filter(lambda method: method != b"CONNECT"),
)
targets = st.one_of(
    st.just(b"/"),
    st.binary(min_size=0, max_size=30).map(
        lambda raw: b"/" + bytes(VCHARS[byte % len(VCHARS)] for byte in raw)
    ),
    st.just(b"http://example.com:8080/a?b=c"),
)
# The asterisk-form goes with OPTIONS only (D20): drawn as a pair.
method_targets = st.one_of(
    st.tuples(methods, targets), st.just((b"OPTIONS", b"*"))
)
hosts = st.sampled_from([
    b"example.com", b"a:80", b"", b"192.168.0.1:8080", b"[::1]", b"[2001:db8::7]:443",
    b"[v1.fe:x]", b"ex%41mple.org", b"a-b_c~d!$&'()*+,;=", b"host:",
])
words = st.binary(min_size=1, max_size=8).map(
    lambda raw: bytes(FIELD_VCHARS[byte % len(FIELD_VCHARS)] for byte in raw)
)
values = st.lists(
    st.tuples(words, st.sampled_from([b" ", b"\t", b"  ", b" \t "])), max_size=4
).map(lambda parts: b"".join(word + space for word, space in parts).rstrip(b" \t"))
ows = st.sampled_from([b"", b" ", b"  ", b"\t", b" \t"])
SPECIAL = {b"host", b"content-length", b"transfer-encoding", b"connection", b"expect",
           b"upgrade"}
names = tokens.filter(lambda name: name.lower() not in SPECIAL)
fields = st.tuples(names, ows, values, ows)
chunk_exts = st.sampled_from(
    [b"", b";a", b";a=b", b';name="quoted"', b"; x = 1", b';a="x;y\\"z";b', b";a;b=c"]
)


def _field_line(field):
    name, before, value, after = field
    return name + b":" + before + value + after + b"\r\n"


def _case(data, flips):
    return bytes(byte ^ 0x20 if flip and 0x61 <= (byte | 0x20) <= 0x7A else byte
                 for byte, flip in zip(data, flips + [False] * len(data)))


@st.composite
def bodies(draw, version):
    # No chunked HTTP/1.0 request: D5.
    kinds = ["none", "length", "chunked"] if version == b"1.1" else ["none", "length"]
    kind = draw(st.sampled_from(kinds))
    if kind == "none":
        return [], b""
    if kind == "length":
        body = draw(st.binary(max_size=40))
        return [b"Content-Length: %d\r\n" % len(body)], body
    out = []
    for chunk in draw(st.lists(st.binary(min_size=1, max_size=20), max_size=4)):
        size = b"%x" % len(chunk)
        if draw(st.booleans()):
            size = size.upper()
        out.append(size + draw(chunk_exts) + b"\r\n" + chunk + b"\r\n")
    out.append(b"0" + draw(chunk_exts) + b"\r\n")
    for field in draw(st.lists(fields, max_size=2)):
        out.append(_field_line(field))
    out.append(b"\r\n")
    coding = draw(st.sampled_from([b"chunked", b"Chunked", b"CHUNKED"]))
    return [b"Transfer-Encoding: " + coding + b"\r\n"], b"".join(out)


@st.composite
def requests(draw, version=b"1.1", last=True):
    method, target = draw(method_targets)
    lines = [_field_line(field) for field in draw(st.lists(fields, max_size=6))]
    if version == b"1.1" or draw(st.booleans()):
        host = b"Host: " + draw(hosts) + b"\r\n"
        lines.insert(draw(st.integers(0, len(lines))), host)
    framing, body = draw(bodies(version))
    for line in framing:
        lines.insert(draw(st.integers(0, len(lines))), line)
    options = []
    if not last and version == b"1.0":
        options.append(b"keep-alive")
    if draw(st.booleans()):
        options.append(draw(st.sampled_from([b"foo", b"Keep-Alive", b"x-y"])))
    if last and draw(st.integers(0, 4)) == 0:
        options.append(b"close")
    if options:
        lines.append(b"Connection: " + b", ".join(options) + b"\r\n")
    if version == b"1.1" and draw(st.integers(0, 5)) == 0:
        lines.append(b"Expect: 100-continue\r\n")
    flips = draw(st.lists(st.booleans(), max_size=40))
    lines = [_case(line[: line.index(b":")], flips) + line[line.index(b":"):] for line in lines]
    head = method + b" " + target + b" HTTP/" + version + b"\r\n" + b"".join(lines) + b"\r\n"
    return head + body


@st.composite
def streams(draw):
    """One HTTP/1.0 request, or 1-3 pipelined HTTP/1.1 requests."""
    if draw(st.integers(0, 5)) == 0:
        return draw(requests(version=b"1.0"))
    count = draw(st.integers(1, 3))
    return b"".join(draw(requests(last=index == count - 1)) for index in range(count))


cut_points = st.lists(st.integers(min_value=0, max_value=10**6), max_size=6)


@given(streams(), cut_points)
def test_valid_requests_same_events(data, points):
    pieces = cut(data, points)
    ours = run_ours(pieces)
    theirs = run_h11(pieces)
    assert theirs.accepted, (data, theirs)
    assert ours.accepted, (data, ours)
    assert ours.events == theirs.events


FRAGMENTS = [
    b"\r\n", b"\n", b"\r", b" ", b"\t", b":", b"\x00", b"\x01", b"\x7f", b"\xff", b",", b";",
    b"0", b"9", b"f", b"G", b"/", b"\r\n\r\n", b"\r\n ", b"HTTP/1.0", b"HTTP/2.0",
    b"Content-Length: 3\r\n", b"Content-Length: 0\r\n", b"Transfer-Encoding: chunked\r\n",
    b"Transfer-Encoding: gzip\r\n", b"Host: x\r\n", b"Connection: close\r\n",
    b"Connection: keep-alive\r\n", b"Upgrade: websocket\r\n", b"Expect: 100-continue\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", b"00000000000000000001",
]
mutations = st.lists(
    st.tuples(
        st.sampled_from(["insert", "replace", "delete"]),
        st.integers(min_value=0, max_value=10**6),
        st.one_of(st.sampled_from(FRAGMENTS), st.binary(min_size=1, max_size=3)),
    ),
    min_size=1,
    max_size=3,
)


def mutate(data, steps):
    for operation, position, fragment in steps:
        position %= len(data) + 1
        if operation == "insert":
            data = data[:position] + fragment + data[position:]
        elif operation == "replace":
            data = data[:position] + fragment + data[position + len(fragment):]
        else:
            data = data[:position] + data[position + len(fragment):]
    return data


# Which of our refusals are deliberate (D-numbers above), and the evidence in the input
# that must come with them.
_CTL = re.compile(rb"[\x01-\x08\x0b-\x0c\x0e-\x1f\x7f]")
_BARE_LF = re.compile(rb"(?<!\r)\n")
DELIBERATE = [
    ("bare CR or LF", lambda data: _BARE_LF.search(data)),
    ("control character in header", lambda data: _CTL.search(data)),
    ("repeated content-length", lambda data: True),
    ("invalid Content-Length", lambda data: re.search(rb"(?i)content-length:[^\r\n]*,", data)),
    ("both Content-Length and Transfer-Encoding", lambda data: True),
    ("Transfer-Encoding in an HTTP/1.0", lambda data: True),
    ("HTTP version not supported", lambda data: True),
    ("CONNECT is not supported", lambda data: True),
    ("obsolete line folding", lambda data: True),
    ("chunk size too large", lambda data: True),
    ("control character in chunk extension", lambda data: _CTL.search(data) or b"\r" in data),
    ("Content-Length too large", lambda data: True),
    ("not allowed in trailers", lambda data: True),
    ("missing Host", lambda data: re.search(rb"HTTP/1\.[2-9]", data)),
    ("asterisk-form target", lambda data: b" * HTTP/" in data),
    ("invalid Host header", lambda data: not all(map(valid_host, host_values(data)))),
    ("invalid chunk extension", lambda data: bad_chunk_lines(data)),
    ("invalid chunk size", lambda data: bad_chunk_lines(data)),
]
# Where h11 refuses what we accept (RFC 9112 allows it), and the evidence for it.
H11_STRICTER = [
    # H2: RFC 9112 7.1.1, BWS before the ";" of a chunk extension.
    ("illegal chunk header", lambda data: re.search(rb"[0-9A-Fa-f][ \t]+;", data)),
]


def deliberate(message, data):
    for prefix, evidence in DELIBERATE:
        if prefix.lower() in message.lower() and evidence(data):
            return prefix
    return None


def _http10_keep_alive(events):
    for event in events:
        if event[0] == "request" and event[3] == b"1.0":
            for name, value in event[4]:
                if name == b"connection" and b"keep-alive" in value.lower():
                    return True
    return False


def _same_messages(ours, theirs):
    """Same requests and ends of message, events equal but for a cut last body piece."""
    kinds = ("request", "eom")
    if [e for e in ours if e[0] in kinds] != [e for e in theirs if e[0] in kinds]:
        return False
    return _is_prefix(ours, theirs) or _is_prefix(theirs, ours)


def _is_prefix(short, long):
    """``short`` stopped somewhere in ``long`` (its last body piece may be cut short)."""
    if not short:
        return True
    if long[: len(short) - 1] != short[:-1] or len(long) < len(short):
        return False
    mine, theirs = short[-1], long[len(short) - 1]
    if mine[0] == "data" and theirs[0] == "data":
        return theirs[1].startswith(mine[1])
    return mine == theirs


@given(streams(), mutations, cut_points)
# An empty line cut between its CR and LF: h11 says "illegal request line" on the CR.
@example(b"OPTIONS * HTTP/1.0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
         [("insert", 0, b"\r\n")], [1])
# A CR that is no empty line, and an empty line after the request h11 refused.
@example(b"OPTIONS * HTTP/1.0\r\nConnection: close\r\n\r\n",
         [("insert", 0, b"\r\n"), ("delete", 1, b"\r\n"), ("insert", 37, b"\r\n")], [])
def test_mutated_requests_agree_or_differ_deliberately(data, steps, points):
    data = mutate(data, steps)
    pieces = cut(data, points)
    ours = run_ours(pieces)
    theirs = run_h11(pieces, skip_empty_lines=True)
    if ours.accepted == theirs.accepted and ours.events == theirs.events:
        return
    if not ours.accepted and not theirs.accepted and _same_messages(ours.events, theirs.events):
        # Both refused the same message; we may have held back the body bytes read just
        # before the error (D18: buffered chunks are delivered together).
        return
    if not ours.accepted and _is_prefix(ours.events, theirs.events):
        # We refused where h11 went on: only for a rule we chose to be stricter on.
        assert deliberate(ours.error, data), (data, ours, theirs)
        return
    # h11 refused or stopped earlier: D8, where h11 closes an HTTP/1.0 connection that
    # asked to be kept alive, or where h11 refuses what RFC 9112 allows (H2).
    assert _is_prefix(theirs.events, ours.events), (data, ours, theirs)
    if theirs.accepted or not h11_stricter(theirs.error, data):
        assert _http10_keep_alive(ours.events), (data, ours, theirs)


def h11_stricter(message, data):
    for prefix, evidence in H11_STRICTER:
        if prefix.lower() in message.lower() and evidence(data):
            return prefix
    return None
