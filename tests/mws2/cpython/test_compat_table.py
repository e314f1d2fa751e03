"""The compatibility table of packages/mws2/README.md is kept true.

Two halves:
- every row of the table names something that exists where the row says, with the kind
  it says (static method, property with or without setter, ...), and every property can
  be read on a live object (a running server, a request, a response, a WebSocket);
- every name MicroWebSrv2's documentation (seed 003, ../shared/seeds/ from the repo
  root) describes in its code blocks (``def Name(``, ``@Decorator(``, ``MicroWebSrv2.X``
  constants) and property tables has a row, and for methods and functions the
  parameter names and defaults are the documented ones (keyword calls keep working).
"""

import ast
import glob
import inspect
import os
import re
import sys
import textwrap
import threading

import pytest
import requests
from mws2_harness import running, wait_for
from websockets.sync.client import connect as ws_connect

import mws2
from mws2 import GET, MicroWebSrv2, RegisterRoute, ResolveRoute

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
README = os.path.join(REPO, "packages", "mws2", "README.md")
SEEDS_DIR = os.path.join(os.path.dirname(REPO), "shared", "seeds")
TABLE_START, TABLE_END = "<!-- compat-table -->", "<!-- /compat-table -->"

KINDS = (
    "class",
    "function",
    "decorator",
    "constant",
    "static method",
    "method",
    "property (get)",
    "property (get/set)",
    "callback (get/set)",
    "module hook",
)
OWNERS = (
    "mws2",
    "MicroWebSrv2",
    "MicroWebSrv2()",
    "XAsyncSocketsPool",
    "RouteResult",
    "HttpRequest",
    "HttpResponse",
    "custom module",
    "WebSockets",
    "WebSocket",
    "PyhtmlTemplate",
)
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH")


# ---- the table ------------------------------------------------------------------------


class Row:
    def __init__(self, name, owner, kind, status):
        self.name, self.owner, self.kind, self.status = name, owner, kind, status

    @property
    def key(self):
        return (self.owner, self.name)

    @property
    def is_added(self):
        return self.status.startswith("added")

    def __repr__(self):
        return "<%s on %s: %s>" % (self.name, self.owner, self.kind)


ROW_RE = re.compile(r"^\|\s*`(\w+)`\s*\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|\s*(.+?)\s*\|\s*$")


def read_table():
    with open(README, encoding="utf-8") as f:
        text = f.read()
    assert text.count(TABLE_START) == 1 and text.count(TABLE_END) == 1, "table markers"
    region = text[text.index(TABLE_START) : text.index(TABLE_END)]
    rows = []
    for line in region.splitlines():
        if line.startswith("| `"):
            match = ROW_RE.match(line)
            assert match, "malformed table row: %r" % line
            rows.append(Row(*match.groups()))
    return rows


ROWS = read_table()


def rows_of_kind(*kinds):
    return [row for row in ROWS if row.kind in kinds]


def ids(rows):
    return ["%s.%s" % (row.owner, row.name) for row in rows]


def test_table_is_well_formed():
    assert len(ROWS) > 100
    keys = [row.key for row in ROWS]
    assert len(keys) == len(set(keys)), "duplicate rows"
    for row in ROWS:
        assert row.owner in OWNERS, row
        assert row.kind in KINDS, row
        assert row.status == "yes" or row.status.startswith(
            ("yes (", "yes, differs: ", "added: ")
        ), "status must be 'yes', 'yes (note)', 'yes, differs: why' or 'added: what': %r" % row


# ---- live objects: a server, a request, a response, a WebSocket ------------------------

PROBE_PATH = "/compat-table-probe/<item>"
PROBE_MODULE = "CompatTableProbeMod"
PROBE_MODULE_SOURCE = """
class CompatTableProbeMod:
    calls = []

    def OnRequest(self, microWebSrv2, request):
        CompatTableProbeMod.calls.append((microWebSrv2, request.Path))
"""


def read_properties(obj, rows):
    """{name: value or the exception raised} for the property rows of obj's owner."""
    values = {}
    for row in rows:
        if row.kind.startswith(("property", "callback")):
            try:
                values[row.name] = getattr(obj, row.name)
            except Exception as exc:  # recorded, the test reports which one failed
                values[row.name] = exc
    return values


