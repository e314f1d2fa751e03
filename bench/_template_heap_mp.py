"""One heap trial of pyhtml on MicroPython, for bench/template.py.

``micropython -X heapsize=N _template_heap_mp.py CODE WWW PAGE STEP LEAVE [COMPILED]``

CODE is a folder of ``.mpy`` files (``pyhtml``, the precompiled pages, and
``_template_page`` for the benchmark page's variables: nothing is compiled in the
measured heap but what the step compiles) or a ROMFS image of it (read into the heap,
as the unix port has no flash, and mounted: its bytecode then runs in place, as on a
board). WWW holds the pages; COMPILED names the
module of precompiled pages (``FileLoader(..., compiled=COMPILED)``), if any. After
``import pyhtml`` and a loader (and, for ``STEP`` ``steady``, after the page was loaded
and streamed once), the heap is filled with ballast but for one free block of LEAVE
bytes; then the step runs: ``first`` loads (compiles, unless precompiled) and streams
PAGE, ``steady`` streams it again (mws2's way: ``stream(variables)``, 512-character
chunks). Prints ``ok`` or ``MemoryError``. bench/template.py bisects LEAVE: the
smallest LEAVE that passes is the heap that step needs beyond what is already held. A
LEAVE of -1 leaves the heap as it is (for a bisection over ``-X heapsize`` instead).

``STEP`` ``held`` prints the bytes a loaded page keeps (``gc.mem_alloc`` difference after
loading and streaming it once), ``import`` the bytes ``import pyhtml`` keeps, ``image``
the bytes the ROMFS image takes (0 for a folder).
"""

import gc
import sys

gc.collect()
_IMAGE = gc.mem_alloc()
if sys.argv[1].endswith(".romfs"):
    import vfs

    with open(sys.argv[1], "rb") as _file:
        _ROM = _file.read()
    vfs.mount(vfs.VfsRom(memoryview(_ROM)), "/rom")
    sys.path.insert(0, "/rom")
else:
    sys.path.insert(0, sys.argv[1])
gc.collect()
_START = gc.mem_alloc()
_IMAGE = _START - _IMAGE if sys.argv[1].endswith(".romfs") else 0
import pyhtml  # noqa: E402

gc.collect()
_IMPORTED = gc.mem_alloc() - _START
from _template_page import variables as bench_variables  # noqa: E402  (.mpy in CODE)
SLOTS = 400


class Request:
    """What the demo page reads of mws2's HttpRequest."""

    Method = "GET"
    Path = "/test.pyhtml"
    QueryString = ""
    QueryParams = {}
    HttpVer = "1.1"
    Host = "192.168.4.1"
    UserAddress = ("192.168.4.2", 50123)
    Accept = ["text/html", "*/*"]
    IsKeepAlive = True
    IsSSL = False
    UserAgent = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def variables():
    """The benchmark page's variables (_template_page.py), and the demo page's Request."""
    data = bench_variables()
    data["Request"] = Request()
    return data


def stream(template, data):
    size = 0
    for chunk in template.stream(data):
        size += len(chunk)
    return size


def fill(leave):
    """Ballast over the whole free heap but one block of ``leave`` bytes (kept free)."""
    ballast = [None] * SLOTS
    gc.collect()
    reserve = bytearray(leave) if leave else None
    index = 0
    size = gc.mem_free()
    while size >= 16 and index < SLOTS:
        try:
            ballast[index] = bytearray(size)
            index += 1
        except MemoryError:
            size //= 2
    del reserve
    gc.collect()
    return ballast


def main():
    www, page, step, leave = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    if step == "import":
        print(_IMPORTED)
        return
    if step == "image":
        print(_IMAGE)
        return
    compiled = sys.argv[6] if len(sys.argv) > 6 else None
    loader = pyhtml.FileLoader(www, globals={"DemoName": "mws2 demo"}, compiled=compiled)
    data = variables()
    if step in ("steady", "held"):
        gc.collect()
        before = gc.mem_alloc()
        stream(loader.load(page), data)
        gc.collect()
        if step == "held":
            print(gc.mem_alloc() - before)
            return
    ballast = fill(leave) if leave >= 0 else []
    try:
        stream(loader.load(page), data)
        result = "ok"
    except MemoryError:
        result = "MemoryError"
    ballast.clear()  # kept until here: the step ran beside it
    print(result)


main()
