"""UTF-8 validation across chunk boundaries (RFC 3629 section 4), loaded on first use.

Text frames must be valid UTF-8 (RFC 6455 section 8.1). The package checks plain ASCII
itself and imports this module at the first text that is not ASCII, so a board that
only ever sees ASCII never loads it. MicroPython's ``bytes.decode`` accepts encoded
surrogates and other sequences RFC 3629 forbids, hence the pure validator; CPython gets
a validator with the same interface over its strict incremental codec (in C).

The ranges follow RFC 3629 section 4: an impossible prefix (``ED A0``, ``F4 90``,
``E0 80`` ...) fails on the byte that makes it impossible, not at the end of the
character, as RFC 6455 section 8.1 wants ("fail fast").
"""


def _ascii_only(data):
    # MicroPython has no bytes.isascii: a decode that keeps the length means 1 byte
    # per character; a decode error (possible on CPython) means "not plain ASCII".
    try:
        return len(str(data, "utf-8")) == len(data)
    except UnicodeError:
        return False


class Utf8Validator:
    """Feed chunks; each ``feed`` raises ``ValueError`` at the first invalid byte.

    ``decode(chunk, final)`` does the same and returns the text complete so far (a
    character cut by the chunk boundary waits for the next chunk).
    """

    def __init__(self):
        self._need = 0  # continuation bytes still expected
        self._lo = 0x80  # allowed range of the next continuation byte
        self._hi = 0xBF
        self._tail = b""  # decode(): bytes of a character cut by the chunk boundary

    @property
    def complete(self):
        """True when no character is cut in the middle."""
        return self._need == 0

    def feed(self, data):
        """Check ``data``; return the index just after its last complete character."""
        if self._need == 0 and _ascii_only(data):
            return len(data)
        need = self._need
        lo = self._lo
        hi = self._hi
        end = 0
        index = 0
        for byte in data:
            index += 1
            if need:
                if byte < lo or byte > hi:
                    raise ValueError("invalid continuation byte at %d" % (index - 1))
                need -= 1
                lo = 0x80
                hi = 0xBF
                if not need:
                    end = index
            elif byte < 0x80:
                end = index
            elif 0xC2 <= byte <= 0xDF:
                need = 1
            elif 0xE1 <= byte <= 0xEF and byte != 0xED:
                need = 2
            elif byte == 0xE0:  # no overlong 3-byte forms
                need = 2
                lo = 0xA0
            elif byte == 0xED:  # no UTF-16 surrogates
                need = 2
                hi = 0x9F
            elif byte == 0xF0:  # no overlong 4-byte forms
                need = 3
                lo = 0x90
            elif 0xF1 <= byte <= 0xF3:
                need = 3
            elif byte == 0xF4:  # nothing above U+10FFFF
                need = 3
                hi = 0x8F
            else:
                raise ValueError("invalid start byte at %d" % (index - 1))
        self._need = need
        self._lo = lo
        self._hi = hi
        return end

    def decode(self, data, final=False):
        """The text of ``data`` up to its last complete character; ``ValueError`` if
        invalid, or if ``final`` and a character is cut."""
        end = self.feed(data)
        if final and self._need:
            raise ValueError("truncated UTF-8 sequence")
        tail = self._tail
        if end == len(data) and not tail:
            text = str(data, "utf-8")
        elif end == 0:
            self._tail = tail + bytes(data)
            return ""
        else:
            text = str(tail + bytes(data[:end]), "utf-8")
        self._tail = bytes(data[end:])
        return text


def is_valid_utf8(data):
    """True if ``data`` is complete, valid UTF-8."""
    validator = Utf8Validator()
    try:
        validator.feed(data)
    except ValueError:
        return False
    return validator.complete


def _strict_incremental_decoder():
    """CPython's incremental UTF-8 decoder, if there is one that refuses surrogates."""
    try:
        from codecs import getincrementaldecoder

        getincrementaldecoder("utf-8")().decode(b"\xed\xa0\x80", True)
    except ImportError:  # MicroPython has no codecs module
        return None
    except UnicodeError:  # strict: the one to use
        return getincrementaldecoder
    return None  # a codec that accepts surrogates validates nothing


_incremental_decoder = _strict_incremental_decoder()


class _CodecValidator:
    """``Utf8Validator``'s interface over CPython's strict incremental codec."""

    def __init__(self):
        self._decoder = _incremental_decoder("utf-8")()

    @property
    def complete(self):
        return not self._decoder.getstate()[0]

    def feed(self, data):
        self.decode(data)
        pending = len(self._decoder.getstate()[0])
        return len(data) - pending if pending < len(data) else 0

    def decode(self, data, final=False):
        text = self._decoder.decode(data, final)
        pending = self._decoder.getstate()[0]
        if pending:
            # The codec waits for more bytes after a prefix such as ED A0 that no
            # character can start with; RFC 6455 section 8.1 wants to fail at once.
            Utf8Validator().feed(pending)
        return text


new_validator = _CodecValidator if _incremental_decoder is not None else Utf8Validator


def text_of(pieces):
    """The text of a message's pieces (bytes, validated already); ``pieces`` is emptied.

    CPython decodes them one by one, dropping each as its text is made: decoding the
    joined message would hold two buffers of its size beside it. MicroPython's str()
    shares the bytes it is given, so there the joined bytes are the text.
    """
    if _incremental_decoder is None:
        return str(b"".join(pieces), "utf-8")
    decoder = _incremental_decoder("utf-8")()
    pieces.reverse()
    texts = []
    while pieces:
        texts.append(decoder.decode(pieces.pop()))
    texts.append(decoder.decode(b"", True))
    return "".join(texts)
