"""The code of the documentation runs as written.

Fenced blocks say what they are after the language name:

- ```` ```python runnable ````: a program that ends by itself; run with this CPython (in
  a new temporary folder, the packages on its path) and it must exit with 0. Add
  ``micropython`` to run it on the MicroPython unix port too.
- ```` ```python pytest ````: a test module; pytest runs it and it must pass.
- ```` ```python server ````: a program that serves until Ctrl-C. It is started (on a
  free port instead of 8080, the only change), the requests listed in an HTML comment
  right after the block are made, then Ctrl-C must stop it cleanly::

      <!-- expect:
      GET /hello -> 200 Hello, world!
      POST /api/items {"name": "led"} -> 201 "led"
      -->

  (``METHOD PATH [JSON body] -> STATUS [text the answer holds]``).
- ```` ```python ```` alone: a fragment; it must still compile.

The demo's "Run your own" program (its home page) is run the same way as a server.
"""

import ast
import html
import json
import os
import re
import subprocess
import sys

import pytest
import requests
from examples_run import REPO, Program, free_port, runtime_command

DOCUMENTS = [
    "README.md",
    "docs/tutorial.md",
    "docs/api.md",
    "examples/README.md",
    "packages/mws2/README.md",
    "packages/httpcore_micro/README.md",
    "packages/wsframe/README.md",
    "packages/pyhtml/README.md",
    "packages/xasync/README.md",
    "packages/mws2/mws2/adapters/README.md",
]
BLOCK = re.compile(r"^```(\w*)([^\n]*)\n(.*?)^```[ \t]*\n(<!-- expect:\n(.*?)-->)?", re.M | re.S)
RUN_TIMEOUT = 60


class Block:
    def __init__(self, path, line, language, kinds, code, expect):
        self.path = path
        self.line = line
        self.language = language
        self.kinds = kinds
        self.code = code
        self.expect = expect

    def __repr__(self):
        return "%s:%d" % (self.path, self.line)


def blocks(kinds=None):
    found = []
    for path in DOCUMENTS:
        full = os.path.join(REPO, path)
        if not os.path.exists(full):
            continue
        with open(full, encoding="utf-8") as handle:
            text = handle.read()
        for match in BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            block = Block(path, line, match.group(1), match.group(2).split(), match.group(3),
                          match.group(5))
            if block.language != "python":
                continue
            if kinds is None or set(kinds) & set(block.kinds):
                found.append(block)
    return found


def demo_program():
    """The program of the demo home page's "Run your own" section, as a browser shows it."""
    path = os.path.join(REPO, "packages", "mws2", "mws2", "demo", "www", "index.html")
    with open(path, encoding="utf-8") as handle:
        page = handle.read()
    code = re.search(r"<pre><code>(.*?)</code></pre>", page, re.S).group(1)
    return Block("demo/www/index.html", 0, "python", ["server"], html.unescape(code),
                 "GET /hello -> 200 Hello, world!\n")


def ids(items):
    return [repr(item) for item in items]


def test_documents_have_checked_code():
    kinds = [kind for block in blocks() for kind in block.kinds]
    assert kinds.count("runnable") >= 9 and kinds.count("server") >= 4
    assert "pytest" in kinds


@pytest.mark.parametrize("block", blocks(), ids=ids(blocks()))
def test_python_blocks_compile(block):
    compile(block.code, repr(block), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


def _write(tmp_path, block, code=None):
    program = tmp_path / "snippet.py"
    program.write_text(block.code if code is None else code, encoding="utf-8")
    return str(program)


@pytest.mark.parametrize("block", blocks(["runnable"]), ids=ids(blocks(["runnable"])))
@pytest.mark.parametrize("runtime", ["cpython", "micropython"])
def test_runnable_blocks_run(block, runtime, tmp_path):
    if runtime == "micropython" and "micropython" not in block.kinds:
        pytest.skip("CPython only")
    command, env = runtime_command(runtime, heap="4M")
    done = subprocess.run(command + [_write(tmp_path, block)], cwd=str(tmp_path), env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=RUN_TIMEOUT)
    output = done.stdout.decode("utf-8", "replace")
    assert done.returncode == 0, "%r failed:\n%s" % (block, output)


@pytest.mark.parametrize("block", blocks(["pytest"]), ids=ids(blocks(["pytest"])))
def test_pytest_blocks_pass(block, tmp_path):
    test_file = tmp_path / ("test_snippet_%d.py" % block.line)
    test_file.write_text(block.code, encoding="utf-8")
    _, env = runtime_command("cpython")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
         str(tmp_path), str(test_file)],
        cwd=str(tmp_path), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        timeout=RUN_TIMEOUT,
    )
    output = done.stdout.decode("utf-8", "replace")
    assert done.returncode == 0 and " passed" in output, "%r failed:\n%s" % (block, output)


SERVERS = blocks(["server"]) + [demo_program()]


@pytest.mark.parametrize("block", SERVERS, ids=ids(SERVERS))
def test_server_blocks_serve(block, tmp_path):
    assert "8080" in block.code, "a server snippet listens on 127.0.0.1:8080"
    assert block.expect, "%r: no <!-- expect: ... --> comment after the block" % block
    port = free_port()
    path = _write(tmp_path, block, block.code.replace("8080", str(port)))
    program = Program(path, "cpython", args=[], cwd=str(tmp_path), port=port)
    try:
        for line in block.expect.strip().splitlines():
            _check(program, line)
    finally:
        code = program.stop()
    assert code == 0, program.log()
    assert "Traceback" not in program.log(), program.log()


def _check(program, line):
    request, _, expected = line.partition("->")
    parts = request.split(None, 2)
    method, path = parts[0], parts[1]
    body = json.loads(parts[2]) if len(parts) > 2 else None
    answer = requests.request(method, program.url(path), json=body, timeout=10)
    status, _, text = expected.strip().partition(" ")
    assert answer.status_code == int(status), (line, answer.status_code, answer.text)
    assert text in answer.text, (line, answer.text)
