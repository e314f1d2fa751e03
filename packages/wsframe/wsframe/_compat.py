"""What differs between CPython and MicroPython, in one place."""

import os
import sys

from ._utf8 import PureUtf8Decoder, Utf8Validator

MICROPYTHON = sys.implementation.name == "micropython"


def _mask_chunk():
    """Bytes XORed as one integer by _mask.py (a multiple of 4 keeps the key phase).

    CPython: 64 KiB steps stay in the CPU cache. MicroPython: 1 KiB steps keep the
    copies small on a board's heap; a port built without arbitrary-precision ints
    (MICROPY_LONGINT_IMPL_LONGLONG) gets 4-byte steps, slow but correct.
    """
    if not MICROPYTHON:
        return 65536
    sample = b"\x01" + bytes(14) + b"\xff"
    try:
        works = int.from_bytes(sample, "little").to_bytes(16, "little") == sample
    except (OverflowError, ValueError):
        works = False
    return 1024 if works else 4


MASK_CHUNK = _mask_chunk()

try:
    from codecs import getincrementaldecoder
except ImportError:  # MicroPython has no codecs module
    getincrementaldecoder = None


def _check_pending_prefix(pending):
    # CPython's decoder waits for more bytes after a prefix such as ED A0 that no
    # valid character can start with; RFC 6455 section 8.1 wants to fail fast.
    if pending:
        Utf8Validator().feed(pending)


if getincrementaldecoder is not None and not MICROPYTHON:

    class Utf8Decoder:
        """Incremental strict UTF-8 decoder (CPython: codecs in C)."""

        def __init__(self):
            self._decoder = getincrementaldecoder("utf-8")()

        def decode(self, data, final=False):
            text = self._decoder.decode(data, final)
            if not final:
                _check_pending_prefix(self._decoder.getstate()[0])
            return text

    def decode_utf8(data):
        """Decode complete UTF-8 strictly; ``ValueError`` if invalid."""
        return str(data, "utf-8")

else:
    Utf8Decoder = PureUtf8Decoder

    def decode_utf8(data):
        """Decode complete UTF-8 strictly; ``ValueError`` if invalid."""
        try:
            text = str(data, "utf-8")
        except UnicodeError:  # MicroPython rejects some invalid input itself
            text = None
        if text is not None and len(text) == len(data):
            return text  # plain ASCII
        validator = Utf8Validator()
        validator.feed(data)
        if text is None or not validator.complete:
            raise ValueError("truncated or invalid UTF-8")
        return text


if hasattr(os, "urandom"):

    def random_bytes(count):
        return os.urandom(count)

else:  # some MicroPython boards keep their entropy source elsewhere
    import random

    def random_bytes(count):
        return bytes(random.getrandbits(8) for _ in range(count))
