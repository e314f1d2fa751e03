"""The pool itself: worker threads, per-socket order, CallSoon, stop and restart."""

import time

import _thread
from _portable import raises
from xasync_helpers import (
    LOOPBACK,
    connect,
    finished,
    in_thread,
    recv_exact,
    recv_to_eof,
    run_pool,
    send_all,
    wait_for,
)

from xasync import (
    XAsyncSocketsPool,
    XAsyncSocketsPoolException,
    XAsyncTCPServer,
    XClosedReason,
)


def _line_server(pool, handle):
    srv = XAsyncTCPServer.Create(pool, LOOPBACK)

    def on_line(cli, line, arg):
        reply = handle(line)
        cli.AsyncSendData((reply + "\n").encode())
        cli.AsyncRecvLine(onLineRecv=on_line, timeoutSec=10)

    srv.OnClientAccepted = lambda s, cli: cli.AsyncRecvLine(onLineRecv=on_line, timeoutSec=10)
    return srv


def _ask(sock, line):
    send_all(sock, (line + "\n").encode())
    out = b""
    while not out.endswith(b"\n"):
        part = sock.recv(100)
        if not part:
            break
        out += part
    return out.decode()[:-1]


def test_blocking_callback_does_not_freeze_other_connections():
    pool = XAsyncSocketsPool()

    def handle(line):
        if line == "slow":
            time.sleep(1.0)
        return "re:" + line

    srv = _line_server(pool, handle)
    pool.AsyncWaitEvents(threadsCount=2)
    try:
        assert pool.WaitEventsProcessing
        slow = connect(srv.SrvAddr)
        fast = connect(srv.SrvAddr)
        slow_box = in_thread(_ask, slow, "slow")
        time.sleep(0.1)  # the slow handler is now sleeping in a worker
        started = time.time()
        assert _ask(fast, "fast") == "re:fast"
        fast_elapsed = time.time() - started
        assert finished(slow_box) == "re:slow"
        slow.close()
        fast.close()
        assert fast_elapsed < 0.6, fast_elapsed
    finally:
        pool.StopWaitEvents()
    assert not pool.WaitEventsProcessing


def test_callbacks_of_one_socket_never_overlap_and_keep_order():
    pool = XAsyncSocketsPool()
    state = {"inside": 0, "max": 0, "data": b"", "closed": None}
    lock = _thread.allocate_lock()

    def on_chunk(cli, data, arg):
        with lock:
            state["inside"] += 1
            state["max"] = max(state["max"], state["inside"])
        time.sleep(0.01)  # long enough for other workers to pick up later chunks
        state["data"] += data
        with lock:
            state["inside"] -= 1

    def accepted(srv, cli):
        cli.OnClosed = lambda c, reason: state.__setitem__("closed", reason)
        cli.AsyncRecvStream(on_chunk)

    srv = XAsyncTCPServer.Create(pool, LOOPBACK)
    srv.OnClientAccepted = accepted
    pool.AsyncWaitEvents(threadsCount=3)
    try:
        sock = connect(srv.SrvAddr)
        sent = b""
        for i in range(40):
            piece = ("%d," % i).encode()
            send_all(sock, piece)
            sent += piece
            time.sleep(0.002)
        sock.close()
        assert wait_for(lambda: state["closed"] is not None)
    finally:
        pool.StopWaitEvents()
    assert state["data"] == sent
    assert state["max"] == 1
    assert state["closed"] == XClosedReason.ClosedByPeer


def test_call_soon_from_another_thread_runs_on_the_loop():
    pool = XAsyncSocketsPool()
    seen = []
    pool.AsyncWaitEvents(threadsCount=1)
    try:
        pool.CallSoon(lambda a, b: seen.append((a, b, _thread.get_ident())), 1, 2)
        assert wait_for(lambda: seen, 5)
    finally:
        pool.StopWaitEvents()
    assert seen[0][:2] == (1, 2)
    assert seen[0][2] != _thread.get_ident()


