"""MicroWebSrv2's own API: presets, validation, start/stop, logging, TLS, shared pools."""

import logging
import ssl
import time

import pytest
import requests
from mws2_harness import LOOPBACK, LogCapture, connect, make_cert, running, url, wait_for

import mws2
from mws2 import GET, MicroWebSrv2, RegisterRoute, XAsyncSocketsPool
from mws2.server import MicroWebSrv2Exception
from mws2.testing import TestClient


def _hello(mws, request):
    request.Response.ReturnOk("hello %s" % ("https" if request.IsSSL else "http"))


RegisterRoute(_hello, GET, "/api-test/hello")


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    return make_cert(tmp_path_factory.mktemp("cert"))


def test_star_import_gives_the_microwebsrv2_names():
    namespace = {}
    exec("from mws2 import *", namespace)
    for name in (
        "MicroWebSrv2",
        "WebRoute",
        "RegisterRoute",
        "ResolveRoute",
        "PathFromRoute",
        "GET",
        "HEAD",
        "POST",
        "PUT",
        "DELETE",
        "OPTIONS",
        "PATCH",
        "HttpRequest",
        "HttpResponse",
        "XAsyncSocketsPool",
        "XAsyncTCPServer",
        "XAsyncTCPClient",
        "XAsyncUDPDatagram",
        "XBufferSlot",
        "XBufferSlots",
        "XClosedReason",
        "XFiFo",
    ):
        assert name in namespace, name


@pytest.mark.parametrize(
    "preset, values",
    [
        ("SetEmbeddedConfig", (8, 16, 1024, True, 16 * 1024)),
        ("SetLightConfig", (64, 128, 1024, True, 512 * 1024)),
        ("SetNormalConfig", (256, 512, 4 * 1024, True, 2 * 1024 * 1024)),
        ("SetLargeConfig", (512, 2048, 16 * 1024, True, 8 * 1024 * 1024)),
    ],
)
def test_presets(preset, values):
    mws = MicroWebSrv2()
    getattr(mws, preset)()
    assert (
        mws.ConnQueueCapacity,
        mws.BufferSlotsCount,
        mws.BufferSlotSize,
        mws.KeepAllocBufferSlots,
        mws.MaxRequestContentLength,
    ) == values


def test_defaults():
    mws = MicroWebSrv2()
    assert mws.BufferSlotsCount == 512  # CPython: the normal preset
    assert mws.BindAddress == ("0.0.0.0", 80) and mws.RootPath == "www"
    # 15 s on a PC (connections opened ahead of their requests), 2 s on a board
    assert mws.RequestsTimeoutSec == 15 and mws.NotFoundURL is None
    assert mws.AllowAllOrigins is False and mws.CORSAllowAll is False
    assert mws.OnLogging is None and mws.IsRunning is False and mws.IsSSLEnabled is False
    assert (MicroWebSrv2.DEBUG, MicroWebSrv2.INFO, MicroWebSrv2.WARNING, MicroWebSrv2.ERROR) == (
        0,
        1,
        2,
        3,
    )


@pytest.mark.parametrize(
    "prop, bad, exc",
    [
        ("ConnQueueCapacity", 0, ValueError),
        ("ConnQueueCapacity", "8", TypeError),
        ("BufferSlotsCount", -1, ValueError),
        ("BufferSlotSize", 1.5, TypeError),
        ("KeepAllocBufferSlots", 1, TypeError),
        ("MaxRequestContentLength", 0, ValueError),
        ("BindAddress", "0.0.0.0:80", TypeError),
        ("BindAddress", ("x", 70000), ValueError),
        ("RootPath", "", ValueError),
        ("RootPath", None, TypeError),
        ("RequestsTimeoutSec", 0, ValueError),
        ("NotFoundURL", 5, TypeError),
        ("AllowAllOrigins", "yes", TypeError),
        ("CORSAllowAll", None, TypeError),
        ("OnLogging", "print", TypeError),
    ],
)
def test_setters_validate_and_name_the_argument(prop, bad, exc):
    with pytest.raises(exc) as info:
        setattr(MicroWebSrv2(), prop, bad)
    assert prop in str(info.value)


