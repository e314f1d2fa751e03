"""A 10 MiB multipart upload streamed to disk: mws2 against microdot, in one run.

Each server (bench/_upload_app.py) takes POST /upload, a multipart form with one 10 MiB
file, and writes the file to a temporary folder as it arrives (mws2:
``ReadMultipartForm(saveTo=...)`` on a ``streamContent`` route; microdot: its
``FormDataIter`` with ``FileUpload.save``, its streaming way). The client sends the body
in 64 KiB pieces over one connection and times the whole exchange.

- CPython: MB/s (best of 3) and the server's peak RSS growth (VmHWM, /proc).
- MicroPython (unix port): MB/s, and the smallest ``-X heapsize`` at which the upload
  still succeeds (bisection to 4 KiB): what a board must have free.

Run: ``python3 bench/upload.py`` (``--quick``: one round, no bisection). Ends with
``mws2_upload_mb_s: N`` (CPython, asyncio mode).
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SIZE = 10 * 1024 * 1024
PIECE = 64 * 1024
BOUNDARY = b"mws2bench7MA4YWxkTrZu0gW"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def microdot_dir():
    """The folder holding microdot's package (its parent, so ``import microdot`` finds
    the package, as a board has it)."""
    try:
        import microdot
    except ImportError:
        return None
    return os.path.dirname(os.path.dirname(os.path.abspath(microdot.__file__)))


class Server:
    """A server process: ``_upload_app.py PORT SERVER MODE FOLDER`` on a runtime."""

    def __init__(self, runtime, server, mode, folder, heap=None):
        self.port = free_port()
        env = dict(os.environ)
        packages = os.path.join(REPO, "packages")
        paths = [os.path.join(packages, name) for name in sorted(os.listdir(packages))]
        if runtime == "cpython":
            exe = [sys.executable]
            env["PYTHONPATH"] = os.pathsep.join(paths)
        else:
            exe = ["micropython"] + (["-X", "heapsize=%d" % heap] if heap else [])
            found = microdot_dir()
            env["MICROPYPATH"] = ":".join(paths + ([found] if found else []) + [".frozen"])
        command = exe + [os.path.join(HERE, "_upload_app.py"), str(self.port), server, mode,
                         folder]
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, env=env)

    def wait_ready(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return True
            except OSError:
                time.sleep(0.05)
        return False

    def rss_kib(self, field):
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith(field + ":"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def upload(port, payload, timeout=120):
    """One multipart upload; (seconds, answer dict) or (None, reason)."""
    head = (b"--" + BOUNDARY + b"\r\nContent-Disposition: form-data; name=\"file\"; "
            b"filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n")
    tail = b"\r\n--" + BOUNDARY + b"--\r\n"
    length = len(head) + len(payload) + len(tail)
    request = (b"POST /upload HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
               b"Content-Type: multipart/form-data; boundary=" + BOUNDARY +
               b"\r\nContent-Length: %d\r\n\r\n" % length)
    started = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(request + head)
            view = memoryview(payload)
            for offset in range(0, len(payload), PIECE):
                sock.sendall(view[offset:offset + PIECE])
            sock.sendall(tail)
            chunks = []
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                chunks.append(data)
    except OSError as exc:
        return None, str(exc)
    elapsed = time.perf_counter() - started
    answer = b"".join(chunks)
    if b" 200 " not in answer.split(b"\r\n", 1)[0]:
        return None, answer[:80]
    body = answer.split(b"\r\n\r\n", 1)[1]
    return elapsed, json.loads(body)


def measure(runtime, server, mode, payload, rounds, heap=None):
    folder = tempfile.mkdtemp(prefix="mws2-upload-")
    srv = Server(runtime, server, mode, folder, heap)
    try:
        if not srv.wait_ready():
            return None
        baseline = srv.rss_kib("VmRSS")
        best = None
        answer = None
        for _ in range(rounds):
            seconds, answer = upload(srv.port, payload)
            if seconds is None:
                return None
            if answer.get("size") != len(payload):
                return None
            best = seconds if best is None else min(best, seconds)
        peak = srv.rss_kib("VmHWM")
        return {"mb_s": len(payload) / best / 1e6, "rss_growth_kib": peak - baseline,
                "heap": answer.get("heap", 0)}
    finally:
        srv.stop()
        shutil.rmtree(folder, ignore_errors=True)


def smallest_heap(server, mode, payload, low=32 * 1024, high=1024 * 1024):
    """The smallest MicroPython heap that still takes the whole upload (4 KiB steps)."""
    if measure("micropython", server, mode, payload, 1, heap=high) is None:
        return None
    while high - low > 4096:
        middle = (low + high) // 2 // 1024 * 1024
        if measure("micropython", server, mode, payload, 1, heap=middle) is not None:
            high = middle
        else:
            low = middle
    return high


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one round, no bisection")
    args = parser.parse_args(argv)
    rounds = 1 if args.quick else 3
    payload = os.urandom(SIZE)
    have_microdot = microdot_dir() is not None
    print("10 MiB multipart upload streamed to disk (best of %d)" % rounds)
    cases = [("cpython", "mws2", "asyncio"), ("cpython", "mws2", "pool")]
    if have_microdot:
        cases.append(("cpython", "microdot", "asyncio"))
    mine = None
    for runtime, server, mode in cases:
        result = measure(runtime, server, mode, payload, rounds)
        label = "%s %s (%s)" % (server, mode if server == "mws2" else "", runtime)
        if result is None:
            print("  %-32s failed" % label)
            continue
        print("  %-32s %7.1f MB/s   peak RSS +%d KiB"
              % (label, result["mb_s"], result["rss_growth_kib"]))
        if server == "mws2" and mode == "asyncio":
            mine = result["mb_s"]
    if shutil.which("micropython"):
        mp_cases = [("mws2", "asyncio")] + ([("microdot", "asyncio")] if have_microdot else [])
        for server, mode in mp_cases:
            result = measure("micropython", server, mode, payload, 1, heap=4 * 1024 * 1024)
            label = "%s (micropython)" % server
            if result is None:
                print("  %-32s failed" % label)
                continue
            line = "  %-32s %7.1f MB/s   live heap +%d B after" % (label, result["mb_s"],
                                                                   result["heap"])
            if not args.quick:
                smallest = smallest_heap(server, mode, payload)
                line += ", smallest heap %s" % (
                    "%d KiB" % (smallest // 1024) if smallest else "failed")
            print(line)
    print()
    print("mws2_upload_mb_s: %s" % ("%.1f" % mine if mine else "failed"))


if __name__ == "__main__":
    main()
