"""Globals, per-render variables, ``global`` persistence, isolation, pyend, streaming."""

from pyhtml import Template

COUNTER = """{{ py }}
    global visits
    try:
        visits += 1
    except NameError:
        visits = 1
{{ end }}visit {{ visits }}"""


def test_globals_and_variables():
    shared = {"site": "S", "who": "global"}
    template = Template("{{ site }}/{{ who }}", name="t", globals=shared)
    assert template.render() == "S/global"
    assert template.render({"who": "var"}) == "S/var"  # variables override globals
    shared["site"] = "T"  # the dict is shared, not copied at compile time
    assert template.render() == "T/global"


def test_page_cannot_change_shared_globals_by_assignment():
    shared = {"x": 1, "items": []}
    template = Template("{{ py }}\nx = 2\nitems.append(1)\n{{ end }}{{ x }}", name="t",
                        globals=shared)
    assert template.render() == "2"
    assert shared["x"] == 1  # rebinding stays in the render
    assert shared["items"] == [1]  # mutating a shared object is the page's choice


def test_each_render_starts_fresh():
    template = Template("{{ py }}\ntry:\n    seen += 1\nexcept NameError:\n    seen = 0\n"
                        "{{ end }}{{ seen }}{{ for i in range(n) }}{{ end }}", name="t")
    assert template.render({"n": 2}) == "0"
    assert template.render({"n": 0}) == "0"
    # a loop variable of one render is not visible in the next
    leak = Template("{{ if n }}{{ for i in range(n) }}{{ end }}{{ end }}"
                    "{{ 'i' in globals() }}", name="t2")
    assert leak.render({"n": 3}) == "True"
    assert leak.render({"n": 0}) == "False"


def test_variables_dict_is_not_modified():
    variables = {"a": 1}
    Template("{{ py }}\na = 2\nb = 3\n{{ end }}", name="t").render(variables)
    assert variables == {"a": 1}


def test_global_names_persist_across_renders():
    template = Template(COUNTER, name="counter")
    assert template.render() == "visit 1"
    assert template.render() == "visit 2"
    assert "".join(template.stream()) == "visit 3"
    assert template.persistent == {"visits": 3}
    other = Template(COUNTER, name="counter")  # persistence is per template
    assert other.render() == "visit 1"


def test_global_inside_page_function_persists():
    source = """{{ py }}
def remember(item):
    global history
    history = history + [item]
{{ end }}{{ py }}
global history
if 'history' not in globals():
    history = []
{{ end }}{{ py }}remember(item){{ end }}{{ len(history) }}"""
    template = Template(source, name="t")
    assert template.render({"item": "a"}) == "1"
    assert template.render({"item": "b"}) == "2"
    assert template.persistent["history"] == ["a", "b"]


def test_persistent_names_only_are_kept():
    template = Template("{{ py }}\nglobal kept; other = 1\nkept = other\n{{ end }}", name="t")
    template.render()
    assert template.persistent == {"kept": 1}


def test_pyend_runs_after_the_page():
    log = []
    source = "a{{ pyend }}\nlog.append(('end', done))\n{{ end }}b{{ py }}\ndone = True\n{{ end }}"
    template = Template(source, name="t")
    assert template.render({"log": log, "done": False}) == "ab"
    assert log == [("end", True)]
    chunks = []
    del log[:]
    for chunk in template.stream({"log": log, "done": False}, chunk_size=1):
        chunks.append(chunk)
        assert log == []  # not before the last chunk was taken
    assert "".join(chunks) == "ab" and log == [("end", True)]


def test_pyend_can_update_persistent_state():
    source = "{{ n }}{{ pyend }}\nglobal n\nn = n + 1\n{{ end }}"
    template = Template(source, name="t")
    template.persistent["n"] = 10
    assert template.render() == "10"
    assert template.render() == "11"


def test_pyend_output_is_not_part_of_the_page():
    template = Template("page{{ pyend }}print('late'){{ end }}", name="t")
    assert template.render() == "page"
    assert list(template.stream()) == ["page"]


def test_pyend_does_not_run_when_the_page_failed():
    log = []
    template = Template("{{ pyend }}log.append(1){{ end }}{{ 1 / 0 }}", name="t")
    try:
        template.render({"log": log})
    except Exception:  # the TemplateError itself is tested in test_errors
        pass
    assert log == []


