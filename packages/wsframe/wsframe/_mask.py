"""Client-to-server masking (RFC 6455 section 5.3), without lookup tables.

The payload is XORed as one big integer against the 4-byte key repeated to the same
length: a few allocations of the payload's size instead of a 64 KiB translation table
that no microcontroller can spare. Large payloads go in ``MASK_CHUNK`` steps (a
multiple of 4, so every step starts at the same key phase): on CPython 64 KiB steps
stay in the CPU cache, on MicroPython 1 KiB steps keep the heap small. The repeated
key, as an integer, is kept for the last step size seen, since a streamed frame's
pieces share their key and, mostly, their size.
"""

from ._compat import MASK_CHUNK

# (key, size, key repeated to size as an integer); replaced whole, so threads that
# share it read a consistent entry.
_last_pad = (None, 0, 0)


def _pad_int(key, size):
    global _last_pad
    entry = _last_pad
    if entry[1] == size and entry[0] == key:
        return entry[2]
    pad = key * ((size >> 2) + 1)
    value = int.from_bytes(pad[:size] if len(pad) != size else pad, "little")
    _last_pad = (key, size, value)
    return value


def _xor(data, key):
    """XOR ``data`` (bytes-like) with the 4-byte ``key`` from phase 0; returns bytes."""
    size = len(data)
    if size > 256:
        pad = _pad_int(key, size)
    else:
        pad = int.from_bytes((key * ((size >> 2) + 1))[:size], "little")
    return (int.from_bytes(data, "little") ^ pad).to_bytes(size, "little")


def mask(key, data, phase=0):
    """XOR ``data`` with ``key`` starting ``phase`` bytes into the key; returns bytes."""
    size = len(data)
    if not size:
        return b""
    phase &= 3
    if phase:
        key = key[phase:] + key[:phase]
    if size <= MASK_CHUNK:
        return _xor(data, key)
    view = memoryview(data)
    return b"".join([_xor(view[start : start + MASK_CHUNK], key)
                     for start in range(0, size, MASK_CHUNK)])
