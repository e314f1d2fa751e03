"""Ahead-of-time compilation: the ``.pyhtml`` pages of a folder -> one Python module.

Runs on CPython, at build time (``python -m pyhtml compile DIR -o pages.py``, or
``precompile_folder``). ``mpy-cross`` compiles the module like any other; a board loads
it with ``FileLoader(root, compiled="pages")`` and then compiles nothing at runtime: no
compiler in RAM, no compile peak on the first request, and from ROMFS or frozen the
pages' code and text stay in flash.

Each page is compiled exactly as at runtime (the same checks and errors, the same
program); each piece of Python of its program becomes a function of the module instead
of a code object. A render runs in the module's dict (one instance of the module per
render running at the same time, see ``FileLoader``): the functions' globals are the
page's namespace, which is what ``eval(code, namespace)`` gives a compiled page. A
piece of statements (a py block, a loop, a target assignment) declares ``global`` every
name it binds at its top level (found with ``symtable``), so that, as module code, it
binds them in the namespace. One difference remains: ``locals()`` in a py block is the
function's, not the namespace.

The module maps its lines back to template lines for errors: per page, a ``bytes`` of
6 bytes per function (first and last line of its body in the module, the template line
of the first; big-endian 16-bit numbers).
"""

import io
import os
import subprocess
import symtable
import tokenize

from . import FileLoader, TemplateError, __version__
from ._compile import _Compiler

EXTENSION = ".pyhtml"
HEADER = '''"""Pages of %s precompiled by pyhtml %s (python -m pyhtml compile).

Load them with FileLoader(root, compiled=<this module's name>). Generated: do not
edit; compile again after changing a page.
"""
# ruff: noqa (generated: page names are the render's globals, not this module's)'''


def precompile_folder(root, output, mpy=False):
    """Write the module of every ``*.pyhtml`` under ``root`` to ``output`` (a ``.py``
    path; with ``mpy``, also ``mpy-cross`` it beside). Returns the pages' keys.

    ``TemplateError`` for a page that does not compile, as at runtime.
    """
    if not os.path.isdir(root):
        raise FileNotFoundError("no folder of pages: %s" % root)
    loader = FileLoader(root)
    keys = page_keys(loader.root)
    text = module_source(root, [(key, loader.read(key)) for key in keys])
    with open(output, "w", encoding="utf-8") as handle:
        handle.write(text)
    if mpy:
        base = os.path.basename(output)
        target = output[: -len(".py")] + ".mpy" if output.endswith(".py") else output + ".mpy"
        # -s: the file name tracebacks show, which errors match (see _debug)
        subprocess.run(["mpy-cross", "-s", base, "-o", target, output], check=True)
    return keys


def module_source(root, pages):
    """The module of ``pages`` (``[(key, template source)]``) of the folder ``root``."""
    loader = FileLoader(root)
    writer = _Writer(root)
    for key, source in pages:
        writer.page(key, _Recorder(source, key, loader).run())
    text = writer.text()
    compile(text, "<pyhtml module>", "exec")  # a module that does not compile: our bug
    return text


def page_keys(root):
    """Paths (with ``/``) of the ``.pyhtml`` files under ``root``, relative to it, sorted."""
    keys = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        relative = os.path.relpath(folder, root).replace(os.sep, "/")
        for name in sorted(files):
            if name.endswith(EXTENSION):
                keys.append(name if relative == "." else relative + "/" + name)
    return keys


class _Piece:
    """A piece of a page's Python as the compiler made it (see ``_Compiler.piece``)."""

    def __init__(self, source, line, mode):
        self.source = source
        self.line = line
        self.mode = mode


class _Recorder(_Compiler):
    """The runtime compiler, keeping each piece's source (after checking that it
    compiles) instead of its code object."""

    def piece(self, source, line, mode):
        _Compiler.piece(self, source, line, mode)
        return _Piece(source, line, mode)


class _Writer:
    def __init__(self, root):
        self.rows = (HEADER % (root, __version__)).split("\n")
        self.pages = []
        self.count = 0
        self.key = None
        self.spans = []

    def text(self):
        rows = self.rows + ["", "", "PAGES = {"] + self.pages + ["}", ""]
        return "\n".join(rows)

    def page(self, key, compiled):
        program, pyends, global_names = compiled[0], compiled[1], compiled[2]
        self.key = key
        self.spans = []  # (first, last, template line) of this page's functions
        self.rows.append("")
        self.rows.append("# ---- %s" % key)
        program = self.literal(program)
        pyends = self.literal(pyends)
        lines = bytearray()
        for numbers in self.spans:
            for number in numbers:
                if number > 0xFFFF:
                    raise TemplateError(key, None, "too many lines to precompile")
                lines += bytes([number >> 8, number & 0xFF])
        self.pages.append("    %r: (\n        %s,\n        %s,\n        %r,\n        %r,\n    ),"
                          % (key, program, pyends, global_names, bytes(lines)))

    def literal(self, value):
        """Python source of a program's ``value``: its pieces become functions."""
        if isinstance(value, _Piece):
            return self.function(value)
        if isinstance(value, tuple):
            return "(" + "".join(self.literal(item) + ", " for item in value) + ")"
        return repr(value)

    def function(self, piece):
        name = "_ph_%d" % self.count
        self.count += 1
        if piece.mode == "eval":
            body = "return (" + piece.source + ")"
        else:
            body = piece.source
        bound = bound_names(piece.source, piece.mode)
        rows = ["def %s():" % name]
        if bound:
            rows.append("    global " + ", ".join(bound))
        body_rows = indented(body)
        self.check(rows + body_rows, piece, len(rows))
        self.rows.extend(["", ""] + rows)
        first = len(self.rows) + 1
        self.rows.extend(body_rows)
        self.spans.append((first, first + len(body_rows) - 1, piece.line))
        return name

    def check(self, rows, piece, head):
        """A piece that compiles as module code but not in a function (``from m import
        *``): a ``TemplateError`` naming its line, at build time."""
        try:
            compile("\n".join(rows), self.key, "exec")
        except SyntaxError as exc:
            line = piece.line + max(0, (exc.lineno or 0) - head - 1)
            raise TemplateError(self.key, line, "cannot be precompiled: %s" % exc.msg) from None


def bound_names(source, mode):
    """Names ``source`` binds at its top level (assigned, imported, declared global)."""
    if mode == "eval":  # it may span lines: bracketed, as _Compiler.piece compiles it
        source = "(" + source + ")"
    table = symtable.symtable(source, "<pyhtml piece>", mode)
    names = []
    for symbol in table.get_symbols():
        if symbol.is_assigned() or symbol.is_imported() or symbol.is_declared_global():
            names.append(symbol.get_name())
    return sorted(names)


def indented(source):
    """``source``'s rows, indented by four spaces but for rows inside a token (a string)
    that started on an earlier row: those are the string's own text."""
    rows = source.split("\n")
    inside = set()
    for token in tokenize.generate_tokens(io.StringIO(source + "\n").readline):
        inside.update(range(token.start[0] + 1, token.end[0] + 1))
    return [
        row if number in inside or not row else "    " + row
        for number, row in enumerate(rows, 1)
    ]
