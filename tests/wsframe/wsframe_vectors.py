"""Shared helpers for the wsframe tests: frame builders independent of the package, and
feeders that try every split of an input."""

import struct
import sys

from _portable import splits


def _prefer_packages_on_micropython():
    # MicroPython imports the folder tests/wsframe (a namespace package) instead of
    # packages/wsframe/wsframe when tests/ comes first on sys.path, as tests/mprun.py
    # puts it; CPython prefers the regular package. Keep tests/ after the packages.
    tests_dirs = [p for p in sys.path if p.endswith("tests") or p.endswith("tests/")]
    for path in tests_dirs:
        sys.path.remove(path)
        sys.path.append(path)


if sys.implementation.name == "micropython":
    _prefer_packages_on_micropython()

import wsframe  # noqa: E402

KEY = b"\x37\xfa\x21\x3d"  # the masking key of the RFC 6455 section 5.7 examples


def xor(data, key):
    return bytes(b ^ key[i % 4] for i, b in enumerate(data))


def frame(opcode, payload=b"", fin=True, key=KEY, rsv=0, length_bytes=None):
    """One frame built byte by byte (``key=None``: unmasked; ``length_bytes``: force 2 or
    8 extended length bytes, for non-minimal encodings)."""
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    size = len(payload)
    mask_bit = 0x80 if key is not None else 0
    if length_bytes is None:
        length_bytes = 0 if size < 126 else (2 if size < 65536 else 8)
    if length_bytes == 0:
        head = bytes((first, mask_bit | size))
    elif length_bytes == 2:
        head = bytes((first, mask_bit | 126)) + struct.pack("!H", size)
    else:
        head = bytes((first, mask_bit | 127)) + struct.pack("!Q", size)
    if key is None:
        return head + payload
    return head + key + xor(payload, key)


def close_frame(code=None, reason=b"", key=KEY):
    payload = b"" if code is None else struct.pack("!H", code) + reason
    return frame(0x8, payload, key=key)


def feed(chunks, role=wsframe.SERVER, **options):
    """Feed ``chunks`` one by one, collecting events; returns (events, error or None)."""
    conn = wsframe.Connection(role, **options)
    events = []
    try:
        for chunk in chunks:
            conn.receive_data(chunk)
            for event in conn.events():
                events.append(event)
    except wsframe.ProtocolError as exc:
        return events, exc
    return events, None


def merge(events):
    """Join consecutive message pieces (fragments mode) so splits compare equal."""
    merged = []
    for event in events:
        is_piece = isinstance(event, (wsframe.TextMessage, wsframe.BytesMessage))
        last = merged[-1] if merged else None
        if (is_piece and last is not None and type(last) is type(event)
                and not last.message_finished):
            merged[-1] = type(event)(last.data + event.data, event.message_finished)
        else:
            merged.append(type(event)(event.data, event.message_finished) if is_piece else event)
    return merged


def events_of(data, role=wsframe.SERVER, **options):
    """The events of ``data`` fed every way (whole, byte by byte, halves, with trailing
    bytes of an unfinished frame); all must agree and none may fail."""
    expected = None
    trailing = b"\x82\x85" if role == wsframe.SERVER else b"\x82\x05"
    feeds = list(splits(data)) + [[data + trailing], [data[:1], data[1:] + trailing]]
    for chunks in feeds:
        events, error = feed(chunks, role, **options)
        assert error is None, (error, chunks[:3])
        events = merge(events)
        if expected is None:
            expected = events
        assert events == expected, (events, expected)
    return expected


def fails_with(data, code, role=wsframe.SERVER, **options):
    """Assert ``data`` fails with close ``code`` fed every way; return the events before."""
    before = None
    for chunks in list(splits(data)) + [[data + b"\x00\x00"]]:
        events, error = feed(chunks, role, **options)
        assert error is not None, ("no error", chunks[:3])
        assert error.code == code, (error.code, code, str(error))
        events = merge(events)
        if events and getattr(events[-1], "message_finished", True) is False:
            # fragments mode: how much of the failing message came out depends on the split
            events.pop()
        if before is None:
            before = events
        assert events == before, (events, before)
    return before
