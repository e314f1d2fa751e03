"""Template text -> a program for ``pyhtml.Template`` to run (loaded only to compile).

One pass over the text: each tag is checked and turned into program items at once; no
tree and no generated function is built, and each piece of Python is compiled alone, so
the heap a compile needs stays about the size of the template text plus one small
``compile()``: MicroPython's compiler needs heap in proportion to the code it compiles
at once.

The program is a list of items (``Template`` runs it, see ``pyhtml._Run.body``):

- ``str``: literal text, copied to the page;
- a code object: a run of text and ``{{ expression }}`` tags, compiled as one tuple
  expression ``('<td>', _ph_e(row.name), '</td>')`` whose strings are appended;
- ``int``: jump to that index (the end of an if branch, to the end of the chain);
- ``("if", code, starts)``: an if/elif/else chain: ``code`` tests the conditions in
  order and gives the index in ``starts`` of the branch to run;
- ``("loop", iterable, code, line)``: a loop whose body is one run of output, compiled
  as one Python ``for`` statement (see ``_Compiler.loop``);
- ``("for", iterable, next_index, line)``: start any other loop, continue at its
  ``"next"``;
- ``("next", body_index, target, line)``: the next value into ``target`` (a name, or
  code assigning ``_ph_v`` to it) and back to the body, or past the loop when it is
  exhausted;
- ``("py", code)``: a ``{{ py }}`` block, run as module code in the page's namespace;
- ``("include", key, line)``: another template rendered in place.

Every piece of Python is compiled with the template's name as its file name, padded with
newlines so that its line numbers are template lines: an error names its template line
from the traceback alone (also inside functions a py block defines).
"""

import gc

from . import TemplateError

OPEN, CLOSE = "{{", "}}"
RESERVED_PREFIX = "_ph_"
# A run of text and expressions is compiled as one code object up to about this many
# characters of Python: longer runs are split, so that no compile() is large.
GROUP_SOURCE = 480
# Python statements: a tag starting with one of these is neither an instruction nor an
# expression, so it is reported as an unknown instruction rather than as a syntax error.
STATEMENT_WORDS = (
    "while", "with", "try", "except", "finally", "def", "class", "import", "from",
    "return", "del", "pass", "break", "continue", "raise", "global", "nonlocal",
    "assert", "async", "yield",
)
# Closing words of other template languages, to point at ``{{ end }}`` instead.
FOREIGN_ENDS = ("endif", "endfor", "endwhile", "/if", "/for")
BLOCK_WORDS = ("if", "elif", "for", "else", "else:")
SPACE = " \t\r\n"
NEEDS = {"if": "a condition", "elif": "a condition", "for": "'target in iterable'"}


def compile_template(source, name, loader):
    """``(program, pyend_codes, global_names, None)`` of ``source`` (the compiled form;
    a precompiled page has its line map last); ``TemplateError`` if bad.

    ``loader`` (``None``: no ``{{ include }}``) resolves includes to their keys.
    """
    return _Compiler(source, name, loader).run()


def exec_rebinds_code_globals():
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


EXEC_REBINDS_CODE_GLOBALS = exec_rebinds_code_globals()
# MicroPython (the runtime with gc.mem_alloc): collect before each compile(). Each
# compile leaves its parse tree behind; collected only when the heap runs out, that
# garbage is freed between the code objects kept, and the free heap ends up in pieces
# too small for the next compile. Measured on the unix port: compiling a page of 40
# small tags (40 texts, expressions and py blocks) needed 113 KB of free heap without,
# 27 KB with; the mws2 demo page 21 KB without, 11 KB with.
COLLECT = hasattr(gc, "mem_alloc")


