"""Masking (RFC 6455 section 5.3) at every size and key phase."""

from wsframe_vectors import xor

from wsframe import _xor


def test_mask_matches_bytewise_xor_at_every_size_and_key_rotation():
    key = b"\x37\xfa\x21\x3d"
    for size in (0, 1, 3, 4, 5, 125, 256, 257, 1023, 1024, 1025, 4099, 65537):
        data = bytes((i * 7) & 0xFF for i in range(size))
        for phase in range(4):
            rotated = key[phase:] + key[:phase]
            assert _xor(data, rotated) == xor(data, rotated), (size, phase)


def test_mask_accepts_memoryview_and_keeps_leading_zeros():
    key = b"\x00\x00\x00\x01"
    data = bytes(2048)
    out = _xor(memoryview(data), key)
    assert len(out) == 2048 and out[:4] == key and out[-4:] == key
    assert _xor(_xor(data, b"abcd"), b"abcd") == data


def test_mask_cache_does_not_leak_between_keys():
    data = bytes(2000)
    assert _xor(data, b"abcd") == b"abcd" * 500
    assert _xor(data, b"wxyz") == b"wxyz" * 500
    assert _xor(data, b"bcda") == b"bcda" * 500
