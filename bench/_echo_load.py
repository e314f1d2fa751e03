"""Echo load generator (CPython, Linux epoll), run as its own process.

Opens N connections (in batches, all held open together), then every connection does
request/response round trips: send SIZE bytes, wait for exactly those bytes back, again,
for ROUNDS rounds (or until SECONDS pass). With ROUNDS, a connection that is done waits
for all the others before any closes, so the server really holds N at once.
Prints one JSON line with the counts.
It is the same client for every server measured, and it checks every echoed byte.

    python3 bench/_echo_load.py PORT --connections 100 --seconds 3 --size 64
"""

import argparse
import json
import resource
import select
import socket
import sys
import time


def raise_fd_limit(wanted):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, wanted)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Conn:
    __slots__ = ("sock", "got", "rounds")

    def __init__(self, sock):
        self.sock = sock
        self.got = 0
        self.rounds = 0


def connect_all(port, count, batch, ep, deadline):
    conns = {}
    failed = 0
    opened = 0
    while opened < count:
        pending = {}
        for _ in range(min(batch, count - opened)):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.connect_ex(("127.0.0.1", port))
            pending[sock.fileno()] = sock
            ep.register(sock.fileno(), select.EPOLLOUT)
            opened += 1
        while pending and time.monotonic() < deadline:
            for fd, _ev in ep.poll(1.0):
                sock = pending.pop(fd, None)
                if sock is None:
                    continue
                if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    ep.unregister(fd)
                    sock.close()
                    failed += 1
                else:
                    ep.modify(fd, select.EPOLLIN)
                    conns[fd] = Conn(sock)
        for fd, sock in pending.items():
            ep.unregister(fd)
            sock.close()
            failed += 1
    return conns, failed


def run(port, count, size, rounds, seconds, batch, limit_sec):
    raise_fd_limit(count + 64)
    ep = select.epoll()
    deadline = time.monotonic() + limit_sec
    started_connect = time.monotonic()
    conns, failed = connect_all(port, count, batch, ep, deadline)
    connect_sec = time.monotonic() - started_connect
    payload = bytes((i * 7) & 0xFF for i in range(size))
    view = memoryview(payload)
    requests = bad = completed = 0
    started = time.monotonic()
    stop_at = started + seconds if seconds else deadline
    for conn in conns.values():
        conn.sock.send(payload)
    live = len(conns)
    while live and time.monotonic() < deadline:
        for fd, _ev in ep.poll(1.0):
            conn = conns[fd]
            try:
                data = conn.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                ep.unregister(fd)
                conn.sock.close()
                live -= 1
                bad += 1
                continue
            if data != view[conn.got : conn.got + len(data)]:
                bad += 1
            conn.got += len(data)
            if conn.got < size:
                continue
            conn.got = 0
            conn.rounds += 1
            requests += 1
            if rounds and conn.rounds >= rounds:
                live -= 1  # done: held open until every connection is done
                completed += 1
            elif seconds and time.monotonic() >= stop_at:
                ep.unregister(fd)
                conn.sock.close()
                live -= 1
                completed += 1
            else:
                conn.sock.send(payload)
    elapsed = time.monotonic() - started
    for conn in conns.values():
        if conn.sock.fileno() >= 0:
            conn.sock.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "connections": count,
        "connected": len(conns),
        "connect_failed": failed,
        "connect_sec": round(connect_sec, 3),
        "completed": completed,
        "requests": requests,
        "bad": bad,
        "seconds": round(elapsed, 3),
        "requests_per_sec": round(requests / elapsed, 1) if elapsed else 0.0,
        "client_maxrss_kb": usage.ru_maxrss,
    }


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("port", type=int)
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=0)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--limit", type=float, default=60, help="hard stop (s)")
    args = parser.parse_args(argv)
    if not args.rounds and not args.seconds:
        parser.error("give --rounds or --seconds")
    result = run(args.port, args.connections, args.size, args.rounds, args.seconds,
                 args.batch, args.limit)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
