"""pyhtml against Jinja2 on the same page, both compiled once, in one run.

The page: an if/elif/else and a loop over 20 table rows with five escaped expressions
each (see _template_page.py). Jinja2 runs with ``autoescape=True``. If ``micropython`` is
on PATH, the same page's rate under MicroPython is measured too (_template_mp.py), and
the heap a page costs there (_template_heap_mp.py, pyhtml as ``.mpy`` files as on a
board, pages streamed as mws2 does): what ``import pyhtml`` holds; per page, what a
loaded page keeps (``held``), the heap its first request needs (load = compile, then
stream) and what a later request needs (``steady``); both found by bisection, as the
free block left beside ballast that fills the rest of the heap. A first request costs
no more than the steady state when ``first <= held + steady``. Pages: the mws2 demo's
``test.pyhtml`` and the benchmark page with its footer as an include.
Ends with ``pyhtml_vs_jinja2: <ratio>`` (pyhtml renders per second / Jinja2's).
Run: python3 bench/template.py (``--no-heap``: skip the heap figures)
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PACKAGE = os.path.join(REPO, "packages", "pyhtml")
sys.path.insert(0, PACKAGE)
sys.path.insert(0, HERE)

import jinja2  # noqa: E402
from _template_page import JINJA2_PAGE, PYHTML_PAGE, variables  # noqa: E402

import pyhtml  # noqa: E402

REPEATS = 30
SECONDS = 0.05


# CPU time of this process: a busy machine's other processes do not count (wall time
# would charge them to whichever side was running).
clock = time.process_time


def batch_size(function):
    """Calls that take about SECONDS."""
    count = 1
    while True:
        start = clock()
        for _ in range(count):
            function()
        elapsed = clock() - start
        if elapsed > SECONDS / 4:
            return max(1, int(count * SECONDS / elapsed))
        count *= 2


def rates(functions):
    """Best calls per second of each function over REPEATS batches, run in turns.

    Taking turns (and the best batch) keeps a busy machine's load from favouring one side.
    """
    sizes = [batch_size(function) for function in functions]
    best = [0.0] * len(functions)
    for _ in range(REPEATS):
        for index, function in enumerate(functions):
            count = sizes[index]
            start = clock()
            for _ in range(count):
                function()
            best[index] = max(best[index], count / (clock() - start))
    return best


def same_page(ours, theirs):
    # Jinja2 (MarkupSafe) writes &#34; for '"', pyhtml &quot;; and Jinja2 drops the
    # template's final newline. Everything else must match character for character.
    return ours.rstrip("\n") == theirs.replace("&#34;", "&quot;").rstrip("\n")


def micropython_rate():
    exe = shutil.which("micropython")
    if exe is None:
        return None
    script = os.path.join(HERE, "_template_mp.py")
    done = subprocess.run(
        [exe, "-X", "heapsize=4M", script], capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        return "failed: " + done.stderr.strip()[-300:]
    return done.stdout.strip()


# ---- heap on MicroPython ---------------------------------------------------------------

DEMO_PAGE = os.path.join(REPO, "packages", "mws2", "mws2", "demo", "www", "test.pyhtml")
HEAP_PAGES = ("test.pyhtml", "bench.pyhtml")
PAGES_MODULE = "pyhtml_pages"  # the module of the precompiled pages
HEAP_STEP = 16  # the GC's block size: bisection down to one block


def write_heap_files(workdir):
    """The pages, and pyhtml and the precompiled pages as .mpy files (mpy-cross), and
    as a ROMFS image of those if mpremote is there: ``(www, {build: code})``."""
    www = os.path.join(workdir, "www")
    os.makedirs(www)
    shutil.copyfile(DEMO_PAGE, os.path.join(www, "test.pyhtml"))
    with open(os.path.join(www, "bench.pyhtml"), "w") as handle:
        handle.write(PYHTML_PAGE.replace("<p>{{ footer }}</p>\n", "{{ include footer.pyhtml }}"))
    with open(os.path.join(www, "footer.pyhtml"), "w") as handle:
        handle.write("<p>{{ footer }}</p>\n")
    mpy = os.path.join(workdir, "mpy")
    package = os.path.join(mpy, "pyhtml")
    os.makedirs(package)
    source_dir = os.path.join(PACKAGE, "pyhtml")
    for name in sorted(os.listdir(source_dir)):
        if name.endswith(".py"):
            target = os.path.join(package, name[:-3] + ".mpy")
            subprocess.run(["mpy-cross", "-o", target, os.path.join(source_dir, name)],
                           check=True)
    subprocess.run(["mpy-cross", "-o", os.path.join(mpy, "_template_page.mpy"),
                    os.path.join(HERE, "_template_page.py")], check=True)
    from pyhtml.precompile import precompile_folder

    precompile_folder(www, os.path.join(workdir, PAGES_MODULE + ".py"))
    subprocess.run(["mpy-cross", "-s", PAGES_MODULE + ".py",
                    "-o", os.path.join(mpy, PAGES_MODULE + ".mpy"),
                    os.path.join(workdir, PAGES_MODULE + ".py")], check=True)
    builds = {"mpy": mpy}
    if shutil.which("mpremote"):
        image = os.path.join(workdir, "code.romfs")
        subprocess.run(["mpremote", "romfs", "-o", image, "build", mpy], check=True,
                       capture_output=True)
        builds["romfs"] = image
    return www, builds


def heap_trial(code, www, page, step, leave, compiled=None, heapsize=4 << 20):
    argv = [code, www, page, step, str(leave)] + ([compiled] if compiled else [])
    done = subprocess.run(
        ["micropython", "-X", "heapsize=%d" % heapsize, os.path.join(HERE, "_template_heap_mp.py")]
        + argv, capture_output=True, text=True, timeout=60,
    )
    out = done.stdout.strip()
    if done.returncode != 0 and "MemoryError" not in done.stderr + out:
        raise SystemExit("heap trial failed: %s %s" % (out, done.stderr.strip()[-300:]))
    return out


def smallest(passes, low, high):
    """Smallest value in (low, high] (to HEAP_STEP) for which ``passes(value)``."""
    if not passes(high):
        return None
    while high - low > HEAP_STEP:
        middle = (low + high) // 2 // HEAP_STEP * HEAP_STEP
        if passes(middle):
            high = middle
        else:
            low = middle
    return high


def page_heap(code, www, page, compiled):
    """``(held, first, steady, heapsize)`` in bytes for ``page`` (see the docstring)."""
    held = int(heap_trial(code, www, page, "held", 0, compiled))
    need = {}
    for step in ("first", "steady"):
        def passes(leave, step=step):
            return heap_trial(code, www, page, step, leave, compiled) == "ok"

        need[step] = smallest(passes, 0, 256 * 1024)
    image = int(heap_trial(code, www, page, "image", 0))

    def fits(size):
        return heap_trial(code, www, page, "first", -1, compiled, size + image) == "ok"

    heapsize = smallest(fits, 8 * 1024, 512 * 1024)
    return held, need["first"], need["steady"], heapsize


def heap_figures():
    if shutil.which("micropython") is None or shutil.which("mpy-cross") is None:
        print("micropython heap: micropython or mpy-cross not on PATH")
        return
    with tempfile.TemporaryDirectory(prefix="pyhtml-heap-") as workdir:
        www, builds = write_heap_files(workdir)
        imports = ", ".join("%d B (%s)" % (int(heap_trial(code, www, "", "import", 0)), build)
                            for build, code in builds.items())
        print("micropython heap: import pyhtml holds %s" % imports)
        print("  %-13s %-6s %-12s %7s %7s %7s %7s %9s" % (
            "page", "build", "pages", "held", "first", "steady", "excess", "heapsize"))
        for build, code in builds.items():
            for page in HEAP_PAGES:
                for compiled in (None, PAGES_MODULE):
                    held, first, steady, heapsize = page_heap(code, www, page, compiled)
                    print("  %-13s %-6s %-12s %7d %7d %7d %7d %9d" % (
                        page, build, "precompiled" if compiled else "compiled", held, first,
                        steady, first - held - steady, heapsize), flush=True)
        print("  (bytes. held: kept by the loaded page (and the compiler, once loaded);"
              " first, steady:\n  free heap the first request (load + stream) and a later"
              " one need; excess = first -\n  held - steady: what the first request needs"
              " beyond the steady state; heapsize: the\n  smallest -X heapsize for import"
              " + first request, ROMFS image not counted)")


def main():
    data = variables()
    environment = jinja2.Environment(autoescape=True)
    jinja_template = environment.from_string(JINJA2_PAGE)
    our_template = pyhtml.Template(PYHTML_PAGE, name="bench.pyhtml")
    ours = our_template.render(data)
    if not same_page(ours, jinja_template.render(data)):
        raise SystemExit("the two engines render different pages")

    jinja_rate, our_rate, stream_rate = rates([
        lambda: jinja_template.render(data),
        lambda: our_template.render(data),
        lambda: "".join(our_template.stream(data)),
    ])
    print("python %s, Jinja2 %s, page %d chars" % (sys.version.split()[0], jinja2.__version__,
                                                  len(ours)))
    print("jinja2 render (autoescape):  %10.0f pages/s" % jinja_rate)
    print("pyhtml render:               %10.0f pages/s" % our_rate)
    print("pyhtml stream (512-char):    %10.0f pages/s" % stream_rate)
    print("micropython pyhtml render:   %s" % (micropython_rate() or "micropython not on PATH"))
    if "--no-heap" not in sys.argv[1:]:
        heap_figures()
    print("pyhtml_vs_jinja2: %.2f" % (our_rate / jinja_rate))


if __name__ == "__main__":
    main()
