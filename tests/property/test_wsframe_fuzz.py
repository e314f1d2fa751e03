"""Fuzz: any bytes, split anyhow, under any option, give events or ProtocolError only,
and the connection's state follows the closing handshake."""

import os
import sys

from hypothesis import given
from hypothesis import strategies as st

sys.path.append(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "wsframe"))

from wsframe_vectors import frame  # noqa: E402

import wsframe  # noqa: E402

OPTIONS = st.fixed_dictionaries({
    "fragments": st.booleans(),
    "max_message": st.sampled_from([None, 0, 10, 200, 1 << 20]),
    "max_frame": st.sampled_from([None, 0, 5, 130]),
})


@st.composite
def frame_soup(draw):
    """Valid-looking frames with random headers, then a few byte flips."""
    parts = []
    for _ in range(draw(st.integers(1, 5))):
        parts.append(frame(draw(st.integers(0, 15)), draw(st.binary(max_size=140)),
                           fin=draw(st.booleans()), key=draw(st.sampled_from([None, b"abcd"])),
                           rsv=draw(st.sampled_from([0, 0, 0, 1, 4])),
                           length_bytes=draw(st.sampled_from([None, None, 2, 8]))))
    data = bytearray(b"".join(parts))
    for _ in range(draw(st.integers(0, 3))):
        if data:
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


def feed(data, cuts, role, options, eof):
    conn = wsframe.Connection(role, **options)
    bounds = [0] + sorted(cuts) + [len(data)]
    events = []
    try:
        for start, end in zip(bounds, bounds[1:]):
            if end > start:
                conn.receive_data(data[start:end])
                events.extend(conn.events())
        if eof:
            conn.receive_data(None)
            events.extend(conn.events())
    except wsframe.ProtocolError as exc:
        assert exc.code in (1002, 1007, 1009)
        assert conn.close(exc.code)  # the answer can always be sent
        return events
    closes = [e for e in events if isinstance(e, wsframe.CloseConnection)]
    assert len(closes) <= 1 and (not closes or events[-1] is closes[0])
    if closes:
        assert conn.state == ("CLOSED" if eof else "REMOTE_CLOSING")
        if closes[0].code != 1006:
            conn.send(closes[0].response())
            assert conn.state == "CLOSED"
    return events


@given(st.one_of(st.binary(max_size=300), frame_soup()), st.lists(st.integers(0, 300)),
       st.sampled_from([wsframe.SERVER, wsframe.CLIENT]), OPTIONS, st.booleans())
def test_only_protocol_errors_escape(data, cuts, role, options, eof):
    cuts = [cut for cut in cuts if cut <= len(data)]
    feed(data, cuts, role, options, eof)


@given(frame_soup(), st.lists(st.integers(0, 300)), OPTIONS)
def test_split_does_not_change_complete_events(data, cuts, options):
    cuts = [cut for cut in cuts if cut <= len(data)]
    whole = feed(data, [], wsframe.CLIENT, dict(options, fragments=False), False)
    split = feed(data, cuts, wsframe.CLIENT, dict(options, fragments=False), False)
    assert whole == split
