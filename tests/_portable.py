"""Helpers for tests that run unchanged under pytest and on the MicroPython unix port.

Portable test files (``tests/<package>/test_*.py``) import only this module, the package
under test and what MicroPython ships; they use plain ``assert``.
"""


def raises(exc_type, func, *args, **kwargs):
    """Call ``func`` and return the ``exc_type`` it raised; fail if it raised nothing."""
    try:
        func(*args, **kwargs)
    except exc_type as exc:
        return exc
    raise AssertionError("%s was not raised" % exc_type.__name__)


def splits(data):
    """The ways every byte-stream test feeds its input: whole, byte by byte, in halves."""
    yield [data]
    yield [data[i : i + 1] for i in range(len(data))]
    half = len(data) // 2
    yield [data[:half], data[half:]]
