"""What a peer can make wsframe hold, measured: a message in assembly costs its payload
plus a constant however it is fragmented; fragments mode, pings and pongs cost nothing
lasting; a 64 KiB message costs about twice its size at its peak; sending copies the
payload once.

CPython measures with ``tracemalloc`` (what is held, and the peak); MicroPython with
``gc.mem_alloc()`` after a collection at every step (what is held; its peak inside a
call is what ``bench/ws_memory.py`` finds by bisecting ``-X heapsize``), and, for
sending, with the collector off (every byte a call allocates).
"""

import gc

from wsframe_vectors import frame

import wsframe
from wsframe import SERVER, TextMessage

try:
    import tracemalloc
except ImportError:  # MicroPython
    tracemalloc = None

READ = 4096
KIB = 1024
# Bookkeeping beside the payload, as a share of it: one object (and list slot) per piece
# kept, pieces of 4 KiB at least on CPython (1%, checked against 1/64), 512 bytes on
# MicroPython (with the 64-bit unix port's 32-byte heap blocks, 1/8; checked against
# 1/6). Never the 8+ bytes per fragment of one object each.
BOOKKEEPING = 64 if tracemalloc is not None else 6


class Meter:
    """Bytes allocated since start(): ``held()`` now, ``peak`` the most seen."""

    def __init__(self):
        if tracemalloc is not None:
            tracemalloc.start()
            self.base = tracemalloc.get_traced_memory()[0]
        else:
            gc.collect()
            self.base = gc.mem_alloc()
        self.peak = 0

    def held(self):
        if tracemalloc is not None:
            held, peak = tracemalloc.get_traced_memory()
            self.peak = max(self.peak, peak - self.base)
            return held - self.base
        gc.collect()
        held = gc.mem_alloc() - self.base
        self.peak = max(self.peak, held)
        return held

    def stop(self):
        held = self.held()
        if tracemalloc is not None:
            tracemalloc.stop()
        return held


def feed(conn, stream, meter, events=None):
    """Feed ``stream`` in socket-sized reads; every event is dropped unless kept."""
    for start in range(0, len(stream), READ):
        conn.receive_data(stream[start : start + READ])
        for event in conn.events():
            if events is not None:
                events.append(event)
        event = None
        meter.held()


def tiny_fragments(size, count, opcode=0x2):
    """An unfinished message of ``count`` fragments of ``size`` bytes (one masked frame
    repeated: a fixed key and payload)."""
    return frame(opcode, b"x" * size, fin=False) + frame(0x0, b"x" * size, fin=False) * (count - 1)


def test_one_byte_fragments_cost_their_payload_not_an_object_each():
    payload = 32 * KIB
    for opcode in (0x2, 0x1):
        stream = tiny_fragments(1, payload, opcode)
        conn = wsframe.Connection(SERVER, min_fragment_average=None)
        meter = Meter()
        feed(conn, stream, meter)
        held = meter.stop()
        # The message so far, one open 4 KiB piece, the last read (4 KiB).
        bound = payload + payload // BOOKKEEPING + 12 * KIB
        assert held <= bound, (opcode, held, bound)
        assert meter.peak <= bound + 4 * KIB, (opcode, meter.peak, bound)
        conn = None


def test_fragment_sizes_around_the_piece_size_cost_their_payload():
    for size in (2, 100, 4095, 4096, 5000):
        count = 48 * KIB // size
        stream = tiny_fragments(size, count)
        conn = wsframe.Connection(SERVER, max_message=None, min_fragment_average=None)
        meter = Meter()
        feed(conn, stream, meter)
        held = meter.stop()
        payload = size * count
        assert held <= payload + payload // BOOKKEEPING + 12 * KIB, (size, held)
        conn = None


