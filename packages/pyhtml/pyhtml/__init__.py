"""pyhtml: MicroWebSrv2's ``.pyhtml`` template language, compiled once, run many times.

``Template(source).render(variables)`` / ``.stream(variables)``; ``FileLoader(root)``
loads and caches files; ``TemplateError`` names file and line; ``html_escape`` escapes.

This module is what renders: a compiled template is a *program* (a tuple of items, see
``_compile``) that ``_Run.body`` walks. The compiler (``_compile``) is imported only when
a template is compiled, and what only errors need (``_debug``) only on an error, so a
board pays on import for rendering alone.
"""

import os

try:
    from micropython import const
except ImportError:  # CPython

    def const(value):
        return value


__all__ = ["Template", "FileLoader", "TemplateError", "html_escape"]
__version__ = "0.2.0"

_builtin_print = print
# Stream check: every this many pieces, join them and hand out a chunk if it is big enough.
_STREAM_PIECES = const(16)
_CHUNK_SIZE = const(512)
# Pieces a render (whole page) never reaches: a small int on 32-bit boards (2**30 - 1).
_NEVER = const(0x3FFFFFFF)


class TemplateError(Exception):
    """A template that does not compile, or that raised while rendering.

    ``name`` is the template file (or the name given to ``Template``), ``line`` the
    1-based template line (``None`` when the runtime could not tell), ``message`` what
    went wrong, ``source_line`` the text of that line when known, and ``error`` the
    original exception of a rendering error (also its ``__cause__`` on CPython).
    """

    def __init__(self, name, line, message, source_line=None, error=None):
        where = "%s: " % name if line is None else "%s:%d: " % (name, line)
        super().__init__(where + message)
        self.name = name
        self.line = line
        self.message = message
        self.source_line = source_line
        self.error = error

    def html(self):
        """A self-contained, escaped HTML snippet describing the error (for debug pages)."""
        from ._debug import error_html

        return error_html(self)


def html_escape(value):
    """``value`` as text safe inside HTML elements and quoted attributes.

    Escapes ``& < > " '`` (the five characters that can end a text node or an attribute
    value; ``&`` first so the others' entities are not escaped twice). Text with none of
    them, the common case, costs a few ``in`` scans and no copy; integers cannot contain
    any, so they skip the scans entirely.
    """
    kind = type(value)
    if kind is not str:
        if kind is int:
            return str(value)
        value = str(value)
    if "&" in value or "<" in value or ">" in value or '"' in value or "'" in value:
        return (
            value.replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace('"', "&quot;")
            .replace("'", "&#39;")
        )
    return value


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
        # Compiled forms not in use by a render: (program, pyend codes, global names).
        self._spare = [self._compile(source)]

    def render(self, variables=None):
        """The whole page as one ``str``."""
        run = _Run(variables, _NEVER, 0)
        try:
            run.start(self)
            for _nothing in run.body(self):  # never yields: the chunk check is _NEVER met
                pass
            page = "".join(run.out)
            if run.finished:
                run.run_pyend()
        finally:
            run.release()
        return page

    def stream(self, variables=None, chunk_size=_CHUNK_SIZE):
        """The page as ``str`` chunks of about ``chunk_size`` characters (the last shorter).

        Pieces are gathered until at least ``chunk_size`` characters are buffered, so a
        board holds one chunk, not the page. ``{{ pyend }}`` code runs after the last chunk.
        """
        run = _Run(variables, _STREAM_PIECES, max(1, chunk_size))
        return run.page(self)

    def _compile(self, source):
        from . import _compile

        # Where exec rebinds the globals of compiled code (MicroPython), each render
        # running at the same time as another needs its own compiled form.
        self._copies = _compile.EXEC_REBINDS_CODE_GLOBALS
        return _compile.compile_template(source, self.name, self.loader)


