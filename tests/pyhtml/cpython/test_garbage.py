"""A render leaves no reference cycle behind (CPython: freed at once, no cycle collector).

(A function a page defines makes one with the namespace, its globals: the page's doing.)
"""

import gc

from pyhtml import Template

PAGE = """{{ py }}
twice = 2
print("<!-- start -->")
{{ end }}{{ for i in range(n) }}<p>{{ i * twice }}</p>{{ end }}
{{ for k, v in pairs }}{{ k }}{{ py }}seen = v{{ end }}{{ end }}{{ if seen }}!{{ end }}"""


def cyclic_garbage(function):
    function()  # anything made once (caches) is made before counting
    gc.collect()
    gc.disable()
    try:
        for _ in range(5):
            function()
        return gc.collect()
    finally:
        gc.enable()


def test_render_and_stream_leave_no_cycles():
    template = Template(PAGE, name="t")
    variables = {"n": 50, "pairs": [(1, 2), (3, 4)]}
    assert cyclic_garbage(lambda: template.render(variables)) == 0
    assert cyclic_garbage(lambda: "".join(template.stream(variables, chunk_size=16))) == 0
