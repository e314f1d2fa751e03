"""Character classes of RFC 9110 / RFC 9112, as ``_compat.charset`` objects.

Whole strings are checked in one call (``only_chars``), never byte by byte in Python.
"""

from ._compat import charset

_DIGITS = b"0123456789"
_ALPHA = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# RFC 9110 5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "."
#                        / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
TCHAR_BYTES = b"!#$%&'*+-.^_`|~" + _DIGITS + _ALPHA
TCHAR = charset(TCHAR_BYTES)

# RFC 5234 B.1: VCHAR = %x21-7E. The request-target is made of visible characters only.
VCHAR = charset(bytes(range(0x21, 0x7F)))

# RFC 9110 5.5: field-content is VCHAR / obs-text (%x80-FF) with SP / HTAB inside.
# Control characters (%x00-1F but HTAB, and %x7F) are refused: CR, LF and NUL are
# dangerous (5.5), and the others are invalid field content.
_FIELD_BYTES = b"\t" + bytes(range(0x20, 0x7F)) + bytes(range(0x80, 0x100))
FIELD_CHARS = charset(_FIELD_BYTES)

HEXDIG = charset(_DIGITS + b"ABCDEFabcdef")
DIGIT = charset(_DIGITS)

OWS = b" \t"
