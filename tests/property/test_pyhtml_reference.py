"""Random templates (text, expressions, if/elif/else, for, py blocks with print, nested)
rendered by pyhtml equal what a straightforward tree-walking interpreter in this file
produces; streamed in random chunk sizes they join to the same page. The same holds for
the template precompiled (``pyhtml.precompile``) and loaded with ``FileLoader(compiled=)``.

The interpreter evaluates the same Python snippets with ``eval``/``exec`` in one dict,
walking the tree node by node, as the original MicroWebSrv2 did on every request.
"""

import itertools
import sys
import types

from hypothesis import given
from hypothesis import strategies as st

from pyhtml import FileLoader, Template
from pyhtml.precompile import module_source

TEXT = st.text(alphabet="ab <>&\"'\n\t;=/é", min_size=1, max_size=12)
EXPRESSIONS = [
    "a", "b + i", "s", "s * (i % 3)", "'<%d>' % j", "a > b", "[i, s]", "None", "k",
    "'&' * (b % 4)", "(a, \"q\")", "len(s)", "{'x': j}",
]
CONDITIONS = ["a > i", "(b + j) % 2 == 0", "s", "not s", "i == k", "len(s) > 3", "a"]
STATEMENTS = [
    "a = a + 1", "b = i * 2 - b", "s = s + '&'", "s = s[-5:]", "k = k + j",
    "print(s, a, sep='<', end='>')", "print(i)", "print('<b>', end='')", "print()",
    "print(j, k, sep=None)",
]
INITIAL = {"a": 1, "b": 2, "s": "x<'", "i": 0, "j": 0, "k": 0}


def nodes(depth):
    leaf = st.one_of(
        st.tuples(st.just("text"), TEXT),
        st.tuples(st.just("expr"), st.sampled_from(EXPRESSIONS)),
        st.tuples(
            st.just("py"),
            st.lists(st.sampled_from(STATEMENTS), min_size=1, max_size=3),
            st.sampled_from(["", "  ", "\t", "        "]),
        ),
    )
    if depth == 0:
        return leaf
    body = st.lists(nodes(depth - 1), max_size=4)
    branch = st.tuples(st.sampled_from(CONDITIONS), body)
    return st.one_of(
        leaf,
        st.tuples(st.just("if"), st.lists(branch, min_size=1, max_size=3),
                  st.one_of(st.none(), body)),
        st.tuples(st.just("for"), st.sampled_from(["i", "j", "i, j"]), st.booleans(),
                  st.integers(0, 3), body),
    )


TREES = st.lists(nodes(3), max_size=6)


def source_of(tree):
    parts = []
    for node in tree:
        kind = node[0]
        if kind == "text":
            parts.append(node[1])
        elif kind == "expr":
            parts.append("{{ %s }}" % node[1])
        elif kind == "py":
            rows = "".join(node[2] + statement + "\n" for statement in node[1])
            parts.append("{{ py }}\n" + rows + "{{ end }}")
        elif kind == "if":
            word = "if"
            for condition, body in node[1]:
                parts.append("{{ %s %s }}" % (word, condition) + source_of(body))
                word = "elif"
            if node[2] is not None:
                parts.append("{{ else }}" + source_of(node[2]))
            parts.append("{{ end }}")
        else:
            header = "{{ for %s in %s }}" % (node[1], iterable_of(node))
            parts.append(header + source_of(node[4]) + "{{ end }}")
    return "".join(parts)


def iterable_of(node):
    """The Python iterable of a ``("for", target, variant, count, body)`` node."""
    target, variant, count = node[1], node[2], node[3]
    if target == "i, j":
        return "[(n, n * 2) for n in range(%d)]" % count
    return "range(a %% %d)" % (count + 1) if variant else "range(%d)" % count


def reference_escape(text):
    table = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
    return "".join(table.get(char, char) for char in text)


def reference(tree, namespace, out):
    for node in tree:
        kind = node[0]
        if kind == "text":
            out.append(node[1])
        elif kind == "expr":
            out.append(reference_escape(str(eval(node[1], namespace))))
        elif kind == "py":
            for statement in node[1]:
                exec(statement, namespace)
        elif kind == "if":
            for condition, body in node[1]:
                if eval(condition, namespace):
                    reference(body, namespace, out)
                    break
            else:
                if node[2] is not None:
                    reference(node[2], namespace, out)
        else:
            for value in eval(iterable_of(node), namespace):
                if node[1] == "i, j":
                    namespace["i"], namespace["j"] = value
                else:
                    namespace[node[1]] = value
                reference(node[4], namespace, out)


def expected_page(tree):
    out = []
    namespace = dict(INITIAL)

    def reference_print(*args, sep=" ", end="\n"):
        out.append((" " if sep is None else sep).join(str(arg) for arg in args) + end)

    namespace["print"] = reference_print
    reference(tree, namespace, out)
    return "".join(out)


@given(TREES, st.integers(1, 200))
def test_render_and_stream_match_the_reference(tree, chunk_size):
    source = source_of(tree)
    template = Template(source, name="random.pyhtml")
    expected = expected_page(tree)
    assert template.render(dict(INITIAL)) == expected
    chunks = list(template.stream(dict(INITIAL), chunk_size=chunk_size))
    assert "".join(chunks) == expected
    assert all(len(chunk) >= chunk_size for chunk in chunks[:-1])
    assert template.render(dict(INITIAL)) == expected  # compiled once, rendered again


def precompiled_template(source, number):
    """``source`` precompiled, its module made in memory (no file), loaded by a loader."""
    name = "pyhtml_property_pages_%d" % number
    module = types.ModuleType(name)
    exec(module_source("random", [("random.pyhtml", source)]), module.__dict__)
    sys.modules[name] = module  # what the loader imports (and takes out of sys.modules)
    return FileLoader("random", compiled=name).load("random.pyhtml")


_NUMBERS = itertools.count()  # a module name per example


@given(TREES, st.integers(1, 200))
def test_precompiled_pages_match_the_reference(tree, chunk_size):
    template = precompiled_template(source_of(tree), next(_NUMBERS))
    expected = expected_page(tree)
    assert template.render(dict(INITIAL)) == expected
    chunks = list(template.stream(dict(INITIAL), chunk_size=chunk_size))
    assert "".join(chunks) == expected
    assert all(len(chunk) >= chunk_size for chunk in chunks[:-1])
    assert template.render(dict(INITIAL)) == expected
