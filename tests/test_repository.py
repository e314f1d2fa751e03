"""Invariants of the repository itself that a green unit run would not show."""

import ast
import os
import re

REPO_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES_DIR = os.path.join(REPO_DIR, "packages")

PURE_PACKAGES = ("httpcore_micro", "wsframe", "pyhtml")
IO_MODULES = {
    "socket", "usocket", "select", "uselect", "selectors", "ssl", "ussl", "tls",
    "threading", "_thread", "asyncio", "uasyncio",
}
OUR_PACKAGES = {"httpcore_micro", "wsframe", "pyhtml", "xasync", "mws2"}
# Features DESIGN.md keeps out of runtime source so it runs on MicroPython.
CPYTHON_ONLY_MODULES = {"typing", "dataclasses", "enum", "abc"}


def _source_files(package):
    root = os.path.join(PACKAGES_DIR, package, package)
    for folder, _dirs, files in os.walk(root):
        for name in files:
            if name.endswith(".py"):
                yield os.path.join(folder, name)


def _imported_modules(path):
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.split(".")[0]


def _present(packages):
    return [p for p in packages if os.path.isdir(os.path.join(PACKAGES_DIR, p, p))]


def test_pure_packages_import_no_io_and_no_sibling():
    offences = []
    for package in _present(PURE_PACKAGES):
        forbidden = IO_MODULES | CPYTHON_ONLY_MODULES | (OUR_PACKAGES - {package})
        for path in _source_files(package):
            for line, module in _imported_modules(path):
                if module in forbidden:
                    offences.append("%s:%d imports %s" % (path, line, module))
    assert offences == []


def test_runtime_source_has_no_bare_except_and_no_walrus():
    offences = []
    for package in _present(OUR_PACKAGES):
        for path in _source_files(package):
            with open(path, encoding="utf-8") as handle:
                tree = ast.parse(handle.read(), path)
            for node in ast.walk(tree):
                if isinstance(node, ast.ExceptHandler) and node.type is None:
                    offences.append("%s:%d bare except" % (path, node.lineno))
                if isinstance(node, ast.NamedExpr):
                    offences.append("%s:%d walrus" % (path, node.lineno))
    assert offences == []


def test_ci_runs_the_readme_test_command_verbatim():
    with open(os.path.join(REPO_DIR, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    with open(os.path.join(REPO_DIR, ".ci", "run"), encoding="utf-8") as handle:
        ci_script = handle.read()
    commands = re.findall(r"```sh\n(.+?)\n```", readme)
    assert len(commands) >= 2, "README must start with the demo command and the test command"
    test_command = commands[1]
    assert test_command in ci_script.splitlines()


def _pyproject(package):
    """name, version and dependencies of packages/<package>/pyproject.toml (a small
    reader: tomllib is 3.11+, the tests run on 3.9 too)."""
    with open(os.path.join(PACKAGES_DIR, package, "pyproject.toml"), encoding="utf-8") as f:
        text = f.read()
    name = re.search(r'^name = "([^"]+)"', text, re.M).group(1)
    version = re.search(r'^version = "([^"]+)"', text, re.M).group(1)
    found = re.search(r"^dependencies = \[(.*?)\]", text, re.M | re.S)
    dependencies = re.findall(r'"([^"]+)"', found.group(1)) if found else []
    return name, version, dependencies


def test_sibling_pins_match_the_siblings_versions():
    # pip installs the five from one command: a pin that names a version the sibling
    # does not have makes that command fail (it looks on PyPI, where they are not).
    present = _present(sorted(OUR_PACKAGES))
    versions = dict(_pyproject(package)[:2] for package in present)
    for package in present:
        for requirement in _pyproject(package)[2]:
            dist, _, pinned = requirement.partition("==")
            if dist in versions:
                assert pinned == versions[dist], (package, requirement, versions[dist])


def test_version_attributes_match_pyproject():
    for package in _present(sorted(OUR_PACKAGES)):
        _name, version, _deps = _pyproject(package)
        with open(os.path.join(PACKAGES_DIR, package, package, "__init__.py"),
                  encoding="utf-8") as f:
            found = re.search(r'^__version__ = "([^"]+)"', f.read(), re.M)
        if found:
            assert found.group(1) == version, package
