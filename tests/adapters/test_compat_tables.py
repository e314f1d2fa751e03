"""The compatibility tables of packages/mws2/mws2/adapters/README.md are kept true.

For each adapter (one table each):
- every row names something that exists on the object "On" names, with the kind the
  row gives; live objects (a request, a reader, a writer, an event source, an
  httpClient, an httpResponse, a MicroWebSocket) come from a real exchange with a server
  started here;
- the signature column matches the parameters (names and defaults, ``self``/``cls``
  left out); a status that says "signature" may add trailing parameters with defaults;
- every name the seed documents (seeds 001, 002, 004 in ../shared/seeds/ from the repo
  root) has a row, and the parameter names of the seed's signatures and keyword calls
  are ours.
"""

import ast
import asyncio
import glob
import inspect
import os
import re
import threading
import time

import pytest
import requests
from adapters_harness import free_port
from websockets.sync.client import connect as ws_connect

from mws2.adapters import ahttpserver, micropasyncweb, microwebsrv
from mws2.adapters.ahttpserver import sse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
README = os.path.join(REPO, "packages", "mws2", "mws2", "adapters", "README.md")
SEEDS = os.path.join(os.path.dirname(REPO), "shared", "seeds")
TABLES = ("micropasyncweb", "ahttpserver", "microwebsrv")
KINDS = (
    "class",
    "coroutine function",
    "decorator",
    "class decorator",
    "method",
    "coroutine method",
    "static method",
    "static coroutine",
    "class coroutine",
    "attribute",
    "callback attribute",
)
ROW_RE = re.compile(
    r"^\|\s*`(\w+)`\s*\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|\s*(?:`([^`]*)`)?\s*\|\s*(.+?)\s*\|\s*$"
)
STATUS_RE = re.compile(r"^(yes|yes \(.+\)|yes, differs: .+|yes, guessed: .+|added: .+)$")


class Row:
    def __init__(self, table, name, owner, kind, signature, status):
        self.table, self.name, self.owner, self.kind = table, name, owner, kind
        self.signature, self.status = signature, status

    def __repr__(self):
        return "%s: %s.%s" % (self.table, self.owner, self.name)


def read_tables():
    with open(README, encoding="utf-8") as f:
        text = f.read()
    rows = []
    for table in TABLES:
        start = "<!-- compat-table: %s -->" % table
        assert text.count(start) == 1, start
        region = text[text.index(start) : text.index("<!-- /compat-table -->", text.index(start))]
        for line in region.splitlines():
            if line.startswith("| `"):
                match = ROW_RE.match(line)
                assert match, "malformed row: %r" % line
                rows.append(Row(table, *match.groups()))
    return rows


ROWS = read_tables()


def ids(rows):
    return [repr(row) for row in rows]


def test_tables_are_well_formed():
    assert len(ROWS) > 100
    keys = [(row.table, row.owner, row.name) for row in ROWS]
    assert len(keys) == len(set(keys)), "duplicate rows"
    for row in ROWS:
        assert row.kind in KINDS, row
        assert STATUS_RE.match(row.status), "bad status: %r" % row
        if row.kind in ("attribute", "callback attribute"):
            assert row.signature is None, row


# ---- live objects ---------------------------------------------------------------------


class Live:
    def __init__(self):
        self.objects = {}


