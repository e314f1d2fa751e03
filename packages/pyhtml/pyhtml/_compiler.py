"""A parsed template -> Python: one generator function plus the code of its py blocks.

The page becomes ``_ph_body(...)``, a generator that appends the page's pieces to a list
and yields a chunk whenever the list has grown enough (never, when rendering whole).
Expressions, conditions and loops run inside it; ``{{ py }}`` blocks are compiled apart,
as module code, and executed with ``exec`` in the render's namespace, because only module
code gives Python's usual page semantics there: every assignment lands in the namespace,
functions defined in the page see each other, and ``global`` just works. The function
reads every page name from that namespace too (its globals), and declares its loop
targets ``global`` so py blocks inside the loop see them.

Each generated line remembers its template line (``line_map``), and py blocks are
compiled with their template line numbers, so any error can name the template line.
"""

from ._compat import syntax_error_line, syntax_error_message
from ._errors import TemplateError
from ._parser import EXPR, FOR, IF, INCLUDE, PY, PYEND, TEXT, line_text, parse

BODY_NAME = "_ph_body"
RESERVED_PREFIX = "_ph_"
# Arguments of the generated function (see Template / _Run for what each one is).
_SIGNATURE = "def _ph_body(_ph_o, _ph_e, _ph_x, _ph_g, _ph_c, _ph_i, _ph_T, _ph_k, _ph_f):"
_PROLOGUE = (" _ph_w = _ph_o.append", " _ph_a = _ph_o.extend", " _ph_n = len")
# The stream check after each piece of output: hand out a chunk once enough is buffered.
_FLUSH = ("if _ph_n(_ph_o) >= _ph_k:", " _ph_t = _ph_f()", " if _ph_t:", "  yield _ph_t")


class CompiledTemplate:
    """What ``compile_template`` produces; ``Template`` runs it."""

    def __init__(self, module, codes, pyend_codes, global_names, line_map, filename):
        self.module = module  # code object defining _ph_body
        self.codes = codes  # tuple: code objects of the py blocks, in order
        self.pyend_codes = pyend_codes  # tuple: code objects of the pyend blocks
        self.global_names = global_names  # tuple: names py blocks declare ``global``
        self.line_map = line_map  # generated line (index + 1) -> template line
        self.filename = filename  # the generated code's filename (its frames' name)


def compile_template(source, name, resolve_include):
    """Compile ``source``. ``resolve_include(path, line)`` returns an include's key."""
    return _Compiler(source, name, resolve_include).run(parse(source, name))


