"""``Template``: a compiled page, rendered whole or streamed, any number of times."""

from ._compat import EXEC_REBINDS_CODE_GLOBALS, traceback_frames
from ._compiler import BODY_NAME, compile_template
from ._errors import TemplateError
from ._escape import html_escape
from ._parser import line_text

_builtin_print = print
# Stream check: every this many pieces, join them and hand out a chunk if it is big enough.
STREAM_PIECES = 16
DEFAULT_CHUNK_SIZE = 512
_NEVER = 1 << 30


class Template:
    """A ``.pyhtml`` page compiled once: ``render(variables)`` / ``stream(variables)``.

    ``globals`` (or, when it is ``None``, ``loader.globals``) are names every render sees;
    ``variables`` passed to a render override them. Names a py block declares ``global``
    persist from one render to the next in ``persistent`` (one dict per template).
    Each render otherwise starts from a fresh namespace: nothing leaks between renders.
    """

    def __init__(self, source, name="<template>", loader=None, globals=None):
        if not isinstance(source, str):
            raise TypeError('"source" must be a str, not %s' % type(source).__name__)
        if not isinstance(name, str):
            raise TypeError('"name" must be a str')
        self.name = name
        self.loader = loader
        self.globals = globals
        self.persistent = {}
        self._source = source  # kept for error messages; FileLoader re-reads its files instead
        self._compiled = self._compile(source)
        # Compiled copies not in use by a render (only where exec rebinds code globals).
        self._spare = [self._compiled]

    def render(self, variables=None):
        """The whole page as one ``str``."""
        run = _Run(self, variables, _NEVER, 0)
        try:
            for _nothing in run.body(self):  # never yields: the chunk check is _NEVER met
                pass
            page = "".join(run.out)
            if run.finished:
                run.run_pyend()
        finally:
            if run.held:
                run.release()
        return page

    def stream(self, variables=None, chunk_size=DEFAULT_CHUNK_SIZE):
        """The page as ``str`` chunks of about ``chunk_size`` characters (the last shorter).

        Pieces are gathered until at least ``chunk_size`` characters are buffered, so a
        board holds one chunk, not the page. ``{{ pyend }}`` code runs after the last chunk.
        """
        run = _Run(self, variables, STREAM_PIECES, max(1, chunk_size))
        return run.page(self)

    def source_line(self, line):
        """Text of template ``line`` (for error messages), or ``None``."""
        if self._source is not None:
            return line_text(self._source, line)
        if self.loader is not None and line is not None:
            return self.loader.source_line(self.name, line)
        return None

    # ---- used by the render machinery and the loader ----------------------------------

    def _compile(self, source):
        return compile_template(source, self.name, self._resolve_include)

    def _resolve_include(self, path, line):
        if self.loader is None:
            raise TemplateError(
                self.name, line, "{{ include }} needs a loader", line_text(self._source, line)
            )
        return self.loader.resolve(self.name, path)

    def _checkout(self):
        """Compiled code for one render (see ``EXEC_REBINDS_CODE_GLOBALS``)."""
        if self._spare:
            return self._spare.pop()
        source = self._source
        if source is None:
            source = self.loader.read(self.name)
        return self._compile(source)

    def _checkin(self, compiled):
        self._spare.append(compiled)

    def _persist(self, compiled, namespace):
        for name in compiled.global_names:
            if name in namespace:
                self.persistent[name] = namespace[name]

    def _runtime_error(self, compiled, exc):
        """``exc`` raised while rendering this template, as a ``TemplateError`` with its line."""
        line = None
        for filename, number in traceback_frames(exc):
            if filename == self.name:  # inside a py block: compiled with template lines
                line = number
            elif filename == compiled.filename and 0 < number <= len(compiled.line_map):
                line = compiled.line_map[number - 1]
        message = "%s: %s" % (type(exc).__name__, exc)
        error = TemplateError(self.name, line, message, self.source_line(line), exc)
        error.__cause__ = exc  # set, not ``raise from``: MicroPython warns on chaining
        return error


