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


def test_imports_only_its_own_modules_and_binascii():
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
                assert module == "binascii", (name, module)
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
