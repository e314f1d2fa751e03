"""CPython's character-class checks: ``bytes.translate`` with a 256-byte table, then one
C-level search for byte 0. ``_compat`` imports this module only where ``translate``
exists, so MicroPython never loads it (nor builds its tables).
"""

from ._compat import TCHARS


def _table(allowed):
    """256 bytes: 1 for the bytes of ``allowed``, 0 for the others."""
    table = bytearray(256)
    for byte in allowed:
        table[byte] = 1
    return bytes(table)


_TOKEN = _table(TCHARS)
_VCHAR = _table(range(0x21, 0x7F))
# RFC 9110 5.5: HTAB, SP, VCHAR and obs-text (%x80-FF).
_FIELD = _table([0x09] + list(range(0x20, 0x7F)) + list(range(0x80, 0x100)))

# Names every browser sends, known to be tokens: checking that the received names are
# all among them is one C-level call (a speed-up only: the others are checked).
_COMMON_NAMES = frozenset(
    b"host user-agent accept accept-language accept-encoding accept-charset referer "
    b"connection cookie content-type content-length transfer-encoding expect upgrade "
    b"origin authorization cache-control pragma if-modified-since if-none-match range "
    b"if-range if-match if-unmodified-since dnt te trailer via x-requested-with "
    b"x-forwarded-for x-forwarded-proto x-forwarded-host forwarded priority "
    b"upgrade-insecure-requests sec-fetch-dest sec-fetch-mode sec-fetch-site "
    b"sec-fetch-user sec-ch-ua sec-ch-ua-mobile sec-ch-ua-platform sec-websocket-key "
    b"sec-websocket-version sec-websocket-extensions sec-websocket-protocol "
    b"keep-alive content-encoding content-language content-disposition".split()
)


# An int needle for "in": CPython's bytes "in" is several times slower with bytes.
def is_token(data):
    return 0 not in data.translate(_TOKEN)


def is_vchar(data):
    return 0 not in data.translate(_VCHAR)


def is_field(data):
    return 0 not in data.translate(_FIELD)


def only_field_lines(block, line_count):
    # What is not field content must be exactly the CRLFs between the lines.
    return block.translate(_FIELD).count(b"\x00") == 2 * line_count - 2


def names_are_tokens(names):
    if _COMMON_NAMES.issuperset(names):
        return True
    return b"" not in names and is_token(b"".join(names))
