"""The MicroPython character checks (``_compat.mp_*``) and CPython's (``_cpython``, with
``bytes.translate``) agree on every byte and on random strings."""

import random

from httpcore_micro import _compat, _cpython

PAIRS = (
    (_compat.mp_is_token, _cpython.is_token),
    (_compat.mp_is_vchar, _cpython.is_vchar),
    (_compat.mp_is_field, _cpython.is_field),
)


def _samples():
    for byte in range(256):
        yield bytes((byte,))
        yield b"ab" + bytes((byte,)) + b"c-d"
    rng = random.Random(7)
    alphabet = bytes(range(256))
    for size in range(40):
        for _ in range(30):
            yield bytes(rng.choice(alphabet) for _ in range(size))
            yield bytes(rng.choice(b"aZ9-_.!~\t \r\n\x00\x7f\x80\xff:;,") for _ in range(size))


def test_checks_agree():
    for data in _samples():
        for mine, cpython in PAIRS:
            assert mine(data) == cpython(data), (mine.__name__, data)
        names = dict.fromkeys(data.split(b":"))
        assert _compat.mp_names_are_tokens(names) == _cpython.names_are_tokens(names), data
        lines = data.split(b"\r\n")
        assert _compat.mp_only_field_lines(data, len(lines)) == _cpython.only_field_lines(
            data, len(lines)
        ), data


def test_common_names_are_tokens():
    # The CPython shortcut may skip the check only for names that pass it.
    for name in _cpython._COMMON_NAMES:
        assert _compat.mp_is_token(name) and name == name.lower(), name
