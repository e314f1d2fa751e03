"""What pyhtml needs only when something went wrong (loaded on the first error).

Both runtimes give a template error its line through the exception's traceback: CPython
as ``__traceback__`` objects, MicroPython only as the text ``sys.print_exception``
writes, so that text is read back here. Every piece of a template's Python is compiled
with the template's name as file name and its template line numbers (see _compile), so
the deepest frame with that name is the template line; a precompiled page's frames are
in its module, whose lines its line map turns into template lines.
"""

from . import TemplateError, html_escape

try:
    from sys import print_exception as _print_exception
except ImportError:  # CPython
    _print_exception = None


def runtime_error(template, compiled, exc, item):
    """``exc``, raised while running ``template``'s program ``item``, as a TemplateError."""
    frames = traceback_frames(exc)
    if compiled[3] is None:
        line = None
        for filename, number in frames:
            if filename == template.name:
                line = number
    else:
        line = _precompiled_line(template, compiled[3], frames)
    if line is None and type(item) is tuple and item[0] in ("loop", "for", "next", "include"):
        line = item[-1]  # raised by the loop or the include itself, not by template code
    message = "%s: %s" % (type(exc).__name__, exc)
    error = TemplateError(template.name, line, message, source_line(template, line), exc)
    error.__cause__ = exc  # set, not ``raise from``: MicroPython warns on chaining
    return error


def _precompiled_line(template, lines, frames):
    """The template line of the deepest frame in ``template``'s functions of its module.

    ``lines`` is the page's line map (see pyhtml.precompile): per function, the first
    and last line of its body in the module and the template line of its first.
    """
    module = template.loader.compiled
    base = module[module.rfind(".") + 1 :] + ".py"
    line = None
    for filename, number in frames:
        if filename != base and not filename.endswith("/" + base):
            continue
        for at in range(0, len(lines), 6):
            first = lines[at] << 8 | lines[at + 1]
            if first <= number <= (lines[at + 2] << 8 | lines[at + 3]):
                line = (lines[at + 4] << 8 | lines[at + 5]) + number - first
    return line


def source_line(template, line):
    """Text of ``template``'s ``line`` (kept source, or the file as it reads now)."""
    if line is None:
        return None
    if template._source is not None:
        return line_text(template._source, line)
    if template.loader is not None:
        try:
            return line_text(template.loader.read(template.name), line)
        except OSError:
            return None
    return None


def line_text(source, line):
    """Text of 1-based ``line`` of ``source`` (``None`` if out of range)."""
    if line is None or line < 1:
        return None
    rows = source.split("\n")
    if line > len(rows):
        return None
    return rows[line - 1].rstrip("\r")


def error_html(error):
    """``TemplateError.html()``: an escaped HTML snippet (file, line, message, source line)."""
    parts = [
        '<div class="pyhtml-error">',
        "<h2>Template error</h2>",
        "<p><b>%s</b>" % html_escape(error.name),
    ]
    if error.line is not None:
        parts.append(", line %d" % error.line)
    parts.append("</p><pre>%s</pre>" % html_escape(error.message))
    if error.source_line is not None:
        parts.append(
            "<pre>%4d | %s</pre>" % (error.line, html_escape(error.source_line.rstrip()))
        )
    parts.append("</div>")
    return "".join(parts)


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
    import io  # in-memory only

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


# ---- compile errors ----------------------------------------------------------------------


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
