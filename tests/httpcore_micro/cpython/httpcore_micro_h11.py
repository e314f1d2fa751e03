"""Drives httpcore_micro and h11 server connections over the same bytes, the same way.

Each side reads requests; after each EndOfMessage it answers ``204`` (no body, so the
answer is the same for every method) and starts the next cycle when both sides are
DONE. The outcome is the list of normalized events plus how the stream ended.
"""

import h11

import httpcore_micro as hm

MAX_STEPS = 2000


def _merge_data(events, data):
    if events and events[-1][0] == "data":
        events[-1] = ("data", events[-1][1] + data)
    else:
        events.append(("data", data))


def _normal_headers(pairs):
    # h11 rewrites the Transfer-Encoding value to lower case; we deliver it as received
    # (README, "Differences from h11"). Compare it case-insensitively.
    out = []
    for name, value in pairs:
        name = bytes(name)
        value = bytes(value)
        if name == b"transfer-encoding":
            value = value.lower()
        out.append((name, value))
    return out


class Outcome:
    def __init__(self, events, error, status=None):
        self.events = events
        self.error = error  # None, or the exception message
        self.status = status

    @property
    def accepted(self):
        return self.error is None

    def __repr__(self):
        return "Outcome(events=%r, error=%r, status=%r)" % (self.events, self.error, self.status)


def run_ours(pieces, eof=True):
    conn = hm.ServerConnection()
    events = []
    try:
        _drive_ours(conn, pieces, events, eof)
    except hm.RemoteProtocolError as exc:
        return Outcome(events, str(exc) or "error", exc.status_code)
    return Outcome(events, None)


def _drive_ours(conn, pieces, events, eof):
    queue = list(pieces) + ([b""] if eof else [])
    for _ in range(MAX_STEPS):
        event = conn.next_event()
        kind = type(event)
        if event is hm.NEED_DATA:
            if not queue:
                return
            conn.receive_data(queue.pop(0))
        elif event is hm.PAUSED:
            if conn.our_state == "DONE" and conn.their_state == "DONE":
                conn.start_next_cycle()
            elif conn.our_state in ("IDLE", "SEND_RESPONSE"):
                _answer_ours(conn)
            else:
                return
        elif kind is hm.Request:
            events.append(
                ("request", event.method, event.target, event.http_version,
                 _normal_headers(event.headers))
            )
        elif kind is hm.Data:
            _merge_data(events, event.data)
        elif kind is hm.EndOfMessage:
            events.append(("eom", _normal_headers(event.headers)))
            _answer_ours(conn)
            if conn.our_state == "DONE" and conn.their_state == "DONE":
                conn.start_next_cycle()
        elif kind is hm.ConnectionClosed:
            events.append(("closed",))
            return
    raise AssertionError("no end after %d steps" % MAX_STEPS)


def _answer_ours(conn):
    conn.send(hm.Response(204, [("x", "y")]))
    conn.send(hm.EndOfMessage())


# RFC 9112 2.2: a server SHOULD ignore at least one empty line before a request line;
# httpcore_micro ignores up to this many (its MAX_EMPTY_LINES).
MAX_EMPTY_LINES = 4


def run_h11(pieces, eof=True, skip_empty_lines=False):
    """h11's outcome. ``skip_empty_lines``: where h11 refuses the empty lines before a
    request line (RFC 9112 2.2 asks servers to ignore them), drop up to MAX_EMPTY_LINES
    of them and go on with the rest in a new h11 connection, as if h11 had skipped
    them; anything else h11 refuses stays refused."""
    queue = list(pieces) + ([b""] if eof else [])
    events = []
    skipped = 0  # empty lines dropped before the request that has not come yet
    while True:
        conn = h11.Connection(h11.SERVER)
        count = len(events)
        try:
            _drive_h11(conn, queue, events)
        except h11.RemoteProtocolError as exc:
            if len(events) != count:
                skipped = 0
            if skip_empty_lines:
                skipped = _skip_empty_lines(conn, queue, str(exc), skipped)
                if skipped:
                    continue
            return Outcome(events, str(exc) or "error", exc.error_status_hint)
        return Outcome(events, None)


def _skip_empty_lines(conn, queue, message, skipped):
    """Drop the empty lines h11 stopped at (refilling ``queue`` with what follows them)
    -> the count dropped before this request so far, or 0 if h11 stopped elsewhere."""
    if conn.idle_before_error is not h11.IDLE:
        return 0
    if "no request line received" in message:
        dropped = 1  # h11 consumed that empty line before refusing it
    elif message == "illegal request line":
        # Said before a whole head arrived, of a first byte that cannot start a method
        # (a CR or LF among them); nothing consumed. (A whole head that is not a request
        # is "illegal request line: b'...'", and stays refused.)
        dropped = 0
    else:
        return 0
    rest = bytes(conn.trailing_data[0]) + b"".join(piece for piece in queue if piece)
    eof = bool(queue) and queue[-1] == b""
    while skipped + dropped < MAX_EMPTY_LINES:
        if rest.startswith(b"\n"):
            rest = rest[1:]
        elif rest.startswith(b"\r\n"):
            rest = rest[2:]
        else:
            break
        dropped += 1
    if not dropped or skipped + dropped > MAX_EMPTY_LINES or rest[:1] in (b"\r", b"\n"):
        return 0  # not an empty line, or more than are ignored: h11's refusal stands
    queue[:] = ([rest] if rest else []) + ([b""] if eof else [])
    return skipped + dropped


def _drive_h11(conn, queue, events):
    for _ in range(MAX_STEPS):
        # Whether h11 was waiting for a request line when it refused (see run_h11).
        conn.idle_before_error = conn.their_state
        event = conn.next_event()
        kind = type(event)
        if event is h11.NEED_DATA:
            if not queue:
                return
            conn.receive_data(queue.pop(0))
        elif event is h11.PAUSED:
            if conn.our_state is h11.DONE and conn.their_state is h11.DONE:
                conn.start_next_cycle()
            elif conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
                _answer_h11(conn)
            else:
                return
        elif kind is h11.Request:
            events.append(
                ("request", event.method, event.target, event.http_version,
                 _normal_headers(list(event.headers)))
            )
        elif kind is h11.Data:
            _merge_data(events, bytes(event.data))
        elif kind is h11.EndOfMessage:
            events.append(("eom", _normal_headers(list(event.headers))))
            _answer_h11(conn)
            if conn.our_state is h11.DONE and conn.their_state is h11.DONE:
                conn.start_next_cycle()
        elif kind is h11.ConnectionClosed:
            events.append(("closed",))
            return
    raise AssertionError("no end after %d steps" % MAX_STEPS)


def _answer_h11(conn):
    conn.send(h11.Response(status_code=204, headers=[("x", "y")]))
    conn.send(h11.EndOfMessage())


def cut(data, points):
    """Split ``data`` at the given offsets (sorted, deduplicated, in range)."""
    offsets = sorted({point % (len(data) + 1) for point in points})
    pieces = []
    previous = 0
    for offset in offsets + [len(data)]:
        if offset > previous:
            pieces.append(data[previous:offset])
            previous = offset
    return pieces
