"""wsframe's memory: what a hostile peer can make it hold, and what a message costs.

1. Amplification (CPython, ``tracemalloc``): an unfinished message of ``--total`` bytes
   (default 2,000,000) sent as 1- or 2-byte masked fragments, fed in 4 KiB reads. Held:
   what wsframe keeps after the last fragment; peak: the most it held while feeding;
   both divided by the payload received so far.
2. Floods (CPython): a message that makes no progress (empty continuation frames),
   unanswered pings, unsolicited pongs: what is left held afterwards.
3. MicroPython (unix port, wsframe as ``.mpy``): the smallest ``-X heapsize`` (bisection
   to 1 KiB) that receives a 64 KiB masked text message (one frame, and 1 KiB fragments)
   read 4 KiB at a time from a file as from a socket (one frame also in 16 KiB reads and
   in one read), or sends one, minus the smallest heap that imports wsframe and reads
   the same file keeping nothing. Beside it, the
   live high-water (``gc.collect(); gc.mem_alloc()`` after each step) minus the
   baseline's. The smallest heap is the real peak: it counts transient copies and
   fragmentation.

Run: ``python3 bench/ws_memory.py`` (``--parts amplification,floods,cpython,micropython``,
``--total N``, ``--package DIR`` to measure another copy of wsframe, e.g. a checkout of
main's ``packages/wsframe``). Ends with ``wsframe_recv_64k_text_heap_kib: N`` (the
one-frame receive, MicroPython).
"""

import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.join(os.path.dirname(HERE), "packages", "wsframe")
if "--package" in sys.argv:  # before the import: the copy of wsframe to measure
    PACKAGE = os.path.abspath(sys.argv[sys.argv.index("--package") + 1])
sys.path.insert(0, PACKAGE)

import wsframe  # noqa: E402

KEY = b"\x37\xfa\x21\x3d"
READ = 4096
MESSAGE = 65536


