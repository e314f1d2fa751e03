"""Template text -> a tree of nodes (structure only: the compiler checks the Python).

Nodes are tuples, the first item their kind:

- ``(TEXT, text, line)``           literal text copied to the page
- ``(EXPR, source, line)``         ``{{ expression }}``, escaped on output
- ``(IF, branches, line)``         ``branches``: ``[condition or None, line, body]`` lists,
                                   ``None`` for the ``{{ else }}`` branch
- ``(FOR, target, iterable, line, body)``
- ``(PY, code, line)``             ``{{ py }}``: dedented code, ``line`` its first line
- ``(PYEND, code, line)``          ``{{ pyend }}``: run after the page is rendered
- ``(INCLUDE, path, line)``        ``{{ include path }}`` as written

``line`` is 1-based and points at the first line of the node's own text.
"""

from ._errors import TemplateError

TEXT, EXPR, IF, FOR, PY, PYEND, INCLUDE = range(7)

OPEN, CLOSE = "{{", "}}"

# Python statements: a tag starting with one of these is neither an instruction nor an
# expression, so it is reported as an unknown instruction rather than as a syntax error.
_STATEMENT_WORDS = (
    "while", "with", "try", "except", "finally", "def", "class", "import", "from",
    "return", "del", "pass", "break", "continue", "raise", "global", "nonlocal",
    "assert", "async", "yield",
)
# Closing words of other template languages, to point at ``{{ end }}`` instead.
_FOREIGN_ENDS = ("endif", "endfor", "endwhile", "/if", "/for")
_SPACE = " \t\r\n"
_BLOCK_WORDS = ("if", "elif", "for", "else", "else:")


def parse(source, name):
    """The top-level body (a list of nodes) of template ``source``; ``TemplateError`` if bad."""
    return _Parser(source, name).run()


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
        if prefix is None:
            prefix = indent
        else:
            prefix = _common_prefix(prefix, indent)
    cut = len(prefix) if prefix else 0
    return "\n".join([rows[0]] + [row[cut:] if row.strip() else "" for row in rows[1:]])


def _common_prefix(a, b):
    size = 0
    limit = min(len(a), len(b))
    while size < limit and a[size] == b[size]:
        size += 1
    return a[:size]


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
        if before and before in _SPACE + ")]" and after and after in _SPACE + "([{'\"":
            target, iterable = rest[:at].strip(), rest[at + 2 :].strip()
            if target and iterable:
                return target, iterable
            return None


class _Parser:
    def __init__(self, source, name):
        self.source = source
        self.name = name
        self.root = []
        self.body = self.root
        self.stack = []  # open blocks: [kind, node, line]

    def error(self, line, message):
        return TemplateError(self.name, line, message, line_text(self.source, line))

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
        if self.stack:
            kind, _node, opened = self.stack[-1]
            raise self.error(opened, "{{ %s }} block is never closed by {{ end }}" % kind)
        return self.root

    def text(self, text, line):
        if text:
            self.body.append((TEXT, text, line))

    def tag(self, content, line, after):
        """Handle one ``{{ content }}`` tag; returns the source position after it."""
        stripped = content.strip()
        end_line = line + content.count("\n")  # the line of the closing '}}'
        if not stripped:
            raise self.error(line, "empty {{ }}")
        line += content[: len(content) - len(content.lstrip())].count("\n")
        parts = stripped.split(None, 1)
        word = parts[0]
        rest = parts[1] if len(parts) > 1 else ""
        if word in _BLOCK_WORDS:
            # Python habit: {{ if x: }}, {{ else: }}: the colon changes nothing
            if rest.endswith(":"):
                rest = rest[:-1].rstrip()
            elif word.endswith(":") and not rest:
                word = word[:-1]
        rest_line = line + stripped[: len(stripped) - len(rest)].count("\n")
        if not rest and word in ("py", "pyend"):
            return self.code_block(word, line, after, end_line)
        if not rest and word == "end":
            self.close(line)
        elif word in ("if", "elif", "for", "else"):
            self.block_tag(word, rest, line, rest_line)
        elif word == "include":
            if not rest:
                raise self.error(line, "{{ include }} needs a file name")
            self.body.append((INCLUDE, _unquote(rest), line))
        elif word in _STATEMENT_WORDS or stripped in _FOREIGN_ENDS:
            raise self.error(line, "unknown instruction '%s'" % word)
        else:
            self.body.append((EXPR, stripped, line))
        return after

    def block_tag(self, word, rest, line, rest_line):
        if word == "else":
            if rest:
                raise self.error(line, "{{ else }} takes no condition (use {{ elif ... }})")
            self.branch(word, None, line)
        elif not rest:
            raise self.error(line, "{{ %s }} needs %s" % (word, _NEEDS[word]))
        elif word == "if":
            branch = [rest, rest_line, []]
            self.open("if", (IF, [branch], line), branch[2], line)
        elif word == "elif":
            self.branch(word, rest, rest_line)
        else:
            parts = split_for(rest)
            if parts is None:
                raise self.error(line, "{{ for }} needs 'target in iterable'")
            node = (FOR, parts[0], parts[1], rest_line, [])
            self.open("for", node, node[4], line)

    def open(self, kind, node, body, line):
        self.body.append(node)
        self.stack.append([kind, node, line])
        self.body = body

    def branch(self, word, condition, line):
        top = self.stack[-1] if self.stack else None
        if top is None or top[0] != "if":
            raise self.error(line, "{{ %s }} outside an {{ if }} block" % word)
        branches = top[1][1]
        if branches[-1][0] is None:
            raise self.error(line, "{{ %s }} after {{ else }}" % word)
        branch = [condition, line, []]
        branches.append(branch)
        self.body = branch[2]

    def close(self, line):
        if not self.stack:
            raise self.error(line, "{{ end }} without an open block")
        self.stack.pop()
        self.body = self._current_body()

    def _current_body(self):
        if not self.stack:
            return self.root
        node = self.stack[-1][1]
        if node[0] == IF:
            return node[1][-1][2]
        return node[4]

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
        if word == "pyend" and self.stack:
            raise self.error(line, "{{ pyend }} must be outside if/for blocks")
        kind = PY if word == "py" else PYEND
        self.body.append((kind, dedent(source[start:open_at]), code_line))
        return close_at + 2


_NEEDS = {"if": "a condition", "elif": "a condition", "for": "'target in iterable'"}


def _unquote(text):
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def line_text(source, line):
    """Text of 1-based ``line`` of ``source`` (``None`` if out of range)."""
    if line is None or line < 1:
        return None
    rows = source.split("\n")
    if line > len(rows):
        return None
    return rows[line - 1].rstrip("\r")

