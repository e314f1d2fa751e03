"""The normal client: what a user sees while the server is under attack.

Run as a program (``stress_probe.py PORT INTERVAL OUTFILE [tls]``) in a process of its
own, so that neither the attacker's event loop nor the GIL of the harness adds to the
latency it measures: every INTERVAL seconds a new connection (TLS with ``tls``) asks
``GET /`` with ``Connection: close`` and reads the answer to its end. Each request
becomes one line ``<start> <seconds> <connect seconds> <status>`` in OUTFILE (start on
the monotonic clock, which every process shares on Linux; the connect time tells a
listen queue that is not emptied from a slow answer; status 0 when nothing complete came
back); SIGTERM ends it. ``Probe`` starts and stops that process and reads its lines back.
"""

import os
import signal
import socket
import subprocess
import sys
import time

LOOPBACK = "127.0.0.1"
HELLO = b"Hello, world!"
REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
# A user gives up on a page after a few seconds: an answer later than this is a miss.
REQUEST_TIMEOUT = 5.0
DEFAULT_INTERVAL = 0.02


class Result:
    __slots__ = ("start", "seconds", "connect", "status")

    def __init__(self, start, seconds, connect, status):
        self.start = start
        self.seconds = seconds
        self.connect = connect
        self.status = status

    @property
    def ok(self):
        return self.status == 200


def one_request(port, tls_context=None):
    """(status, seconds, connect seconds): 200 only for the whole expected answer, 0 for
    nothing usable."""
    started = time.monotonic()
    deadline = started + REQUEST_TIMEOUT
    data = b""
    connected = None
    try:
        sock = socket.create_connection((LOOPBACK, port), timeout=REQUEST_TIMEOUT)
        connected = time.monotonic() - started
        try:
            if tls_context is not None:
                sock = tls_context.wrap_socket(sock)
            sock.sendall(REQUEST)
            while time.monotonic() < deadline:
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        finally:
            sock.close()
    except (OSError, ValueError):
        pass  # a reset, a refused or timed-out connection: judged on what came
    return _status_of(data), time.monotonic() - started, connected


def _status_of(data):
    if not data.startswith(b"HTTP/1."):
        return 0
    try:
        status = int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0
    if status == 200 and not data.endswith(HELLO):
        return 0  # cut short
    return status


def client_tls_context():
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # our own self-signed certificate
    return context


def run(port, interval, outfile, tls):
    context = client_tls_context() if tls else None
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    with open(outfile, "w") as out:
        next_start = time.monotonic()
        while True:
            started = time.monotonic()
            status, seconds, connected = one_request(port, context)
            out.write("%.6f %.6f %.6f %d\n" % (started, seconds, -1.0 if connected is None
                                                 else connected, status))
            out.flush()
            next_start = max(next_start + interval, time.monotonic())
            time.sleep(max(0.0, next_start - time.monotonic()))


class Probe:
    """``with Probe(port, folder) as probe:`` ... ``probe.results()``."""

    def __init__(self, port, folder, interval=DEFAULT_INTERVAL, tls=False):
        self.port = port
        self.interval = interval
        self.tls = tls
        self.path = os.path.join(folder, "probe-%d.txt" % port)
        self.proc = None

    def __enter__(self):
        command = [sys.executable, os.path.abspath(__file__), str(self.port),
                   str(self.interval), self.path] + (["tls"] if self.tls else [])
        self.proc = subprocess.Popen(command)
        return self

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(REQUEST_TIMEOUT + 5)

    def __exit__(self, *exc):
        self.stop()

    def results(self):
        found = []
        try:
            with open(self.path) as lines:
                for line in lines:
                    parts = line.split()
                    if len(parts) == 4:
                        found.append(Result(float(parts[0]), float(parts[1]), float(parts[2]),
                                            int(parts[3])))
        except OSError:
            pass
        return found


if __name__ == "__main__":
    run(int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], len(sys.argv) > 4)
