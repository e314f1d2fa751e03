"""The one place where CPython and MicroPython differ for this package.

Character classes (RFC 9110 5.5, 5.6.2; RFC 5234 B.1) are checked a whole string at a
time, never byte by byte in Python where the runtime offers better:

- CPython: ``bytes.translate`` with a 256-byte table, then one search for byte 0
  (``_cpython.py``, a module MicroPython never loads: its tables cost a board nothing);
- MicroPython (no ``translate``): ``min``/``max`` run in C for the classes that are
  ranges (visible characters, field content); a class with holes (tokens, hex digits,
  host names) is one ``strip(allowed)`` in C, which leaves nothing iff every byte is
  allowed (``allowed`` a ``bytes`` literal: in flash when the code runs from ROMFS).
- Both: short strings (hex digits, host names), ``strip`` as well.

Both sets of checks are compared byte for byte in ``tests/httpcore_micro/cpython``.
"""

import sys

IS_MICROPYTHON = sys.implementation.name == "micropython"

try:
    from micropython import const
except ImportError:  # CPython

    def const(value):
        return value


# RFC 9110 5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "."
#                        / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
TCHARS = b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
HEXDIGITS = b"0123456789ABCDEFabcdef"
# RFC 3986 2.3, 2.2: unreserved and sub-delims, what a reg-name is made of (with
# pct-encoded "%" HEXDIG HEXDIG, checked apart); an IPv4 address is one too.
REG_NAME_CHARS = (
    b"-._~!$&'()*+,;=0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)


def is_hex(data):
    # strip() runs in C on both runtimes: nothing is left iff every byte is allowed.
    return not data.strip(HEXDIGITS)


def mp_is_token(data):
    """RFC 9110 5.6.2 token characters (MicroPython). Letters and "-" (most methods and
    field names) are one ``isalpha`` in C; anything else one ``strip`` in C."""
    return data.replace(b"-", b"a").isalpha() or not data.strip(TCHARS)


def mp_is_vchar(data):
    """RFC 5234 B.1: VCHAR = %x21-7E (what a request-target is made of)."""
    return not data or (min(data) > 32 and max(data) < 127)


def mp_is_field(data):
    """RFC 9110 5.5: field content, i.e. no control character but HTAB (CR, LF and NUL
    are dangerous, the others invalid). Usually one ``min`` in C: a header section
    without HTAB has no byte below SP."""
    if data and min(data) < 32:
        for byte in data:
            if byte < 32 and byte != 9:
                return False
    # A bytes needle: MicroPython's "in" with an int is ten times slower.
    return b"\x7f" not in data


def mp_only_field_lines(block, line_count):
    """Are the only control characters of ``block`` the CRLFs between its
    ``line_count`` lines (so no bare CR or LF, RFC 9112 2.2, and no other control
    character)? (``line_count``: the caller split ``block`` at its CRLFs.)"""
    return mp_is_field(block.replace(b"\r\n", b""))


def mp_names_are_tokens(names):
    """Are all these received field names (a dict's keys) non-empty tokens?"""
    return b"" not in names and mp_is_token(b"".join(names))


if hasattr(b"", "translate"):  # CPython (MicroPython's bytes have no translate)
    from ._cpython import (  # noqa: F401
        is_field,
        is_token,
        is_vchar,
        names_are_tokens,
        only_field_lines,
    )
else:
    is_token = mp_is_token
    is_vchar = mp_is_vchar
    is_field = mp_is_field
    only_field_lines = mp_only_field_lines
    names_are_tokens = mp_names_are_tokens


def decode_utf8(data):
    """Decode UTF-8, replacing invalid sequences with U+FFFD (never raises)."""
    try:
        return data.decode("utf-8")
    except UnicodeError:  # rare: the repairing decoder is loaded only now
        from ._helpers import decode_utf8_replacing

        return decode_utf8_replacing(data)
