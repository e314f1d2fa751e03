"""MicroPython side of bench/ws.py: wsframe's server receiving masked client frames.

Run by bench/ws.py as ``micropython -X heapsize=16M bench/_ws_mp.py``; prints rates.
"""

import gc
import sys
import time

_here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
sys.path.insert(0, _here + "/../packages/wsframe")

import wsframe  # noqa: E402


def _now():
    return time.ticks_ms() if hasattr(time, "ticks_ms") else int(time.time() * 1000)


def _elapsed(start):
    if hasattr(time, "ticks_diff"):
        return time.ticks_diff(_now(), start) / 1000
    return (_now() - start) / 1000


def client_stream(payload, count, text):
    # One fixed key: every frame is the same, so the stream is one allocation (a list
    # of 10,000 frames would scatter over the heap and leave no block for their join).
    client = wsframe.Connection(wsframe.CLIENT, max_message=None,
                                mask_source=lambda: b"\x37\xfa\x21\x3d")
    frame = client.send_text(payload.decode()) if text else client.send_bytes(payload)
    return frame * count


def receive(stream, read_size):
    conn = wsframe.Connection(wsframe.SERVER, max_message=None)
    received = 0
    for start in range(0, len(stream), read_size):
        conn.receive_data(stream[start : start + read_size])
        for event in conn.events():
            received += len(event.data)
    return received


def rate(label, stream, count, read_size):
    gc.collect()
    start = _now()
    received = receive(stream, read_size)
    seconds = max(_elapsed(start), 0.001)
    print("%s: %d/s (%d KiB/s)" % (label, count / seconds, received / 1024 / seconds))


def main():
    count = 10000
    rate("recv 125 B masked binary frames, 4 KiB reads",
         client_stream(bytes(range(125)), count, False), count, 4096)
    rate("recv 125 B masked text frames, 4 KiB reads",
         client_stream(b"x" * 125, count, True), count, 4096)
    rate("recv 64 KiB masked binary messages, 4 KiB reads",
         client_stream(bytes(range(256)) * 256, 24, False), 24, 4096)
    server = wsframe.Connection(wsframe.SERVER)
    payload = bytes(125)
    start = _now()
    for _ in range(count):
        server.send_bytes(payload)
    print("send 125 B binary messages: %d/s" % (count / max(_elapsed(start), 0.001)))


main()