def test_send_and_close_from_another_thread_take_effect_at_once():
    pool = XAsyncSocketsPool()
    clients = []
    reasons = []

    def accepted(srv, cli):
        cli.OnClosed = lambda c, reason: reasons.append(reason)
        clients.append(cli)

    srv = XAsyncTCPServer.Create(pool, LOOPBACK)
    srv.OnClientAccepted = accepted
    pool.AsyncWaitEvents(threadsCount=1)
    try:
        sock = connect(srv.SrvAddr)
        assert wait_for(lambda: clients, 5)
        started = time.time()
        assert clients[0].AsyncSendData(b"from a thread")
        assert recv_exact(sock, 13) == b"from a thread"
        clients[0].Close()
        assert sock.recv(10) == b""
        assert time.time() - started < 0.9  # the waker, not the 1 s poll cap
        sock.close()
        assert wait_for(lambda: reasons, 5)
        assert clients[0].AsyncSendData(b"late") is False
    finally:
        pool.StopWaitEvents()
    assert reasons == [XClosedReason.ClosedByHost]


def test_stop_twice_then_restart_on_the_same_port():
    pool = XAsyncSocketsPool()
    srv = _line_server(pool, lambda line: line.upper())
    addr = srv.SrvAddr
    reasons = []
    pool.AsyncWaitEvents(threadsCount=1)
    sock = connect(addr)
    assert _ask(sock, "first") == "FIRST"
    srv.OnClosed = lambda s, reason: reasons.append(reason)
    pool.StopWaitEvents()
    pool.StopWaitEvents()
    assert not pool.WaitEventsProcessing
    assert pool.GetAllAsyncSockets() == []
    assert sock.recv(10) == b""  # the pool closed its connection too
    sock.close()
    assert reasons == [XClosedReason.ClosedByHost]
    # Same pool, same port: SO_REUSEADDR lets the new listener bind at once.
    srv3 = XAsyncTCPServer.Create(pool, addr)
    srv3.OnClientAccepted = lambda s, cli: cli.AsyncSendData(b"again", lambda c, a: c.Close())
    pool.AsyncWaitEvents(threadsCount=1)
    try:
        sock = connect(addr)
        assert recv_exact(sock, 5) == b"again"
        sock.close()
        assert srv3.SrvAddr == addr
    finally:
        pool.StopWaitEvents()


def test_stop_from_a_callback_in_the_calling_thread():
    pool = XAsyncSocketsPool()
    srv = XAsyncTCPServer.Create(pool, LOOPBACK)
    srv.OnClientAccepted = lambda s, cli: pool.StopWaitEvents()
    box = in_thread(lambda: connect(srv.SrvAddr).close())
    started = time.time()
    run_pool(pool, 10)
    finished(box)
    assert time.time() - started < 5
    assert not pool.WaitEventsProcessing


def test_wait_events_twice_is_refused():
    pool = XAsyncSocketsPool()
    pool.AsyncWaitEvents(threadsCount=1)
    try:
        raises(XAsyncSocketsPoolException, pool.AsyncWaitEvents, 1)
        raises(ValueError, XAsyncSocketsPool().AsyncWaitEvents, -1)
    finally:
        pool.StopWaitEvents()


def test_call_later_runs_in_order():
    pool = XAsyncSocketsPool()
    order = []
    pool.CallLater(0.05, order.append, "b")
    pool.CallLater(0.01, order.append, "a")
    cancelled = pool.CallLater(0.02, order.append, "never")
    cancelled.cancel()
    pool.CallLater(0.1, pool.StopWaitEvents)
    run_pool(pool, 5)
    assert order == ["a", "b"]


def test_stop_and_call_soon_racing_the_loop_end_never_raise():
    """Threads that stop the pool or CallSoon while the loop shuts down (and closes its
    waker) must not get an error from the closed waker."""
    for _ in range(20):
        pool = XAsyncSocketsPool()
        pool.AsyncWaitEvents(threadsCount=1)
        pool_wake = pool._wake
        boxes = [in_thread(pool.StopWaitEvents) for _ in range(3)]
        boxes += [in_thread(pool.CallSoon, lambda: None) for _ in range(3)]
        for box in boxes:
            finished(box)
        assert not pool.WaitEventsProcessing
        pool_wake()  # the waker closed with the loop: a no-op, not an OSError


