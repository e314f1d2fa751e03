"""Differential tests: random forms (fields and files, binary data holding "--", CR, LF and
pieces of the delimiter), encoded, cut at random points, fed to httpcore_micro.multipart
and to the PyPI parser ``multipart`` 2.0.1 (``PushMultipartParser``, the one Bottle
uses): the same parts, names, filenames, media types and bytes, or both refuse.

Every field value is also checked against what the generator meant (an oracle), so
where the two parsers deliberately differ ours is still checked:
  R1 ``%22``, ``%0D``, ``%0A`` in a name (how browsers escape '"', CR, LF, WHATWG HTML):
     the reference decodes them; we leave percent sequences as sent, as browsers' own
     parsers do (a '%' itself is not escaped by senders, so decoding is ambiguous).
  R2 a backslash in a quoted name: the reference unescapes only when the value holds
     ``\\"``, and cuts a file name that looks like a Windows path to its base name; we
     read ``\\"`` and ``\\\\`` as quoted-pairs (RFC 9110 5.6.4) and keep other backslashes.
  R3 transport padding after a boundary: the reference refuses it; RFC 2046 5.1.1 says
     receivers must handle it, so we accept it.
  R4 a part without a name parameter: the reference (not strict) gives the name "";
     RFC 7578 4.2 requires the parameter, so we refuse.
  R5 a parameter given twice: the reference keeps the last; we refuse (ambiguous).
  R6 a bare LF inside a part header line: the reference keeps it in the value; we refuse
     (RFC 2046 5.1.1: lines end with CRLF).
A refusal of ours is excused only when its message names that rule and the input was
given that feature.
"""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from httpcore_micro import multipart as micro

reference = pytest.importorskip("multipart", minversion="2.0")

BCHARS = "'()+_,-./:=? 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
NAME_CHARS = TOKEN_CHARS + " .,:;=()[]/'\u00e9\u20ac\U0001f600%\"\\"
MEDIA_TYPES = ["text/plain", "application/octet-stream", "image/png", "Text/HTML",
               "application/x-tar", "image/svg+xml"]
# Limits out of the way (tests/httpcore_micro/test_multipart.py checks them).
OURS = {"max_part_header_bytes": 1 << 16, "max_parts": 1000}
THEIRS = {"max_header_size": 1 << 16, "max_header_count": 1000}

boundaries = st.one_of(
    st.text(alphabet=BCHARS, min_size=1, max_size=70).filter(lambda b: not b.endswith(" ")),
    st.just("----WebKitFormBoundary7MA4YWxkTrZu0gW"),
    st.just("-"),
).map(str.encode)


def _collapse_quoted_pairs(text):
    return re.sub(r'\\([\\"])', r"\1", text)


@st.composite
def parameter_values(draw, text):
    """``text`` written as a sender may: (sent bytes, what our parser should read)."""
    # A browser writes name a\ as "a\" (WHATWG HTML): read as an escaped quote, which
    # is what RFC 9110 5.6.4 says; such a name is written escaped here instead.
    styles = ["escaped"] if text.endswith("\\") else ["browser", "escaped"]
    if text and all(char in TOKEN_CHARS for char in text):
        styles.append("token")
    style = draw(st.sampled_from(styles))
    if style == "token":
        return text.encode(), text
    if style == "escaped":  # RFC 9110 5.6.4 quoted-pairs
        return ('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"').encode(), text
    sent = text.replace('"', "%22")  # WHATWG HTML; backslashes go as they are
    return ('"' + sent + '"').encode(), _collapse_quoted_pairs(sent)


def _spaces(draw):
    return draw(st.sampled_from(["", " ", "  "])).encode()


def _case(draw, text):
    return draw(st.sampled_from([text, text.upper(), text.title()])).encode()


