"""Fragmentation (section 5.4) and UTF-8 of text messages (section 8.1)."""

from wsframe_vectors import events_of, fails_with, frame

import wsframe
from wsframe import BytesMessage, Ping, Pong, TextMessage

SNOWMAN = "\u2603".encode()  # 3 bytes
CLEF = "\U0001d11e".encode()  # 4 bytes


def test_fragmented_binary_with_interleaved_control_frames():
    data = (frame(0x2, b"ab", fin=False) + frame(0x9, b"1") + frame(0x0, b"cd", fin=False)
            + frame(0xA, b"2") + frame(0x0, b"ef"))
    assert events_of(data) == [Ping(b"1"), Pong(b"2"), BytesMessage(b"abcdef")]


def test_empty_fragments_and_empty_messages():
    data = frame(0x1, b"", fin=False) + frame(0x0, b"", fin=False) + frame(0x0, b"")
    assert events_of(data) == [TextMessage("")]
    assert events_of(frame(0x2, b"")) == [BytesMessage(b"")]
    assert events_of(frame(0x2, b""), fragments=True) == [BytesMessage(b"")]


def test_continuation_without_a_message_fails_with_1002():
    fails_with(frame(0x0, b"abc"), 1002)
    fails_with(frame(0x1, b"abc") + frame(0x0, b"abc"), 1002)


def test_new_message_inside_a_fragmented_one_fails_with_1002():
    fails_with(frame(0x1, b"abc", fin=False) + frame(0x1, b"abc"), 1002)
    fails_with(frame(0x2, b"abc", fin=False) + frame(0x1, b"abc"), 1002)


def test_characters_split_across_fragments_are_valid():
    text = b"a" + SNOWMAN + CLEF + b"z"
    for cut in range(len(text) + 1):
        data = frame(0x1, text[:cut], fin=False) + frame(0x0, text[cut:])
        assert events_of(data) == [TextMessage(text.decode())], cut
        assert events_of(data, fragments=True) == [TextMessage(text.decode())], cut


def test_invalid_utf8_fails_with_1007_at_the_fragment_that_carries_it():
    bad = (b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe0\x80\x80",
           b"\xf8\x88\x80\x80\x80", b"\x80")
    for sequence in bad:
        fails_with(frame(0x1, b"ok" + sequence), 1007)
        # The first fragment alone already fails: no need to wait for the message end.
        first = frame(0x1, b"ok" + sequence, fin=False)
        fails_with(first, 1007)
        fails_with(first, 1007, fragments=True)


def test_impossible_prefix_fails_without_waiting_for_the_rest():
    for prefix in (b"\xed\xa0", b"\xf4\x90", b"\xe0\x80", b"\xf0\x80", b"\xf5"):
        fails_with(frame(0x1, b"a" + prefix, fin=False), 1007)


def test_incomplete_character_at_a_fragment_boundary_waits():
    for prefix in (b"\xe2", b"\xe2\x98", b"\xf0\x9d\x84", b"\xed\x9f"):
        assert events_of(frame(0x1, b"a" + prefix, fin=False)) == []


def test_incomplete_character_at_the_message_end_fails_with_1007():
    fails_with(frame(0x1, b"a\xe2\x98"), 1007)
    fails_with(frame(0x1, b"a\xe2", fin=False) + frame(0x0, b""), 1007)


def test_fragments_mode_never_cuts_a_character():
    conn = wsframe.Connection(wsframe.SERVER, fragments=True)
    conn.receive_data(frame(0x1, b"a" + SNOWMAN[:1], fin=False))
    assert list(conn.events()) == [TextMessage("a", False)]
    conn.receive_data(frame(0x0, SNOWMAN[1:], fin=False))
    assert list(conn.events()) == [TextMessage("\u2603", False)]
    conn.receive_data(frame(0x0, b""))
    assert list(conn.events()) == [TextMessage("", True)]


def test_binary_is_never_decoded():
    assert events_of(frame(0x2, b"\xff\xfe")) == [BytesMessage(b"\xff\xfe")]


def test_a_few_empty_fragments_in_a_row_are_fine():
    data = (frame(0x1, b"", fin=False) + frame(0x0, b"", fin=False) * 15 + frame(0x9, b"p")
            + frame(0x0, b"ab", fin=False) + frame(0x0, b"", fin=False) * 16 + frame(0x0, b""))
    assert events_of(data) == [Ping(b"p"), TextMessage("ab")]
    assert events_of(data, fragments=True) == [Ping(b"p"), TextMessage("ab")]


def test_a_message_that_makes_no_progress_fails_with_1008():
    # 17 empty non-final data frames in a row (the first frame counts): RFC 6455 7.4.1's
    # policy violation. Pings in between are no progress either; payload resets the count.
    fails_with(frame(0x2, b"", fin=False) + frame(0x0, b"", fin=False) * 16, 1008)
    fails_with(frame(0x2, b"x", fin=False) + (frame(0x0, b"", fin=False) + frame(0x9, b"")) * 17,
               1008)
    before = fails_with(frame(0x1, b"ok") + frame(0x1, b"", fin=False)
                        + frame(0x0, b"", fin=False) * 16, 1008, fragments=True)
    assert before == [TextMessage("ok")]
    # The limit counts per message: a new message starts from zero.
    sixteen = frame(0x2, b"", fin=False) + frame(0x0, b"", fin=False) * 15 + frame(0x0, b"")
    assert events_of(sixteen * 3) == [BytesMessage(b"")] * 3


def test_pieces_of_every_size_make_the_same_message():
    # Pieces below the 4 KiB keeping size are copied into one buffer, larger ones kept
    # as they come; characters cut at every kind of boundary.
    text = ("\u00e9\u2603\U0001d11e" * 2000).encode()
    sizes = (1, 4095, 3, 4096, 5000, 2, 1, 700, 4097)
    pieces = []
    start = 0
    for size in sizes * 3:
        if start < len(text):
            pieces.append(text[start : start + size])
            start += size
    pieces.append(text[start:])
    data = b"".join(frame(0x1 if i == 0 else 0x0, piece, fin=i == len(pieces) - 1)
                    for i, piece in enumerate(pieces))
    for fragments in (False, True):
        conn = wsframe.Connection(wsframe.SERVER, fragments=fragments)
        texts = []
        for read in (data[i : i + 1000] for i in range(0, len(data), 1000)):
            conn.receive_data(read)
            texts.extend(event.data for event in conn.events())
        assert "".join(texts) == text.decode(), fragments