class Live:
    """What a real exchange gave: objects and their property values read in callbacks."""

    def __init__(self):
        self.objects = {}
        self.values = {}
        self.done = threading.Event()
        self.ws_done = threading.Event()


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    found = Live()
    module_dir = tmp_path_factory.mktemp("compat_mod")
    (module_dir / (PROBE_MODULE + ".py")).write_text(textwrap.dedent(PROBE_MODULE_SOURCE))
    sys.path.insert(0, str(module_dir))

    def probe(microWebSrv2, request, args):
        found.objects["HttpRequest"] = request
        found.objects["HttpResponse"] = request.Response
        found.values["HttpRequest"] = read_properties(request, owner_rows("HttpRequest"))
        found.values["HttpResponse"] = read_properties(request.Response, owner_rows("HttpResponse"))
        request.Response.ReturnOkJSON({"item": args["item"]})
        found.done.set()

    def on_accepted(microWebSrv2, webSocket):
        found.objects["WebSocket"] = webSocket
        found.values["WebSocket"] = read_properties(webSocket, owner_rows("WebSocket"))
        webSocket.OnTextMessage = lambda ws, msg: ws.SendTextMessage(msg)
        found.ws_done.set()

    ws_mod = MicroWebSrv2.LoadModule("WebSockets")
    pyhtml_mod = MicroWebSrv2.LoadModule("PyhtmlTemplate")
    custom = MicroWebSrv2.LoadModule(PROBE_MODULE)
    previous_accepted = ws_mod.OnWebSocketAccepted
    ws_mod.OnWebSocketAccepted = on_accepted
    RegisterRoute(probe, GET, PROBE_PATH, "compat-table-probe")
    try:
        with running(threads=2) as server:
            port = server.BoundAddress[1]
            found.objects["MicroWebSrv2()"] = server
            found.values["MicroWebSrv2()"] = read_properties(server, owner_rows("MicroWebSrv2()"))
            answer = requests.get(
                "http://127.0.0.1:%d/compat-table-probe/x1?a=b" % port,
                headers={"Cookie": "c=1", "Origin": "http://o"},
                timeout=5,
            )
            assert answer.status_code == 200 and answer.json() == {"item": "x1"}
            with ws_connect("ws://127.0.0.1:%d/compat-ws" % port, open_timeout=5) as client:
                client.send("ping-pong")
                assert client.recv(timeout=5) == "ping-pong"
            assert found.done.is_set() and found.ws_done.is_set()
            found.objects["custom module"] = custom
            found.custom_calls = list(type(custom).calls)
        route = ResolveRoute("GET", "/compat-table-probe/42")
        found.objects["RouteResult"] = route
        found.values["RouteResult"] = read_properties(route, owner_rows("RouteResult"))
        found.objects["WebSockets"] = ws_mod
        found.values["WebSockets"] = read_properties(ws_mod, owner_rows("WebSockets"))
        found.objects["PyhtmlTemplate"] = pyhtml_mod
        found.values["PyhtmlTemplate"] = read_properties(pyhtml_mod, owner_rows("PyhtmlTemplate"))
        yield found
    finally:
        ws_mod.OnWebSocketAccepted = previous_accepted
        _forget_probe()
        sys.path.remove(str(module_dir))


def _forget_probe():
    # Not in MicroWebSrv2's API: mws2's extras (both rows of the table) undo the probe.
    MicroWebSrv2.UnloadModule(PROBE_MODULE)
    from mws2.routes import UnregisterRoute

    UnregisterRoute("GET", PROBE_PATH)


def owner_rows(owner):
    return [row for row in ROWS if row.owner == owner]


def owner_class(owner, live):
    if owner == "mws2":
        return mws2
    if owner in ("MicroWebSrv2", "MicroWebSrv2()"):
        return MicroWebSrv2
    if owner in ("XAsyncSocketsPool", "RouteResult", "HttpRequest", "HttpResponse"):
        return getattr(mws2, owner)
    return type(live.objects[owner])


# ---- first half: each row is true ------------------------------------------------------


@pytest.mark.parametrize("row", rows_of_kind("class"), ids=ids(rows_of_kind("class")))
def test_class_rows(row):
    assert row.owner == "mws2"
    assert row.name in mws2.__all__, "%s is not given by `from mws2 import *`" % row.name
    assert isinstance(getattr(mws2, row.name), type)


@pytest.mark.parametrize(
    "row", rows_of_kind("function", "decorator"), ids=ids(rows_of_kind("function", "decorator"))
)
def test_function_rows(row):
    assert row.owner == "mws2" and row.name in mws2.__all__
    func = getattr(mws2, row.name)
    assert callable(func) and not isinstance(func, type)
    if row.kind == "decorator":

        def handler(microWebSrv2, request):
            pass

        decorate = func(GET, "/compat-table-decorator")
        try:
            assert decorate(handler) is handler
            assert ResolveRoute("GET", "/compat-table-decorator").Handler is handler
        finally:
            from mws2.routes import UnregisterRoute

            UnregisterRoute("GET", "/compat-table-decorator")


