"""MicroPython side of bench/ws_memory.py: one scenario, run under a given -X heapsize.

``micropython -X heapsize=N bench/_ws_memory_mp.py SCENARIO FILE READ`` with
``sys.path`` already holding wsframe (the .mpy build). Scenarios:

- ``hold``: import wsframe and read FILE in READ-byte reads, keeping nothing: the
  baseline every other scenario is measured against.
- ``recv-text``/``recv-bytes``: FILE holds masked client frames of one message; a
  server Connection receives them read by read and the message must come out whole.
- ``send-text``/``send-bytes``: FILE holds a message's payload; it is read whole (as an
  application would hold it) and ``send_text``/``send_bytes`` must frame it.

Prints ``ok <live high-water>``: the most heap held at a step boundary (after a
``gc.collect()``), beside the baseline's; the smallest heap that runs is the real peak.
"""

import gc
import sys

import wsframe


def read_chunks(path, size):
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(size)
            if not chunk:
                return
            yield chunk


def live():
    gc.collect()
    return gc.mem_alloc()


def hold(path, size):
    high = live()
    for _chunk in read_chunks(path, size):
        high = max(high, live())
    return high


def receive(path, size, text):
    conn = wsframe.Connection(wsframe.SERVER, max_message=None)
    high = live()
    got = None
    for chunk in read_chunks(path, size):
        conn.receive_data(chunk)
        chunk = None
        high = max(high, live())
        for event in conn.events():
            got = event
            high = max(high, live())
    expected = wsframe.TextMessage if text else wsframe.BytesMessage
    assert type(got) is expected and got.message_finished, got
    return high, len(got.data)


def send(path, text):
    with open(path, "rb") as handle:
        payload = handle.read()
    if text:
        payload = str(payload, "utf-8")
    conn = wsframe.Connection(wsframe.SERVER, max_message=None)
    high = live()
    out = conn.send_text(payload) if text else conn.send_bytes(payload)
    high = max(high, live())
    assert len(out) > len(payload)
    return high, len(payload)


def main(scenario, path, size):
    if scenario == "hold":
        print("ok", hold(path, size))
    elif scenario.startswith("recv-"):
        high, _length = receive(path, size, scenario == "recv-text")
        print("ok", high)
    else:
        high, _length = send(path, scenario == "send-text")
        print("ok", high)


main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
