"""Syntax and runtime errors name the template file and line; html() renders them."""

from _portable import raises

from pyhtml import Template, TemplateError


def compile_error(source):
    return raises(TemplateError, Template, source, "bad.pyhtml")


def render_error(source, variables=None):
    template = Template(source, name="page.pyhtml")
    return raises(TemplateError, template.render, variables)


def test_structure_errors_and_their_lines():
    cases = [
        ("a\n{{ if x }}\nb", 2, "never closed"),
        ("{{ for x in y }}", 1, "never closed"),
        ("\n\n{{ end }}", 3, "without an open block"),
        ("{{ elif x }}", 1, "outside an {{ if }}"),
        ("\n{{ else }}", 2, "outside an {{ if }}"),
        ("{{ for x in y }}{{ else }}{{ end }}", 1, "outside an {{ if }}"),
        ("{{ if a }}{{ else }}\n{{ elif b }}{{ end }}", 2, "after {{ else }}"),
        ("{{ if a }}{{ else }}{{ else }}{{ end }}", 1, "after {{ else }}"),
        ("{{ if a }}{{ else x }}{{ end }}", 1, "no condition"),
        ("{{ if }}{{ end }}", 1, "needs a condition"),
        ("{{ for x }}{{ end }}", 1, "target in iterable"),
        ("{{ for in y }}{{ end }}", 1, "target in iterable"),
        ("x\n\n{{ while 1 }}", 3, "unknown instruction 'while'"),
        ("{{ import os }}", 1, "unknown instruction"),
        ("{{ yield 1 }}", 1, "unknown instruction"),
        ("{{ endif }}", 1, "unknown instruction"),
        ("a {{ }}", 1, "empty"),
        ("a\n{{ x", 2, "never closed by '}}'"),
        ("{{ py }}\nx = 1\n", 1, "never closed"),
        ("{{ pyend }}x = 1", 1, "never closed"),
        ("{{ if 1 }}{{ pyend }}x = 1{{ end }}{{ end }}", 1, "outside if/for"),
        ("{{ include }}", 1, "needs a file name"),
        ("{{ include a.pyhtml }}", 1, "needs a loader"),
    ]
    for source, line, words in cases:
        error = compile_error(source)
        assert error.name == "bad.pyhtml", source
        assert error.line == line, (source, error.line)
        assert words in error.message, (source, error.message)
        assert str(error) == "bad.pyhtml:%d: %s" % (line, error.message)


def test_bad_for_targets():
    for target in ("1", "a.b", "a[0]", "a + b", "f()", "None", "_ph_o", "a b"):
        error = compile_error("\n{{ for %s in y }}{{ end }}" % target)
        assert error.line == 2, target
        assert "target" in error.message or "reserved" in error.message, error.message


def test_python_syntax_errors_name_their_line():
    cases = [
        ("a\n{{ x + }}", 2),
        ("a\n\n{{ if x ==  }}{{ end }}", 3),
        ("{{ if 1 }}{{ elif ) }}{{ end }}", 1),
        ("\n{{ for x in y y }}{{ end }}", 2),
        ("{{ a) + (b }}", 1),  # cannot break out of the generated code
        ("{{ x = 1 }}", 1),
        ("{{ (yield) }}", 1),
        ("{{ py }}\nx = 1\nreturn x\n{{ end }}", 3),
        ("{{ py }}\nx = 1\n  y = 2\n{{ end }}", 3),
        ("{{ py }}\nyield 5\n{{ end }}", 2),
        ("{{ pyend }}\n\nx = = 1\n{{ end }}", 3),
    ]
    for source, line in cases:
        error = compile_error(source)
        assert error.line == line, (source, error.line, error.message)
        assert "Error" in error.message, error.message


def test_unclosed_py_block_is_a_syntax_error_of_that_block():
    # MicroPython reports the end of input: kept inside the block's code
    error = compile_error("{{ py }}\nx = (\n\n{{ end }}\n\n")
    assert error.line == 2


def test_runtime_error_in_expression_names_its_line():
    error = render_error("line 1\nline 2 {{ 1 // zero }}\n", {"zero": 0})
    assert (error.name, error.line) == ("page.pyhtml", 2)
    assert error.message.startswith("ZeroDivisionError")
    assert isinstance(error.error, ZeroDivisionError)
    assert error.__cause__ is error.error
    assert error.source_line == "line 2 {{ 1 // zero }}"


def test_runtime_error_lines_inside_output_groups():
    source = "<a>{{ a }}</a>\n<b>{{ b }}</b>\n<c>{{\n  c.missing\n}}</c>"
    assert render_error(source, {}).line == 1
    assert render_error(source, {"a": 1}).line == 2
    assert render_error(source, {"a": 1, "b": 2}).line == 4
    assert render_error(source, {"a": 1, "b": 2, "c": 3}).line == 4


def test_runtime_error_lines_in_blocks():
    source = """{{ for i in items }}
  {{ if i > 1 }}
    {{ 10 // (i - 2) }}
  {{ elif i.bad }}
  {{ end }}
{{ end }}
{{ for x in 5 }}{{ end }}"""
    assert render_error(source, {"items": [2]}).line == 3
    assert render_error(source, {"items": [0]}).line == 4
    assert render_error(source, {"items": None}).line == 1
    assert render_error(source, {"items": []}).line == 7


def test_runtime_error_inside_py_block_and_page_functions():
    source = """<p>
{{ py }}
    def broken(x):
        return x.nothing
    ok = 1
    value = {}['missing']
{{ end }}"""
    error = render_error(source)
    assert error.line == 6 and error.message.startswith("KeyError")
    source = "{{ py }}\ndef broken(x):\n    return x.nothing\n{{ end }}\n\n{{ broken(1) }}"
    error = render_error(source)
    assert error.line == 3  # the deepest line of this template: inside the function
    assert isinstance(error.error, AttributeError)


def test_pyend_error_names_its_line():
    error = render_error("page{{ pyend }}\nok = 1\nfail = 1 / 0\n{{ end }}")
    assert error.line == 3


def test_error_message_and_html():
    error = render_error("<x>\n{{ '<' + 1 }}")
    assert error.line == 2
    assert error.message.startswith("TypeError")
    page = error.html()
    assert "page.pyhtml" in page and "line 2" in page
    assert "{{ &#39;&lt;&#39; + 1 }}" in page  # the source line, escaped
    assert "<x>" not in page
    assert page.startswith("<div") and page.endswith("</div>")
    compile_page = compile_error("{{ if <script> }}{{ end }}").html()
    assert "<script>" not in compile_page and "&lt;script&gt;" in compile_page


def test_error_without_line():
    error = TemplateError("name.pyhtml", None, "boom")
    assert str(error) == "name.pyhtml: boom"
    assert "line" not in error.html()


def test_template_error_passes_through_user_code_unchanged():
    template = Template("{{ fail() }}", name="t")

    def fail():
        raise TemplateError("inner.pyhtml", 7, "inner problem")

    error = raises(TemplateError, template.render, {"fail": fail})
    assert (error.name, error.line) == ("inner.pyhtml", 7)