def test_static_helpers():
    assert MicroWebSrv2.HTMLEscape("<a href=\"x\">'&'</a>") == (
        "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;"
    )
    with pytest.raises(TypeError):
        MicroWebSrv2.HTMLEscape(5)
    assert MicroWebSrv2.GetMimeTypeFromFilename("a/b.JPEG") == "image/jpeg"
    assert MicroWebSrv2.GetMimeTypeFromFilename("noext") is None
    with pytest.raises(ValueError):
        MicroWebSrv2.AddMimeType("tar", "application/x-tar")
    with pytest.raises(ValueError):
        MicroWebSrv2.AddDefaultPage("")


def test_config_refused_while_running_and_start_twice():
    with running() as mws:
        assert mws.IsRunning
        for action in (
            mws.SetLightConfig,
            lambda: setattr(mws, "BufferSlotSize", 10),
            lambda: setattr(mws, "BindAddress", ("127.0.0.1", 1)),
            lambda: mws.StartManaged(),
            mws.DisableSSL,
        ):
            with pytest.raises(MicroWebSrv2Exception):
                action()
    assert not mws.IsRunning


def test_start_argument_validation():
    mws = MicroWebSrv2()
    with pytest.raises(ValueError):
        mws.StartManaged(parllProcCount=-1)
    with pytest.raises(TypeError):
        mws.StartInPool("pool")


def test_stop_twice_and_restart_on_the_same_port():
    with running() as mws:
        port = mws.BoundAddress[1]
        assert requests.get(url(mws, "/api-test/hello")).text == "hello http"
    mws.Stop()
    mws.BindAddress = (LOOPBACK, port)
    mws.StartManaged(parllProcCount=1)
    try:
        assert requests.get("http://127.0.0.1:%d/api-test/hello" % port).text == "hello http"
    finally:
        mws.Stop()


def test_bind_failure_is_reported():
    with running() as first:
        second = MicroWebSrv2()
        second.BindAddress = first.BoundAddress
        with pytest.raises(MicroWebSrv2Exception):
            second.StartManaged()
        assert not second.IsRunning


def test_logging_goes_to_on_logging_else_python_logging(caplog):
    log = LogCapture()

    def configure(mws):
        mws.OnLogging = log

    with running(configure=configure) as mws:
        mws.Log("custom message", MicroWebSrv2.WARNING)
    assert (MicroWebSrv2.WARNING, "custom message") in log.lines
    assert any("listening" in msg for _, msg in log.lines)
    caplog.set_level(logging.DEBUG, logger="mws2")
    with running() as mws:
        requests.get(url(mws, "/api-test/hello"))
        mws.Log(12345, MicroWebSrv2.ERROR)
    records = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
    assert ("mws2", logging.ERROR, "12345") in records
    # Each request is a line of the access log (the logger "mws2.access", INFO).
    assert any(
        name == "mws2.access" and level == logging.INFO and "GET /api-test/hello" in msg
        for name, level, msg in records
    )


def test_failing_on_logging_falls_back():
    mws = MicroWebSrv2()

    def broken(m, msg, kind):
        raise RuntimeError("logger down")

    mws.OnLogging = broken
    mws.Log("still logged", MicroWebSrv2.INFO)  # must not raise


def test_cors_allow_all_origins_and_preflight():
    mws = MicroWebSrv2()
    mws.AllowAllOrigins = True
    with TestClient(mws) as client:  # answers only: no socket needed
        r = client.get("/api-test/hello", headers={"Origin": "http://a.example"})
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        mws.CORSAllowAll = True
        r = client.options(
            "/api-test/hello",
            headers={
                "Origin": "http://a.example",
                "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": "X-Token, Content-Type",
            },
        )
        assert r.status == 204
        assert r.headers["Access-Control-Allow-Origin"] == "http://a.example"
        assert r.headers["Access-Control-Allow-Methods"] == "PUT"
        assert r.headers["Access-Control-Allow-Headers"] == "X-Token, Content-Type"
        assert r.headers["Access-Control-Allow-Credentials"] == "true"
        assert r.headers["Access-Control-Max-Age"] == "86400"


