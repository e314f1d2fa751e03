"""The one place where CPython and MicroPython differ for this package.

``charset(allowed)`` builds a character-class object; ``only_chars(data, cls)`` says
whether every byte of ``data`` is in the class and ``leftover(data, cls)`` returns the
bytes that are not. CPython does both in C with ``bytes.translate(None, delete)``;
MicroPython has no ``translate``, so it walks a 256-entry table (slower, but bounded
by the header limits).
"""

try:
    b"".translate(None, b"")
    HAVE_TRANSLATE = True
except (AttributeError, TypeError):  # MicroPython: bytes has no translate()
    HAVE_TRANSLATE = False


if HAVE_TRANSLATE:

    def charset(allowed):
        # translate(None, delete) removes the allowed bytes: what is left is invalid.
        return bytes(allowed)

    def only_chars(data, allowed_class):
        return not data.translate(None, allowed_class)

    def leftover(data, allowed_class):
        return data.translate(None, allowed_class)

else:

    def charset(allowed):
        table = bytearray(256)
        for byte in allowed:
            table[byte] = 1
        return bytes(table)

    def only_chars(data, allowed_class):
        for byte in data:
            if not allowed_class[byte]:
                return False
        return True

    def leftover(data, allowed_class):
        out = bytearray()
        for byte in data:
            if not allowed_class[byte]:
                out.append(byte)
        return bytes(out)


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
