"""Back-pressure on receiving: with worker threads, the bytes a socket received and handed
to callbacks that have not run yet stay within its MaxReceivingQueueSize (the loop stops
reading it, the kernel throttles the sender), and every byte still arrives, in order."""

import time

from xasync_helpers import (
    LOOPBACK,
    connect,
    finished,
    in_thread,
    run_pool,
    send_all,
    stop_when,
    wait_for,
)

from xasync import XAsyncSocketsPool, XAsyncTCPServer, XClosedReason


def _numbered(size):
    """size bytes of numbered 256-byte blocks: a lost, doubled or reordered chunk shows.
    Filled in place: a board's heap has no room for a list of blocks to join."""
    data = bytearray(size)
    for start in range(0, size, 256):
        block = ("%07d\n" % (start // 256)).encode() * 32
        data[start:start + 256] = block[: size - start]
    return data


def _flood(shrink=None, threads=2, slow_sec=0.005, timeout_sec=None, first_sleep=0):
    """A peer sends 4 x the bound as fast as it can, then closes; the callback is slow
    for the first half (plus first_sleep on the first chunk), fast after.
    -> (the largest ReceivingQueueSize seen, the bound, the close reason); checks that
    every byte arrived in order."""
    pool = XAsyncSocketsPool()
    srv = XAsyncTCPServer.Create(pool, LOOPBACK)
    state = {"payload": None, "got": 0, "in_order": True, "max": 0, "bound": None,
             "reason": None}

    def watch(cli):  # on the loop, as often as the loop allows
        state["max"] = max(state["max"], cli.ReceivingQueueSize)
        if state["reason"] is None:
            pool.CallLater(0.001, watch, cli)

    def on_data(cli, data, arg):
        state["max"] = max(state["max"], cli.ReceivingQueueSize)
        if first_sleep and not state["got"]:
            time.sleep(first_sleep)
        # Checked as it comes (a board's heap has no room for a second copy).
        got = state["got"]
        if state["payload"][got:got + len(data)] != data:
            state["in_order"] = False
        state["got"] = got + len(data)
        if state["got"] < len(state["payload"]) // 2:
            time.sleep(slow_sec)

    def on_closed(cli, reason):
        state["reason"] = reason

    def accepted(s, cli):
        if shrink is not None:
            cli.MaxReceivingQueueSize = shrink(cli.MaxReceivingQueueSize)
        # 4 bounds: reading pauses at least 3 times, and a 4 MiB heap holds it.
        state["payload"] = _numbered(4 * cli.MaxReceivingQueueSize)
        state["bound"] = cli.MaxReceivingQueueSize
        cli.OnClosed = on_closed
        cli.AsyncRecvStream(on_data, None, timeout_sec)
        watch(cli)

    def peer():
        sock = connect(srv.SrvAddr)
        assert wait_for(lambda: state["bound"] is not None)
        send_all(sock, state["payload"])
        sock.close()

    srv.OnClientAccepted = accepted
    box = in_thread(peer)
    if threads:
        pool.AsyncWaitEvents(threadsCount=threads)
        try:
            assert wait_for(lambda: state["reason"] is not None, 60)
        finally:
            pool.StopWaitEvents()
    else:
        pool.CallSoon(stop_when, pool, lambda: state["reason"] is not None, 60)
        run_pool(pool, 65)
    finished(box, 60)
    assert state["in_order"] and state["got"] == len(state["payload"])
    return state["max"], state["bound"], state["reason"]


def test_a_peer_outrunning_its_worker_is_held_within_the_bound():
    biggest, bound, reason = _flood()
    assert reason == XClosedReason.ClosedByPeer
    assert 0 < biggest <= bound, (biggest, bound)


def test_a_bound_set_on_the_client_is_kept():
    biggest, bound, reason = _flood(shrink=lambda default: default // 2, threads=1)
    assert reason == XClosedReason.ClosedByPeer
    assert 0 < biggest <= bound, (biggest, bound)


def test_a_slow_worker_is_not_an_idle_peer():
    # Reading pauses while the first callback sleeps longer than the stream's idle
    # timeout; the peer is not idle (its bytes wait in the kernel): no Timeout.
    biggest, bound, reason = _flood(timeout_sec=0.4, first_sleep=1.2, slow_sec=0)
    assert reason == XClosedReason.ClosedByPeer, reason
    assert biggest <= bound


def test_without_workers_callbacks_run_inline_and_nothing_queues():
    biggest, bound, reason = _flood(threads=0, slow_sec=0.001)
    assert reason == XClosedReason.ClosedByPeer
    assert biggest == 0
