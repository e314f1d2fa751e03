"""UDP datagrams over loopback."""

from xasync_helpers import LOOPBACK, run_pool

from xasync import XAsyncSocketsPool, XAsyncUDPDatagram


def test_udp_round_trip():
    pool = XAsyncSocketsPool()
    server = XAsyncUDPDatagram.Create(pool, LOOPBACK)
    client = XAsyncUDPDatagram.Create(pool, LOOPBACK)
    assert server.LocalAddr[1] > 0 and server.LocalAddr != client.LocalAddr
    got = []
    sent = []

    def on_server_recv(udp, remote, data):
        udp.AsyncSendDatagram(data.upper(), remote, lambda u, arg: sent.append(arg), "reply")

    def on_client_recv(udp, remote, data):
        got.append((remote[1], data))
        if len(got) == 3:
            pool.StopWaitEvents()

    server.OnRecv = on_server_recv
    client.OnDataRecv = on_client_recv  # the original's other name for OnRecv
    assert client.OnRecv is on_client_recv
    for word in (b"one", b"two", b"three"):
        assert client.AsyncSendDatagram(word, server.LocalAddr)
    run_pool(pool, 10)
    assert sorted(got) == sorted((server.LocalAddr[1], w) for w in (b"ONE", b"TWO", b"THREE"))
    assert sent == ["reply"] * 3


def test_udp_closed_socket_refuses_to_send():
    pool = XAsyncSocketsPool()
    udp = XAsyncUDPDatagram.Create(pool, LOOPBACK)
    udp.Close()
    pool.StopWaitEvents()
    assert udp.IsClosed
    assert udp.AsyncSendDatagram(b"x", ("127.0.0.1", 9)) is False


def test_udp_send_failure_calls_on_fails_to_send():
    pool = XAsyncSocketsPool()
    udp = XAsyncUDPDatagram.Create(pool, LOOPBACK)
    failures = []
    sent = []

    def failed(u, datagram, remote):
        failures.append((datagram, remote))
        pool.StopWaitEvents()

    udp.OnFailsToSend = failed
    # Port 0 is no destination: the kernel refuses the datagram (EINVAL).
    assert udp.AsyncSendDatagram(b"nowhere", ("127.0.0.1", 0), lambda u, a: sent.append(a))
    run_pool(pool, 10)
    assert failures == [(b"nowhere", ("127.0.0.1", 0))]
    assert sent == []
    assert udp.LastError is not None