class _Compiler:
    def __init__(self, source, name, loader):
        self.source = source
        self.name = name
        self.loader = loader
        self.program = []
        self.pyends = []
        self.global_names = []
        # open blocks: ["if", line, index of the "if" item, [(condition, line)...],
        # [indexes of the jumps to the chain's end], has else], or
        # ["for", line, index of the "for" item, target, line of the target]
        self.blocks = []
        self.group = []  # the pending run of output: texts and (expression, line) pairs
        self.group_size = 0  # about the characters of Python the group compiles to

    def error(self, line, message):
        from ._debug import line_text  # errors only: not loaded to compile a good page

        return TemplateError(self.name, line, message, line_text(self.source, line))

    def syntax_error(self, exc, offset, first, last):
        """``exc``, from compiling template lines ``first`` to ``last`` (its line numbers
        ``offset`` short of the template's), as a ``TemplateError`` naming its line."""
        from ._debug import syntax_error_line, syntax_error_message

        at = syntax_error_line(exc, self.name)
        at = first if at is None else at + offset
        # MicroPython names the end of input for an unclosed bracket: kept to the piece
        return self.error(min(max(at, first), last), syntax_error_message(exc))

    def run(self):
        source = self.source
        pos = 0
        line = 1
        while True:
            start = source.find(OPEN, pos)
            if start < 0:
                self.text(source[pos:], line)
                break
            self.text(source[pos:start], line)
            line += source.count("\n", pos, start)
            stop = source.find(CLOSE, start + 2)
            if stop < 0:
                raise self.error(line, "'{{' is never closed by '}}'")
            pos = self.tag(source[start + 2 : stop], line, stop + 2)
            line += source.count("\n", start, pos)
        if self.blocks:
            kind, opened = self.blocks[-1][0], self.blocks[-1][1]
            raise self.error(opened, "{{ %s }} block is never closed by {{ end }}" % kind)
        self.flush()
        return tuple(self.program), tuple(self.pyends), tuple(self.global_names), None

    # ---- tags -----------------------------------------------------------------------

    def tag(self, content, line, after):
        """Handle one ``{{ content }}`` tag; returns the source position after it."""
        stripped = content.strip()
        if not stripped:
            raise self.error(line, "empty {{ }}")
        code_line = line + content.count("\n")  # a py block's code starts on the '}}' line
        line += content[: len(content) - len(content.lstrip())].count("\n")
        parts = stripped.split(None, 1)
        word = parts[0]
        rest = parts[1] if len(parts) > 1 else ""
        if word in BLOCK_WORDS:
            # Python habit: {{ if x: }}, {{ else: }}: the colon changes nothing
            if rest.endswith(":"):
                rest = rest[:-1].rstrip()
            elif word.endswith(":") and not rest:
                word = word[:-1]
        rest_line = line + stripped[: len(stripped) - len(rest)].count("\n")
        if not rest and word in ("py", "pyend"):
            return self.code_block(word, line, after, code_line)
        if not rest and word == "end":
            self.end(line)
        elif word in ("if", "elif", "for", "else"):
            self.block_tag(word, rest, line, rest_line)
        elif word == "include":
            if not rest:
                raise self.error(line, "{{ include }} needs a file name")
            if self.loader is None:
                raise self.error(line, "{{ include }} needs a loader")
            self.flush()
            key = self.loader.resolve(self.name, _unquote(rest))
            self.program.append(("include", key, line))
        elif word in STATEMENT_WORDS or stripped in FOREIGN_ENDS:
            raise self.error(line, "unknown instruction '%s'" % word)
        else:
            self.expression(stripped, line)
        return after

    def block_tag(self, word, rest, line, rest_line):
        if word == "else":
            if rest:
                raise self.error(line, "{{ else }} takes no condition (use {{ elif ... }})")
            self.branch(word, None, line)
        elif not rest:
            raise self.error(line, "{{ %s }} needs %s" % (word, NEEDS[word]))
        elif word == "if":
            rest = self.check_expression(rest, rest_line)
            self.flush()
            self.blocks.append(["if", line, len(self.program), [(rest, rest_line)], [], False])
            self.program.append(None)  # the "if" item, made by {{ end }}
        elif word == "elif":
            rest = self.check_expression(rest, rest_line)
            self.branch(word, (rest, rest_line), rest_line)
        else:
            self.for_tag(rest, line, rest_line)

    def branch(self, word, condition, line):
        """``{{ elif }}`` / ``{{ else }}``: the open branch ends with a jump to the end."""
        block = self.blocks[-1] if self.blocks else None
        if block is None or block[0] != "if":
            raise self.error(line, "{{ %s }} outside an {{ if }} block" % word)
        if block[5]:
            raise self.error(line, "{{ %s }} after {{ else }}" % word)
        self.flush()
        block[4].append(len(self.program))
        self.program.append(None)  # the jump to the chain's end, set by {{ end }}
        if condition is None:
            block[5] = True
        else:
            block[3].append(condition)

    def if_chain(self, block):
        """``("if", code, starts)`` for a closed chain: ``code`` tests the conditions in
        order and gives the index of the branch to run in ``starts`` (the last one: the
        else branch or the chain's end)."""
        program = self.program
        end = len(program)
        for index in block[4]:
            program[index] = end
        starts = [block[2] + 1] + [index + 1 for index in block[4]]
        if not block[5]:
            starts.append(end)
        first = block[3][0][1]
        rows = []
        at = first
        for number, (condition, line) in enumerate(block[3]):
            if number:  # each condition at its template line (else on the line before)
                rows.append(") else" + ("\n" * (line - at) if line > at else " "))
            rows.append("%d if (" % number + condition)
            at = max(at, line) + condition.count("\n")
        rows.append(") else %d" % len(block[3]))
        program[block[2]] = ("if", self.piece("".join(rows), first, "eval"), tuple(starts))

    def for_tag(self, rest, line, rest_line):
        parts = split_for(rest)
        if parts is None:
            raise self.error(line, "{{ for }} needs 'target in iterable'")
        self.check_target(parts[0], line)
        iterable = self.expression_code(parts[1], rest_line)
        self.flush()
        self.blocks.append(["for", line, len(self.program), parts[0], rest_line])
        self.program.append(("for", iterable, None, line))

    def end(self, line):
        if not self.blocks:
            raise self.error(line, "{{ end }} without an open block")
        block = self.blocks.pop()
        program = self.program
        if block[0] == "for" and len(program) == block[2] + 1:
            self.loop(block)  # nothing but the pending output in the body
            return
        self.flush()
        if block[0] == "if":
            self.if_chain(block)
            return
        start, target, target_line = block[2], block[3], block[4]
        program[start] = program[start][:2] + (len(program), block[1])
        program.append(("next", start + 1, self.assignment(target, target_line), block[1]))

    def loop(self, block):
        """A loop whose body is one run of output (or nothing) as one Python ``for``.

        ``for target in _ph_it: _ph_a((...))``, run with ``exec``: Python assigns the
        target, and no ``eval`` is needed per value (the render binds ``_ph_it`` to the
        values, ``_ph_a`` to the output's ``extend``).
        """
        start, target, target_line = block[2], block[3], block[4]
        rows = ["for ", target, " in _ph_it: "]
        if self.group:
            rows.append("_ph_a(")
            self.group_source(rows, target_line + target.count("\n"))
            rows.append(")")
        else:
            rows.append("pass")
        self.group = []
        self.group_size = 0
        code = self.piece("".join(rows), target_line, "exec")
        self.program[start] = ("loop", self.program[start][1], code, block[1])

    def assignment(self, target, line):
        """What ``"next"`` assigns: a name, or code assigning ``_ph_v`` to the target."""
        if target_names(target) == [target]:
            return target
        return self.piece(target + " = _ph_v", line, "exec")

    def code_block(self, word, line, start, code_line):
        """``{{ py }}`` or ``{{ pyend }}``: raw code up to the next ``{{ end }}``."""
        source = self.source
        search = start
        while True:
            open_at = source.find(OPEN, search)
            close_at = source.find(CLOSE, open_at + 2) if open_at >= 0 else -1
            if close_at < 0:
                raise self.error(line, "{{ %s }} block is never closed by {{ end }}" % word)
            if source[open_at + 2 : close_at].strip() == "end":
                break
            search = open_at + 2
        if word == "pyend" and self.blocks:
            raise self.error(line, "{{ pyend }} must be outside if/for blocks")
        code = dedent(source[start:open_at])
        for global_name in declared_globals(code):
            if global_name not in self.global_names:
                self.global_names.append(global_name)
        code = self.piece(code, code_line, "exec")
        if word == "py":
            self.flush()
            self.program.append(("py", code))
        else:
            self.pyends.append(code)
        return close_at + 2

    # ---- output: runs of text and expressions ---------------------------------------

    def text(self, text, line):
        if not text:
            return
        if len(text) > GROUP_SOURCE:  # alone: no need to compile it into a group
            self.flush()
            self.program.append(text)
            return
        self.add(text, len(text) + 2)

    def expression(self, expression, line):
        expression = self.check_expression(expression, line)
        self.add((expression, line), len(expression) + 8)

    def add(self, piece, size):
        if self.group and self.group_size + size > GROUP_SOURCE:
            self.flush()
        self.group.append(piece)
        self.group_size += size

    def flush(self):
        """The pending run of output as one program item: a string, or a code object."""
        group = self.group
        if not group:
            return
        if all(isinstance(piece, str) for piece in group):
            self.program.append("".join(group))
        else:
            rows = []
            line = self.group_source(rows, None)
            self.program.append(self.piece("".join(rows), line, "eval"))
        self.group = []
        self.group_size = 0

    def group_source(self, rows, at):
        """``('text', _ph_e(expression), ...)`` into ``rows``, the source being at line
        ``at`` (``None``: at the first expression's line, returned): each expression is
        written at its template line."""
        if at is None:
            at = next(piece[1] for piece in self.group if not isinstance(piece, str))
        first = at
        rows.append("(")
        for piece in self.group:
            if isinstance(piece, str):
                rows.append(repr(piece))
            else:
                expression, line = piece
                rows.append("\n" * (line - at) + "_ph_e(" + expression + ")")
                at = line + expression.count("\n")
            rows.append(",")
        rows.append(")")
        return first

    # ---- Python pieces ---------------------------------------------------------------

    def piece(self, source, line, mode):
        """A piece of the template's Python: ``source`` (starting at template ``line``)
        compiled in ``mode`` (``"eval"``: an expression; ``"exec"``: statements run as
        module code), padded so that its line numbers are the template's."""
        if mode == "eval":  # the newlines inside brackets, as an expression allows
            text = "(" + "\n" * (line - 1) + source + ")"
        else:
            text = "\n" * (line - 1) + source + "\n"
        if COLLECT:
            gc.collect()
        try:
            return compile(text, self.name, mode)
        except SyntaxError as exc:
            last = line + source.rstrip().count("\n")
            raise self.syntax_error(exc, 0, line, last) from None

    def expression_code(self, expression, line):
        """An iterable, compiled alone at its template line."""
        return self.piece(self.check_expression(expression, line), line, "eval")

    def check_expression(self, expression, line):
        """Reject what is not exactly one Python expression (so it cannot break out);
        returns it without comments, to be written inside other code."""
        if COLLECT:
            gc.collect()
        try:
            compile(expression, self.name, "eval")
        except SyntaxError as exc:
            last = line + expression.count("\n")
            raise self.syntax_error(exc, line - 1, line, last) from None
        return strip_comments(expression)

    def check_target(self, target, line):
        names = target_names(target)
        if names is None:
            raise self.error(line, "bad {{ for }} target '%s'" % target)
        for name in names:
            if name.startswith(RESERVED_PREFIX):
                raise self.error(line, "names starting with %s are reserved" % RESERVED_PREFIX)
        try:
            compile("for %s in ():\n pass\n" % target, self.name, "exec")
            return
        except SyntaxError:
            pass  # raised below, outside the handler: no chained SyntaxError
        raise self.error(line, "bad {{ for }} target '%s'" % target)


