"""The cheapest answer over the cap: a connection that finds no slot, not even one of the
refusals whose heads are parsed (which may still be served if a slot frees up), gets a
fixed 503 from a small object, without a parser, a request or a buffer of its own.

Why not close at once: a client whose connection closes unanswered sees an empty reply
and cannot tell "busy" from "broken" (MicroPython, embedded preset: 500 simultaneous
clients on 16 slots). Why read first: a socket closed with unread bytes sends a reset,
and a reset makes the client's kernel drop the 503 it had not read yet; once the end of
the head has arrived, the 503 is sent and the connection closed after it. Loaded only
when a server reaches its cap (not part of what a board imports).
"""

from .compat import elapsed_since, monotonic

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


class QuickRefusal:
    """One connection answered 503 once its head has arrived (or closed unanswered when
    it has not within RequestsTimeoutSec). Swept by the server like its connections."""

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
        if len(seen) <= _KEPT_MAX and self.mws2._admit_refused(self, seen):
            self.closed = True  # the client is a served connection's now
            return
        self._answer()

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
            self.closed = True
            self.mws2._quick_refusal_done(self)
            self.client.Close()

    def _on_closed(self, client, reason):
        if not self.closed:
            self.closed = True
            self.mws2._quick_refusal_done(self)


def _close_after(client, arg):
    client.Close()