class _Run:
    """One render: its namespace, its output buffer, its include chain."""

    def __init__(self, variables, pieces, chunk_size):
        self.variables = variables
        self.pieces = pieces
        self.chunk_size = chunk_size
        self.out = []
        self.finished = []  # (template, compiled) whose body completed, for pyend blocks
        self.held = None  # {template: compiled form taken for this render} (see _copies)
        self.instance = None  # (dict, PAGES) of the module of precompiled pages in use
        self.chunk = None  # a chunk due while a loop streams (see until_chunk)

    def start(self, template):
        """The namespace of a render of ``template`` (made when the render starts, so a
        stream never iterated holds nothing)."""
        loader = self.loader = template.loader
        shared = template.globals
        if shared is None and loader is not None:
            shared = loader.globals
        # With precompiled pages, the render's namespace is the dict of a module of
        # them: their functions read their names there (see FileLoader's ``compiled``).
        if loader is not None and loader.compiled is not None:
            self.instance = loader._checkout()
            namespace = self.instance[0]
            namespace.clear()
            if shared:
                namespace.update(shared)
        else:
            namespace = dict(shared) if shared else {}
        if template.persistent:
            namespace.update(template.persistent)
        if self.variables:
            namespace.update(self.variables)
        namespace["print"] = _page_print(self.out)
        # What compiled output code calls: the escape, and the output's extend (loops).
        namespace["_ph_e"] = html_escape
        namespace["_ph_a"] = self.out.extend
        self.namespace = namespace
        self.chain = [template.name]

    def page(self, template):
        """The root template's chunks, then its (and its includes') pyend blocks."""
        try:
            self.start(template)
            yield from self.body(template)
            out = self.out
            if out:
                last = "".join(out)
                out.clear()
                if last:
                    yield last
            self.run_pyend()
        finally:
            self.release()

    def release(self):
        """Give back the compiled forms (and the module instance) this render took."""
        if self.held:
            for template, compiled in self.held.items():
                template._spare.append(compiled)
            self.held = None
        if self.instance is not None:
            self.instance[0].clear()  # the page's names are not kept alive until reused
            self.loader._instances.append(self.instance)
            self.instance = None

    def checkout(self, template):
        """The compiled form of ``template`` for this render alone (see ``_copies``): a
        spare one, or compiled again."""
        held = self.held
        if held is None:
            held = self.held = {}
        compiled = held.get(template)
        if compiled is None:
            if template._spare:
                compiled = template._spare.pop()
            else:
                source = template._source
                if source is None:
                    source = template.loader.read(template.name)
                compiled = template._compile(source)
            held[template] = compiled
        return compiled

    def persist(self, template, compiled):
        """Save the names ``template`` declares ``global`` in its ``persistent``."""
        namespace = self.namespace
        for name in compiled[2]:
            if name in namespace:
                template.persistent[name] = namespace[name]

    def body(self, template):
        """Run ``template``'s program (see ``_compile``): output into ``self.out``, chunks
        yielded when streaming; then its persistent names saved."""
        compiled = None
        if self.instance is not None:
            compiled = self.instance[1].get(template.name)
        if compiled is not None:
            run = _call  # a precompiled page: its code items are functions
        else:
            run = eval  # code objects (of exec or eval mode alike)
            if template._copies:
                compiled = self.checkout(template)
            else:
                compiled = template._spare[0]  # shared by every render, never taken away
        # One loop with the items' work inline: this is where a render spends its time.
        program = compiled[0]
        namespace = self.namespace
        out = self.out
        pieces = self.pieces
        loops = []  # the iterators of the open "for" loops, innermost last
        end = len(program)
        pc = 0
        item = error = None
        try:
            while pc < end:
                item = program[pc]
                pc += 1
                kind = type(item)
                if kind is str:
                    out.append(item)
                elif kind is int:
                    pc = item
                    continue
                elif kind is not tuple:  # text and expressions: a tuple of strings
                    out.extend(run(item, namespace))
                else:
                    op = item[0]
                    if op == "if":
                        pc = item[2][run(item[1], namespace)]
                        continue
                    if op == "loop":
                        if pieces == _NEVER:  # rendering whole: the loop at once
                            namespace["_ph_it"] = run(item[1], namespace)
                            run(item[2], namespace)
                        else:
                            yield from self.loop(item, run)
                        continue
                    if op == "next":
                        value = next(loops[-1], loops)  # the list itself: exhausted
                        if value is loops:
                            loops.pop()
                            continue
                        target = item[2]
                        if type(target) is str:
                            namespace[target] = value
                        else:  # code assigning _ph_v to the target (unpacking it)
                            namespace["_ph_v"] = value
                            run(target, namespace)
                        pc = item[1]
                        continue
                    if op == "for":
                        loops.append(iter(run(item[1], namespace)))
                        pc = item[2]
                        continue
                    if op == "include":
                        yield from self.include(template, item[1], item[2])
                        continue
                    run(item[1], namespace)  # "py"
                if len(out) >= pieces:
                    chunk = self.flush()
                    if chunk:
                        yield chunk
        except TemplateError:
            raise
        except Exception as exc:  # the page's own error: name its template line
            error = exc
        finally:
            if compiled[2]:
                self.persist(template, compiled)
        if error is not None:  # raised outside the handler: MicroPython warns on chaining
            from ._debug import runtime_error

            raise runtime_error(template, compiled, error, item)
        if compiled[1]:
            self.finished.append((template, compiled))

    def loop(self, item, run):
        """A ``"loop"`` item while streaming: its Python ``for`` runs until a chunk is
        due (see ``until_chunk``), then again on the same iterator, until it is done."""
        namespace = self.namespace
        values = iter(run(item[1], namespace))
        while True:
            namespace["_ph_it"] = self.until_chunk(values)
            run(item[2], namespace)
            chunk = self.chunk
            if chunk is None:
                return
            self.chunk = None
            yield chunk

    def until_chunk(self, values):
        """``values``, stopped once a chunk is due (the chunk is then ``self.chunk``)."""
        out = self.out
        pieces = self.pieces
        for value in values:
            yield value
            if len(out) >= pieces:
                chunk = self.flush()
                if chunk is not None:
                    self.chunk = chunk
                    return

    def include(self, parent, key, line):
        if key in self.chain:
            chain = " -> ".join(self.chain + [key])
            raise self.include_error(parent, line, "include cycle: " + chain, None)
        child = error = None
        try:
            child = parent.loader.load(key)
        except OSError as exc:
            error = exc
        if error is not None:
            message = "cannot include '%s': %s" % (key, error)
            raise self.include_error(parent, line, message, error)
        if child.persistent:
            self.namespace.update(child.persistent)
        self.chain.append(key)
        yield from self.body(child)
        self.chain.pop()

    def include_error(self, parent, line, message, cause):
        from ._debug import source_line

        error = TemplateError(parent.name, line, message, source_line(parent, line), cause)
        error.__cause__ = cause
        return error

    def run_pyend(self):
        namespace = self.namespace
        for template, compiled in self.finished:
            run = eval if compiled[3] is None else _call
            error = None
            try:
                for code in compiled[1]:
                    run(code, namespace)
            except Exception as exc:  # the page's own error: name its template line
                error = exc
            finally:
                self.persist(template, compiled)
            if error is not None:
                from ._debug import runtime_error

                raise runtime_error(template, compiled, error, None)

    def flush(self):
        """A chunk of everything buffered if it is big enough, else ``None`` (kept as one piece)."""
        out = self.out
        chunk = "".join(out)
        out.clear()
        if len(chunk) >= self.chunk_size:
            return chunk
        out.append(chunk)
        return None