@st.composite
def parts(draw, mutation):
    """One part: (header lines, data, what our parser should report)."""
    name = draw(st.text(alphabet=NAME_CHARS, max_size=12))
    filename = draw(st.one_of(st.none(), st.text(alphabet=NAME_CHARS, max_size=16)))
    params = []
    sent, read_name = draw(parameter_values(name))
    params.append(b"name")
    values = [sent]
    if filename is not None:
        sent, read_filename = draw(parameter_values(filename))
        params.append(b"filename")
        values.append(sent)
    else:
        read_filename = None
    if draw(st.booleans()):
        params.append(draw(st.sampled_from([b"size", b"x-extra", b"filename*"])))
        values.append(draw(st.sampled_from([b"3", b'"a;b"', b"UTF-8''%e2%82%ac"])))
    if mutation == "repeat_parameter":
        params.append(b"name")
        values.append(b'"other"')
    if mutation == "drop_name":
        del params[0], values[0]
    order = draw(st.permutations(range(len(params))))
    disposition = _case(draw, "form-data")
    for index in order:
        disposition += (b";" + _spaces(draw) + _case(draw, params[index].decode())
                        + _spaces(draw) + b"=" + _spaces(draw) + values[index])
    lines = [_case(draw, "content-disposition") + b":" + _spaces(draw) + disposition]
    media_type = draw(st.one_of(st.none(), st.sampled_from(MEDIA_TYPES)))
    if media_type is not None:
        value = media_type.encode() + draw(st.sampled_from([b"", b"; charset=utf-8"]))
        lines.append(_case(draw, "content-type") + b":" + _spaces(draw) + value)
    for _ in range(draw(st.integers(0, 2))):
        value = draw(st.text(alphabet=TOKEN_CHARS + " ", max_size=10)).strip().encode()
        lines.append(b"X-" + _case(draw, "extra") + b": " + value)
    lines = list(draw(st.permutations(lines)))
    if mutation == "no_disposition":
        lines = [line for line in lines if not line.lower().startswith(b"content-disp")]
    if mutation == "bare_lf":
        lines = [lines[0] + b"\n" + (lines[1] if len(lines) > 1 else b"X-Lf: 1")] + lines[2:]
    expected = (read_name, read_filename, (media_type or "text/plain").lower())
    return lines, expected


def data_for(delimiter):
    """Binary part data full of what may be taken for a delimiter, never the delimiter."""
    pieces = st.one_of(
        st.binary(max_size=40),
        st.sampled_from([b"\r\n", b"\r", b"\n", b"--", b"\r\n--", b"-", b"\r\n\r\n"]),
        st.integers(1, len(delimiter) - 1).map(lambda size: delimiter[:size]),
        st.just(delimiter[2:]),
        st.just(delimiter[:-1] + b"\x00"),
    )
    return st.lists(pieces, max_size=8).map(b"".join).filter(
        lambda data: delimiter not in b"\r\n" + data)


@st.composite
def forms(draw):
    """(body, boundary, expected parts or None when the body is invalid, mutation)."""
    boundary = draw(boundaries)
    delimiter = b"\r\n--" + boundary
    mutation = draw(st.sampled_from(
        ["none"] * 6 + ["truncate", "garbage", "padding", "drop_name", "no_disposition",
                        "repeat_parameter", "bare_lf"]))
    count = draw(st.integers(0 if mutation in ("none", "truncate") else 1, 4))
    victim = draw(st.integers(0, count - 1)) if count else None
    body = b""
    if draw(st.integers(0, 4)) == 0:
        body += draw(st.sampled_from([b"", b"preamble", b"a\r\nb"])) + b"\r\n"
    expected = []
    for index in range(count):
        lines, meta = draw(parts(mutation if index == victim else "none"))
        data = draw(data_for(delimiter))
        line_end = b"\r\n"
        if mutation in ("garbage", "padding") and index == victim:
            line_end = draw(st.sampled_from(
                [b"x\r\n", b"-\r\n", b"\n", b"- \r\n", b"\rx"] if mutation == "garbage"
                else [b" \r\n", b"\t\r\n", b" \t \r\n"]))
        body += b"--" + boundary + line_end + b"".join(line + b"\r\n" for line in lines)
        body += b"\r\n" + data + b"\r\n"
        expected.append(meta + (data,))
    body += b"--" + boundary + b"--" + draw(st.sampled_from([b"", b"\r\n", b"\r\nepilogue"]))
    if mutation == "truncate":
        body = body[: draw(st.integers(0, body.rfind(b"--")))]
    if mutation in ("none", "padding"):
        return body, boundary, expected, mutation
    return body, boundary, None, mutation


def cut(data, points):
    points = sorted({point % (len(data) + 1) for point in points})
    starts = [0] + points
    pieces = [data[start:end] for start, end in zip(starts, points + [len(data)])]
    return [piece for piece in pieces if piece]  # b"" is the end of the body