def test_fragments_mode_keeps_nothing():
    stream = tiny_fragments(1, 32 * KIB)
    conn = wsframe.Connection(SERVER, fragments=True, min_fragment_average=None)
    meter = Meter()
    feed(conn, stream, meter)
    assert meter.stop() <= 6 * KIB  # the last read and the connection's own state


def test_pings_and_pongs_leave_nothing_behind():
    # Unanswered pings (the application would send the pongs) and unsolicited pongs.
    stream = (frame(0x9, b"p" * 125) + frame(0xA, b"q" * 125)) * 2000
    conn = wsframe.Connection(SERVER, min_fragment_average=None)
    meter = Meter()
    feed(conn, stream, meter)
    assert meter.stop() <= 6 * KIB


def test_a_64_kib_text_message_costs_about_twice_its_size():
    text = b"x" * (64 * KIB)
    whole = frame(0x1, text)
    pieces = [text[i : i + KIB] for i in range(0, len(text), KIB)]
    fragmented = b"".join(frame(0x1 if i == 0 else 0x0, piece, fin=i == len(pieces) - 1)
                          for i, piece in enumerate(pieces))
    for stream in (whole, fragmented):
        conn = wsframe.Connection(SERVER, min_fragment_average=None)
        events = []
        meter = Meter()
        feed(conn, stream, meter, events)
        meter.stop()
        assert events == [TextMessage(text.decode())]
        # The pieces (or their join) and the text; on MicroPython, what is held between
        # reads, never more than the message and its pieces.
        assert meter.peak <= 2 * len(text) + 24 * KIB, meter.peak
        events = conn = None


def test_sending_copies_the_payload_once():
    payload = b"y" * (64 * KIB)
    text = payload.decode()
    conn = wsframe.Connection(SERVER, min_fragment_average=None)
    cases = ((conn.send_bytes, payload, 1), (conn.send_bytes, bytearray(payload), 1),
             (conn.send_bytes, memoryview(payload), 1),
             (conn.send_text, text, 2 if tracemalloc else 1))  # CPython: encode() copies
    for send, data, copies in cases:
        if tracemalloc is not None:
            tracemalloc.start()
            out = send(data)
            allocated = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        else:
            # The collector off: every byte the call allocates stays counted. On
            # MicroPython str.encode() shares the text's bytes: the frame is the copy.
            gc.collect()
            gc.disable()
            before = gc.mem_alloc()
            out = send(data)
            allocated = gc.mem_alloc() - before
            gc.enable()
        assert out[10:] == payload and len(out) == len(payload) + 10  # 10-byte header
        assert allocated <= copies * len(payload) + KIB, (send, type(data), allocated)
        out = None



def test_a_message_of_tiny_fragments_fails_with_1008():
    # 1-byte fragments of an unfinished message: past 64 frames averaging under 16 bytes
    # the message fails (a header parsed for each byte of progress is a flood). (The
    # memory tests above turn this rule off to measure what such a message costs.)
    import wsframe

    ws = wsframe.Connection(wsframe.SERVER, max_message=1 << 20)
    frames = [bytes([0x02, 0x81]) + b"\x00\x00\x00\x00" + b"a"]
    frames += [bytes([0x00, 0x81]) + b"\x00\x00\x00\x00" + b"a"] * 70
    ws.receive_data(b"".join(frames))
    try:
        list(ws.events())
    except wsframe.ProtocolError as exc:
        assert exc.code == 1008
    else:
        raise AssertionError("tiny fragments accepted")
    # 64-byte fragments (Autobahn 9.3.1's size) go through.
    ws = wsframe.Connection(wsframe.SERVER, max_message=1 << 20)
    piece = b"\x00\x00\x00\x00" + b"b" * 64
    frames = [bytes([0x02, 0xC0]) + piece] + [bytes([0x00, 0xC0]) + piece] * 200
    frames.append(bytes([0x80, 0xC0]) + piece)
    ws.receive_data(b"".join(frames))
    events = list(ws.events())
    assert len(events) == 1 and len(events[0].data) == 64 * 202
