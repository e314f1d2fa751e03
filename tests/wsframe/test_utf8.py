"""The pure UTF-8 validator that MicroPython relies on (RFC 3629 section 4)."""

from _portable import raises

from wsframe import Utf8Validator, is_valid_utf8

VALID = [b"", b"plain", "\u00e9\u2603\U0001d11e\u07ff\u0800\uffff".encode(), b"\x7f",
         b"\xf4\x8f\xbf\xbf", b"\xed\x9f\xbf", b"\xee\x80\x80", b"\xf0\x90\x80\x80"]
INVALID = [b"\x80", b"\xbf", b"\xc0\x80", b"\xc1\xbf", b"\xe0\x9f\xbf", b"\xed\xa0\x80",
           b"\xed\xbf\xbf", b"\xf0\x8f\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80",
           b"\xff", b"\xfe", b"\xe2\x98", b"\xc3", b"a\xc3a", b"\xe2\x28\xa1"]


def test_valid_and_invalid_sequences():
    for data in VALID:
        assert is_valid_utf8(data), data
    for data in INVALID:
        assert not is_valid_utf8(data), data


def test_agrees_with_a_strict_decoder_on_every_two_byte_sequence():
    # Every 2-byte input: the pure validator says valid exactly when the text is a
    # sequence of scalar values (checked against a reference built from chr/encode).
    encodings = set()
    for code in range(0x800):
        encodings.add(chr(code).encode())
    for first in range(256):
        for second in (0x00, 0x7F, 0x80, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF):
            data = bytes((first, second))
            expected = data in encodings or (bytes((first,)) in encodings
                                             and bytes((second,)) in encodings)
            assert is_valid_utf8(data) == expected, data


def test_impossible_prefixes_fail_at_once():
    for prefix in (b"\xed\xa0", b"\xf4\x90", b"\xe0\x80", b"\xf0\x8f", b"\xc0", b"\xf8"):
        raises(ValueError, Utf8Validator().feed, prefix)
    for prefix in (b"\xed\x9f", b"\xf4\x8f", b"\xe0\xa0", b"\xf0\x90", b"\xe2"):
        validator = Utf8Validator()
        assert validator.feed(prefix) == 0
        assert not validator.complete


def test_decoder_returns_only_complete_characters():
    text = "a\u00e9\u2603\U0001d11ez"
    data = text.encode()
    for size in (1, 2, 3, 5):
        decoder = Utf8Validator()
        pieces = [decoder.decode(data[i : i + size]) for i in range(0, len(data), size)]
        pieces.append(decoder.decode(b"", True))
        assert "".join(pieces) == text
    decoder = Utf8Validator()
    decoder.decode(b"\xe2\x98")
    raises(ValueError, decoder.decode, b"", True)
