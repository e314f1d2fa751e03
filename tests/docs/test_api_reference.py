"""docs/api.md stays true: each section marked ``<!-- api: dotted.name -->`` names every
public attribute of that object, and every signature it writes (```Name(args)```) is
the object's real one. (Its code blocks run in test_docs.py.)"""

import importlib
import inspect
import os
import re

import pytest
from examples_run import REPO

API = os.path.join(REPO, "docs", "api.md")
MARKER = re.compile(r"<!-- api: ([\w.]+) -->")
SIGNATURE = re.compile(r"`(?:async )?(\w+)\(([^`]*)\)`")

# Sections about modules: the names they must describe.
MODULE_NAMES = {
    "mws2": None,  # mws2.__all__
    "mws2.routes": ["WebRoute", "RegisterRoute", "UnregisterRoute", "ResolveRoute",
                    "PathFromRoute"],
}


def _instance_names(obj):
    """Attributes set on instances (not on the class), from a cheap instance."""
    from mws2.forms import FormError, UploadedFile
    from mws2.testing import Headers, ServerSentEvent, TestClient, TestResponse

    makers = {
        UploadedFile: lambda: UploadedFile("field", "name.txt", "text/plain", None),
        FormError: lambda: FormError("bad"),
        ServerSentEvent: ServerSentEvent,
        Headers: Headers,
        TestResponse: lambda: TestResponse(200, "OK", "HTTP/1.1", Headers()),
        TestClient: TestClient,
    }
    maker = makers.get(obj)
    return list(vars(maker())) if maker else []


def sections():
    with open(API, encoding="utf-8") as handle:
        text = handle.read()
    marks = list(MARKER.finditer(text))
    found = []
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
        found.append((mark.group(1), text[mark.end():end]))
    return found


def resolve(dotted):
    try:
        return importlib.import_module(dotted)
    except ImportError:
        module, _, name = dotted.rpartition(".")
        return getattr(importlib.import_module(module), name)


def public_names(dotted, obj):
    if dotted in MODULE_NAMES:
        return MODULE_NAMES[dotted] or list(obj.__all__)
    names = [name for name in dir(obj) if not name.startswith("_")]
    names = [name for name in names if not hasattr(BaseException, name)]
    return names + [name for name in _instance_names(obj) if not name.startswith("_")]


def test_sections_are_found():
    names = [dotted for dotted, _ in sections()]
    assert "mws2.server.MicroWebSrv2" in names and "mws2.testing.TestClient" in names
    assert len(names) >= 15


@pytest.mark.parametrize("dotted,text", sections(), ids=[d for d, _ in sections()])
def test_every_public_name_is_described(dotted, text):
    obj = resolve(dotted)
    missing = [name for name in public_names(dotted, obj)
               if not re.search(r"`(async )?%s\b" % re.escape(name), text)]
    assert missing == [], "%s: not described in docs/api.md" % dotted


@pytest.mark.parametrize("dotted,text", sections(), ids=[d for d, _ in sections()])
def test_signatures_are_the_real_ones(dotted, text):
    obj = resolve(dotted)
    checked = 0
    for match in SIGNATURE.finditer(text):
        name, written = match.group(1), match.group(2)
        if inspect.isclass(obj) and name == obj.__name__:
            target = obj.__init__
        else:
            target = getattr(obj, name, None)
        if not (inspect.isfunction(target) or inspect.ismethod(target)):
            continue  # a callback's call, or a name of another object
        params = list(inspect.signature(target).parameters.values())
        if params and params[0].name == "self":
            params = params[1:]
        real = ", ".join(str(param) for param in params)
        assert " ".join(written.split()) == real, "%s.%s(%s)" % (dotted, name, real)
        checked += 1
    if inspect.isclass(obj) and dotted != "mws2.routes.RouteResult":
        assert checked or not [n for n in dir(obj) if inspect.isfunction(getattr(obj, n))
                               and not n.startswith("_")], dotted
