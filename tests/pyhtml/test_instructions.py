"""Every instruction of the language, alone and nested."""

from _portable import raises

from pyhtml import Template, TemplateError, html_escape


def render(source, **variables):
    return Template(source, name="t.pyhtml").render(variables)


def test_text_only_is_copied_verbatim():
    text = "<p class=\"x\">a & b } { }} '</p>\n\r\n"
    assert render(text) == text
    assert render("") == ""


def test_expression_is_escaped():
    assert render("<b>{{ v }}</b>", v="<a href=\"x\">'&'</a>") == (
        "<b>&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;</b>"
    )
    assert render("{{ 1 + 2 }}|{{ None }}|{{ [1, '<'] }}") == "3|None|[1, &#39;&lt;&#39;]"


def test_html_escape():
    assert html_escape("plain") == "plain"
    assert html_escape("&<>\"'") == "&amp;&lt;&gt;&quot;&#39;"
    assert html_escape("&amp;") == "&amp;amp;"
    assert html_escape(42) == "42"
    assert html_escape(-1.5) == "-1.5"
    assert html_escape(True) == "True"
    assert html_escape(["<"]) == "[&#39;&lt;&#39;]"


def test_expression_spacing_and_multiline():
    assert render("{{x}}{{  x  }}{{\nx\n}}", x=7) == "777"
    assert render("{{ f(1,\n  2) }}", f=lambda a, b: a + b) == "3"
    assert render("{{ x  # a comment }}", x=1) == "1"


def test_literal_braces_through_an_expression():
    assert render("{{ '{{' }} x {{ '}' + '}' }}") == "{{ x }}"


def test_py_block_defines_names_and_prints_raw():
    source = """{{ py }}
    x = 21
    def double(n):
        return n * 2
    print("<i>", double(x), sep="", end="</i>")
{{ end }}|{{ double(x) }}"""
    assert render(source) == "<i>42</i>|42"


def test_print_sep_end_and_defaults():
    assert render("{{ py }}print('a', 1, '<'){{ end }}") == "a 1 <\n"
    assert render("{{ py }}print('a', 'b', sep=None, end=None){{ end }}") == "a b\n"
    assert render("{{ py }}print(){{ end }}") == "\n"
    assert render("{{ py }}print('a', 'b', sep='-', end='.'){{ end }}") == "a-b."


def test_py_block_dedent_and_same_line_code():
    assert render("{{ py }} x = 1 {{ end }}{{ x }}") == "1"
    source = "{{ py }}\n\t\tif True:\n\t\t\ty = 'tab'\n\n{{ end }}{{ y }}"
    assert render(source) == "tab"
    source = "  {{ py }}\n      a = [1,\n          2]\n\n      b = len(a)\n  {{ end }}{{ b }}"
    assert render(source) == "  2"
    # a line less indented than the others sets the common indentation: the rest is
    # then indented code, a Python error named at its template line
    error = raises(TemplateError, Template, "{{ py }}\n    a = 1\n  b = 2\n{{ end }}", "p")
    assert (error.name, error.line) == ("p", 2)


def test_py_block_with_braces_in_code():
    assert render("{{ py }}\nd = {'a': {'b': 1}}\ns = {{1}}.__class__.__name__ if 0 else 'x'\n"
                  "{{ end }}{{ d['a']['b'] }}") == "1"


def test_if_elif_else():
    source = "{{ if n < 0 }}neg{{ elif n == 0 }}zero{{ elif n < 10 }}small{{ else }}big{{ end }}"
    assert render(source, n=-5) == "neg"
    assert render(source, n=0) == "zero"
    assert render(source, n=3) == "small"
    assert render(source, n=30) == "big"
    assert render("{{ if x }}yes{{ end }}", x=0) == ""
    assert render("{{ if x }}{{ else }}no{{ end }}", x=0) == "no"
    assert render("{{ if x }}{{ end }}", x=1) == ""


def test_python_colons_after_block_instructions_are_accepted():
    source = "{{ if n > 1: }}big{{ elif n: }}one{{ else: }}none{{ end }}"
    assert [render(source, n=n) for n in (5, 1, 0)] == ["big", "one", "none"]
    assert render("{{ for i in range(2): }}{{ i }}{{ end }}") == "01"
    assert render("{{ d[1:] }}", d="abc") == "bc"


def test_for_loops_and_targets():
    assert render("{{ for i in range(3) }}[{{ i }}]{{ end }}") == "[0][1][2]"
    assert render("{{ for k, v in d.items() }}{{ k }}={{ v }};{{ end }}", d={"a": 1}) == "a=1;"
    assert render("{{ for (a, (b, c)) in x }}{{ a }}{{ b }}{{ c }}{{ end }}",
                  x=[(1, (2, 3)), (4, [5, 6])]) == "123456"
    assert render("{{ for [a, b] in x }}{{ a + b }}{{ end }}", x=[(1, 2)]) == "3"
    assert render("{{ for index in items }}{{ index }}{{ end }}", items="ab") == "ab"
    assert render("{{ for x in [] }}never{{ end }}after") == "after"
    assert render("{{ for x in(1, 2) }}{{ x }}{{ end }}") == "12"


def test_loop_variable_is_seen_by_py_blocks_and_functions():
    source = """{{ py }}
def label():
    return "#%d" % i
{{ end }}{{ for i in range(2) }}{{ py }}
print(label(), end="")
{{ end }}{{ end }}|{{ i }}"""
    assert render(source) == "#0#1|1"


