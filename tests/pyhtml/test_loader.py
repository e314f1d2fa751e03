"""FileLoader: files, cache invalidation, include (paths, namespace, cycles), the demo page."""

import os

from _portable import raises
from pyhtml_files import with_folder

from pyhtml import FileLoader, Template, TemplateError


def test_load_renders_and_caches():
    def test(folder):
        folder.write("page.pyhtml", "<p>{{ x }}</p>")
        loader = FileLoader(folder.root)
        template = loader.load("page.pyhtml")
        assert template.name == "page.pyhtml"
        assert template.render({"x": "<"}) == "<p>&lt;</p>"
        assert loader.load("page.pyhtml") is template
        assert loader.load(folder.root + "/page.pyhtml") is template  # absolute path
        assert loader.load("./sub/../page.pyhtml") is template

    with_folder(test)


def test_relative_root_and_paths_that_start_with_root():
    def test(folder):
        folder.write("sub/page.pyhtml", "page {{ include ../other.pyhtml }}")
        folder.write("other.pyhtml", "other")
        # the temp folder reached from the current directory by a relative path
        depth = len([part for part in os.getcwd().split("/") if part])
        relative_root = "/".join([".."] * depth) + folder.root
        loader = FileLoader(relative_root)
        page = loader.load("sub/page.pyhtml")
        assert page.name == "sub/page.pyhtml" and page.render() == "page other"
        # as a server passes it: root + "/" + the URL path; and absolute
        assert loader.load(relative_root + "/sub/page.pyhtml") is page
        assert loader.load(folder.root + "/sub/page.pyhtml") is page

    with_folder(test)


def test_changed_file_is_recompiled():
    def test(folder):
        folder.write("page.pyhtml", "one")
        loader = FileLoader(folder.root)
        first = loader.load("page.pyhtml")
        assert first.render() == "one"
        folder.write("page.pyhtml", "second")  # another size: seen even within a second
        second = loader.load("page.pyhtml")
        assert second is not first and second.render() == "second"
        assert loader.load("page.pyhtml") is second

    with_folder(test)


def test_missing_file_raises_oserror():
    def test(folder):
        error = raises(OSError, FileLoader(folder.root).load, "nothing.pyhtml")
        assert not isinstance(error, TemplateError)

    with_folder(test)


def test_compile_error_names_the_file():
    def test(folder):
        folder.write("sub/bad.pyhtml", "ok\n\n{{ if x }}")
        error = raises(TemplateError, FileLoader(folder.root).load, "sub/bad.pyhtml")
        assert (error.name, error.line) == ("sub/bad.pyhtml", 3)
        assert error.source_line == "{{ if x }}"

    with_folder(test)


def test_loader_globals_are_shared_and_live():
    def test(folder):
        folder.write("a.pyhtml", "{{ site }}")
        shared = {"site": "one"}
        loader = FileLoader(folder.root, globals=shared)
        assert loader.globals is shared
        template = loader.load("a.pyhtml")
        assert template.render() == "one"
        loader.globals["site"] = "two"
        assert template.render() == "two"
        assert template.render({"site": "var"}) == "var"
        assert FileLoader(folder.root).globals == {}

    with_folder(test)


def test_include_in_place_with_the_same_namespace():
    def test(folder):
        folder.write("page.pyhtml", "<main>{{ py }}\nx = 1\n{{ end }}{{ include part.pyhtml }}"
                     "|{{ y }}</main>")
        folder.write("part.pyhtml", "<i>{{ x }}</i>{{ py }}\ny = x + 1\n{{ end }}")
        page = FileLoader(folder.root).load("page.pyhtml")
        assert page.render() == "<main><i>1</i>|2</main>"
        assert "".join(page.stream(chunk_size=1)) == "<main><i>1</i>|2</main>"

    with_folder(test)


def test_include_paths_are_relative_to_the_including_file():
    def test(folder):
        folder.write("index.pyhtml", "[{{ include parts/a.pyhtml }}]")
        folder.write("parts/a.pyhtml", "a{{ include b.pyhtml }}{{ include /top.pyhtml }}"
                     "{{ include '../parts/deeper/c.pyhtml' }}")
        folder.write("parts/b.pyhtml", "b")
        folder.write("parts/deeper/c.pyhtml", "c")
        folder.write("top.pyhtml", "t")
        loader = FileLoader(folder.root)
        assert loader.load("index.pyhtml").render() == "[abtc]"
        assert loader.load(folder.root + "/parts/a.pyhtml").render() == "abtc"

    with_folder(test)


def test_include_in_loops_and_changed_include_is_reloaded():
    def test(folder):
        folder.write("list.pyhtml", "{{ for item in items }}{{ include item.pyhtml }}{{ end }}")
        folder.write("item.pyhtml", "<li>{{ item }}</li>")
        loader = FileLoader(folder.root)
        page = loader.load("list.pyhtml")
        assert page.render({"items": ["a", "<"]}) == "<li>a</li><li>&lt;</li>"
        folder.write("item.pyhtml", "<li class=x>{{ item }}</li>")
        assert page.render({"items": ["a"]}) == "<li class=x>a</li>"

    with_folder(test)


