"""TrustedProxies on a real server, in both modes: X-Forwarded-For / X-Forwarded-Proto
and Forwarded are believed from a trusted peer only, and then only as far as the chain
of trusted proxies goes. The "client" of these tests connects from 127.0.0.2 (any
127/8 address is loopback on Linux), the "proxy" from 127.0.0.1."""

import json
import os
import socket
import subprocess
import sys

import pytest
from mws2_harness import LOOPBACK, parse_one, port_of, request_bytes, running

from mws2 import GET, MicroWebSrv2, WebRoute

PROXY = "127.0.0.1"
CLIENT = "127.0.0.2"


@WebRoute(GET, "/proxies/who")
def who(microWebSrv2, request):
    addr = request.UserAddress
    request.Response.ReturnOkJSON(
        {"addr": [addr[0], addr[1]], "ssl": request.IsSSL, "resp_ssl": request.Response.IsSSL}
    )


def _can_bind(host):
    try:
        with socket.socket() as sock:
            sock.bind((host, 0))
    except OSError:
        return False
    return True


needs_second_loopback = pytest.mark.skipif(
    not _can_bind(CLIENT), reason="%s is not a loopback address here (not Linux?)" % CLIENT
)


def ask(mws, source, headers=(), count=1):
    """GET /proxies/who from ``source`` (``count`` times on one connection)."""
    answers = []
    with socket.create_connection((LOOPBACK, port_of(mws)), timeout=5,
                                  source_address=(source, 0)) as sock:
        for index in range(count):
            extra = [("Connection", "close")] if index == count - 1 else []
            sock.sendall(request_bytes("GET", "/proxies/who", list(headers) + extra))
            data = b""
            while True:
                chunk = sock.recv(65536)
                data += chunk
                if not chunk or (b"\r\n\r\n" in data and data.endswith(b"}")):
                    break
            answer = parse_one(data) if index == count - 1 else None
            body = data.partition(b"\r\n\r\n")[2]
            answers.append(json.loads(body))
            assert answer is None or answer.status == 200
    return answers if count > 1 else answers[0]


def _trusting(*entries, header=None):
    def configure(mws):
        mws.TrustedProxies = list(entries)
        if header:
            mws.ForwardedHeader = header

    return configure


XFF = ("X-Forwarded-For", "192.0.2.1")
XFP = ("X-Forwarded-Proto", "https")


@needs_second_loopback
def test_x_forwarded_for_from_a_trusted_proxy(server_mode):
    with running(configure=_trusting(PROXY)) as mws:
        assert ask(mws, PROXY, [XFF, XFP]) == {
            "addr": ["192.0.2.1", 0], "ssl": True, "resp_ssl": True}
        # nothing forwarded: the proxy itself
        who = ask(mws, PROXY)
        assert who["addr"][0] == PROXY and who["ssl"] is False
        # keep-alive: every request of the connection is judged on its own headers
        first, second = ask(mws, PROXY, [XFF], count=2)
        assert first["addr"] == second["addr"] == ["192.0.2.1", 0]
        # a chain of proxies inside 10/8: the right-most untrusted address
        with running(configure=_trusting(PROXY, "10.0.0.0/8")) as chained:
            chain = ("X-Forwarded-For", "6.6.6.6, 192.0.2.1, 10.1.1.1, 10.2.2.2")
            assert ask(chained, PROXY, [chain])["addr"] == ["192.0.2.1", 0]


@needs_second_loopback
def test_headers_from_anyone_else_are_ignored(server_mode):
    with running(configure=_trusting(PROXY)) as mws:
        forged = [("X-Forwarded-For", "10.0.0.1"), XFP, ("Forwarded", "for=10.0.0.1")]
        who = ask(mws, CLIENT, forged)
        assert who["addr"][0] == CLIENT and who["ssl"] is False
    # and without TrustedProxies, from anyone at all
    with running() as mws:
        who = ask(mws, PROXY, [XFF, XFP])
        assert who["addr"][0] == PROXY and who["ssl"] is False


