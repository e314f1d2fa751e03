"""The CPython poller (epoll where the platform has it): owners by fd, reuse-safe."""

import socket

from xasync._compat import READ, WRITE, Poller


def _pair():
    return socket.socketpair()


def test_events_map_to_owners_and_masks():
    poller = Poller()
    left, right = _pair()
    try:
        poller.register(left, "left-owner", READ)
        assert poller.poll(0) == []
        right.send(b"x")
        assert poller.poll(1000) == [("left-owner", READ)]
        poller.modify(left, "left-owner", READ | WRITE)
        assert poller.poll(1000) == [("left-owner", READ | WRITE)]
        poller.unregister(left)
        poller.unregister(left)  # twice: harmless
        assert poller.poll(0) == []
    finally:
        poller.close()
        left.close()
        right.close()


def test_hang_up_wakes_both_directions():
    poller = Poller()
    left, right = _pair()
    try:
        poller.register(left, "owner", READ)
        right.close()
        events = poller.poll(1000)
        assert events and events[0][0] == "owner" and events[0][1] & READ
    finally:
        poller.close()
        left.close()


def test_forgetting_a_closed_socket_spares_the_one_that_reuses_its_fd():
    poller = Poller()
    old, old_peer = _pair()
    sockets = []
    try:
        poller.register(old, "old", READ)
        fd = old.fileno()
        old.close()  # closed before unregister: its fd is free for the next socket
        new, new_peer = _pair()
        sockets.extend((new, new_peer))
        while new.fileno() != fd and new_peer.fileno() != fd and len(sockets) < 40:
            extra = _pair()
            sockets.extend(extra)
            new, new_peer = extra
        reused = new if new.fileno() == fd else new_peer
        other = new_peer if reused is new else new
        assert reused.fileno() == fd
        poller.register(reused, "new", READ)
        poller.unregister(old)  # must not drop "new", which now owns that fd
        other.send(b"x")
        assert poller.poll(1000) == [("new", READ)]
    finally:
        poller.close()
        old_peer.close()
        for sock in sockets:
            sock.close()
