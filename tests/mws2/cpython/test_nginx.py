"""mws2 behind nginx, with the configuration of docs/nginx.md as written there.

nginx (installed from Debian if missing) runs from a temporary prefix on loopback in
front of two mws2 instances (one in the pool mode, one in the asyncio mode) that trust
127.0.0.1 as their proxy. The client connects from 127.0.0.2, so what mws2 reports as
UserAddress can only come from nginx's X-Forwarded-For; HTTPS ends at nginx, so IsSSL
can only come from X-Forwarded-Proto."""

import asyncio
import hashlib
import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import time

import pytest
from debian_tools import ensure
from mws2_harness import make_cert, running, wait_for

from mws2 import GET, MicroWebSrv2, WebRoute

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
DOC = os.path.join(REPO, "docs", "nginx.md")
CLIENT = "127.0.0.2"
NAMES = {}  # id(server) -> "A" / "B"


def _who(mws2, request):
    addr = request.UserAddress
    return {"instance": NAMES.get(id(mws2)), "addr": addr[0], "port": addr[1],
            "ssl": request.IsSSL}


@WebRoute(GET, "/nginx/who")
def who(microWebSrv2, request):
    request.Response.ReturnOkJSON(_who(microWebSrv2, request))


@WebRoute(GET, "/events/ticks")
async def ticks(microWebSrv2, request):
    events = request.Response.ReturnEventStream()
    await events.Send("tick 0")
    await asyncio.sleep(2)  # the client must have "tick 0" long before this ends
    await events.Send("tick 1")
    events.Close()


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_conf_from_doc(ports):
    """The ```nginx block of docs/nginx.md with the test's ports in place of the doc's."""
    with open(DOC, encoding="utf-8") as f:
        blocks = re.findall(r"```nginx\n(.*?)```", f.read(), re.S)
    assert len(blocks) == 1, "docs/nginx.md must hold one nginx block"
    conf = blocks[0]
    for doc_port, port in ports.items():
        address = "127.0.0.1:%d" % doc_port
        assert address in conf, address
        conf = conf.replace(address, "127.0.0.1:%d" % port)
    return conf


@pytest.fixture(scope="module")
def nginx_path():
    return ensure("nginx", "nginx")


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    (root / "page.html").write_text("<p>static through nginx</p>")
    (root / "big.zip").write_bytes(os.urandom(300 * 1024))
    return root