@pytest.mark.parametrize("row", rows_of_kind("constant"), ids=ids(rows_of_kind("constant")))
def test_constant_rows(row):
    if row.owner == "mws2":
        assert row.name in mws2.__all__
        assert getattr(mws2, row.name) == row.name  # the method names, usable as strings
    else:
        assert row.owner == "MicroWebSrv2"
        assert isinstance(getattr(MicroWebSrv2, row.name), int)


@pytest.mark.parametrize(
    "row", rows_of_kind("static method", "method"), ids=ids(rows_of_kind("static method", "method"))
)
def test_method_rows(row, live):
    cls = owner_class(row.owner, live)
    attr = inspect.getattr_static(cls, row.name)
    if row.kind == "static method":
        assert isinstance(attr, staticmethod), "%s must be a static method" % row.name
    else:
        assert inspect.isfunction(attr), "%s must be a plain method" % row.name
    if row.owner in live.objects:
        assert callable(getattr(live.objects[row.owner], row.name))


PROPERTY_KINDS = ("property (get)", "property (get/set)", "callback (get/set)")


@pytest.mark.parametrize(
    "row", rows_of_kind(*PROPERTY_KINDS), ids=ids(rows_of_kind(*PROPERTY_KINDS))
)
def test_property_rows(row, live):
    cls = owner_class(row.owner, live)
    attr = inspect.getattr_static(cls, row.name)
    assert isinstance(attr, property), "%s.%s must be a property" % (row.owner, row.name)
    if row.kind == "property (get)":
        assert attr.fset is None, "%s.%s is documented read-only" % (row.owner, row.name)
    else:
        assert attr.fset is not None, "%s.%s must have a setter" % (row.owner, row.name)
    value = live.values[row.owner][row.name]
    assert not isinstance(value, Exception), "reading %s.%s raised %r" % (
        row.owner,
        row.name,
        value,
    )
    if row.kind == "callback (get/set)":
        assert value is None or callable(value)


def test_settable_properties_take_back_their_value():
    # On a fresh server (not running) every get/set property accepts what it gave.
    server = MicroWebSrv2()
    for row in owner_rows("MicroWebSrv2()"):
        if row.kind in ("property (get/set)", "callback (get/set)"):
            value = getattr(server, row.name)
            setattr(server, row.name, value)
            assert getattr(server, row.name) == value, row


def test_module_hook_row_is_called(live):
    (row,) = rows_of_kind("module hook")
    assert (row.owner, row.name) == ("custom module", "OnRequest")
    assert any(path == "/compat-table-probe/x1" for _, path in live.custom_calls)
    assert all(isinstance(server, MicroWebSrv2) for server, _ in live.custom_calls)


def test_live_values_match_the_request(live):
    request = live.values["HttpRequest"]
    assert request["Method"] == "GET" and request["Path"] == "/compat-table-probe/x1"
    assert request["QueryString"] == "a=b" and request["QueryParams"] == {"a": "b"}
    assert request["HttpVer"] == "HTTP/1.1" and request["IsKeepAlive"] is True
    assert request["Cookies"] == ["c=1"] and request["Origin"] == "http://o"
    assert request["UserAddress"][0] == "127.0.0.1" and request["IsSSL"] is False
    assert request["Response"] is live.objects["HttpResponse"]
    assert live.values["HttpResponse"]["Request"] is live.objects["HttpRequest"]
    assert live.values["HttpResponse"]["HeadersSent"] is False  # read before answering
    assert live.values["WebSocket"]["IsClosed"] is False
    assert live.values["WebSocket"]["Request"].Path == "/compat-ws"
    assert live.values["RouteResult"]["Args"] == {"item": 42}
    assert live.values["RouteResult"]["Name"] == "compat-table-probe"


def test_logging_callback_gets_the_documented_arguments():
    server = MicroWebSrv2()
    seen = []
    server.OnLogging = lambda microWebSrv2, msg, msgType: seen.append((microWebSrv2, msg, msgType))
    server.Log(123, MicroWebSrv2.WARNING)
    assert seen == [(server, "123", MicroWebSrv2.WARNING)]