def _wait_for(predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    found = Live()
    folder = tmp_path_factory.mktemp("compat")
    (folder / "page.txt").write_text("page")
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def run(coro):
        return asyncio.run_coroutine_threadsafe(coro, loop).result(10)

    web = micropasyncweb.MicropAsyncWeb(port=free_port(), address="127.0.0.1", webroot=str(folder))

    @web.route("/probe")
    async def probe(request):
        found.objects["micropasyncweb", "request"] = request
        await micropasyncweb.Response.sendJson(request, {"ok": 1})

    app = ahttpserver.HTTPServer(host="127.0.0.1", port=free_port())

    @app.route("GET", "/probe")
    async def probe_a(reader, writer, request):
        found.objects["ahttpserver", "reader"] = reader
        found.objects["ahttpserver", "writer"] = writer
        found.objects["ahttpserver", "request"] = request
        response = ahttpserver.HTTPResponse(200, "text/plain")
        found.objects["ahttpserver", "HTTPResponse()"] = response
        await response.send(writer)

    @app.route("GET", "/events")
    async def events(reader, writer, request):
        source = await sse.EventSource(reader, writer)
        found.objects["ahttpserver", "EventSource()"] = source
        await source.send("one")

    mws = microwebsrv.MicroWebSrv(port=free_port(), bindIP="127.0.0.1", webPath=str(folder))

    def probe_v1(httpClient, httpResponse):
        found.objects["microwebsrv", "httpClient"] = httpClient
        found.objects["microwebsrv", "httpResponse"] = httpResponse
        httpResponse.WriteResponseOk(None, "text/plain", None, "ok")

    def accept(webSocket, httpClient):
        found.objects["microwebsrv", "MicroWebSocket"] = webSocket
        webSocket.RecvTextCallback = lambda ws, msg: ws.SendText(msg)

    mws._routeHandlers.append((microwebsrv._route_parts("/probe"), "GET", probe_v1))
    mws.AcceptWebSocketCallback = accept
    try:
        run(web.runAsync())
        run(app.start())
        mws.Start()
        _wait_for(mws.IsStarted)
        for port in (web.port, app.port, mws._srvAddr[1]):
            assert requests.get("http://127.0.0.1:%d/probe" % port, timeout=10).ok
        assert "data: one" in requests.get(
            "http://127.0.0.1:%d/events" % app.port, timeout=10
        ).text
        with ws_connect("ws://127.0.0.1:%d/ws" % mws._srvAddr[1], open_timeout=10) as ws:
            ws.send("echo")
            assert ws.recv(timeout=10) == "echo"
        found.objects["micropasyncweb", "MicropAsyncWeb()"] = web
        found.objects["ahttpserver", "HTTPServer()"] = app
        found.objects["microwebsrv", "MicroWebSrv()"] = mws
        yield found
    finally:
        mws.Stop()
        run(app.stop())
        web._server.Stop()
        run(_finished(web._task))
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


async def _finished(task):
    await task


MODULES = {
    "micropasyncweb": micropasyncweb,
    "ahttpserver": ahttpserver,
    "ahttpserver.sse": sse,
    "microwebsrv": microwebsrv,
}
CLASSES = {
    ("micropasyncweb", "Response"): micropasyncweb.Response,
    ("ahttpserver", "EventSource"): sse.EventSource,
    ("microwebsrv", "MicroWebSrv"): microwebsrv.MicroWebSrv,
}


def owner_object(row, live):
    """(the object to look the name up on, the class to inspect it on)."""
    if row.owner in MODULES:
        return MODULES[row.owner], None
    key = (row.table, row.owner)
    if key in CLASSES:
        return CLASSES[key], CLASSES[key]
    obj = live.objects[key]
    return obj, type(obj)


def params_of(func):
    result = []
    for param in inspect.signature(func).parameters.values():
        if param.name in ("self", "cls"):
            continue
        default = NO_DEFAULT if param.default is inspect.Parameter.empty else param.default
        result.append((param.name, default))
    return result


NO_DEFAULT = object()


def parse_signature(text):
    tree = ast.parse("def f%s: pass" % text).body[0].args
    names = [arg.arg for arg in tree.args]
    defaults = [ast.literal_eval(d) for d in tree.defaults]
    return list(zip(names, [NO_DEFAULT] * (len(names) - len(defaults)) + defaults))


@pytest.mark.parametrize("row", ROWS, ids=ids(ROWS))
def test_row_exists_with_its_kind(row, live):
    obj, cls = owner_object(row, live)
    assert hasattr(obj, row.name), "%r is missing" % row
    value = getattr(obj, row.name)
    static = inspect.getattr_static(cls, row.name, None) if cls is not None else None
    kind = row.kind
    if kind == "class":
        assert isinstance(value, type)
    elif kind == "coroutine function":
        assert inspect.iscoroutinefunction(value)
    elif kind in ("method", "decorator"):
        assert inspect.isfunction(static) and not inspect.iscoroutinefunction(static), row
    elif kind == "coroutine method":
        assert inspect.iscoroutinefunction(static), row
    elif kind == "static method":
        assert isinstance(static, staticmethod), row
        assert not inspect.iscoroutinefunction(static.__func__)
    elif kind == "static coroutine":
        assert isinstance(static, staticmethod), row
        assert inspect.iscoroutinefunction(static.__func__)
    elif kind in ("class coroutine", "class decorator"):
        assert isinstance(static, classmethod), row
        assert inspect.iscoroutinefunction(static.__func__) == (kind == "class coroutine")
    elif kind == "attribute":
        assert not callable(value) or isinstance(value, (list, dict)), row
    elif kind == "callback attribute":
        assert value is None or callable(value), row
        setattr(obj, row.name, value)  # settable
    if kind in ("decorator", "class decorator"):
        sample = ("GET", "/compat-probe") if row.table == "ahttpserver" else ("/compat-probe",)
        assert callable(value(*sample)), row


@pytest.mark.parametrize(
    "row", [r for r in ROWS if r.signature is not None], ids=ids(r for r in ROWS if r.signature)
)
def test_row_signature(row, live):
    obj, _ = owner_object(row, live)
    ours = params_of(getattr(obj, row.name))
    theirs = parse_signature(row.signature)
    extra = ours[len(theirs) :]
    assert [n for n, _ in ours[: len(theirs)]] == [n for n, _ in theirs], (row, ours)
    for (name, mine), (_, doc) in zip(ours, theirs):
        assert mine == doc or (mine is NO_DEFAULT and doc is NO_DEFAULT), (row, name)
    if extra:
        assert "signature" in row.status, "%r adds %s: its status must say so" % (row, extra)
        assert all(default is not NO_DEFAULT for _, default in extra), row


# ---- the tables cover the seeds ---------------------------------------------------------


def seed_text(number):
    paths = sorted(glob.glob(os.path.join(SEEDS, "%s_*.txt" % number)))
    if not paths:
        pytest.skip("seed %s is not in %s" % (number, SEEDS))
    with open(paths[0], encoding="utf-8") as f:
        return f.read()


def documented(number):
    """{(owner, name): [signature or call texts]} that seed ``number`` documents."""
    text = seed_text(number)
    found = {}

    def add(owner, name, params=None):
        found.setdefault((owner, name), [])
        if params is not None:
            found[(owner, name)].append(params)

    if number == "001":
        owners = {"mws": "MicroWebSrv()", "httpClient": "httpClient",
                  "httpResponse": "httpResponse", "ws": "MicroWebSocket",
                  "webSocket": "MicroWebSocket", "MicroWebSrv": "MicroWebSrv"}
        for var, name, params in re.findall(
            r"\b(mws|httpClient|httpResponse|ws|webSocket|MicroWebSrv)\.(\w+)(\([^)]*\))?", text
        ):
            add(owners[var], name, params or None)
        for params in re.findall(r"MicroWebSrv(\(routeHandlers[^)]*\))", text):
            add("microwebsrv", "MicroWebSrv", params)
    elif number == "002":
        for name in re.findall(r"from micropAsyncWeb import (.+)", text)[0].split(","):
            add("micropasyncweb", name.strip())
        (constructor,) = re.findall(r"^\(self, (.*)\)$", text, re.M)
        add("micropasyncweb", "MicropAsyncWeb", "(%s)" % constructor)
        for name in re.findall(r"\b(?:webserver|self)\.(\w+)", text):
            add("MicropAsyncWeb()", name)
        for name in re.findall(r"\bResponse\.(\w+)", text):
            add("Response", name)
        for name, params in re.findall(r"^(\w+)\((request.*)\)$", text, re.M):
            add("Response", name, "(%s)" % params)
        members = text[text.index("these members:") : text.index("This class is never")]
        for name in re.findall(r"^(\w+)$", members, re.M):
            add("request", name)
        for name in re.findall(r"\brequest\.(\w+)", text):
            add("request", name)
    else:
        for module in ("ahttpserver", "ahttpserver.sse"):
            for line in re.findall(r"from %s import (.+)" % re.escape(module), text):
                for name in line.split(","):
                    add(module, name.strip())
        for var, owner in (("app", "HTTPServer()"), ("response", "HTTPResponse()"),
                           ("eventsource", "EventSource()")):
            for name, call in re.findall(r"\b%s\.(\w+)(\([^)]*\))" % var, text):
                add(owner, name, call)
        for name, call in re.findall(r"\b(HTTPResponse|HTTPServer|sendfile)(\([^)]*\))", text):
            add("ahttpserver", name, call)
        for call in re.findall(r"\bEventSource(\([^)]*\))", text):
            add("ahttpserver.sse", "EventSource", call)
    return found


SEED_OF = {"micropasyncweb": "002", "ahttpserver": "004", "microwebsrv": "001"}


@pytest.mark.parametrize("table", TABLES)
def test_table_covers_every_name_the_seed_documents(table):
    names = documented(SEED_OF[table])
    assert len(names) >= {"001": 50, "002": 15, "004": 8}[SEED_OF[table]]
    ours = {(row.owner, row.name) for row in ROWS if row.table == table}
    missing = sorted(key for key in names if key not in ours)
    assert not missing, "seed %s documents, the table lacks: %s" % (SEED_OF[table], missing)
    added = sorted(
        (row.owner, row.name) for row in ROWS
        if row.table == table and row.status.startswith("added") and (row.owner, row.name) in names
    )
    assert not added, "documented by the seed, so not 'added': %s" % added


def _as_call(text):
    """(positional count, keyword names) of a seed's parenthesized text, read as a call
    (``(size=None)`` is then the keyword ``size``), or None when it is not Python."""
    try:
        call = ast.parse("f%s" % text).body[0].value
    except SyntaxError:
        return None
    return len(call.args), [kw.arg for kw in call.keywords]


@pytest.mark.parametrize("table", TABLES)
def test_seed_signatures_and_keyword_calls_fit_ours(table, live):
    # Every documented call (and signature, read as a call) works with our parameters:
    # no more positional arguments than we take, and every keyword is one of ours.
    rows = {(row.owner, row.name): row for row in ROWS if row.table == table}
    checked = 0
    for key, texts in sorted(documented(SEED_OF[table]).items()):
        row = rows[key]
        if row.kind in ("attribute", "callback attribute"):
            continue  # a callback's documented parameters are the user's function's
        obj, _ = owner_object(row, live)
        names = [name for name, _ in params_of(getattr(obj, row.name))]
        for text in texts:
            call = _as_call(text)
            if call is None:
                assert "%" in text or "<" in text, "unreadable seed text %r" % text
                continue
            positional, keywords = call
            assert positional <= len(names), (key, text, names)
            assert all(k in names for k in keywords), (key, text, names)
            checked += 1
    assert checked >= 5