@pytest.fixture
def setup(nginx_path, site, tmp_path):
    """Two mws2 instances and nginx in front, from the doc's configuration."""
    module = MicroWebSrv2.LoadModule("WebSockets")
    previous = module.OnWebSocketAccepted

    def accepted(mws2, webSocket):
        def on_text(ws, msg):
            ws.SendTextMessage(json.dumps(dict(_who(mws2, ws.Request), echo=msg)))

        webSocket.OnTextMessage = on_text

    module.OnWebSocketAccepted = accepted

    def configure(mws):
        mws.TrustedProxies = ["127.0.0.1"]

    prefix = tmp_path / "nginx"
    for folder in ("logs", "temp"):
        (prefix / folder).mkdir(parents=True)
    make_cert(prefix)  # cert.pem, key.pem beside nginx.conf, as the doc says
    try:
        with running(root=site, configure=configure, mode="pool") as a, \
                running(root=site, configure=configure, mode="asyncio") as b:
            NAMES[id(a)], NAMES[id(b)] = "A", "B"
            http_port, https_port = _free_port(), _free_port()
            conf = nginx_conf_from_doc({8080: http_port, 8443: https_port,
                                        8001: a.BoundAddress[1], 8002: b.BoundAddress[1]})
            conf_path = prefix / "nginx.conf"
            conf_path.write_text(conf)
            proc = subprocess.Popen(
                [nginx_path, "-p", str(prefix), "-c", str(conf_path), "-e", "logs/error.log",
                 "-g", "daemon off;"],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            try:
                ready = wait_for(lambda: proc.poll() is not None or (
                    _listens(http_port) and _listens(https_port)), timeout=15)
                if proc.poll() is not None or not ready:
                    log = (prefix / "logs" / "error.log")
                    raise AssertionError("nginx did not start: %s %s" % (
                        proc.stdout.read() if proc.poll() is not None else b"",
                        log.read_text() if log.exists() else ""))
                yield {"http": http_port, "https": https_port, "cert": str(prefix / "cert.pem"),
                       "prefix": prefix}
            finally:
                proc.send_signal(signal.SIGQUIT)  # graceful: let open connections end
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
    finally:
        module.OnWebSocketAccepted = previous


def _listens(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def _connection(setup, tls=False):
    if tls:
        context = ssl.create_default_context(cafile=setup["cert"])
        return http.client.HTTPSConnection("127.0.0.1", setup["https"], timeout=10,
                                           source_address=(CLIENT, 0), context=context)
    return http.client.HTTPConnection("127.0.0.1", setup["http"], timeout=10,
                                      source_address=(CLIENT, 0))


def _get(setup, path, tls=False, headers=None):
    conn = _connection(setup, tls)
    try:
        conn.request("GET", path, headers=dict(headers or {}, Connection="close"))
        answer = conn.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        conn.close()


def test_http_and_https_reach_both_instances_with_the_client_address(setup):
    seen = set()
    for tls in (False, True):
        for _ in range(8):
            status, _headers, body = _get(setup, "/nginx/who", tls=tls)
            assert status == 200
            who = json.loads(body)
            seen.add(who["instance"])
            # the client as nginx saw it (not nginx's 127.0.0.1), over TLS or not
            assert (who["addr"], who["port"], who["ssl"]) == (CLIENT, 0, tls)
    assert seen == {"A", "B"}, "both mws2 instances seen serving"


def test_forged_headers_do_not_pass_through_nginx(setup):
    forged = {"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https",
              "Forwarded": "for=6.6.6.6;proto=https"}
    for tls in (False, True):
        status, _headers, body = _get(setup, "/nginx/who", tls=tls, headers=forged)
        who = json.loads(body)
        assert status == 200 and (who["addr"], who["ssl"]) == (CLIENT, tls)


def test_static_files_through_nginx(setup, site):
    status, headers, body = _get(setup, "/page.html")
    assert status == 200 and body == b"<p>static through nginx</p>"
    assert headers["Content-Type"].startswith("text/html")
    status, _headers, body = _get(setup, "/big.zip", tls=True)
    expected = (site / "big.zip").read_bytes()
    assert status == 200 and hashlib.sha256(body).digest() == hashlib.sha256(expected).digest()
    assert _get(setup, "/missing.html")[0] == 404


def test_server_sent_events_are_not_buffered(setup):
    conn = _connection(setup)
    try:
        started = time.monotonic()
        conn.request("GET", "/events/ticks")
        answer = conn.getresponse()
        assert answer.status == 200
        assert answer.getheader("Content-Type").startswith("text/event-stream")
        first = b""
        while b"\n\n" not in first:
            first += answer.read1(4096)
        assert first.startswith(b"data: tick 0") and time.monotonic() - started < 1.5
        assert b"data: tick 1" in answer.read()
    finally:
        conn.close()


def test_websockets_through_nginx(setup):
    import websockets.sync.client

    seen = set()
    for tls in (False, True, False, True):
        sock = socket.create_connection(
            ("127.0.0.1", setup["https" if tls else "http"]), timeout=10,
            source_address=(CLIENT, 0))
        scheme = "wss" if tls else "ws"
        uri = "%s://127.0.0.1:%d/chat" % (scheme, setup["https" if tls else "http"])
        context = ssl.create_default_context(cafile=setup["cert"]) if tls else None
        with websockets.sync.client.connect(uri, sock=sock, ssl=context,
                                            open_timeout=10) as ws:
            for n in range(3):
                ws.send("hello %d" % n)
                who = json.loads(ws.recv(timeout=10))
                assert who["echo"] == "hello %d" % n
                assert (who["addr"], who["ssl"]) == (CLIENT, tls)
            seen.add(who["instance"])
    assert seen == {"A", "B"}
