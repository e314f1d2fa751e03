"""The stricter edge against independent references: the Host value and chunk-size
lines against grammars written with ``re`` and ``ipaddress``
(tests/httpcore_micro/cpython/httpcore_micro_reference.py), and empty lines before
request lines against h11 fed the same stream without them. Whole and cut anywhere."""

import os
import sys

from hypothesis import given
from hypothesis import strategies as st

sys.path.append(
    os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "httpcore_micro",
                 "cpython")
)

from httpcore_micro_h11 import cut, run_h11, run_ours  # noqa: E402
from httpcore_micro_reference import valid_chunk_line, valid_host  # noqa: E402
from test_httpcore_micro_vs_h11 import cut_points, requests  # noqa: E402

import httpcore_micro as hm  # noqa: E402

# Bytes that matter to the grammar, and a few that never belong.
HOST_ALPHABET = b"aZ09fF.-_~!$&'()*+,;=%:[]vV@/?#\"<> \xc3"
host_texts = st.one_of(
    st.lists(st.sampled_from(list(HOST_ALPHABET)), max_size=24).map(bytes),
    # IPv6-like: groups of hex digits and dots around colons, in brackets, maybe a port.
    st.tuples(
        st.lists(st.one_of(st.text("0123456789abcdefABCDEF", max_size=5),
                           st.just("1.2.3.4"), st.just("255.255.255.255"), st.just("01.2.3.4")),
                 max_size=10),
        st.sampled_from(["", ":", ":8080", ":x", "x"]),
    ).map(lambda parts: ("[" + ":".join(parts[0]) + "]" + parts[1]).encode()),
)


def _feed(data, points):
    conn = hm.ServerConnection()
    events = []
    for piece in cut(data, points):
        conn.receive_data(piece)
        while True:
            event = conn.next_event()
            if event is hm.NEED_DATA:
                break
            events.append(event)
    return events


def _accepted(data, points):
    try:
        _feed(data, points)
    except hm.RemoteProtocolError as exc:
        assert exc.status_code == 400
        return False
    return True


@given(host_texts, cut_points)
def test_host_values_as_the_reference_decides(value, points):
    value = value.strip(b" ")  # surrounding whitespace is not part of a field value
    data = b"GET / HTTP/1.1\r\nHost: " + value + b"\r\n\r\n"
    assert _accepted(data, points) == valid_host(value), value


CHUNK_ALPHABET = b"09aF ;=\t\"\\xy!~(,\xff"
chunk_lines = st.tuples(
    st.text("0123456789abcdefABCDEF", min_size=1, max_size=4).map(str.encode),
    st.lists(st.sampled_from(list(CHUNK_ALPHABET)), max_size=16).map(bytes),
).map(b"".join)


@given(chunk_lines, cut_points)
def test_chunk_size_lines_as_the_reference_decides(line, points):
    data = (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            + line + b"\r\n")
    assert _accepted(data, points) == valid_chunk_line(line), line


empty_lines = st.lists(st.sampled_from([b"\r\n", b"\n"]), max_size=4).map(b"".join)


@given(st.lists(st.tuples(empty_lines, requests(last=False)), min_size=1, max_size=3),
       cut_points)
def test_empty_lines_before_requests_are_ignored(parts, points):
    with_lines = b"".join(lines + request for lines, request in parts)
    without = b"".join(request for _lines, request in parts)
    ours = run_ours(cut(with_lines, points))
    theirs = run_h11(cut(without, points))
    assert ours.accepted and theirs.accepted, (with_lines, ours, theirs)
    assert ours.events == theirs.events


@given(st.lists(st.sampled_from([b"\r\n", b"\n"]), min_size=5, max_size=8).map(b"".join),
       requests(), cut_points)
def test_more_empty_lines_are_refused(lines, request, points):
    ours = run_ours(cut(lines + request, points))
    assert not ours.accepted and ours.status == 400 and not ours.events
