"""Precompiled pages (``FileLoader(root, compiled=...)``) render as compiled ones do.

pyhtml_test_pages.py is ``python -m pyhtml compile tests/pyhtml/pages`` (generated on
CPython, checked to be current by cpython/test_precompile.py); these tests run it on
CPython and MicroPython alike, against the same pages compiled at runtime.
"""

from _portable import raises
from pyhtml_files import with_folder

from pyhtml import FileLoader, TemplateError

HERE = __file__[: __file__.rfind("/")] if "/" in __file__ else "."
PAGES = HERE + "/pages"
MODULE = "pyhtml_test_pages"
ITEMS = {"title": "T<", "items": [("tea", 450), ("<cake>", 1299)], "pairs": [(1, (2, 3))]}


def loaders():
    """(compiled at runtime, precompiled), each with its own log of pyend runs."""
    return (FileLoader(PAGES, globals={"log": []}),
            FileLoader(PAGES, globals={"log": []}, compiled=MODULE))


def test_precompiled_pages_render_and_stream_as_compiled_ones():
    compiled, precompiled = loaders()
    for items in (ITEMS["items"], ITEMS["items"][:1], []):
        variables = dict(ITEMS, items=items)
        pages = []
        for loader in (compiled, precompiled):
            page = loader.load("index.pyhtml")
            chunks = list(page.stream(variables, chunk_size=16))
            assert all(len(chunk) >= 16 for chunk in chunks[:-1])
            pages.append((page.render(variables), "".join(chunks)))
        assert pages[0] == pages[1]
    assert compiled.globals["log"] == precompiled.globals["log"]
    assert len(compiled.globals["log"]) == 6  # pyend after each render and stream


def test_precompiled_page_content():
    _compiled, precompiled = loaders()
    page = precompiled.load("index.pyhtml").render(ITEMS)
    assert "<h1>T&lt;</h1>" in page and "Visit 1 on True; 0" in page
    assert "<li>&lt;cake&gt;: 12.99</li>" in page
    assert "<!-- <cake> --><i>&lt;cake&gt; (17.49)</i>" in page  # include, same namespace
    assert "[123]" in page and "<pre>two\n\tlines ok</pre>" in page
    assert "<p>é ✓ \U0001f600 ü&lt;</p>" in page
    assert precompiled.globals["log"] == [("end", 1)]


def test_precompiled_persistent_names_and_fresh_namespaces():
    compiled, precompiled = loaders()
    for loader in (compiled, precompiled):
        page = loader.load("index.pyhtml")
        page.render(ITEMS)
        assert "Visit 2 " in page.render(ITEMS)
        assert page.persistent == {"visits": 2}
        assert "total" not in page.persistent
    # a name of one render is gone in the next (the module's dict is cleared)
    error = raises(TemplateError, precompiled.load("parts/item.pyhtml").render,
                   {"name": "x", "cents": 1, "money": str})
    assert (error.name, error.line) == ("parts/item.pyhtml", 2)


def test_precompiled_errors_name_the_same_file_and_line():
    expected = {"expression": 6, "function": 3, "block": 11, "iterable": 14, "unpack": 16}
    compiled, precompiled = loaders()
    for mode, line in expected.items():
        for loader in (compiled, precompiled):
            page = loader.load("errors.pyhtml")
            error = raises(TemplateError, page.render, {"mode": mode, "zero": 0})
            assert (error.name, error.line) == ("errors.pyhtml", line), (mode, error)
    for loader in (compiled, precompiled):
        error = raises(TemplateError, loader.load("errors.pyhtml").render, {"mode": "include"})
        assert (error.name, error.line) == ("parts/item.pyhtml", 2)
        assert "NameError" in error.message
    assert precompiled.load("errors.pyhtml").render({"mode": "none"}) == "<p>\n\n</p>\n"


def test_precompiled_pages_need_no_files():
    loader = FileLoader("/nonexistent/folder", globals={"log": []}, compiled=MODULE)
    assert "parts/item.pyhtml" in loader.precompiled() and len(loader.precompiled()) == 4
    page = loader.load("index.pyhtml")
    assert loader.load("/nonexistent/folder/index.pyhtml") is page
    assert "<i>tea (4.50)</i>" in page.render(ITEMS)
    error = raises(TemplateError, loader.load("errors.pyhtml").render, {"mode": "expression",
                                                                        "zero": 0})
    assert error.line == 6 and error.source_line is None  # no file to quote
    raises(OSError, loader.load, "missing.pyhtml")


def test_interleaved_streams_of_precompiled_pages_are_isolated():
    loader = FileLoader(PAGES, compiled=MODULE)
    page = loader.load("stream.pyhtml")
    streams = [page.stream({"who": who}, chunk_size=8) for who in "xyz"]
    pages = ["", "", ""]
    for _ in range(4):
        for index in range(3):
            pages[index] += next(streams[index])
    for index in range(3):
        pages[index] += "".join(streams[index])
    for index, who in enumerate("xyz"):
        assert pages[index] == "".join("<b>%s%d</b>" % (who, i) for i in range(60)) + "\n"
    assert page.render({"who": "w"}).startswith("<b>w0</b>")


def test_compiled_and_precompiled_pages_share_one_namespace():
    def test(folder):
        folder.write("extra.pyhtml", "{{ py }}\ntotal = 100\nname, cents = 'tax', 7\n"
                     "def money(cents):\n    return str(cents)\n{{ end }}"
                     "[{{ include parts/item.pyhtml }}]{{ total }}")
        loader = FileLoader(folder.root, compiled=MODULE)
        assert "extra.pyhtml" not in loader.precompiled()
        page = loader.load("extra.pyhtml")  # compiled from its file, includes a precompiled one
        assert page.render() == "[<!-- tax --><i>tax (107)</i>\n]107"

    with_folder(test)


def test_a_stream_holds_a_module_instance_only_while_it_runs():
    loader = FileLoader(PAGES, compiled=MODULE)
    page = loader.load("stream.pyhtml")
    spares = len(loader._instances)
    unused = [page.stream({"who": "x"}) for _ in range(3)]  # never iterated: nothing held
    assert len(loader._instances) == spares and len(unused) == 3
    running = page.stream({"who": "y"}, chunk_size=8)
    next(running)
    assert len(loader._instances) == spares - 1
    running.close()
    assert len(loader._instances) == spares


def test_a_missing_module_of_precompiled_pages_is_an_import_error():
    loader = FileLoader(PAGES, compiled="pyhtml_no_such_pages")
    raises(ImportError, loader.load, "index.pyhtml")


def test_a_render_that_cannot_start_gives_its_module_instance_back():
    loader = FileLoader(PAGES, compiled=MODULE)
    page = loader.load("stream.pyhtml")
    spares = len(loader._instances)
    raises(Exception, page.render, 42)  # variables that are not a mapping
    assert len(loader._instances) == spares
    assert page.render({"who": "z"}).startswith("<b>z0</b>")
