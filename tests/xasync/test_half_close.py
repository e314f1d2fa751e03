"""A peer that shuts down its sending side: AsyncRecvStream(onPeerShutdown=...).

MicroPython's socket has no shutdown(): there the peer closes completely instead, which
the server sees the same way (EOF), so the notice, its order and the close reason are
checked on both runtimes; the answer reaching a half-closed peer is checked where the
peer can half-close (CPython; tests/xasync/cpython/test_half_close_micropython.py runs
the MicroPython side against a CPython peer).
"""

import socket
import time

from xasync_helpers import (
    LOOPBACK,
    connect,
    finished,
    in_thread,
    recv_to_eof,
    run_pool,
    send_all,
    stop_when,
    wait_for,
)

from xasync import XAsyncSocketsPool, XAsyncTCPClient, XAsyncTCPServer, XClosedReason

CAN_HALF_CLOSE = hasattr(socket.socket, "shutdown") and hasattr(socket, "SHUT_WR")


def _peer(addr, pieces, pause=0.01):
    """Send the pieces, end our side, read the answer to EOF (None when we can only close)."""
    sock = connect(addr)
    try:
        for piece in pieces:
            send_all(sock, piece)
            time.sleep(pause)
        if not CAN_HALF_CLOSE:
            return None
        sock.shutdown(socket.SHUT_WR)
        return recv_to_eof(sock)
    finally:
        sock.close()


def _server(pool, accepted):
    srv = XAsyncTCPServer.Create(pool, LOOPBACK)
    srv.OnClientAccepted = accepted
    return srv


def test_shutdown_notice_comes_after_the_data_and_the_answer_still_goes():
    pool = XAsyncSocketsPool()
    events = []
    reasons = []
    wakeups = [0]
    waiting = [False]

    def on_data(cli, data, arg):
        events.append(("data", data, arg))

    def answer(cli):
        waiting[0] = False
        body = b"".join(e[1] for e in events if e[0] == "data")
        cli.AsyncSendData(b"got:" + body, lambda c, a: c.Close())

    def on_shutdown(cli, arg):
        events.append(("shutdown", arg))
        assert cli.PeerShutdown and not cli.IsClosed
        waiting[0] = True
        # Answer a little later: meanwhile the socket must not wake the loop (after EOF
        # it polls readable forever unless read interest was dropped).
        pool.CallLater(0.2, answer, cli)

    def accepted(server, cli):
        on_events = cli._on_events

        def counting(mask):
            if waiting[0]:
                wakeups[0] += 1
            on_events(mask)

        cli._on_events = counting
        cli.OnClosed = lambda c, reason: reasons.append(reason)
        cli.AsyncRecvStream(on_data, "tag", 5, on_shutdown)

    srv = _server(pool, accepted)
    box = in_thread(_peer, srv.SrvAddr, [b"hello ", b"half ", b"close"])
    pool.CallSoon(stop_when, pool, lambda: reasons)
    run_pool(pool)
    answer_seen = finished(box)
    assert events[-1] == ("shutdown", "tag"), events
    assert [e[2] for e in events[:-1]] == ["tag"] * (len(events) - 1)
    assert b"".join(e[1] for e in events[:-1]) == b"hello half close"
    assert reasons == [XClosedReason.ClosedByPeer]
    assert wakeups[0] < 5, wakeups[0]
    if CAN_HALF_CLOSE:
        assert answer_seen == b"got:hello half close"


def test_without_on_peer_shutdown_eof_closes_as_before():
    pool = XAsyncSocketsPool()
    got = []
    reasons = []

    def accepted(server, cli):
        cli.OnClosed = lambda c, reason: reasons.append(reason)
        cli.AsyncRecvStream(lambda c, data, arg: got.append(data), None, 5)

    srv = _server(pool, accepted)
    box = in_thread(_peer, srv.SrvAddr, [b"request"])
    pool.CallSoon(stop_when, pool, lambda: reasons)
    run_pool(pool)
    answer_seen = finished(box)
    assert b"".join(got) == b"request"
    assert reasons == [XClosedReason.ClosedByPeer]
    if CAN_HALF_CLOSE:
        assert answer_seen == b""  # closed at once: nothing was sent