def strip_comments(code):
    """``code`` without its comments: from a ``#`` outside string literals to the end of
    its line (the newline stays, so lines stay where they were)."""
    if "#" not in code:
        return code
    kept = []
    start = at = 0
    quote = None  # the quotes of the string literal being read: ', ", ''' or """
    while at < len(code):
        char = code[at]
        if quote is not None:
            if char == "\\":  # an escaped character (a raw string also ends only so)
                at += 2
            elif code.startswith(quote, at):
                at += len(quote)
                quote = None
            else:
                at += 1
        elif char == "'" or char == '"':
            quote = code[at : at + 3] if code[at : at + 3] in ("'''", '"""') else char
            at += len(quote)
        elif char == "#":
            kept.append(code[start:at])
            end = code.find("\n", at)
            start = at = len(code) if end < 0 else end
        else:
            at += 1
    kept.append(code[start:])
    return "".join(kept)


def _unquote(text):
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


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


def split_for(rest):
    """``"k, v in d.items()"`` -> ``("k, v", "d.items()")``; ``None`` if there is no ``in``."""
    start = 0
    while True:
        at = rest.find("in", start)
        if at < 0:
            return None
        start = at + 1
        before = rest[at - 1] if at > 0 else ""
        after = rest[at + 2] if at + 2 < len(rest) else ""
        if before and before in SPACE + ")]" and after and after in SPACE + "([{'\"":
            target, iterable = rest[:at].strip(), rest[at + 2 :].strip()
            if target and iterable:
                return target, iterable
            return None


def dedent(code):
    """Code of a ``{{ py }}`` block at column 0: common indentation of its lines removed.

    Code on the tag's own line (``{{ py }} x = 1``) starts at column 0 by definition.
    Carriage returns of CRLF files are dropped (line count unchanged).
    """
    rows = code.replace("\r\n", "\n").split("\n")
    rows[0] = rows[0].strip()
    prefix = None
    for row in rows[1:]:
        if not row.strip():
            continue
        indent = row[: len(row) - len(row.lstrip())]
        prefix = indent if prefix is None else _common_prefix(prefix, indent)
    cut = len(prefix) if prefix else 0
    return "\n".join([rows[0]] + [row[cut:] if row.strip() else "" for row in rows[1:]])


def _common_prefix(a, b):
    size = 0
    limit = min(len(a), len(b))
    while size < limit and a[size] == b[size]:
        size += 1
    return a[:size]


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