def test_include_cycles_are_detected():
    def test(folder):
        folder.write("a.pyhtml", "a{{ include b.pyhtml }}")
        folder.write("b.pyhtml", "b\n{{ include a.pyhtml }}")
        folder.write("self.pyhtml", "{{ include self.pyhtml }}")
        loader = FileLoader(folder.root)
        error = raises(TemplateError, loader.load("a.pyhtml").render)
        assert (error.name, error.line) == ("b.pyhtml", 2)
        assert "a.pyhtml -> b.pyhtml -> a.pyhtml" in error.message
        error = raises(TemplateError, loader.load("self.pyhtml").render)
        assert "self.pyhtml -> self.pyhtml" in error.message

    with_folder(test)


def test_missing_include_and_errors_inside_includes():
    def test(folder):
        folder.write("page.pyhtml", "x\n{{ include gone.pyhtml }}")
        folder.write("outer.pyhtml", "{{ include inner.pyhtml }}")
        folder.write("inner.pyhtml", "\n\n{{ 1 / zero }}")
        folder.write("broken.pyhtml", "{{ include bad.pyhtml }}")
        folder.write("bad.pyhtml", "{{ for }}")
        loader = FileLoader(folder.root)
        error = raises(TemplateError, loader.load("page.pyhtml").render)
        assert (error.name, error.line) == ("page.pyhtml", 2)
        assert "gone.pyhtml" in error.message and isinstance(error.error, OSError)
        error = raises(TemplateError, loader.load("outer.pyhtml").render, {"zero": 0})
        assert (error.name, error.line) == ("inner.pyhtml", 3)
        assert error.source_line == "{{ 1 / zero }}"  # re-read from the file
        error = raises(TemplateError, loader.load("broken.pyhtml").render)
        assert (error.name, error.line) == ("bad.pyhtml", 1)

    with_folder(test)


def test_included_template_globals_persist_in_the_included_template():
    def test(folder):
        folder.write("page.pyhtml", "page {{ include counter.pyhtml }}")
        folder.write("counter.pyhtml", "{{ py }}\nglobal hits\nhits = globals().get('hits', 0)"
                     " + 1\n{{ end }}{{ hits }}")
        loader = FileLoader(folder.root)
        page = loader.load("page.pyhtml")
        assert page.render() == "page 1"
        assert page.render() == "page 2"
        assert loader.load("counter.pyhtml").persistent == {"hits": 2}
        assert page.persistent == {}

    with_folder(test)


def test_template_from_string_with_a_loader_includes_files():
    def test(folder):
        folder.write("part.pyhtml", "part")
        loader = FileLoader(folder.root)
        template = Template("<{{ include part.pyhtml }}>", name="inline", loader=loader)
        assert template.render() == "<part>"

    with_folder(test)


class _Request:
    """The request properties the MicroWebSrv2 demo page reads."""

    def __init__(self, agent, query):
        self.UserAgent = agent
        self.UserAddress = ("10.0.0.7", 51234)
        self.QueryParams = query
        self.Accept = ["text/html", "*/*"]
        self.IsSSL = False


DEMO_PAGE = """<h1>Demo</h1>
{{ py }}

    def next_visit():
        if 'visits' not in Shared:
            Shared['visits'] = 0
        Shared['visits'] += 1
        return Shared['visits']

{{ end }}
Visits: <b>{{ next_visit() }}</b>
IP = {{ Request.UserAddress[0] }}
{{ if 'CHROME' in Request.UserAgent.upper() }}
    Chrome
{{ elif 'FIREFOX' in Request.UserAgent.upper() }}
    Firefox
{{ else }}
    Other: {{ Request.UserAgent }}
{{ end }}
{{ if not Request.QueryParams }}
    <a href="?q=1">none</a>
{{ else }}
    <ul>{{ for name in Request.QueryParams }}<li>{{ name }}={{ Request.QueryParams[name] }}</li>
{{ end }}</ul>
{{ end }}
{{ for accept in Request.Accept }}[{{ accept }}]{{ end }} SSL: {{ Request.IsSSL }}
"""


def test_mws2_demo_page_features():
    def test(folder):
        folder.write("test.pyhtml", DEMO_PAGE)
        loader = FileLoader(folder.root, globals={"Shared": {}})
        page = loader.load("test.pyhtml")
        chrome = page.render({"Request": _Request("Mozilla Chrome/120", {})})
        assert "Visits: <b>1</b>" in chrome and "10.0.0.7" in chrome
        assert "    Chrome\n" in chrome and "Firefox" not in chrome
        assert '<a href="?q=1">none</a>' in chrome
        assert "[text/html][*/*] SSL: False" in chrome
        firefox = page.render({"Request": _Request("Gecko Firefox/1", {"a": "<1>", "b": "&"})})
        assert "Visits: <b>2</b>" in firefox and "    Firefox\n" in firefox
        assert "<li>a=&lt;1&gt;</li>\n<li>b=&amp;</li>\n</ul>" in firefox
        other = "".join(page.stream({"Request": _Request("curl <x>", {})}, chunk_size=32))
        assert "Visits: <b>3</b>" in other and "Other: curl &lt;x&gt;" in other
        assert loader.globals["Shared"] == {"visits": 3}

    with_folder(test)
