"""The pure UTF-8 validator (used on MicroPython) against CPython's strict codec."""

import codecs

from hypothesis import given
from hypothesis import strategies as st

from wsframe import is_valid_utf8
from wsframe._utf8 import Utf8Validator

# Bytes near every boundary of RFC 3629's table, so random draws hit the edge cases.
EDGES = st.sampled_from([0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2,
                         0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4,
                         0xF5, 0xFF])
SOUP = st.lists(st.one_of(EDGES, st.integers(0, 255)), max_size=24).map(bytes)
TEXTISH = st.one_of(SOUP, st.text(max_size=12).map(str.encode),
                    st.tuples(st.text(max_size=6), SOUP).map(lambda t: t[0].encode() + t[1]))


def strictly_valid(data):
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@given(TEXTISH)
def test_validator_agrees_with_the_codec(data):
    assert is_valid_utf8(data) == strictly_valid(data)


@given(TEXTISH, st.lists(st.integers(0, 24), max_size=4))
def test_incremental_decoding_at_any_split(data, cuts):
    bounds = [0] + sorted(cut for cut in cuts if cut <= len(data)) + [len(data)]
    decoder = Utf8Validator()
    pieces = []
    try:
        for start, end in zip(bounds, bounds[1:]):
            pieces.append(decoder.decode(data[start:end]))
        pieces.append(decoder.decode(b"", True))
    except ValueError:
        assert not strictly_valid(data)
        return
    assert "".join(pieces) == data.decode("utf-8")


@given(TEXTISH)
def test_failure_position_is_the_first_impossible_byte(data):
    """The validator fails on the first byte after which no valid continuation exists."""
    try:
        Utf8Validator().feed(data)
        failed_at = None
    except ValueError as exc:
        failed_at = int(str(exc).rsplit(" ", 1)[1])
    # Reference: the shortest prefix that no completion can make valid.
    reference = None
    for end in range(1, len(data) + 1):
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            decoder.decode(data[:end], False)
            pending = decoder.getstate()[0]
            if pending and not any(strictly_valid(pending + tail) for tail in _COMPLETIONS):
                raise UnicodeDecodeError("utf-8", data, end - 1, end, "impossible prefix")
        except UnicodeDecodeError:
            reference = end - 1
            break
    assert failed_at == reference


# Any valid completion starts with a constrained continuation byte; later ones may be
# any of 80-BF, so 80 stands for them all.
_COMPLETIONS = [bytes((first,)) + b"\x80" * more for first in range(0x80, 0xC0)
                for more in range(3)]
