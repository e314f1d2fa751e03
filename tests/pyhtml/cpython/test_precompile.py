"""``python -m pyhtml compile`` / ``pyhtml.precompile`` (CPython: it runs at build time)."""

import importlib
import os
import shutil
import subprocess
import sys

import pytest

from pyhtml import FileLoader, Template, TemplateError
from pyhtml.__main__ import main
from pyhtml.precompile import bound_names, indented, module_source, page_keys

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tests/pyhtml
REPO = os.path.dirname(os.path.dirname(HERE))
FIXTURE = os.path.join(HERE, "pyhtml_test_pages.py")
FIXTURE_ROOT = "tests/pyhtml/pages"  # as the fixture was made, from the repository root


def write(folder, files):
    for key, text in files.items():
        path = os.path.join(folder, *key.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)


def precompiled_loader(tmp_path, files, name, **options):
    """``files`` written under tmp_path/www, precompiled to module ``name`` (importable)."""
    www = str(tmp_path / "www")
    write(www, files)
    output = str(tmp_path / (name + ".py"))
    assert main(["compile", www, "-o", output]) == 0
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    return FileLoader(www, compiled=name, **options), FileLoader(www, **options)


@pytest.fixture(autouse=True)
def _restore_path():
    path = list(sys.path)
    yield
    sys.path[:] = path


def test_the_fixture_module_is_current():
    root = os.path.join(REPO, *FIXTURE_ROOT.split("/"))
    loader = FileLoader(root)
    pages = [(key, loader.read(key)) for key in page_keys(root)]
    with open(FIXTURE, encoding="utf-8") as handle:
        assert module_source(FIXTURE_ROOT, pages) == handle.read(), (
            "run: PYTHONPATH=packages/pyhtml python3 -m pyhtml compile %s -o "
            "tests/pyhtml/pyhtml_test_pages.py" % FIXTURE_ROOT
        )


PY_BLOCKS = {
    "page.pyhtml": """{{ py }}
import os.path as osp, json
from json import dumps as to_json
class Box:
    size = 2
    def twice(self):
        return self.size * 2
def helper():
    return label + "!"  # a name bound later in the block, read at call time
label = "L"
for index in range(3):
    last = index
with open(__file_name__) as handle:
    first_char = handle.read(1)
try:
    {}["x"]
except KeyError as missing:
    caught = repr(missing)
squares = [n * n for n in range(4)]
found = [y for x in range(5) if (y := x * 10) > 20]
scratch = 1
del scratch
keep = lambda: label
text = '''two
\tlines'''
if squares:
\tdeep = "tab"
{{ end }}{{ Box().twice() }} {{ helper() }} {{ last }} {{ first_char }} {{ caught }}
{{ squares }} {{ found }} {{ y }} {{ 'scratch' in globals() }} {{ keep() }} {{ text }}
{{ deep }} {{ to_json([1]) }} {{ osp.basename('/a/b') }} {{ json.dumps(2) }}
{{ py }}
global count
count = globals().get("count", 0) + 1
def later():
    global moved
    moved = count * 10
later()
{{ end }}{{ moved }} {{ (walrus := 7) }} {{ walrus }}
{{ for k, v in sorted(d.items()) }}{{ k }}{{ v }}{{ py }}seen = k{{ end }}{{ end }}{{ seen }}
""",
}


def test_py_blocks_keep_module_semantics_when_precompiled(tmp_path):
    precompiled, compiled = precompiled_loader(tmp_path, PY_BLOCKS, "pages_semantics")
    variables = {"__file_name__": __file__, "d": {"b": 2, "a": 1}}
    expected = compiled.load("page.pyhtml").render(variables)
    assert "4 L! 2 &quot; KeyError(&#39;x&#39;)" in expected
    assert "[30, 40] 40 False L" in expected and "two\n\tlines" in expected
    assert "tab [1] b 2" in expected and "10 7 7" in expected and "a1b2b" in expected
    page = precompiled.load("page.pyhtml")
    assert page.render(variables) == expected
    assert "20 7 7" in page.render(variables)  # count persists: declared global
    assert page.persistent == {"count": 2, "moved": 20}  # as compiled pages do:
    compiled.load("page.pyhtml").render(variables)
    assert compiled.load("page.pyhtml").persistent == page.persistent