def test_pool_rows_run_the_documented_dual_server_example():
    # MicroWebSrv2's README: one pool, two servers, AsyncWaitEvents(threadsCount=1).
    pool = mws2.XAsyncSocketsPool()
    servers = [MicroWebSrv2(), MicroWebSrv2()]
    for server in servers:
        server.BindAddress = ("127.0.0.1", 0)
        server.StartInPool(pool)
    pool.AsyncWaitEvents(threadsCount=1)
    try:
        for server in servers:
            answer = requests.get("http://127.0.0.1:%d/none" % server.BoundAddress[1], timeout=5)
            assert answer.status_code == 404
    finally:
        for server in servers:
            server.Stop()
        pool.StopWaitEvents()
    assert wait_for(lambda: not any(server.IsRunning for server in servers), 5)


# ---- second half: the table covers MicroWebSrv2's documentation ------------------------

# The section of the documentation a name appears in says what it belongs to.
SECTION_OWNERS = {
    "MicroWebSrv2 static methods": "MicroWebSrv2",
    "MicroWebSrv2 instance methods": "MicroWebSrv2()",
    "MicroWebSrv2 properties": "MicroWebSrv2()",
    "Route Processing": "mws2",
    "Route Methods": "mws2",
    "HttpRequest instance methods": "HttpRequest",
    "HttpRequest properties": "HttpRequest",
    "HttpResponse instance methods": "HttpResponse",
    "HttpResponse properties": "HttpResponse",
    "Additional modules": "custom module",
    "WebSockets Module": "WebSockets",
    "WebSockets module properties": "WebSockets",
    "WebSocket instance methods": "WebSocket",
    "WebSocket properties": "WebSocket",
    "PyhtmlTemplate Module": "PyhtmlTemplate",
    "PyhtmlTemplate module instance methods": "PyhtmlTemplate",
    "PyhtmlTemplate module properties": "PyhtmlTemplate",
}
# Functions the documentation's examples define: user code, not API.
EXAMPLE_DEFS = {
    "OnMWS2Logging",
    "RequestTest",
    "RequestHandler",
    "RequestHandler1",
    "RequestHandler2",
    "RequestHandler3",
}
FENCE_RE = re.compile(r"^\s*```\w*\s*$")
HEADING_RE = re.compile(r"^\s*(?:- )?#{1,4} +(.*)$")
DEF_RE = re.compile(r"^\s*def (\w+)\((.*)\)\s*:?\s*$")
DECORATOR_RE = re.compile(r"^\s*@(\w+)\((.*)\)\s*$")
CONSTANT_RE = re.compile(r"\bMicroWebSrv2\.([A-Z][A-Z_]+)\b")
INSTANTIATION_RE = re.compile(r"=\s*([A-Z]\w+)\(\)")  # x = Class(): a class of ours
PROPERTY_ROW_RE = re.compile(r"^\s*\|\s*`(\w+)`\s*\|")
INLINE_CONSTANT_RE = re.compile(r"```([A-Z]+)```")


def seed_path():
    paths = sorted(glob.glob(os.path.join(SEEDS_DIR, "003_*.txt")))
    if not paths:
        pytest.skip("MicroWebSrv2's documentation (seed 003) is not in %s" % SEEDS_DIR)
    return paths[0]


def clean_heading(text):
    text = re.sub(r":\w+:", "", text).replace("&nbsp;", " ")
    return " ".join(text.split())


def documented_names():
    """{(owner, name): signature text or None} from seed 003."""
    with open(seed_path(), encoding="utf-8") as f:
        lines = f.read().splitlines()
    found = {}
    section, in_code, route_result = None, False, False
    for number, line in enumerate(lines, 1):
        if FENCE_RE.match(line):
            in_code = not in_code
            continue
        if not in_code:
            heading = HEADING_RE.match(line)
            if heading and ":arrow_forward:" not in line:
                section = clean_heading(heading.group(1))
                route_result = False
                continue
            if "**RouteResult**" in line:
                route_result = True
            row = PROPERTY_ROW_RE.match(line)
            if row:
                owner = "RouteResult" if route_result else section_owner(section, number)
                found.setdefault((owner, row.group(1)), None)
            for name in INLINE_CONSTANT_RE.findall(line):
                assert name in HTTP_METHODS, "unexpected inline constant %s" % name
                found.setdefault(("mws2", name), None)
            continue
        for name in CONSTANT_RE.findall(line):
            found.setdefault(("MicroWebSrv2", name), None)
        for name in INSTANTIATION_RE.findall(line):
            found.setdefault(("mws2", name), None)
        match = DEF_RE.match(line) or DECORATOR_RE.match(line)
        if match and match.group(1) not in EXAMPLE_DEFS:
            name, params = match.groups()
            if match.re is DECORATOR_RE and not is_signature(params):
                continue  # an example use such as @WebRoute(GET, '/test')
            found[(section_owner(section, number), name)] = params
    return found


