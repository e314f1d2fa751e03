"""Fuzz: arbitrary bytes, cut anywhere, with any limits, give events or
RemoteProtocolError, never another exception (after h11's fuzz harness)."""

import os
import sys

from hypothesis import given
from hypothesis import strategies as st

sys.path.append(
    os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "httpcore_micro",
                 "cpython")
)

from httpcore_micro_h11 import cut  # noqa: E402

import httpcore_micro as hm  # noqa: E402

PREFIXES = [
    b"",
    b"GET / HTTP/1.1\r\nHost: a\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n",
    b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
]
ALPHABET = (
    b"GET/ HTTP1.0\r\n:;Hhost-Content-Length:Transfer-Encoding:chunked0123456789aF,\t\x00\xff"
)
tails = st.one_of(
    st.binary(max_size=200),
    st.lists(st.sampled_from(list(ALPHABET)), max_size=200).map(bytes),
)
limits = st.fixed_dictionaries(
    {},
    optional={
        "max_header_bytes": st.integers(1, 200),
        "max_headers": st.integers(1, 10),
        "max_target": st.integers(1, 50),
        "max_body": st.integers(0, 50),
    },
)


def drive(conn, pieces):
    """Read everything, answering each request; only RemoteProtocolError may escape."""
    for piece in pieces + [b""]:
        conn.receive_data(piece)
        for _ in range(1000):
            event = conn.next_event()
            if event is hm.NEED_DATA or type(event) is hm.ConnectionClosed:
                break
            if event is hm.PAUSED or type(event) is hm.EndOfMessage:
                if conn.our_state in ("IDLE", "SEND_RESPONSE"):
                    conn.send(hm.Response(200, [("content-length", "0")]))
                    conn.send(hm.EndOfMessage())
                if conn.our_state == "DONE" and conn.their_state == "DONE":
                    conn.start_next_cycle()
                elif event is hm.PAUSED:
                    return


@given(st.sampled_from(PREFIXES), tails, st.lists(st.integers(0, 10**6), max_size=8), limits)
def test_any_bytes_give_events_or_remote_protocol_error(prefix, tail, points, options):
    data = prefix + tail
    conn = hm.ServerConnection(**options)
    try:
        drive(conn, cut(data, points))
    except hm.RemoteProtocolError as exc:
        assert exc.status_code in (400, 413, 414, 431, 501, 505)
        assert conn.their_state == "ERROR"