def _page_print(out):
    """``print`` inside a page: writes raw (unescaped) text into the page's ``out``.

    A closure over the output list, not a method of the render: the namespace then does
    not refer back to the render, and CPython frees both when the render ends, without
    waiting for the cycle collector.
    """

    def print(*args, sep=" ", end="\n", file=None, flush=False):
        if file is not None:
            _builtin_print(*args, sep=sep, end=end, file=file)
            return
        if sep is None:
            sep = " "
        if end is None:
            end = "\n"
        out.append(sep.join([str(arg) for arg in args]) + end)

    return print


def _call(function, namespace):
    """Run a code item of a precompiled page: a function whose globals are the render's
    namespace already (the dict of its module instance)."""
    return function()


def _precompiled_template(key, loader):
    """The ``Template`` of precompiled page ``key`` of ``loader``: nothing to compile, a
    render takes its compiled form from the module instance it runs in."""
    template = object.__new__(Template)
    template.name = key
    template.loader = loader
    template.globals = None
    template.persistent = {}
    template._source = None
    template._spare = []
    template._copies = True
    return template


class FileLoader:
    """Loads ``.pyhtml`` files under ``root``; ``globals`` is shared by every page.

    ``load(path)`` returns the cached ``Template`` while the file's size and modification
    time stay the same, and recompiles it otherwise (one ``os.stat`` per load).
    Template names are their paths relative to ``root`` (absolute outside it).
    ``compiled`` names a module made by ``python -m pyhtml compile root``: its pages are
    used without reading or compiling anything (their ``.pyhtml`` files need not exist).
    The only part of pyhtml that touches the filesystem (``os.stat`` and ``open``);
    paths use ``/`` on every platform (MicroPython has no ``os.path``).
    """

    def __init__(self, root, globals=None, compiled=None):
        self.root = _normalize(root) or "."
        self.globals = {} if globals is None else globals
        # The name of a module of precompiled pages (``python -m pyhtml compile``): its
        # pages are used as they are, the others compiled from their files.
        self.compiled = compiled
        self._instances = []  # instances of that module no render uses: (dict, PAGES)
        self._precompiled = None  # the keys of its pages
        self._cache = {}  # key -> (template, stamp)
        # Prefixes that mean "under root": root as given, and made absolute if relative.
        self._prefixes = [self.root + "/"]
        if not _is_absolute(self.root) and hasattr(os, "getcwd"):
            self._prefixes.append(_normalize(os.getcwd() + "/" + self.root) + "/")

    def load(self, path):
        key = self.key(path)
        if self.compiled is not None and key in self.precompiled():
            cached = self._cache.get(key)
            if cached is None:
                cached = self._cache[key] = (_precompiled_template(key, self), None)
            return cached[0]
        filename = self.filename(key)
        stat = os.stat(filename)
        # (size, mtime); st_mtime_ns on CPython catches rewrites within the same second.
        stamp = (stat[6], stat[8], getattr(stat, "st_mtime_ns", None))
        cached = self._cache.get(key)
        if cached is not None and cached[1] == stamp:
            return cached[0]
        if cached is not None:
            del self._cache[key]  # the old form is not needed to compile the new one
            cached = None
        template = Template(self.read(key), name=key, loader=self)
        template._source = None  # re-read on error instead of kept in memory
        self._cache[key] = (template, stamp)
        return template

    def precompiled(self):
        """The keys (paths under root) of the pages of the ``compiled`` module."""
        if self._precompiled is None:
            instance = self._checkout()
            self._precompiled = tuple(instance[1])
            self._instances.append(instance)
        return self._precompiled

    def _checkout(self):
        """An instance of the ``compiled`` module for one render: a spare one, or the
        module imported again (its functions then read the names of another dict)."""
        if self._instances:
            return self._instances.pop()
        import sys

        __import__(self.compiled)
        module = sys.modules.pop(self.compiled)  # the next import makes a new instance
        return module.__dict__, module.PAGES

    def key(self, path):
        """Cache key and template name of ``path``: relative to root when under it.

        A path starting with root (as given, or absolute) is that file under root: a
        server resolves a URL to ``root + "/" + path`` and loads that.
        """
        path = _normalize(path)
        for prefix in self._prefixes:
            if path.startswith(prefix):
                return path[len(prefix) :]
        return path

    def filename(self, key):
        if _is_absolute(key):
            return key
        return self.root + "/" + key

    def resolve(self, including, path):
        """Key of ``{{ include path }}`` in template ``including``: ``/x`` is under root,
        anything else relative to the including file's folder."""
        if path.startswith("/"):
            return _normalize(path[1:])
        cut = including.rfind("/")
        if cut < 0:
            return _normalize(path)
        return _normalize(including[:cut] + "/" + path)

    def read(self, key):
        """The text of template ``key`` as the file reads now."""
        with open(self.filename(key), "rb") as handle:
            return handle.read().decode("utf-8")


def _is_absolute(path):
    """``/x``, or ``C:/x`` on Windows."""
    return path.startswith("/") or (len(path) > 2 and path[1] == ":" and path[2] == "/")


def _normalize(path):
    """``path`` with ``\\``, ``.``, ``..`` and doubled ``/`` resolved; keeps a leading ``/``."""
    path = path.replace("\\", "/")
    parts = []
    for part in path.split("/"):
        if part == "" or part == ".":
            continue
        if part == ".." and parts and parts[-1] != "..":
            parts.pop()
        elif part == ".." and path.startswith("/"):
            continue  # nothing above the filesystem root
        else:
            parts.append(part)
    joined = "/".join(parts)
    return "/" + joined if path.startswith("/") else joined
