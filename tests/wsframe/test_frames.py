"""Frame-level rules (RFC 6455 section 5.2-5.5): each violation fails with its close code."""

import struct

from wsframe_vectors import KEY, events_of, fails_with, frame

import wsframe
from wsframe import CLIENT, BytesMessage, Ping, TextMessage

HELLO = frame(0x1, b"Hello")


def test_lengths_around_the_encoding_boundaries():
    for size in (0, 1, 125, 126, 127, 65535, 65536, 65537):
        payload = bytes(i & 0xFF for i in range(size))
        data = frame(0x2, payload)
        conn = wsframe.Connection(wsframe.SERVER)
        conn.receive_data(data)
        assert list(conn.events()) == [BytesMessage(payload)], size
        if size <= 126:
            assert events_of(data) == [BytesMessage(payload)]


def test_non_minimal_lengths_fail_with_1002():
    fails_with(frame(0x2, b"x" * 125, length_bytes=2), 1002)
    fails_with(frame(0x2, b"x" * 3, length_bytes=8), 1002)
    fails_with(frame(0x2, b"x" * 65535, length_bytes=8)[:20], 1002)


def test_64_bit_length_with_top_bit_fails_with_1002():
    data = bytes((0x82, 0xFF)) + struct.pack("!Q", 1 << 63) + KEY
    fails_with(data, 1002, max_message=None)


def test_reserved_bits_fail_with_1002():
    for rsv in (1, 2, 4, 7):
        fails_with(frame(0x1, b"Hello", rsv=rsv), 1002)
    fails_with(frame(0x9, b"", rsv=4), 1002)


def test_reserved_opcodes_fail_with_1002():
    for opcode in (3, 4, 5, 6, 7, 11, 12, 13, 14, 15):
        fails_with(frame(opcode, b"abc"), 1002)


def test_server_requires_masked_frames_and_client_unmasked_ones():
    fails_with(frame(0x1, b"Hello", key=None), 1002)
    fails_with(frame(0x1, b"Hello"), 1002, CLIENT)
    fails_with(frame(0x9, b"", key=None), 1002)


def test_control_frames_are_at_most_125_bytes():
    assert events_of(frame(0x9, b"p" * 125)) == [Ping(b"p" * 125)]
    fails_with(frame(0x9, b"p" * 126), 1002)
    fails_with(frame(0xA, b"p" * 126), 1002)
    fails_with(frame(0x8, b"\x03\xe8" + b"r" * 124), 1002)


def test_control_frames_are_never_fragmented():
    fails_with(frame(0x9, b"ping", fin=False), 1002)
    fails_with(frame(0x8, b"\x03\xe8", fin=False), 1002)


def test_events_before_a_violation_are_delivered():
    before = fails_with(HELLO + frame(0x1, b"x", rsv=1), 1002)
    assert before == [TextMessage("Hello")]


def test_max_frame_fails_with_1009_from_the_header():
    data = frame(0x2, b"x" * 200)
    assert events_of(data, max_frame=200) == [BytesMessage(b"x" * 200)]
    fails_with(data, 1009, max_frame=199)
    # The header alone is enough to refuse: no payload byte is needed.
    fails_with(data[:8], 1009, max_frame=199)


def test_max_message_counts_every_fragment():
    data = frame(0x2, b"a" * 60, fin=False) + frame(0x0, b"b" * 40)
    assert events_of(data, max_message=100) == [BytesMessage(b"a" * 60 + b"b" * 40)]
    assert fails_with(data, 1009, max_message=99) == []
    fails_with(frame(0x1, b"x" * 101), 1009, max_message=100)
    # Limits reset with each message.
    assert len(events_of(data + data, max_message=100)) == 2


def test_default_max_message_is_one_mib():
    header = bytes((0x82, 0xFF)) + struct.pack("!Q", (1 << 20) + 1) + KEY
    fails_with(header, 1009)
    header = bytes((0x82, 0xFF)) + struct.pack("!Q", 1 << 20) + KEY
    assert events_of(header) == []


def test_payload_split_at_every_key_phase_is_unmasked():
    payload = bytes(range(200))
    data = frame(0x2, payload)
    for cut in range(1, len(data)):
        for second in (cut + 1, cut + 2, cut + 3, cut + 5):
            conn = wsframe.Connection(wsframe.SERVER, fragments=True)
            pieces = []
            for chunk in (data[:cut], data[cut:second], data[second:]):
                if chunk:  # b"" would mean "transport closed"
                    conn.receive_data(chunk)
                pieces.extend(event.data for event in conn.events())
            assert b"".join(pieces) == payload, (cut, second)


def test_max_message_can_change_and_applies_from_the_next_message():
    conn = wsframe.Connection(wsframe.SERVER, max_message=10)
    assert conn.max_message == 10
    conn.max_message = 100  # e.g. after the application accepted the connection
    conn.receive_data(frame(0x2, b"a" * 60))
    assert list(conn.events()) == [BytesMessage(b"a" * 60)]
    # Lowered in the middle of a message: that message keeps the limit it began with.
    conn.receive_data(frame(0x2, b"b" * 40, fin=False))
    assert list(conn.events()) == []
    conn.max_message = 50
    conn.receive_data(frame(0x0, b"c" * 40))
    assert list(conn.events()) == [BytesMessage(b"b" * 40 + b"c" * 40)]
    conn.receive_data(frame(0x2, b"d" * 51))
    error = None
    try:
        list(conn.events())
    except wsframe.ProtocolError as exc:
        error = exc
    assert error is not None and error.code == 1009
    conn = wsframe.Connection(wsframe.SERVER, max_message=10)
    conn.max_message = None  # no limit
    conn.receive_data(frame(0x2, b"e" * 70000))
    assert list(conn.events()) == [BytesMessage(b"e" * 70000)]


def test_a_message_in_one_frame_comes_whole_from_reads_of_any_size():
    # Both ways of keeping it: pieces (CPython's default) and one block of the frame's
    # size written piece by piece at each offset (MicroPython's), each key phase.
    text = ("h\u00e9llo \u2603 " * 400).encode()
    for opcode, payload, event in ((0x1, text, TextMessage(text.decode())),
                                   (0x2, text, BytesMessage(text))):
        data = frame(opcode, payload)
        original = wsframe._ONE_BLOCK
        try:
            for one_block in (False, True):
                wsframe._ONE_BLOCK = one_block
                for size in (1, 7, 1000, 4099, len(data)):
                    conn = wsframe.Connection(wsframe.SERVER)
                    events = []
                    for start in range(0, len(data), size):
                        conn.receive_data(data[start : start + size])
                        events.extend(conn.events())
                    assert events == [event], (opcode, one_block, size)
        finally:
            wsframe._ONE_BLOCK = original


def test_a_huge_frame_announced_without_a_limit_costs_nothing_before_its_payload():
    # No max_message: nothing is allocated for the size a header announces, whichever
    # way the message is kept; the payload that came is taken as it comes.
    header = bytes((0x82, 0xFF)) + struct.pack("!Q", 1 << 62) + KEY
    original = wsframe._ONE_BLOCK
    try:
        for one_block in (False, True):
            wsframe._ONE_BLOCK = one_block
            conn = wsframe.Connection(wsframe.SERVER, max_message=None, fragments=False)
            conn.receive_data(header + b"abc")
            assert list(conn.events()) == []
            conn = wsframe.Connection(wsframe.SERVER, max_message=None, fragments=True)
            conn.receive_data(header + b"abc")
            assert [len(event.data) for event in conn.events()] == [3]
    finally:
        wsframe._ONE_BLOCK = original