def masked_frame(opcode, payload, fin=True, key=KEY):
    """A client frame built here (not by wsframe), so every version is measured alike."""
    size = len(payload)
    first = (0x80 if fin else 0) | opcode
    if size < 126:
        head = bytes((first, 0x80 | size))
    elif size < 65536:
        head = struct.pack("!BBH", first, 0xFE, size)
    else:
        head = struct.pack("!BBQ", first, 0xFF, size)
    pad = (key * (size // 4 + 1))[:size]
    masked = (int.from_bytes(payload, "little") ^ int.from_bytes(pad, "little"))
    return head + key + masked.to_bytes(size, "little")


def reads(stream, size=READ):
    for start in range(0, len(stream), size):
        yield stream[start : start + size]


def measure(stream, fragments=False, warm_up=False):
    """(held, peak, events, error code) of a server Connection fed ``stream``
    (``warm_up``: once unmeasured first, so modules loaded on first use are not counted)."""
    if warm_up:
        measure(stream, fragments)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    conn = wsframe.Connection(wsframe.SERVER, max_message=None, fragments=fragments)
    events = 0
    code = None
    try:
        for chunk in reads(stream):
            conn.receive_data(chunk)
            for _event in conn.events():
                events += 1
        chunk = _event = None
    except wsframe.ProtocolError as exc:
        code = exc.code
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del conn
    return held - base, peak - base, events, code


def fragment_stream(total, size, text, finished=False):
    count = total // size
    first = masked_frame(0x1 if text else 0x2, b"x" * size, fin=False)
    middle = masked_frame(0x0, b"x" * size, fin=False)
    last = masked_frame(0x0, b"x" * size) if finished else middle
    return first + middle * (count - 2) + last


def amplification(total):
    print("1. An unfinished %d-byte message in tiny masked fragments (CPython tracemalloc)"
          % total)
    for size, text, fragments in ((1, False, False), (2, False, False), (1, True, False),
                                  (1, True, True)):
        stream = fragment_stream(total, size, text)
        held, peak, _events, code = measure(stream, fragments)
        label = "%d-byte %s fragments%s" % (size, "text" if text else "binary",
                                            " (fragments=True)" if fragments else "")
        print("  %-40s held %9.2f MiB (x%5.1f)  peak %9.2f MiB (x%5.1f)%s" % (
            label, held / 2**20, held / total, peak / 2**20, peak / total,
            "  failed %d" % code if code else ""), flush=True)


def floods():
    print("2. Floods (CPython tracemalloc, held afterwards)")
    count = 1000000
    stream = (masked_frame(0x1, b"x", fin=False)
              + masked_frame(0x0, b"", fin=False) * count)
    held, _peak, _events, code = measure(stream)
    if code is None:
        print("  %d empty continuation frames: all accepted, held %d B" % (count, held))
    else:
        accepted = "refused with %d" % code
        print("  %d empty continuation frames: %s, held %d B" % (count, accepted, held))
    count = 100000
    for name, opcode in (("pings (unanswered)", 0x9), ("unsolicited pongs", 0xA)):
        stream = masked_frame(opcode, b"p" * 125) * count
        held, _peak, events, code = measure(stream)
        print("  %d %s of 125 B: %d events, held %d B" % (count, name, events, held))


def message_streams():
    text = ("w\u00f6rld " * (MESSAGE // 7 + 1)).encode()[:MESSAGE - 1] + b"."
    ascii_text = b"x" * MESSAGE
    pieces = [ascii_text[i : i + 1024] for i in range(0, MESSAGE, 1024)]
    fragmented = b"".join(
        masked_frame(0x1 if i == 0 else 0x0, piece, fin=i == len(pieces) - 1)
        for i, piece in enumerate(pieces))
    return [
        ("recv-text", "64 KiB ASCII text, one frame", masked_frame(0x1, ascii_text), READ),
        ("recv-text", "64 KiB ASCII text, 1 KiB fragments", fragmented, READ),
        ("recv-text", "64 KiB UTF-8 text, one frame", masked_frame(0x1, text), READ),
        ("recv-bytes", "64 KiB binary, one frame", masked_frame(0x2, os.urandom(MESSAGE)),
         READ),
        ("recv-text", "  the same ASCII text, 16 KiB reads", masked_frame(0x1, ascii_text),
         16384),
        ("recv-text", "  the same ASCII text, in one read", masked_frame(0x1, ascii_text),
         70000),
    ]


# ---- MicroPython -----------------------------------------------------------------------


def build_mpy(dest):
    source = os.path.join(PACKAGE, "wsframe")
    target = os.path.join(dest, "wsframe")
    os.makedirs(target)
    for name in os.listdir(source):
        if name.endswith(".py"):
            subprocess.run(["mpy-cross", "-o", os.path.join(target, name[:-3] + ".mpy"),
                            os.path.join(source, name)], check=True)
    return dest


def run_mp(path, heap, scenario, data_file, read):
    script = os.path.join(HERE, "_ws_memory_mp.py")
    env = dict(os.environ, MICROPYPATH=path)
    done = subprocess.run(["micropython", "-X", "heapsize=%d" % heap, script, scenario,
                           data_file, str(read)], capture_output=True, text=True, env=env,
                          timeout=60)
    out = done.stdout.split()
    if done.returncode == 0 and out[:1] == ["ok"]:
        return int(out[1])
    return None


def smallest_heap(path, scenario, data_file, read, low=8 * 1024, high=8 * 2**20):
    """(smallest heap that runs, live high-water with a large heap)."""
    if run_mp(path, high, scenario, data_file, read) is None:
        return None, None
    while high - low > 1024:
        middle = (low + high) // 2 // 1024 * 1024
        if run_mp(path, middle, scenario, data_file, read) is not None:
            high = middle
        else:
            low = middle
    return high, run_mp(path, 4 * 2**20, scenario, data_file, read)


def micropython(workdir):
    print("3. MicroPython unix port, wsframe as .mpy: smallest -X heapsize minus the"
          " baseline's")
    path = build_mpy(os.path.join(workdir, "mpy"))
    results = {}
    cases = message_streams()
    payload_text = os.path.join(workdir, "payload.txt")
    with open(payload_text, "wb") as handle:
        handle.write(b"x" * MESSAGE)
    cases += [("send-text", "send_text(64 KiB str)", None, READ),
              ("send-bytes", "send_bytes(64 KiB bytes)", None, READ)]
    for index, (scenario, label, stream, read) in enumerate(cases):
        if stream is None:
            data_file = payload_text
        else:
            data_file = os.path.join(workdir, "stream%d" % index)
            with open(data_file, "wb") as handle:
                handle.write(stream)
        base_heap, base_live = smallest_heap(path, "hold", data_file, read)
        heap, live = smallest_heap(path, scenario, data_file, read)
        if heap is None:
            print("  %-40s failed even with 8 MiB" % label)
            continue
        cost = heap - base_heap
        results[label] = cost
        print("  %-40s heap +%5d KiB (x%.2f)  live high-water +%5d KiB" % (
            label, cost // 1024, cost / MESSAGE, (live - base_live) // 1024), flush=True)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--total", type=int, default=2000000)
    parser.add_argument("--parts", default="amplification,floods,cpython,micropython")
    parser.add_argument("--package", default=PACKAGE, help="the wsframe copy to measure")
    args = parser.parse_args()
    parts = args.parts.split(",")
    print("wsframe from %s" % PACKAGE)
    if "amplification" in parts:
        amplification(args.total)
    if "floods" in parts:
        floods()
    if "cpython" in parts:
        cpython_message_peaks()
    if "micropython" not in parts or shutil.which("micropython") is None:
        return
    with tempfile.TemporaryDirectory(prefix="wsframe-memory-") as workdir:
        results = micropython(workdir)
    value = results.get("64 KiB ASCII text, one frame")
    print()
    print("wsframe_recv_64k_text_heap_kib: %s" % ("failed" if value is None else value // 1024))


def cpython_message_peaks():
    print("   CPython, a 64 KiB message (tracemalloc peak while receiving, 4 KiB reads)")
    for _scenario, label, stream, _read in message_streams()[:4]:
        _held, peak, _events, _code = measure(stream, warm_up=True)
        print("  %-40s peak %7.1f KiB (x%.2f)" % (label, peak / 1024, peak / MESSAGE))


if __name__ == "__main__":
    main()
