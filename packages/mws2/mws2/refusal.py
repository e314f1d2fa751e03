"""What a server does once it is full (MaxConnections served), loaded only then (not part
of what a board imports).

A newcomer is served if a connection that waits without work can be reclaimed, as nginx
does; else it is held as a refusal whose head is read (a slot may free up meanwhile,
else 503); past as many refusals as slots, a QuickRefusal answers it.

QuickRefusal: the cheapest answer, a fixed 503 from a small object, without a parser, a
request or a buffer of its own. Why not close at once: a client whose connection closes
unanswered sees an empty reply and cannot tell "busy" from "broken" (MicroPython,
embedded preset: 500 simultaneous clients on 16 slots). Why read first: a socket closed
with unread bytes sends a reset, and a reset makes the client's kernel drop the 503 it
had not read yet; once the end of the head has arrived, the 503 is sent and the
connection closed after it.
"""

from .compat import elapsed_since, monotonic
from .connection import RECLAIM_AFTER_SEC, STALLED_HEAD_SEC

# A head up to this size is kept: when it is complete, a slot may be free (or taken
# from a connection whose head stalled), and the request is then served after all.
_KEPT_MAX = 2048
_ANSWER = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"Server: mws2\r\n"
    b"Retry-After: 1\r\n"
    b"Content-Length: 0\r\n"
    b"Connection: close\r\n\r\n"
)
# Quick refusals under way at once, per MaxConnections: each holds a socket (and, on a
# board, a task); beyond, a connection is closed unanswered.
PER_CONNECTION = 8


def at_cap(mws2, client):
    """A client accepted while MaxConnections are served: served if a connection that
    waited RECLAIM_AFTER_SEC without work is reclaimed; else a refusal, or past as many
    refusals as slots (none of which stalled), a QuickRefusal."""
    if has_slot(mws2, RECLAIM_AFTER_SEC):
        mws2._serve(client)
    elif mws2._refusing < mws2.MaxConnections or _drop_stalled_refusal(mws2):
        mws2._serve(client, True)
    else:
        _refuse_quickly(mws2, client)


def has_slot(mws2, patience):
    """A slot is free, or one was reclaimed from the connection that waited longest
    without work (idle keep-alive, nothing sent yet, a stalled head: 408); ``patience``:
    see HttpConnection.reclaimable_since. False if every connection is busy with real
    work (or too new)."""
    with mws2._connLock:
        serving = len(mws2._connections) - mws2._refusing
    if serving < mws2.MaxConnections:
        return True
    oldest, _since = _longest_waiting(mws2, lambda conn: conn.reclaimable_since(patience))
    if oldest is None:
        return False
    oldest.reclaim()
    return True


def promote(mws2, conn):
    """A refused connection's head has arrived: served after all if a slot is free or
    one can be reclaimed from a connection that waits without work (a head that makes
    no progress loses its slot to a request that is all there). True if so."""
    if not has_slot(mws2, STALLED_HEAD_SEC):
        return False
    with mws2._connLock:
        if conn.refusing:
            conn.refusing = False
            mws2._refusing -= 1
    return True


def _longest_waiting(mws2, waiting_since):
    """(connection, since) of the smallest ``waiting_since(conn)`` that is not None."""
    oldest = since = None
    for conn in mws2._all_connections():
        waiting = waiting_since(conn)
        if waiting is not None and (since is None or waiting < since):
            oldest, since = conn, waiting
    return oldest, since


def _drop_stalled_refusal(mws2):
    """Every refusal slot is taken: close the one whose head has stalled longest (it
    would only get a 503, and it keeps a complete request out). True if one was."""
    oldest, since = _longest_waiting(mws2, lambda conn: conn.stalled_refusal_since())
    if oldest is None or elapsed_since(since) < STALLED_HEAD_SEC:
        return False
    oldest.close()
    return True


def _refuse_quickly(mws2, client):
    if len(mws2._quickRefusals) >= PER_CONNECTION * mws2.MaxConnections:
        client.Close()  # nothing sent: not even a plaintext answer on TLS
        return
    refusal = QuickRefusal(mws2, client)
    with mws2._connLock:
        mws2._quickRefusals[id(refusal)] = refusal
    refusal.start()


class QuickRefusal:
    """One connection answered 503 once its head has arrived (or served, if a slot can
    be had then), or closed unanswered when its head has not come within
    RequestsTimeoutSec. Swept by the server like its connections."""

    def __init__(self, mws2, client):
        self.mws2 = mws2
        self.client = client
        self.since = monotonic()
        self.closed = False
        self._kept = b""
        self._answered = False

    def start(self):
        self.client.OnClosed = self._on_closed
        self.client.AsyncRecvStream(self._on_data, None, None, self._on_shutdown)

    def _on_data(self, client, data, arg):
        if self._answered:
            return  # what follows the head (a body, pipelined requests): discarded
        seen = self._kept + bytes(data)
        if b"\r\n\r\n" not in seen and b"\n\n" not in seen:
            # (past _KEPT_MAX only the end is kept: enough to find the head's end)
            self._kept = seen if len(seen) <= _KEPT_MAX else seen[-3:]
            return
        if len(seen) <= _KEPT_MAX and self._admit(seen):
            return
        self._answer()

    def _admit(self, received):
        """The head has arrived: served after all if a slot is free or can be
        reclaimed (see promote). True if so (the client is then a connection's)."""
        if not has_slot(self.mws2, STALLED_HEAD_SEC):
            return False
        self._on_closed(self.client, None)  # no longer a refusal
        client = self.client
        client.StopRecvStream()
        client.UnreadData(received)
        self.mws2._serve(client)
        return True

    def _on_shutdown(self, client, arg):
        self._answer()  # the peer sent all it will: it may still read the 503

    def _answer(self):
        if not self._answered:
            self._answered = True
            if not self.client.AsyncSendData(_ANSWER, _close_after):
                self.close()

    def check_timeouts(self):
        if not self.closed and elapsed_since(self.since) > self.mws2._timeoutSec:
            self.close()

    def close(self):
        if not self.closed:
            self._on_closed(self.client, None)
            self.client.Close()

    def _on_closed(self, client, reason):
        if not self.closed:
            self.closed = True
            self.mws2._quick_refusal_done(self)


def _close_after(client, arg):
    client.Close()