def run_ours(boundary, pieces, limits=OURS):
    """[(name, filename, media type, data)] or the MultipartError."""
    parser = micro.MultipartParser(boundary, **limits)
    pieces = list(pieces) + [b""]
    result = []
    # Events are bounded by the input (never a loop without progress).
    budget = 10 * sum(len(piece) for piece in pieces) + 100
    try:
        while True:
            budget -= 1
            assert budget > 0, "no progress"
            event = parser.next_event()
            if event is micro.NEED_DATA:
                parser.receive_data(pieces.pop(0))
            elif type(event) is micro.Part:
                result.append([event.name, event.filename, event.content_type, b""])
            elif type(event) is micro.PartData:
                result[-1][3] += bytes(event.data)
            elif event is micro.BODY_END:
                return [tuple(part) for part in result]
            else:
                assert event is micro.PART_END
    except micro.MultipartError as exc:
        assert exc.status_code == 400
        return exc


def run_reference(boundary, pieces):
    parser = reference.PushMultipartParser(boundary, **THEIRS)
    result = []
    try:
        for piece in list(pieces) + [b""]:
            for event in parser.parse(piece):
                if isinstance(event, reference.MultipartSegment):
                    result.append([event.name, event.filename,
                                   event.content_type or "text/plain", b""])
                elif event:
                    result[-1][3] += event
    except reference.MultipartError as exc:
        return exc
    return [tuple(part) for part in result]


# Our refusals the reference does not share: the rule in our message, the mutation.
DELIBERATE = {
    "drop_name": "without a name",  # R4
    "repeat_parameter": "repeated parameter",  # R5
    "bare_lf": "bare CR or LF",  # R6
}


def _names_excused(ours, theirs):
    """R1, R2: the reference reads percent sequences and backslashes its own way."""
    for mine, other in ((ours[0], theirs[0]), (ours[1], theirs[1])):
        if mine != other and not ("%" in (mine or "") or "\\" in (mine or "")):
            return False
    return ours[2:] == theirs[2:]


@given(forms(), st.lists(st.integers(min_value=0, max_value=10**6), max_size=8))
def test_same_parts_as_the_reference_or_both_refuse(form, points):
    body, boundary, expected, mutation = form
    pieces = cut(body, points)
    ours = run_ours(boundary, pieces)
    whole = run_ours(boundary, [body])
    assert str(whole) == str(ours) if isinstance(ours, micro.MultipartError) else whole == ours
    theirs = run_reference(boundary, pieces)
    if expected is None:  # an invalid body
        assert isinstance(ours, micro.MultipartError), (body, ours)
        if not isinstance(theirs, Exception):
            assert DELIBERATE[mutation] in str(ours), (body, ours, theirs)
        return
    assert not isinstance(ours, Exception), (body, ours)
    assert ours == [tuple(part) for part in expected], body  # the oracle
    if mutation == "padding":  # R3
        assert isinstance(theirs, reference.MultipartError), (body, theirs)
        return
    assert not isinstance(theirs, Exception), (body, theirs)
    assert len(ours) == len(theirs)
    for mine, other in zip(ours, theirs):
        assert mine == other or _names_excused(mine, other), (body, mine, other)


FRAGMENTS = [b" ", b" " * 8, b"\t", b"\r", b"\n", b"\r\n", b"\r\n\r\n", b"-", b"--", b":",
             b";", b"=", b'"', b"\\", b"x", b"\x00", b"\xff", b"Content-Type: a/b", b"filename=f",
             b"Content-Disposition: form-data; name=a"]


@st.composite
def near_forms(draw, boundary):
    pieces = st.one_of(st.binary(max_size=6), st.sampled_from(FRAGMENTS),
                       st.just(b"\r\n--" + boundary), st.just(b"--"))
    return b"--" + boundary + b"".join(draw(st.lists(pieces, max_size=40)))


@given(boundaries.flatmap(lambda boundary: st.tuples(st.just(boundary), near_forms(boundary))),
       st.sampled_from([8, 16, 64, 1 << 16]),
       st.lists(st.integers(min_value=0, max_value=10**6), max_size=8))
def test_any_bytes_parse_or_raise_the_error(form, max_head, points):
    # Bad input never escapes as another exception type, nor loops, and the cut does not
    # matter; small header limits reach the limit checks.
    boundary, data = form
    limits = {"max_part_header_bytes": max_head, "max_parts": 8}
    ours = run_ours(boundary, cut(data, points), limits)
    whole = run_ours(boundary, [data], limits)
    if isinstance(ours, micro.MultipartError):
        assert str(ours) == str(whole)
    else:
        assert ours == whole