class _Compiler:
    def __init__(self, source, name, resolve_include):
        self.source = source
        self.name = name
        self.filename = "<pyhtml %s>" % name
        self.resolve_include = resolve_include
        self.rows = []
        self.line_map = []
        self.codes = []
        self.pyend_codes = []
        self.global_names = []
        self.targets = []

    def error(self, line, message):
        return TemplateError(self.name, line, message, line_text(self.source, line))

    def run(self, tree):
        self.emit(0, _SIGNATURE, 1)
        header_at = len(self.rows)
        for row in _PROLOGUE:
            self.emit(0, row, 1)
        self.block(tree, 1)
        self.emit_lines(1, _FLUSH, self.line_map[-1])  # also makes _ph_body a generator
        if self.targets:
            self.rows.insert(header_at, " global " + ", ".join(self.targets))
            self.line_map.insert(header_at, 1)
        module = self.compile_module("\n".join(self.rows) + "\n")
        return CompiledTemplate(
            module,
            tuple(self.codes),
            tuple(self.pyend_codes),
            tuple(self.global_names),
            self.line_map,
            self.filename,
        )

    def compile_module(self, text):
        try:
            return compile(text, self.filename, "exec")
        except SyntaxError as exc:  # checked piece by piece before: a bug of ours if here
            line = syntax_error_line(exc, self.filename)
            if line is not None and 0 < line <= len(self.line_map):
                line = self.line_map[line - 1]
            raise self.error(line, syntax_error_message(exc)) from None

    # ---- output of generated source -------------------------------------------------

    def emit(self, indent, text, line):
        """Append ``text`` (which may span lines: user code) at ``indent``, mapped to ``line``."""
        rows = text.split("\n")
        self.rows.append(" " * indent + rows[0])
        self.line_map.append(line)
        for offset in range(1, len(rows)):
            self.rows.append(rows[offset])
            self.line_map.append(line + offset)

    def emit_lines(self, indent, rows, line):
        for row in rows:
            self.emit(indent, row, line)

    # ---- nodes ----------------------------------------------------------------------

    def block(self, nodes, indent):
        """Generate ``nodes`` at ``indent``; a body with nothing to run gets ``pass``."""
        before = len(self.rows)
        group = []
        for node in nodes:
            kind = node[0]
            if kind == TEXT or kind == EXPR:
                group.append(node)
                continue
            self.output(group, indent)
            group = []
            if kind == IF:
                self.if_node(node, indent)
            elif kind == FOR:
                self.for_node(node, indent)
            elif kind == PY:
                self.py_node(node, indent)
            elif kind == PYEND:
                self.pyend_codes.append(self.compile_code(node[1], node[2]))
            elif kind == INCLUDE:
                self.include_node(node, indent)
        self.output(group, indent)
        if len(self.rows) == before:
            self.emit(indent, "pass", self.line_map[-1])

    def output(self, group, indent):
        """One append (or extend) for a run of text and expressions, then the chunk check."""
        if not group:
            return
        first_line = group[0][2]
        if len(group) == 1:
            self.emit(indent, "_ph_w(", first_line)
            self.piece(group[0], indent)
            self.emit(indent, ")", self.line_map[-1])
        else:
            self.emit(indent, "_ph_a((", first_line)
            for node in group:
                self.piece(node, indent)
                self.rows[-1] += ","
            self.emit(indent, "))", self.line_map[-1])
        self.emit_lines(indent, _FLUSH, self.line_map[-1])

    def piece(self, node, indent):
        if node[0] == TEXT:
            self.emit(indent + 1, repr(node[1]), node[2])
            return
        expression, line = node[1], node[2]
        self.check_expression(expression, line)
        self.emit(indent + 1, "_ph_e(" + expression, line)
        self.emit(indent + 1, ")", self.line_map[-1])

    def if_node(self, node, indent):
        keyword = "if"
        for condition, line, body in node[1]:
            if condition is None:
                self.emit(indent, "else:", line)
            else:
                self.check_expression(condition, line)
                self.emit(indent, "%s (%s" % (keyword, condition), line)
                self.emit(indent, "):", self.line_map[-1])
            self.block(body, indent + 1)
            keyword = "elif"

    def for_node(self, node, indent):
        target, iterable, line, body = node[1], node[2], node[3], node[4]
        self.check_target(target, line)
        self.check_expression(iterable, line)
        self.emit(indent, "for %s in (%s" % (target, iterable), line)
        self.emit(indent, "):", self.line_map[-1])
        self.block(body, indent + 1)

    def py_node(self, node, indent):
        self.codes.append(self.compile_code(node[1], node[2]))
        self.emit(indent, "_ph_x(_ph_c[%d], _ph_g)" % (len(self.codes) - 1), node[2])

    def include_node(self, node, indent):
        key = self.resolve_include(node[1], node[2])
        self.emit(indent, "yield from _ph_i(_ph_T, %r, %d)" % (key, node[2]), node[2])

    # ---- checks and py blocks -------------------------------------------------------

    def compile_code(self, code, line):
        """A py block as module code whose line numbers are the template's."""
        for global_name in declared_globals(code):
            if global_name not in self.global_names:
                self.global_names.append(global_name)
        try:
            return compile("\n" * (line - 1) + code + "\n", self.name, "exec")
        except SyntaxError as exc:
            at = syntax_error_line(exc, self.name) or line
            # MicroPython names the end of input for an unclosed bracket: the last code line
            last = line + len(code.rstrip().split("\n")) - 1
            raise self.error(min(max(at, line), last), syntax_error_message(exc)) from None

    def check_expression(self, expression, line):
        """Reject what is not exactly one Python expression (so it cannot break out)."""
        try:
            compile(expression, self.name, "eval")
        except SyntaxError as exc:
            offset = syntax_error_line(exc, self.name)
            at = line + offset - 1 if offset else line
            raise self.error(at, syntax_error_message(exc)) from None

    def check_target(self, target, line):
        names = target_names(target)
        if names is None:
            raise self.error(line, "bad {{ for }} target '%s'" % target)
        for name in names:
            if name.startswith(RESERVED_PREFIX):
                raise self.error(line, "names starting with %s are reserved" % RESERVED_PREFIX)
            if name not in self.targets:
                self.targets.append(name)
        try:
            compile("for %s in ():\n pass\n" % target, self.name, "exec")
            return
        except SyntaxError:
            pass  # raised below, outside the handler: no chained SyntaxError
        raise self.error(line, "bad {{ for }} target '%s'" % target)


def target_names(target):
    """The names a ``for`` target binds: names, commas, brackets only (else ``None``)."""
    names = []
    word = ""
    for char in target + " ":
        if char.isalpha() or char == "_" or (word and char.isdigit()):
            word += char
            continue
        if char.isdigit() or char not in " \t\r\n,()[]":
            return None
        if word:
            names.append(word)
            word = ""
    return names or None


def declared_globals(code):
    """Names a py block declares ``global`` (statements starting a line or after ``;``)."""
    names = []
    for row in code.split("\n"):
        for statement in row.split(";"):
            statement = statement.strip()
            if not statement.startswith("global") or statement[6:7] not in (" ", "\t"):
                continue
            statement = statement[7:].split("#")[0]
            for name in statement.split(","):
                name = name.strip()
                if name and name not in names:
                    names.append(name)
    return names
