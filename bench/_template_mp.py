"""pyhtml's render rate on MicroPython for bench/template.py: prints "<N> pages/s ...".

Run: micropython -X heapsize=4M bench/_template_mp.py
"""

import sys
import time

HERE = __file__[: __file__.rfind("/")] if "/" in __file__ else "."
sys.path.insert(0, HERE + "/../packages/pyhtml")
sys.path.insert(0, HERE)

from _template_page import PYHTML_PAGE, variables  # noqa: E402

import pyhtml  # noqa: E402


def main():
    data = variables()
    template = pyhtml.Template(PYHTML_PAGE, name="bench.pyhtml")
    count = 2000
    best = 0.0
    for _ in range(3):
        start = time.ticks_us()
        for _ in range(count):
            template.render(data)
        elapsed = time.ticks_diff(time.ticks_us(), start) / 1e6
        best = max(best, count / elapsed)
    chunks = list(template.stream(data))
    print("%.0f pages/s (stream: %d chunks of %d chars)" % (best, len(chunks), len(chunks[0])))


main()
