"""The few places where CPython and MicroPython differ for pyhtml.

Both runtimes give a template error its line through the exception's traceback: CPython
as ``__traceback__`` objects, MicroPython only as the text ``sys.print_exception``
writes, so that text is read back here.
"""

try:
    from sys import print_exception as _print_exception
except ImportError:  # CPython
    _print_exception = None


def traceback_frames(exc):
    """``[(filename, line), ...]`` of ``exc``'s traceback, outermost first."""
    tb = getattr(exc, "__traceback__", None)
    if tb is not None:
        frames = []
        while tb is not None:
            frames.append((tb.tb_frame.f_code.co_filename, tb.tb_lineno))
            tb = tb.tb_next
        return frames
    if _print_exception is None:
        return []
    return _frames_from_text(_exception_text(exc))


def _exception_text(exc):
    import io  # in-memory only; imported on the error path so the happy path stays light

    buffer = io.StringIO()
    _print_exception(exc, buffer)
    return buffer.getvalue()


def _frames_from_text(text):
    frames = []
    for row in text.split("\n"):
        start = row.find('File "')
        cut = row.rfind('", line ')
        if start < 0 or cut < start:
            continue
        digits = row[cut + 8 :]
        end = 0
        while end < len(digits) and "0" <= digits[end] <= "9":
            end += 1
        if end:
            frames.append((row[start + 6 : cut], int(digits[:end])))
    return frames


def syntax_error_line(exc, filename):
    """The 1-based line a ``SyntaxError`` from ``compile(..., filename)`` points at."""
    line = getattr(exc, "lineno", None)
    if isinstance(line, int):
        return line
    for name, number in reversed(traceback_frames(exc)):
        if name == filename:
            return number
    return None


def syntax_error_message(exc):
    message = getattr(exc, "msg", None)
    if message is None:
        message = exc.args[0] if exc.args else type(exc).__name__
    return "%s: %s" % (type(exc).__name__, message)


def _exec_rebinds_code_globals():
    """Whether functions made by ``exec(code, ns)`` follow the *latest* ``ns`` of ``code``.

    CPython binds a function to the globals it was created in. MicroPython keeps one
    globals slot per compiled code object, which every ``exec`` of that code rebinds:
    two renders interleaved on one compiled template would then read each other's names.
    Where that happens, each concurrent render needs its own compiled copy.
    """
    code = compile("def probe():\n return marker\n", "<pyhtml probe>", "exec")
    first = {"marker": 1}
    second = {"marker": 2}
    exec(code, first)
    exec(code, second)
    return first["probe"]() != 1


EXEC_REBINDS_CODE_GLOBALS = _exec_rebinds_code_globals()