@needs_second_loopback
def test_spoofing_through_a_trusted_proxy(server_mode):
    """What a client can write reaches us in front of what the proxy appended."""
    with running(configure=_trusting(PROXY)) as mws:
        # client-forged address left of the one the proxy appended: the proxy's wins
        assert ask(mws, PROXY, [("X-Forwarded-For", "127.0.0.1, 192.0.2.1")])["addr"] == [
            "192.0.2.1", 0]
        # garbage as the proxy's entry: the proxy stands for the client
        assert ask(mws, PROXY, [("X-Forwarded-For", "10.9.9.9, not-an-ip")])["addr"][0] == PROXY
        # the header the proxy does not speak is ignored (it would be the client's own)
        assert ask(mws, PROXY, [("Forwarded", "for=6.6.6.6;proto=https")])["addr"][0] == PROXY
        # repeated fields make one list (RFC 9110 5.3): the last one is the nearest hop
        fields = [("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-For", "192.0.2.1")]
        assert ask(mws, PROXY, fields)["addr"] == ["192.0.2.1", 0]


def test_forwarded_header_mode(server_mode):
    with running(configure=_trusting(PROXY, header="Forwarded")) as mws:
        value = 'for=6.6.6.6;proto=http, for="[2001:db8::7]:4711";proto=https'
        assert ask(mws, PROXY, [("Forwarded", value)]) == {
            "addr": ["2001:db8::7", 4711], "ssl": True, "resp_ssl": True}
        assert ask(mws, PROXY, [XFF, XFP])["addr"][0] == PROXY  # X-Forwarded-* ignored


def test_access_log_and_websocket_see_the_client(server_mode, caplog):
    import logging

    import websockets.sync.client

    seen = []
    ws_module = MicroWebSrv2.LoadModule("WebSockets")
    previous = ws_module.OnWebSocketAccepted

    def accepted(microWebSrv2, webSocket):
        seen.append((webSocket.Request.UserAddress, webSocket.Request.IsSSL))
        webSocket.Close()

    def configure(mws):
        mws.TrustedProxies = [PROXY]
        mws.AccessLog = True  # into the logger "mws2.access"

    ws_module.OnWebSocketAccepted = accepted
    try:
        with caplog.at_level(logging.INFO, logger="mws2.access"), \
                running(configure=configure) as mws:
            ask(mws, PROXY, [XFF])
            uri = "ws://%s:%d/proxies/ws" % (LOOPBACK, port_of(mws))
            headers = {"X-Forwarded-For": "198.51.100.4", "X-Forwarded-Proto": "https"}
            with websockets.sync.client.connect(uri, additional_headers=headers,
                                                open_timeout=5) as ws:
                try:
                    ws.recv(timeout=5)
                except websockets.exceptions.ConnectionClosed:
                    pass
    finally:
        ws_module.OnWebSocketAccepted = previous
    assert seen == [(("198.51.100.4", 0), True)]
    lines = [r.getMessage() for r in caplog.records if r.name == "mws2.access"]
    assert any(line.startswith("192.0.2.1 - - [") for line in lines), lines


def test_nothing_loaded_without_trusted_proxies():
    """A server without TrustedProxies never imports mws2.proxies (its requests read
    the peer's address and TLS state straight from the connection)."""
    code = (
        "import sys\n"
        "from mws2 import GET, MicroWebSrv2, WebRoute\n"
        "from mws2.testing import TestClient\n"
        "@WebRoute(GET, '/a')\n"
        "def a(m, r):\n"
        "    r.Response.ReturnOk('%s %s' % (r.UserAddress[0], r.IsSSL))\n"
        "with TestClient(MicroWebSrv2()) as client:\n"
        "    answer = client.get('/a', headers={'X-Forwarded-For': '1.2.3.4'})\n"
        "print(answer.text, 'mws2.proxies' in sys.modules)\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=60)
    assert out.stdout.split() == ["127.0.0.1", "False", "False"], out.stderr