def test_nesting_any_depth():
    source = (
        "{{ for i in range(3) }}"
        "{{ if i == 0 }}<z>"
        "{{ elif i == 1 }}{{ for j in range(2) }}{{ if j }}{{ for k in 'ab' }}{{ k }}{{ end }}"
        "{{ else }}-{{ end }}{{ end }}"
        "{{ else }}{{ py }}print(i * 10, end=''){{ end }}{{ end }}"
        "{{ end }}"
    )
    assert render(source) == "<z>-ab20"
    depth = 40
    deep = "{{ if True }}" * depth + "deep" + "{{ end }}" * depth
    assert render(deep) == "deep"


def test_keywords_as_prefixes_are_expressions():
    assert render("{{ end_time - start }}", end_time=5, start=2) == "3"
    assert render("{{ py + 1 }}", py=1) == "2"
    assert render("{{ include_me }}", include_me="x") == "x"
    assert render("{{ format }}{{ iffy }}", format=1, iffy=2) == "12"


def test_whitespace_is_kept_around_tags():
    assert render("a\n{{ if 1 }}\n b\n{{ end }}\nc") == "a\n\n b\n\nc"


def test_template_name_and_error_type():
    template = Template("x", name="page.pyhtml")
    assert template.name == "page.pyhtml"
    assert isinstance(raises(TemplateError, Template, "{{ if }}"), Exception)
    assert Template("x").name == "<template>"
    raises(TypeError, Template, b"bytes")
    raises(TypeError, Template, "x", 5)


def test_non_ascii_text_and_values():
    assert render("é {{ v }} ✓ \U0001f600", v="ü<") == "é ü&lt; ✓ \U0001f600"


def test_crlf_source():
    source = "{{ py }}\r\n  a = 1\r\n  b = 2\r\n{{ end }}\r\n{{ a + b }}\r\n"
    assert render(source) == "\r\n3\r\n"


def test_walrus_free_reuse_of_a_compiled_template():
    template = Template("{{ for x in xs }}{{ x }},{{ end }}", name="t")
    assert template.render({"xs": [1, 2]}) == "1,2,"
    assert template.render({"xs": "ab"}) == "a,b,"
    assert template.render({"xs": []}) == ""


def test_for_loops_nest_without_limit():
    depth = 30  # deeper than Python's 20 statically nested blocks
    source = "".join("{{ for i%d in range(%d, %d) }}" % (level, level, level + 1)
                     for level in range(depth))
    source += "{{ i0 }}-{{ i%d }}{{ py }}print(end='.'){{ end }}" % (depth - 1)
    assert render(source + "{{ end }}" * depth) == "0-29."


def test_long_runs_of_output_render_whole():
    # far more than one compiled piece holds: split into several, invisibly
    source = "".join("<p>%s {{ v[%d] }}</p>\n" % ("x" * (index % 50), index)
                     for index in range(300))
    source += "{{ v[999] }}"
    values = ["<%d>" % index for index in range(1000)]
    expected = "".join("<p>%s &lt;%d&gt;</p>\n" % ("x" * (index % 50), index)
                       for index in range(300)) + "&lt;999&gt;"
    assert render(source, v=values) == expected
    error = raises(TemplateError, Template(source, name="t").render, {"v": values[:200]})
    assert error.line == 201 and "IndexError" in error.message
    long_text = "y" * 5000
    assert render(long_text + "{{ 1 }}" + long_text) == long_text + "1" + long_text


def test_comments_inside_tags():
    assert render("{{ '#' + v  # the value }}|{{ '''a # b'''  # c }}", v="<") == "#&lt;|a # b"
    assert render("{{ f(1,  # one\n  2)  # two\n}}", f=lambda a, b: a + b) == "3"
    source = "{{ if x  # a comment }}yes{{ elif y.z  # another }}no{{ end }}"
    assert render(source, x=1) == "yes"
    assert raises(TemplateError, Template(source, name="t").render, {"x": 0, "y": 1}).line == 1
    source = "{{ a  # c }}{{ b.bad }}\n{{ for i in items  # c }}{{ i }}{{ end }}"
    assert raises(TemplateError, Template(source, name="t").render, {"a": 1, "b": 2}).line == 1
    assert render(source.split("\n")[1], items="ab") == "ab"


def test_loop_bodies_of_text_only_or_nothing():
    assert render("{{ for i in range(3) }}x{{ end }}") == "xxx"
    assert render("{{ for i in range(3) }}{{ end }}{{ i }}") == "2"
    assert render("{{ for a, b in pairs }}{{ end }}{{ a }}{{ b }}", pairs=[(1, 2)]) == "12"


def test_loop_targets_are_seen_by_functions_in_expressions():
    source = "{{ py }}\ndef label():\n    return '#%d' % i\n{{ end }}"
    source += "{{ for i in range(3) }}{{ label() }}{{ end }}"
    assert render(source) == "#0#1#2"


def test_unpacking_errors_name_the_loop():
    for body in ("{{ a }}", "{{ py }}x = a{{ end }}"):  # one piece of output, or more
        source = "\n{{ for a, b in pairs }}" + body + "{{ end }}"
        error = raises(TemplateError, Template(source, name="t").render, {"pairs": [(1,)]})
        assert error.line == 2 and "ValueError" in error.message
        error = raises(TemplateError, Template(source, name="t").render,
                       {"pairs": [(1, 2, 3)]})
        assert error.line == 2 and "ValueError" in error.message
