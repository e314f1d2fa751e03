"""pyhtml against Jinja2 on the same page, both compiled once, in one run.

The page: an if/elif/else and a loop over 20 table rows with five escaped expressions
each (see _template_page.py). Jinja2 runs with ``autoescape=True``. If ``micropython`` is
on PATH, the same page's rate under MicroPython is measured too (_template_mp.py).
Ends with ``pyhtml_vs_jinja2: <ratio>`` (pyhtml renders per second / Jinja2's).
Run: python3 bench/template.py
"""

import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "packages", "pyhtml"))
sys.path.insert(0, HERE)

import jinja2  # noqa: E402
from _template_page import JINJA2_PAGE, PYHTML_PAGE, variables  # noqa: E402

import pyhtml  # noqa: E402

REPEATS = 9
SECONDS = 0.2


def batch_size(function):
    """Calls that take about SECONDS."""
    count = 1
    while True:
        start = time.perf_counter()
        for _ in range(count):
            function()
        elapsed = time.perf_counter() - start
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
            start = time.perf_counter()
            for _ in range(count):
                function()
            best[index] = max(best[index], count / (time.perf_counter() - start))
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
    print("pyhtml_vs_jinja2: %.2f" % (our_rate / jinja_rate))


if __name__ == "__main__":
    main()