def test_cli_reports_and_writes(tmp_path, capsys):
    www = str(tmp_path / "www")
    write(www, {"a.pyhtml": "{{ x }}", "sub/b.pyhtml": "[{{ include ../a.pyhtml }}]"})
    output = str(tmp_path / "out_pages.py")
    assert main(["compile", www, "-o", output]) == 0
    out = capsys.readouterr().out
    assert "2 page(s): a.pyhtml, sub/b.pyhtml" in out and "compiled='out_pages'" in out
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    loader = FileLoader(www, compiled="out_pages")
    assert loader.precompiled() == ("a.pyhtml", "sub/b.pyhtml")
    assert loader.load("sub/b.pyhtml").render({"x": "<"}) == "[&lt;]"


def test_cli_as_a_module_and_with_mpy(tmp_path):
    if shutil.which("mpy-cross") is None:
        pytest.skip("mpy-cross not on PATH")
    www = str(tmp_path / "www")
    write(www, {"a.pyhtml": "{{ x }}"})
    output = str(tmp_path / "pages.py")
    done = subprocess.run([sys.executable, "-m", "pyhtml", "compile", www, "-o", output,
                           "--mpy"], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert done.returncode == 0, done.stderr
    assert os.path.getsize(str(tmp_path / "pages.mpy")) > 0


def test_cli_reports_a_missing_folder_or_mpy_cross(tmp_path, capsys, monkeypatch):
    assert main(["compile", str(tmp_path / "nothing"), "-o", str(tmp_path / "p.py")]) == 1
    assert "pyhtml: " in capsys.readouterr().err
    write(str(tmp_path / "www"), {"a.pyhtml": "a"})
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no mpy-cross to be found
    assert main(["compile", str(tmp_path / "www"), "-o", str(tmp_path / "p.py"), "--mpy"]) == 1
    assert "mpy-cross" in capsys.readouterr().err


def test_compile_errors_are_the_runtime_ones(tmp_path, capsys):
    www = str(tmp_path / "www")
    source = "ok\n{{ if x }}\n{{ 1 + }}\n{{ end }}"
    write(www, {"bad.pyhtml": source})
    assert main(["compile", www, "-o", str(tmp_path / "p.py")]) == 1
    runtime = pytest.raises(TemplateError, Template, source, "bad.pyhtml").value
    assert capsys.readouterr().err.strip() == "pyhtml: %s" % runtime
    assert not os.path.exists(str(tmp_path / "p.py"))


def test_what_cannot_be_precompiled_names_its_line(tmp_path):
    www = str(tmp_path / "www")
    write(www, {"star.pyhtml": "x\n{{ py }}\ny = 1\nfrom os import *\n{{ end }}"})
    Template("{{ py }}\nfrom os import *\n{{ end }}")  # fine at runtime: module code
    with pytest.raises(TemplateError) as caught:
        module_source(www, [("star.pyhtml", open(www + "/star.pyhtml").read())])
    assert (caught.value.name, caught.value.line) == ("star.pyhtml", 4)
    assert "cannot be precompiled" in caught.value.message


def test_bound_names_and_indentation():
    assert bound_names("a = 1\nimport b.c\nfrom d import e as f\ndel g\nh += 1\n"
                       "def i(): j = 1\nfor k, l in m: pass\n[n for o in p]\nprint(q)\n",
                       "exec") == ["a", "b", "f", "g", "h", "i", "k", "l"]
    assert bound_names("(x := 1) + y", "eval") == ["x"]
    assert bound_names("[z for w in v if (z := w)]", "eval") == ["z"]
    assert indented('a = """x\ny"""\nb = (1,\n2)\n\nc = "\\\nd"') == [
        '    a = """x', 'y"""', "    b = (1,", "    2)", "", '    c = "\\', 'd"']