def test_print_writes_at_its_place():
    source = "<ul>{{ for i in range(3) }}{{ py }}print('<li>%d</li>' % i, end=''){{ end }}"
    source += "{{ end }}</ul>"
    assert Template(source, name="t").render() == "<ul><li>0</li><li>1</li><li>2</li></ul>"


def test_stream_equals_render_and_chunks_are_sized():
    source = "<h1>{{ title }}</h1>\n{{ for i in range(n) }}<p>{{ i }} & {{ title }}</p>\n"
    source += "{{ py }}print('<br>' * (i % 3)){{ end }}{{ end }}<footer/>"
    template = Template(source, name="t")
    variables = {"title": "<T>", "n": 300}
    whole = template.render(variables)
    for size in (1, 7, 64, 512, 100000):
        chunks = list(template.stream(variables, chunk_size=size))
        assert "".join(chunks) == whole
        for chunk in chunks[:-1]:
            assert len(chunk) >= size
            assert len(chunk) < size + 300  # about the chunk size, never the page
    assert len(list(template.stream(variables, chunk_size=512))) > 10
    assert list(Template("", name="e").stream()) == []


def test_abandoned_stream_persists_and_leaves_template_usable():
    template = Template(COUNTER + "{{ for i in range(500) }}<p>{{ i }}</p>{{ end }}", name="t")
    chunks = template.stream(chunk_size=16)
    assert next(chunks).startswith("visit 1")
    chunks.close()
    assert template.render().startswith("visit 2")


def test_interleaved_streams_are_isolated():
    template = Template("{{ py }}\nmine = who\n{{ end }}{{ for i in range(50) }}{{ mine }}"
                        "{{ end }}", name="t")
    first = template.stream({"who": "a"}, chunk_size=8)
    second = template.stream({"who": "b"}, chunk_size=8)
    left, right = [], []
    for _ in range(3):
        left.append(next(first))
        right.append(next(second))
    left.extend(first)
    right.extend(second)
    assert "".join(left) == "a" * 50 and "".join(right) == "b" * 50


def test_interleaved_streams_call_page_functions_with_their_own_names():
    source = "{{ py }}\ndef me():\n    return who\n{{ end }}{{ for i in range(200) }}{{ me() }}"
    source += "{{ end }}"
    template = Template(source, name="t")
    streams = [template.stream({"who": who}, chunk_size=4) for who in "xyz"]
    pages = ["", "", ""]
    for _ in range(5):
        for index in range(3):
            pages[index] += next(streams[index])
    for index in range(3):
        pages[index] += "".join(streams[index])
    assert pages == ["x" * 200, "y" * 200, "z" * 200]
    assert template.render({"who": "w"}) == "w" * 200


def test_a_page_can_render_its_own_template_inside_a_render():
    template = Template("[{{ depth }}{{ py }}\nif depth:\n    print(me.render({'me': me, "
                        "'depth': depth - 1}), end='')\n{{ end }}{{ depth }}]", name="t")
    assert template.render({"me": template, "depth": 2}) == "[2[1[00]1]2]"


def test_builtins_and_imports_work_in_pages():
    source = "{{ py }}\nimport sys\n{{ end }}{{ len(sys.platform) > 0 }}|{{ max(1, 2) }}"
    assert Template(source, name="t").render() == "True|2"


def test_streamed_loops_are_chunked_and_resume():
    template = Template("<ul>{{ for i in range(n) }}<li>{{ i }}</li>{{ end }}</ul>"
                        "{{ for k, v in pairs }}[{{ k }}={{ v }}]{{ end }}", name="t")
    variables = {"n": 400, "pairs": [(index, "<") for index in range(100)]}
    whole = template.render(variables)
    for size in (1, 7, 64, 512, 100000):
        chunks = list(template.stream(variables, chunk_size=size))
        assert "".join(chunks) == whole
        for chunk in chunks[:-1]:
            assert size <= len(chunk) < size + 300
    chunks = template.stream(variables, chunk_size=64)
    next(chunks)
    chunks.close()  # abandoned inside a loop
    assert template.render(variables) == whole