def test_enable_ssl_switches_80_and_443(cert):
    mws = MicroWebSrv2()
    mws.EnableSSL(*cert)
    assert mws.IsSSLEnabled and mws.BindAddress == ("0.0.0.0", 443)
    mws.DisableSSL()
    assert not mws.IsSSLEnabled and mws.BindAddress == ("0.0.0.0", 80)
    mws.BindAddress = ("0.0.0.0", 8000)
    mws.EnableSSL(*cert)
    assert mws.BindAddress == ("0.0.0.0", 8000)
    with pytest.raises(ValueError):
        mws.EnableSSL("/nonexistent.crt", "/nonexistent.key")
    with pytest.raises(ValueError):
        mws.EnableSSL("", cert[1])


def test_https_and_bad_handshake_closes_only_that_socket(cert):
    def configure(mws):
        mws.EnableSSL(*cert)

    with running(configure=configure) as mws:
        r = requests.get(url(mws, "/api-test/hello", "https"), verify=cert[0])
        assert r.text == "hello https"
        with connect(mws) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")  # plain HTTP to a TLS port
            sock.settimeout(3)
            try:
                sock.recv(1024)
            except (ConnectionResetError, TimeoutError):
                pass
        context = ssl.create_default_context(cafile=cert[0])
        with connect(mws) as raw, context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            tls.sendall(b"GET /api-test/hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                more = tls.recv(4096)
                if not more:
                    break
                data += more
        assert data.endswith(b"hello https")


def test_dual_http_https_in_one_pool_as_documented(cert):
    pool = XAsyncSocketsPool()
    srv_http, srv_https = MicroWebSrv2(), MicroWebSrv2()
    srv_http.BindAddress = (LOOPBACK, 0)
    srv_https.BindAddress = (LOOPBACK, 0)
    srv_https.EnableSSL(certFile=cert[0], keyFile=cert[1])
    srv_http.StartInPool(pool)
    srv_https.StartInPool(pool)
    pool.AsyncWaitEvents(threadsCount=1)
    try:
        assert wait_for(lambda: srv_http.IsRunning and srv_https.IsRunning)
        assert requests.get(url(srv_http, "/api-test/hello")).text == "hello http"
        r = requests.get(url(srv_https, "/api-test/hello", "https"), verify=cert[0])
        assert r.text == "hello https"
    finally:
        srv_http.Stop()
        srv_https.Stop()
        pool.StopWaitEvents()
    assert not srv_http.IsRunning


def test_import_is_light():
    import subprocess
    import sys

    code = (
        "import sys, mws2; print(sorted(m for m in sys.modules if m.startswith(('wsframe',"
        " 'pyhtml', 'json', 'mws2.mods'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=30,
        env=_env_with_packages(),
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]" and out.stderr == "", (out.stdout, out.stderr)


def _env_with_packages():
    import os
    import sys

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return env


def test_managed_in_calling_thread_blocks_until_stopped():
    import threading

    mws = MicroWebSrv2()
    mws.BindAddress = (LOOPBACK, 0)
    thread = threading.Thread(target=lambda: mws.StartManaged(parllProcCount=0))
    thread.start()
    assert wait_for(lambda: mws.IsRunning)
    assert requests.get(url(mws, "/api-test/hello")).text == "hello http"
    mws.Stop()
    thread.join(5)
    assert not thread.is_alive() and not mws.IsRunning
    time.sleep(0)
    assert mws2.__version__ == "0.1.0"


@pytest.mark.parametrize("threads", [0, 2])
def test_losing_the_listening_socket_stops_the_server_and_a_restart_works(threads):
    # Bug 7b: the listener closed without Stop() (here its accept handler raises, and
    # xasync closes a socket whose handler raised): ERROR logged, IsRunning False.
    log = LogCapture()

    def configure(mws):
        mws.OnLogging = log

    with running(threads=threads, configure=configure) as mws:
        srv = mws._driver.srv

        def broken_accept(mask):
            raise RuntimeError("accept handler bug")

        srv._on_events = broken_accept
        try:
            socket_ = connect(mws, timeout=2)
            socket_.close()
        except OSError:
            pass
        assert wait_for(lambda: not mws.IsRunning, timeout=5)
        assert "lost its listening socket" in log.text(MicroWebSrv2.ERROR)
        mws.StartManaged(parllProcCount=1)
        assert mws.IsRunning
        assert requests.get(url(mws, "/api-test/hello"), timeout=5).text == "hello http"
