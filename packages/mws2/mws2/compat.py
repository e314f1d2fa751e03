"""The few things CPython and MicroPython spell differently, in one place."""

import sys
import time

IS_MICROPYTHON = sys.implementation.name == "micropython"

try:
    # ``_NAME = const(1)``: on a board the compiler puts the number where the name is
    # used, and the name costs no interned string nor global.
    from micropython import const
except ImportError:

    def const(value):
        return value


if IS_MICROPYTHON:
    # Called before code is loaded (the package, the serving modules, a module, the
    # extras): the garbage of what ran before goes first, so the new module's objects
    # fill the holes it leaves instead of spreading over free heap. Without it, loading
    # leaves the heap in pieces and a board needs more of it: the plain program from
    # .mpy files serves in 149 KiB instead of 163 (unix port). CPython: nothing to do.
    from gc import collect as collect_garbage
else:

    def collect_garbage():
        pass


try:
    import _thread
except ImportError:  # a board built without threads: one thread, locks are no-ops
    _thread = None


class _NoLock:
    def acquire(self, *args):
        return True

    def release(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


NO_LOCK = _NoLock()  # where no thread can meet another: one lock object serves all


def _no_thread_id():
    return 0


# An id of the calling thread (0 on a board without threads), bound directly: it is
# asked twice per request.
thread_id = _thread.get_ident if _thread is not None else _no_thread_id


def new_lock():
    """A lock usable with ``with``: real when threads exist, a no-op otherwise."""
    if _thread is None:
        return NO_LOCK
    return _thread.allocate_lock()


if hasattr(time, "ticks_ms"):

    def monotonic():
        """Seconds from an arbitrary origin, never going back (ticks wrap is handled)."""
        return time.ticks_ms() / 1000.0

    def elapsed_since(start):
        return time.ticks_diff(time.ticks_ms(), int(start * 1000)) / 1000.0

else:
    monotonic = time.monotonic

    def elapsed_since(start):
        return time.monotonic() - start


def latin1(data):
    """bytes -> str, one character per byte (ISO-8859-1), on both runtimes.

    Header values may hold bytes above 0x7F (obs-text, RFC 9110 5.5). CPython decodes
    them with its latin-1 codec. MicroPython has no codec but UTF-8: its ``decode``
    ignores the encoding argument in 1.2x and raises LookupError for "latin-1" on its
    development branch (since July 2026), so it is never asked for one. ASCII (what
    headers nearly always are) decodes the same in UTF-8; anything else goes byte by
    byte."""
    if not isinstance(data, bytes):
        data = bytes(data)
    if not IS_MICROPYTHON:
        return data.decode("latin-1")
    try:
        text = data.decode()
    except UnicodeError:
        text = None
    if text is None or len(text) != len(data):  # not ASCII: one character per byte
        return "".join([chr(byte) for byte in data])
    return text


def set_thread_stack_size(size):
    """Set the stack size of threads created next; returns the previous one (or None)."""
    if _thread is None or not hasattr(_thread, "stack_size"):
        return None
    return _thread.stack_size(size)


def format_traceback(exc):
    """The traceback of ``exc`` as text, on both runtimes."""
    if IS_MICROPYTHON:
        try:
            import io

            out = io.StringIO()
            sys.print_exception(exc, out)
            return out.getvalue()
        except (ImportError, AttributeError):
            return repr(exc)
    import traceback

    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def more(obj, name, cls, module_name):
    """``cls.__getattr__``: the members of ``cls`` that most programs never use live in
    the class ``Extras`` of module ``module_name`` and join ``cls`` the first time one
    of them is asked for (on a board, their code and names cost no heap until then).
    CPython joins them at import (see join_extras): its classes are whole from the start."""
    if name[:2] == "__" or cls.__dict__.get("_extrasJoined"):
        raise AttributeError(name)
    join_extras(cls, module_name)
    return getattr(obj, name)


def join_extras(cls, module_name):
    collect_garbage()
    module = __import__(module_name, None, None, ["Extras"])
    extras = getattr(module, "Extras", None)
    if extras is None:
        # Out of memory while the module loaded (a board under load): what is left of
        # it must not stay in sys.modules, or every later use would fail the same way.
        sys.modules.pop(module_name, None)
        raise MemoryError("%s could not be loaded" % module_name)
    for key, value in extras.__dict__.items():
        if key[:2] != "__" and key not in cls.__dict__:
            setattr(cls, key, value)
    cls._extrasJoined = True
