"""Feeding helpers shared by the portable httpcore_micro tests.

Every case is fed whole, one byte at a time and in halves (``_portable.splits``); the
events (adjacent Data merged) and errors must be the same for every feeding.
"""

from _portable import raises, splits

from httpcore_micro import (
    NEED_DATA,
    PAUSED,
    ConnectionClosed,
    Data,
    RemoteProtocolError,
    Request,
    ServerConnection,
)


def drain(conn, events):
    """next_event() until NEED_DATA / PAUSED / ConnectionClosed; Data merged into events."""
    while True:
        event = conn.next_event()
        if event is NEED_DATA or event is PAUSED:
            return event
        if type(event) is Data and events and type(events[-1]) is Data:
            events[-1] = Data(events[-1].data + event.data)
        else:
            events.append(event)
        if type(event) is ConnectionClosed:
            return event


def feed(conn, pieces, events=None):
    if events is None:
        events = []
    for piece in pieces:
        if piece:  # b"" would mean the peer closed
            conn.receive_data(piece)
            drain(conn, events)
    return events


def parse(data, eof=False, **limits):
    """Events of ``data`` for every feeding (asserted equal); ``eof`` then closes."""
    results = []
    for pieces in splits(data):
        conn = ServerConnection(**limits)
        events = feed(conn, pieces)
        if eof:
            conn.receive_data(b"")
            drain(conn, events)
        results.append(events)
    for other in results[1:]:
        assert other == results[0], (results[0], other)
    return results[0]


def _feed_to_end(conn, pieces, eof):
    events = feed(conn, pieces)
    if eof:
        conn.receive_data(b"")
        drain(conn, events)
    return events


def reject(data, eof=False, **limits):
    """The RemoteProtocolError status of ``data`` for every feeding (asserted equal)."""
    statuses = []
    for pieces in splits(data):
        conn = ServerConnection(**limits)
        error = raises(RemoteProtocolError, _feed_to_end, conn, pieces, eof)
        assert conn.their_state == "ERROR"
        # Once broken, reading again keeps failing with the same error type.
        raises(RemoteProtocolError, conn.next_event)
        statuses.append(error.status_code)
    for status in statuses[1:]:
        assert status == statuses[0], statuses
    return statuses[0]


def request(head_lines, body=b""):
    """Build a request from lines (CRLF added) and an optional body."""
    return b"".join([line + b"\r\n" for line in head_lines]) + b"\r\n" + body


def served(data=None):
    """A connection that has read the request ``data`` (None: a GET /) to its end."""
    if data is None:
        data = request([b"GET / HTTP/1.1", b"Host: a"])
    conn = ServerConnection()
    conn.receive_data(data)
    events = []
    drain(conn, events)
    assert type(events[0]) is Request, events
    return conn