def test_reading_again_after_the_shutdown():
    """A new stream read is told again; a once-read can never be satisfied: it closes."""
    pool = XAsyncSocketsPool()
    notices = []
    reasons = []
    lines = []

    def on_shutdown(cli, arg):
        notices.append(arg)
        if len(notices) == 1:
            cli.AsyncRecvStream(lambda c, d, a: None, "second", None, on_shutdown)
        else:
            cli.AsyncRecvLine(onLineRecv=lambda c, line, a: lines.append(line))

    def accepted(server, cli):
        cli.OnClosed = lambda c, reason: reasons.append(reason)
        cli.AsyncRecvStream(lambda c, d, a: None, "first", None, on_shutdown)

    srv = _server(pool, accepted)
    box = in_thread(_peer, srv.SrvAddr, [b"x"])
    pool.CallSoon(stop_when, pool, lambda: reasons)
    run_pool(pool)
    finished(box)
    assert notices == ["first", "second"]
    assert lines == []
    assert reasons == [XClosedReason.ClosedByPeer]


def test_line_read_before_the_stream_keeps_its_bytes_at_eof():
    """Bytes read ahead by a line read reach the stream before the shutdown notice."""
    pool = XAsyncSocketsPool()
    events = []
    reasons = []

    def on_line(cli, line, arg):
        events.append(("line", line))
        cli.AsyncRecvStream(lambda c, d, a: events.append(("data", d)), None, 5,
                            lambda c, a: (events.append(("shutdown",)), c.Close()))

    def accepted(server, cli):
        cli.OnClosed = lambda c, reason: reasons.append(reason)
        cli.AsyncRecvLine(None, on_line)

    srv = _server(pool, accepted)
    box = in_thread(_peer, srv.SrvAddr, [b"head\nbody bytes"])
    pool.CallSoon(stop_when, pool, lambda: reasons)
    run_pool(pool)
    finished(box)
    assert events[0] == ("line", b"head")
    assert events[-1] == ("shutdown",)
    assert b"".join(e[1] for e in events[1:-1]) == b"body bytes"
    assert reasons == [XClosedReason.ClosedByPeer]


def test_idle_timeout_still_closes_after_the_shutdown():
    pool = XAsyncSocketsPool()
    reasons = []
    notices = []

    def accepted(server, cli):
        cli.OnClosed = lambda c, reason: reasons.append(reason)
        cli.AsyncRecvStream(lambda c, d, a: None, None, 0.3,
                            lambda c, a: notices.append(time.time()))

    srv = _server(pool, accepted)
    started = time.time()
    box = in_thread(_peer, srv.SrvAddr, [b"x"])
    pool.CallSoon(stop_when, pool, lambda: reasons)
    run_pool(pool)
    finished(box)
    assert len(notices) == 1
    assert reasons == [XClosedReason.Timeout]
    assert 0.25 <= time.time() - started < 5


def test_shutdown_notice_with_worker_threads():
    pool = XAsyncSocketsPool()
    events = []
    reasons = []

    def on_data(cli, data, arg):
        time.sleep(0.002)  # slow handler: the notice must still wait its turn
        events.append(data)

    def on_shutdown(cli, arg):
        events.append(None)
        cli.AsyncSendData(b"bye", lambda c, a: c.Close())

    def accepted(server, cli):
        cli.OnClosed = lambda c, reason: reasons.append(reason)
        cli.AsyncRecvStream(on_data, None, 5, on_shutdown)

    srv = _server(pool, accepted)
    pieces = [b"%d;" % i for i in range(20)]
    pool.AsyncWaitEvents(threadsCount=2)
    try:
        box = in_thread(_peer, srv.SrvAddr, pieces, 0.001)
        answer_seen = finished(box)
        assert wait_for(lambda: reasons, 10)
    finally:
        pool.StopWaitEvents()
    assert events[-1] is None and events.count(None) == 1
    assert b"".join(events[:-1]) == b"".join(pieces)
    assert reasons == [XClosedReason.ClosedByPeer]
    if CAN_HALF_CLOSE:
        assert answer_seen == b"bye"


def test_empty_send_queued_behind_others_completes():
    """A zero-length AsyncSendData waiting in the queue must finish, not stall it."""
    pool = XAsyncSocketsPool()
    srv = XAsyncTCPServer.Create(pool, LOOPBACK)
    addr = srv.SrvAddr
    accepted_clients = []
    srv.OnClientAccepted = lambda server, cli: (
        accepted_clients.append(cli), cli.AsyncRecvStream(lambda c, d, a: None)
    )
    done = []
    reasons = []
    # Queued while connecting (deterministic): bytes, an empty send, bytes.
    cli = XAsyncTCPClient.Create(pool, addr)
    cli.OnClosed = lambda c, reason: reasons.append(reason)
    cli.AsyncSendData(b"abc")
    cli.AsyncSendData(b"", lambda c, a: done.append("empty"))
    cli.AsyncSendData(b"def", lambda c, a: (done.append("last"), c.Close()))
    pool.CallSoon(stop_when, pool, lambda: reasons)
    run_pool(pool)
    assert done == ["empty", "last"]
    assert reasons == [XClosedReason.ClosedByHost]
