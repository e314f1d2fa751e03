"""LoadModule: custom modules found on the import path, and the PyhtmlTemplate module."""

import sys

import pytest
import requests
from mws2_harness import connect, exchange, parse_one, request_bytes, running, url

from mws2 import MicroWebSrv2
from mws2.server import MicroWebSrv2Exception

# Every test here runs in both modes (pool and asyncio).
pytestmark = pytest.mark.usefixtures("server_mode")

CUSTOM_MODULE = """
import time


class ItestGate:
    def __init__(self):
        self.seen = []

    def OnRequest(self, microWebSrv2, request):
        self.seen.append(request.Path)
        if request.Path == "/gate/closed":
            request.Response.ReturnForbidden()
        elif request.Path == "/gate/broken":
            raise ValueError("module bug")
        elif request.IsUpgrade and request.Upgrade in ("x-echo", "x-echo-late"):
            response = request.Response
            assert response.UserAddress == request.UserAddress and not response.IsSSL
            response.SwitchingProtocols(request.Upgrade)
            if request.Upgrade == "x-echo-late":
                time.sleep(0.3)  # the peer's bytes arrive before the module reads
            client = request.XAsyncTCPClient
            client.AsyncRecvStream(lambda cli, data, arg: cli.AsyncSendData(data.upper()))
"""

