"""mws2 depends on no codec but UTF-8 on MicroPython (portable: pytest and MicroPython).

MicroPython's development branch (since July 2026) raises LookupError for
``bytes.decode('latin-1')``; a request there must still be served. The runtime is
simulated: mws2.compat decodes as MicroPython does, and bytes' codecs other than UTF-8
raise LookupError, while a request with obs-text goes through the test client.
"""

import sys

from mws2 import compat


class _Utf8OnlyBytes(bytes):
    """Bytes whose decode knows UTF-8 only, as on MicroPython's next release."""

    def decode(self, encoding="utf-8", errors="strict"):
        if encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
            raise LookupError("unknown encoding: %s" % encoding)
        return bytes(self).decode("utf-8", errors)


# MicroPython itself is the proof there (and its bytes subclasses have no len()).
_Utf8Only = bytes if sys.implementation.name == "micropython" else _Utf8OnlyBytes


def test_latin1_without_a_latin1_codec():
    saved = compat.IS_MICROPYTHON
    compat.IS_MICROPYTHON = True  # the MicroPython path, which must not ask for latin-1
    try:
        assert compat.latin1(_Utf8Only(b"plain ascii")) == "plain ascii"
        assert compat.latin1(_Utf8Only(b"caf\xe9")) == "caf\xe9"
        assert compat.latin1(_Utf8Only(b"\xc3\xa9")) == "\xc3\xa9"  # bytes, not UTF-8
        assert compat.latin1(bytearray(b"\xff\x00a")) == "\xff\x00a"
    finally:
        compat.IS_MICROPYTHON = saved
