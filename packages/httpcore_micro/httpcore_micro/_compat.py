"""The one place where CPython and MicroPython differ for this package.

A character class is a 256-byte table: ``\\x01`` for the bytes in the class, ``\\x00``
for the others. ``only_chars(data, table)`` says whether every byte of ``data`` is in
the class; ``count_outside(data, table)`` counts the bytes that are not. CPython does
both in C (``bytes.translate`` with the table, then a search or count for byte 0);
MicroPython has no ``translate``, so it walks the table byte by byte (slower, but
bounded by the header limits).
"""

import sys

IS_MICROPYTHON = sys.implementation.name == "micropython"

try:
    b"".translate(bytes(256))
    HAVE_TRANSLATE = True
except (AttributeError, TypeError):  # MicroPython: bytes has no translate()
    HAVE_TRANSLATE = False


def charset(allowed):
    table = bytearray(256)
    for byte in allowed:
        table[byte] = 1
    return bytes(table)


if HAVE_TRANSLATE:

    def only_chars(data, table):
        # An int needle: CPython's bytes "in" is several times slower with bytes.
        return 0 not in data.translate(table)

    def count_outside(data, table):
        return data.translate(table).count(b"\x00")

else:

    def only_chars(data, table):
        for byte in data:
            if not table[byte]:
                return False
        return True

    def count_outside(data, table):
        count = 0
        for byte in data:
            if not table[byte]:
                count += 1
        return count


def decode_utf8(data):
    """Decode UTF-8, replacing invalid sequences with U+FFFD (never raises)."""
    try:
        return data.decode("utf-8")
    except UnicodeError:  # rare path: split into decodable pieces
        return _decode_utf8_slowly(data)


def _sequence_length(lead):
    if lead < 0xC2:
        return 1
    if lead < 0xE0:
        return 2
    if lead < 0xF0:
        return 3
    if lead < 0xF5:
        return 4
    return 1


def _decode_utf8_slowly(data):
    out = []
    index = 0
    size = len(data)
    while index < size:
        lead = data[index]
        if lead < 0x80:
            end = index + 1
            while end < size and data[end] < 0x80:
                end += 1
            out.append(data[index:end].decode("utf-8"))
            index = end
            continue
        length = _sequence_length(lead)
        piece = data[index : index + length]
        try:
            if length == 1 or len(piece) < length:
                raise UnicodeError("invalid lead byte or truncated sequence")
            out.append(piece.decode("utf-8"))
            index += length
        except UnicodeError:
            out.append("\ufffd")
            index += 1
    return "".join(out)