class _Run:
    """One render: its namespace, its output buffer, its include chain."""

    def __init__(self, template, variables, pieces, chunk_size):
        shared = template.globals
        if shared is None and template.loader is not None:
            shared = template.loader.globals
        namespace = dict(shared) if shared else {}
        if template.persistent:
            namespace.update(template.persistent)
        if variables:
            namespace.update(variables)
        namespace["print"] = self.print
        self.namespace = namespace
        self.out = []
        self.pieces = pieces
        self.chunk_size = chunk_size
        self.chain = [template.name]
        self.finished = []  # (template, compiled) whose body completed, for pyend blocks
        self.held = {} if EXEC_REBINDS_CODE_GLOBALS else None  # template -> own compiled

    def page(self, template):
        """The root template's chunks, then its (and its includes') pyend blocks."""
        try:
            yield from self.body(template)
            out = self.out
            if out:
                last = "".join(out)
                out.clear()
                if last:
                    yield last
            self.run_pyend()
        finally:
            if self.held:
                self.release()

    def release(self):
        """Give back the compiled copies this render held (see ``Template._checkout``)."""
        for template, compiled in self.held.items():
            template._checkin(compiled)
        self.held = None

    def compiled(self, template):
        held = self.held
        if held is None:
            return template._compiled
        compiled = held.get(template)
        if compiled is None:
            compiled = held[template] = template._checkout()
        return compiled

    def body(self, template):
        compiled = self.compiled(template)
        namespace = self.namespace
        exec(compiled.module, namespace)
        function = namespace.pop(BODY_NAME)
        # Errors are raised after the handler, their cause set by hand: ``raise from``
        # makes MicroPython print a warning.
        error = None
        try:
            yield from function(
                self.out, html_escape, exec, namespace, compiled.codes, self.include,
                template, self.pieces, self.flush,
            )
        except TemplateError:
            raise
        except Exception as exc:  # the page's own error: name its template line
            error = template._runtime_error(compiled, exc)
        finally:
            template._persist(compiled, namespace)
        if error is not None:
            raise error
        if compiled.pyend_codes:
            self.finished.append((template, compiled))

    def include(self, parent, key, line):
        if key in self.chain:
            chain = " -> ".join(self.chain + [key])
            raise TemplateError(parent.name, line, "include cycle: " + chain,
                                parent.source_line(line))
        child = error = None
        try:
            child = parent.loader.load(key)
        except OSError as exc:
            error = TemplateError(parent.name, line, "cannot include '%s': %s" % (key, exc),
                                  parent.source_line(line), exc)
            error.__cause__ = exc
        if error is not None:
            raise error
        if child.persistent:
            self.namespace.update(child.persistent)
        self.chain.append(key)
        yield from self.body(child)
        self.chain.pop()

    def run_pyend(self):
        namespace = self.namespace
        for template, compiled in self.finished:
            error = None
            try:
                for code in compiled.pyend_codes:
                    exec(code, namespace)
            except Exception as exc:  # the page's own error: name its template line
                error = template._runtime_error(compiled, exc)
            finally:
                template._persist(compiled, namespace)
            if error is not None:
                raise error

    def flush(self):
        """A chunk of everything buffered if it is big enough, else ``None`` (kept as one piece)."""
        out = self.out
        chunk = "".join(out)
        out.clear()
        if len(chunk) >= self.chunk_size:
            return chunk
        out.append(chunk)
        return None

    def print(self, *args, sep=" ", end="\n", file=None, flush=False):
        """``print`` inside the page: writes raw (unescaped) text into the page."""
        if file is not None:
            _builtin_print(*args, sep=sep, end=end, file=file)
            return
        if sep is None:
            sep = " "
        if end is None:
            end = "\n"
        self.out.append(sep.join([str(arg) for arg in args]) + end)