def test_a_cancelled_timer_lets_go_of_its_call():
    # Its heap entry stays until the delay ends: it must not pin what the call would
    # have used (a closed WebSocket's half-received message on a 1 MiB heap: bug 7).
    pool = XAsyncSocketsPool()
    ran = []
    payload = bytearray(65536)
    timer = pool.CallLater(0.05, lambda data: ran.append(len(data)), payload)
    kept = pool.CallLater(0.05, lambda data: ran.append(len(data)), b"kept")
    timer.cancel()
    assert timer.cancelled
    assert timer._func is None and timer._args == ()
    pool.CallLater(0.2, pool.StopWaitEvents)
    pool.AsyncWaitEvents(threadsCount=0)
    assert ran == [4]
    assert not kept.cancelled


def _interrupted_loop(interrupt):
    """A listener and one accepted connection, then `interrupt(pool)` called inside the
    loop (a timer: Ctrl-C's KeyboardInterrupt lands wherever the loop is) -> (what
    AsyncWaitEvents(0) raised or None, the listener's close reason, the connection's)."""
    pool = XAsyncSocketsPool()
    srv = XAsyncTCPServer.Create(pool, LOOPBACK)
    reasons = {}
    srv.OnClosed = lambda s, reason: reasons.__setitem__("server", reason)

    def accepted(s, cli):
        cli.OnClosed = lambda c, reason: reasons.__setitem__("client", reason)
        cli.AsyncRecvStream(lambda c, data, arg: None)
        pool.CallLater(0.05, interrupt, pool)

    srv.OnClientAccepted = accepted
    box = in_thread(lambda: recv_to_eof(connect(srv.SrvAddr)))
    timer = pool.CallLater(10, pool.StopWaitEvents)
    raised = None
    try:
        pool.AsyncWaitEvents(threadsCount=0)
    except BaseException as exc:  # what the caller of AsyncWaitEvents(0) gets
        raised = exc
    timer.cancel()
    assert finished(box) == b""  # the pool closed the connection on its way out
    assert not pool.WaitEventsProcessing
    assert pool.GetAllAsyncSockets() == []
    return raised, reasons.get("server"), reasons.get("client")


def _ctrl_c(pool):
    raise KeyboardInterrupt()


def _exit(pool):
    raise SystemExit()


def _break_the_poller(pool):
    def broken_poll(timeout_ms):
        raise OSError(9, "the poller broke")

    pool._poller.poll = broken_poll


def test_ctrl_c_closes_every_socket_as_closed_by_host_and_propagates():
    raised, server, client = _interrupted_loop(_ctrl_c)
    assert isinstance(raised, KeyboardInterrupt)
    # A normal stop, not a lost listener (which mws2 reports as an error).
    assert server == XClosedReason.ClosedByHost
    assert client == XClosedReason.ClosedByHost


def test_system_exit_is_a_normal_stop_too():
    raised, server, client = _interrupted_loop(_exit)
    assert isinstance(raised, SystemExit)
    assert (server, client) == (XClosedReason.ClosedByHost, XClosedReason.ClosedByHost)


def test_stop_wait_events_closes_as_closed_by_host():
    raised, server, client = _interrupted_loop(XAsyncSocketsPool.StopWaitEvents)
    assert raised is None
    assert (server, client) == (XClosedReason.ClosedByHost, XClosedReason.ClosedByHost)


def test_a_loop_that_dies_of_an_error_closes_with_error():
    # Only a failure of the loop itself says Error, so that a listener's owner can tell
    # it from a stop: here the poller breaks (as a closed epoll or a bad fd would).
    raised, server, client = _interrupted_loop(_break_the_poller)
    assert isinstance(raised, OSError) and raised.errno == 9
    assert (server, client) == (XClosedReason.Error, XClosedReason.Error)