def section_owner(section, number):
    assert section in SECTION_OWNERS, (
        "seed line %d: API names in section %r, which the test does not map" % (number, section)
    )
    return SECTION_OWNERS[section]


def parse_params(params):
    """[(name, default or NO_DEFAULT)] of a documented parameter list (self dropped)."""
    tree = ast.parse("def f(%s): pass" % params).body[0].args
    names = [arg.arg for arg in tree.args]
    defaults = [ast.literal_eval(d) for d in tree.defaults]
    padded = [NO_DEFAULT] * (len(names) - len(defaults)) + defaults
    return [(n, d) for n, d in zip(names, padded) if n != "self"]


NO_DEFAULT = object()


def is_signature(params):
    try:
        tree = ast.parse("def f(%s): pass" % params)
    except SyntaxError:
        return False
    return bool(tree.body[0].args.args)


def our_params(cls, name):
    func = inspect.getattr_static(cls, name)
    if isinstance(func, staticmethod):
        func = func.__func__
    result = []
    for param in inspect.signature(func).parameters.values():
        if param.name == "self":
            continue
        default = NO_DEFAULT if param.default is inspect.Parameter.empty else param.default
        result.append((param.name, default))
    return result


def same_default(ours, documented):
    # None where the original wrote a mutable default ({} / []) behaves the same for a
    # caller that leaves the argument out, without one dict shared by every call.
    if documented in ({}, []) and ours is None:
        return True
    return ours == documented or (ours is NO_DEFAULT and documented is NO_DEFAULT)


def test_documentation_reader_finds_every_kind_of_name():
    # The reader itself must not quietly miss a kind of name: one of each it must see.
    documented = documented_names()
    for key in (
        ("MicroWebSrv2", "LoadModule"),  # static method
        ("MicroWebSrv2", "ERROR"),  # MicroWebSrv2.X constant in a code block
        ("MicroWebSrv2()", "StartManaged"),  # instance method
        ("MicroWebSrv2()", "OnLogging"),  # property row and callback definition
        ("mws2", "WebRoute"),  # decorator signature
        ("mws2", "PATCH"),  # method constant named in the prose
        ("mws2", "XAsyncSocketsPool"),  # class the examples instantiate
        ("RouteResult", "Args"),  # the RouteResult table
        ("HttpResponse", "ReturnBearerAuthRequired"),
        ("custom module", "OnRequest"),
        ("WebSockets", "OnWebSocketProtocol"),
        ("WebSocket", "OnClosed"),
        ("PyhtmlTemplate", "ShowDebug"),
    ):
        assert key in documented, key
    assert documented[("MicroWebSrv2()", "StartManaged")] == (
        "self, parllProcCount=1, procStackSize=0"
    )
    assert not any(name in EXAMPLE_DEFS for _, name in documented)


def test_table_covers_every_documented_name():
    documented = documented_names()
    assert len(documented) > 120
    table = {row.key for row in ROWS}
    missing = sorted(key for key in documented if key not in table)
    assert not missing, "documented by MicroWebSrv2 but missing from the table: %s" % missing
    wrongly_added = sorted(row.key for row in ROWS if row.is_added and row.key in documented)
    assert not wrongly_added, "documented by MicroWebSrv2, so not 'added': %s" % wrongly_added


def test_documented_signatures_are_kept(live):
    documented = documented_names()
    rows = {row.key: row for row in ROWS}
    checked = 0
    for key, params in sorted(documented.items()):
        row = rows.get(key)
        if params is None or row is None:
            continue
        if row.kind not in ("static method", "method", "function", "decorator"):
            continue  # callbacks and hooks: the documented def is the user's function
        if "signature" in row.status:
            continue  # a documented signature difference
        owner_cls = owner_class(key[0], live)
        if key[0] == "mws2":
            ours = [
                (p.name, NO_DEFAULT if p.default is inspect.Parameter.empty else p.default)
                for p in inspect.signature(getattr(mws2, key[1])).parameters.values()
            ]
        else:
            ours = our_params(owner_cls, key[1])
        theirs = parse_params(params)
        # Our own extensions may follow the documented parameters, each with a default:
        # every call written for MicroWebSrv2 still means the same.
        extra = ours[len(theirs):]
        assert all(default is not NO_DEFAULT for _, default in extra), (key, extra)
        ours = ours[: len(theirs)]
        assert [n for n, _ in ours] == [n for n, _ in theirs], (key, ours, theirs)
        for (name, mine), (_, doc) in zip(ours, theirs):
            assert same_default(mine, doc), "%s.%s: default of %s" % (key[0], key[1], name)
        checked += 1
    assert checked > 40
