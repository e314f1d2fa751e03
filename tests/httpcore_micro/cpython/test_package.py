"""CPython-only checks of the package as a whole: no I/O imports, MicroPython-safe syntax."""

import ast
import os
import subprocess
import sys

PACKAGE = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "packages", "httpcore_micro"
)
SOURCE = os.path.join(PACKAGE, "httpcore_micro")
IO_MODULES = {"socket", "select", "selectors", "ssl", "threading", "_thread", "asyncio"}
NOT_ON_MICROPYTHON = {"typing", "dataclasses", "enum", "abc", "re"}


def _sources():
    for name in sorted(os.listdir(SOURCE)):
        if name.endswith(".py"):
            with open(os.path.join(SOURCE, name)) as handle:
                yield name, ast.parse(handle.read())


def test_imports_only_its_own_modules_binascii_sys_and_micropython():
    # sys: only to know the runtime (sys.implementation), where the two differ;
    # micropython: const(), behind try/except ImportError.
    for name, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: our own modules
                    continue
                modules = [node.module]
            else:
                continue
            for module in modules:
                assert module in ("binascii", "sys", "micropython"), (name, module)
                assert module not in IO_MODULES | NOT_ON_MICROPYTHON


def test_no_syntax_micropython_lacks():
    for name, tree in _sources():
        for node in ast.walk(tree):
            assert not isinstance(node, ast.NamedExpr), name  # walrus
            assert not isinstance(node, (ast.AnnAssign,)), name
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.returns is None, (name, node.name)
                assert all(arg.annotation is None for arg in node.args.args), (name, node.name)
            if isinstance(node, ast.ClassDef):
                assert not node.keywords, (name, node.name)  # no metaclass=


def test_import_loads_no_io_module():
    code = (
        "import sys; before = set(sys.modules); import httpcore_micro; "
        "print(' '.join(sorted(set(sys.modules) - before)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, PYTHONPATH=os.path.abspath(PACKAGE)),
        timeout=60,
    )
    loaded = set(result.stdout.split())
    assert "httpcore_micro" in loaded
    assert not loaded & IO_MODULES, loaded


MIXED_PAIRS = """
import sys
sys.path.insert(0, %(pkg)r)
from httpcore_micro import ServerConnection
for headers in ([("X-A", "1")], [(b"X-A", b"1")], [("X-A", "1"), (b"X-B", b"2")]):
    conn = ServerConnection()
    conn.receive_data(b"GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
    conn.next_event()
    conn.next_event()
    print(conn.send_response(200, headers + [("Content-Length", "0")]))
"""


def test_micropython_mixes_str_and_bytes_pairs_without_warnings():
    # b"x" and "x" hash alike: a lookup comparing them prints a warning on MicroPython.
    import shutil

    import pytest

    if not shutil.which("micropython"):
        pytest.skip("needs the micropython command")
    done = subprocess.run(
        ["micropython", "-c", MIXED_PAIRS % {"pkg": PACKAGE}],
        capture_output=True, text=True, timeout=60,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Warning" not in output, output
    assert output.count("x-a: 1") + output.count("X-A: 1") == 3 and "X-B: 2" in output


LAZY = """
import sys
sys.path.insert(0, %(pkg)r)
import httpcore_micro
print(sorted(name for name in sys.modules if name.startswith("httpcore_micro.")))
from httpcore_micro import parse_form, REASONS
print(parse_form(b"a=1"), REASONS[404], "httpcore_micro._helpers" in sys.modules)
try:
    httpcore_micro.no_such_name
except AttributeError:
    print("AttributeError")
"""


def _run(command, code):
    done = subprocess.run(command + ["-c", code % {"pkg": PACKAGE}], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.splitlines()


def test_import_loads_neither_helpers_nor_rare_checks():
    lines = _run([sys.executable], LAZY)
    # CPython's character tables are in _cpython; MicroPython never loads it.
    assert lines[0] == str(["httpcore_micro._compat", "httpcore_micro._connection",
                            "httpcore_micro._cpython", "httpcore_micro._events",
                            "httpcore_micro._parse", "httpcore_micro._write"])
    assert lines[1:] == ["{'a': '1'} b'Not Found' True", "AttributeError"]


def test_import_on_micropython_loads_neither_helpers_nor_cpython_tables():
    import shutil

    import pytest

    if not shutil.which("micropython"):
        pytest.skip("needs the micropython command")
    lines = _run(["micropython"], LAZY)
    assert lines[0] == str(["httpcore_micro._compat", "httpcore_micro._connection",
                            "httpcore_micro._events", "httpcore_micro._parse",
                            "httpcore_micro._write"])
    assert lines[1:] == ["{'a': '1'} b'Not Found' True", "AttributeError"]


def test_star_import_includes_the_lazy_helpers():
    namespace = {}
    exec("from httpcore_micro import *", namespace)
    for name in ("ServerConnection", "split_target", "parse_form", "REASONS", "IDLE"):
        assert name in namespace, name
    assert not [name for name in namespace if name.startswith("_") and name != "__builtins__"]
