"""wsframe against wsproto on the same inputs, in one run (server side).

Receiving: masked client frames fed in socket-sized reads, events produced.
Sending: unmasked server frames built from messages.
Ends with ``wsframe_vs_wsproto: <ratio>`` for 125-byte masked frames (receive side).
Run: python3 bench/ws.py
"""

import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "packages", "wsframe"))

import wsproto  # noqa: E402
import wsproto.events  # noqa: E402
from wsproto.frame_protocol import FrameProtocol  # noqa: E402

import wsframe  # noqa: E402

READ_SIZE = 4096


def client_frames(payload, count, text=False):
    """``count`` masked client frames carrying ``payload``, built by wsframe's client role."""
    client = wsframe.Connection(wsframe.CLIENT, max_message=None)
    send = client.send_text if text else client.send_bytes
    data = payload.decode() if text else payload
    return b"".join(send(data) for _ in range(count))


def reads(stream, size):
    return [stream[i : i + size] for i in range(0, len(stream), size)]


def recv_wsframe(chunks):
    conn = wsframe.Connection(wsframe.SERVER, max_message=None)
    received = 0
    for chunk in chunks:
        conn.receive_data(chunk)
        for event in conn.events():
            received += len(event.data)
    return received


def recv_wsproto(chunks):
    conn = wsproto.Connection(wsproto.ConnectionType.SERVER)
    received = 0
    for chunk in chunks:
        conn.receive_data(chunk)
        for event in conn.events():
            received += len(event.data)
    return received


def send_wsframe(payloads):
    conn = wsframe.Connection(wsframe.SERVER)
    return sum(len(conn.send_bytes(p)) for p in payloads)


def send_wsproto(payloads):
    conn = wsproto.Connection(wsproto.ConnectionType.SERVER)
    return sum(len(conn.send(wsproto.events.BytesMessage(data=p))) for p in payloads)


def timed(func, arg):
    start = time.perf_counter()
    result = func(arg)
    return time.perf_counter() - start, result


def compare(label, ours, theirs, arg, units, repeat=7):
    """Best of ``repeat`` interleaved runs of each (other processes share the CPU)."""
    ours_time = their_time = None
    for _ in range(repeat):
        elapsed, ours_result = timed(ours, arg)
        ours_time = elapsed if ours_time is None else min(ours_time, elapsed)
        elapsed, their_result = timed(theirs, arg)
        their_time = elapsed if their_time is None else min(their_time, elapsed)
        if ours_result != their_result:
            raise SystemExit("%s: results differ (%r vs %r)" % (label, ours_result, their_result))
    ratio = their_time / ours_time
    print("%-48s wsframe %9.0f/s  wsproto %9.0f/s  x%.2f" % (
        label, units / ours_time, units / their_time, ratio))
    return ratio


def micropython_rate():
    if shutil.which("micropython") is None:
        print("micropython: not on PATH, skipped")
        return
    script = os.path.join(HERE, "_ws_mp.py")
    try:
        out = subprocess.run(["micropython", "-X", "heapsize=16M", script], capture_output=True,
                             text=True, timeout=120, check=True).stdout
    except (subprocess.SubprocessError, OSError) as exc:
        print("micropython: failed (%s)" % exc)
        return
    for line in out.splitlines():
        print("micropython " + line)


def main():
    assert FrameProtocol is not None  # the frame layer wsproto.Connection drives
    small = bytes(range(125))
    count = 20000
    stream = client_frames(small, count)
    binary_ratio = compare("recv 125 B masked binary frames, 4 KiB reads", recv_wsframe,
                           recv_wsproto, reads(stream, READ_SIZE), count)
    per_frame = reads(stream, len(stream) // count)
    compare("recv 125 B masked binary frames, 1 per read", recv_wsframe, recv_wsproto,
            per_frame, count)
    text_stream = client_frames(b"x" * 125, count, text=True)
    text_ratio = compare("recv 125 B masked text frames, 4 KiB reads", recv_wsframe,
                         recv_wsproto, reads(text_stream, READ_SIZE), count)
    compare("send 125 B binary messages", send_wsframe, send_wsproto, [small] * count, count)
    big = os.urandom(1 << 16)
    compare("recv 64 KiB masked messages, 16 KiB reads", recv_wsframe, recv_wsproto,
            reads(client_frames(big, 50), 16384), 50)
    huge = os.urandom(1 << 20)
    compare("recv 1 MiB masked messages, 64 KiB reads", recv_wsframe, recv_wsproto,
            reads(client_frames(huge, 5), 65536), 5)
    compare("send 1 MiB binary messages", send_wsframe, send_wsproto, [huge] * 5, 5)
    micropython_rate()
    print("wsframe_vs_wsproto: %.2f" % min(binary_ratio, text_ratio))


if __name__ == "__main__":
    main()
