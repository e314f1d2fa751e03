"""Masking (RFC 6455 section 5.3) at every size and key phase."""

from wsframe_vectors import xor

from wsframe._mask import mask


def test_mask_matches_bytewise_xor_at_every_phase():
    key = b"\x37\xfa\x21\x3d"
    for size in (0, 1, 3, 4, 5, 125, 256, 257, 1023, 1024, 1025, 4099):
        data = bytes((i * 7) & 0xFF for i in range(size))
        for phase in range(6):
            rotated = key[phase % 4 :] + key[: phase % 4]
            assert mask(key, data, phase) == xor(data, rotated), (size, phase)


def test_mask_accepts_memoryview_and_keeps_leading_zeros():
    key = b"\x00\x00\x00\x01"
    data = bytes(2048)
    out = mask(key, memoryview(data))
    assert len(out) == 2048 and out[:4] == key and out[-4:] == key
    assert mask(b"abcd", mask(b"abcd", data)) == data


def test_mask_cache_does_not_leak_between_keys():
    data = bytes(2000)
    assert mask(b"abcd", data) == b"abcd" * 500
    assert mask(b"wxyz", data) == b"wxyz" * 500
    assert mask(b"abcd", data, 1) == b"bcda" * 500