PAGE = """<html><body>
{{ py }}
total = 0
for n in range(4):
    total += n
{{ end }}
<p>path={{ Request.Path }} q={{ Request.QueryParams.get('q', '') }}</p>
<p>total={{ total }} site={{ site }}</p>
{{ if total > 5 }}<b>big</b>{{ else }}<i>small</i>{{ end }}
{{ for item in ['<a>', 'b'] }}<li>{{ item }}</li>{{ end }}
</body></html>
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("mods")
    (base / "ItestGate.py").write_text(CUSTOM_MODULE)
    root = base / "www"
    root.mkdir()
    (root / "index.html").write_text("home")
    (root / "page.pyhtml").write_text(PAGE)
    (root / "big.pyhtml").write_text("{{ for i in range(20000) }}line {{ i }}\n{{ end }}")
    (root / "broken.pyhtml").write_text("<p>{{ if }}</p>")
    (root / "fails.pyhtml").write_text("<p>start</p>\n{{ 1 / 0 }}\n")
    sys.path.insert(0, str(base))
    gate = MicroWebSrv2.LoadModule("ItestGate")
    pyhtml = MicroWebSrv2.LoadModule("PyhtmlTemplate")
    pyhtml.SetGlobalVar("site", "demo-site")
    try:
        with running(root) as mws:
            yield mws, gate, pyhtml
    finally:
        MicroWebSrv2.UnloadModule("ItestGate")
        MicroWebSrv2.UnloadModule("PyhtmlTemplate")
        sys.path.remove(str(base))


def test_custom_module_sees_every_request_and_may_answer(site):
    mws, gate, _ = site
    assert requests.get(url(mws, "/gate/closed")).status_code == 403
    assert requests.get(url(mws, "/")).text == "home"
    assert "/gate/closed" in gate.seen and "/" in gate.seen


def test_module_switching_protocols_takes_the_socket(site):
    mws, _, _ = site
    with connect(mws) as sock:
        sock.sendall(
            b"GET /x HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: x-echo\r\n\r\n"
        )
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(1)
        assert head.startswith(b"HTTP/1.1 101 ")
        assert b"Upgrade: x-echo" in head and b"Connection: Upgrade" in head
        sock.sendall(b"hello")
        data = b""
        while len(data) < 5:
            data += sock.recv(10)
        assert data == b"HELLO"


@pytest.mark.parametrize("early", [b"", b"early "])
def test_bytes_before_the_module_reads_are_not_lost(site, early):
    # Bug 9: bytes sent with the upgrade request (read ahead by HTTP) and bytes that
    # arrive after the 101 but before the module starts reading all reach the module.
    mws, _, _ = site
    with connect(mws) as sock:
        sock.sendall(
            b"GET /x HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: x-echo-late\r\n\r\n"
            + early
        )
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(1)
        assert head.startswith(b"HTTP/1.1 101 ")
        sock.sendall(b"hello")
        want = early.upper() + b"HELLO"
        data = b""
        while len(data) < len(want):
            data += sock.recv(100)
        assert data == want


def test_failing_module_is_logged_and_the_request_goes_on(site):
    mws, _, _ = site
    assert requests.get(url(mws, "/gate/broken")).status_code == 404


def test_load_module_twice_gives_the_same_instance_and_unknown_fails(site):
    _, gate, _ = site
    assert MicroWebSrv2.LoadModule("ItestGate") is gate
    with pytest.raises(MicroWebSrv2Exception):
        MicroWebSrv2.LoadModule("NoSuchModuleAnywhere")
    with pytest.raises(ValueError):
        MicroWebSrv2.LoadModule("")


def test_pyhtml_page_renders_with_request_and_globals(site):
    mws, _, pyhtml = site
    r = requests.get(url(mws, "/page.pyhtml?q=<x>"))
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert "path=/page.pyhtml q=&lt;x&gt;" in r.text
    assert "total=6 site=demo-site" in r.text and "<b>big</b>" in r.text
    assert "<li>&lt;a&gt;</li><li>b</li>" in r.text
    assert pyhtml.GetGlobalVar("site") == "demo-site" and pyhtml.GetGlobalVar("none") is None


def test_pyhtml_is_streamed_chunked(site):
    mws, _, _ = site
    data = exchange(mws, request_bytes("GET", "/big.pyhtml", [("Connection", "close")]))
    answer = parse_one(data)
    assert answer.headers["transfer-encoding"] == "chunked"
    assert answer.body.count(b"\n") == 20000 and answer.body.endswith(b"line 19999\n")


def test_pyhtml_head_and_missing(site):
    mws, _, _ = site
    answer = parse_one(
        exchange(mws, request_bytes("HEAD", "/page.pyhtml", [("Connection", "close")])), "HEAD"
    )
    assert answer.status == 200 and answer.body == b""
    assert requests.get(url(mws, "/missing.pyhtml")).status_code == 404


def test_template_errors_with_and_without_show_debug(site):
    mws, _, pyhtml = site
    pyhtml.ShowDebug = False
    r = requests.get(url(mws, "/broken.pyhtml"))
    assert r.status_code == 500 and "broken.pyhtml" not in r.text
    pyhtml.ShowDebug = True
    try:
        r = requests.get(url(mws, "/broken.pyhtml"))
        assert r.status_code == 500 and "broken.pyhtml:1" in r.text
        r = requests.get(url(mws, "/fails.pyhtml"))
        assert r.status_code == 500 and "ZeroDivisionError" in r.text and "fails.pyhtml:2" in r.text
    finally:
        pyhtml.ShowDebug = False


def test_pyhtml_module_api_validation(site):
    _, _, pyhtml = site
    with pytest.raises(ValueError):
        pyhtml.SetGlobalVar("", 1)
    with pytest.raises(TypeError):
        pyhtml.ShowDebug = "yes"
    with pytest.raises(TypeError):
        pyhtml.CompiledPages = ""
    assert pyhtml.CompiledPages is None


def test_precompiled_pages_are_served_without_compiling(tmp_path, monkeypatch):
    """CompiledPages: pages precompiled at build time (tools/board.py build --pages)
    are served as they are, even with their .pyhtml files gone; nothing compiles."""
    from pyhtml import _compile
    from pyhtml.precompile import precompile_folder

    root = tmp_path / "www"
    root.mkdir()
    (root / "page.pyhtml").write_text(PAGE)
    (root / "sub").mkdir()
    (root / "sub" / "kept.pyhtml").write_text("<p>kept {{ 6 * 7 }}</p>")
    precompile_folder(str(root), str(tmp_path / "itest_pages.py"))
    (root / "page.pyhtml").unlink()  # a board needs no page file
    monkeypatch.syspath_prepend(str(tmp_path))

    def no_compile(*args):
        raise AssertionError("a precompiled page was compiled")

    monkeypatch.setattr(_compile, "compile_template", no_compile)
    pyhtml = MicroWebSrv2.LoadModule("PyhtmlTemplate")  # the site's, if loaded: restored
    site_before = pyhtml.GetGlobalVar("site")
    pyhtml.SetGlobalVar("site", "board")
    pyhtml.CompiledPages = "itest_pages"
    try:
        with running(root) as mws:
            r = requests.get(url(mws, "/page.pyhtml?q=1"))
            assert r.status_code == 200 and "total=6 site=board" in r.text
            assert "path=/page.pyhtml q=1" in r.text
            r = requests.get(url(mws, "/sub/kept.pyhtml"))
            assert r.status_code == 200 and "kept 42" in r.text
            assert requests.get(url(mws, "/other.pyhtml")).status_code == 404
    finally:
        pyhtml.CompiledPages = None
        pyhtml.SetGlobalVar("site", site_before)
