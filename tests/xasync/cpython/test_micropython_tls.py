"""The pool's TLS server on the MicroPython unix port, driven by a CPython TLS client."""

import shutil
import socket
import ssl
import subprocess

import pytest

REPO = __file__.rsplit("/tests/", 1)[0]

SERVER = """
import sys, ssl
sys.path.insert(0, %(pkg)r)
from xasync import XAsyncSocketsPool, XAsyncTCPServer
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(%(cert)r, %(key)r)
pool = XAsyncSocketsPool()
srv = XAsyncTCPServer.Create(pool, ('127.0.0.1', 0))
def closed(c, reason):
    print('CLOSED', reason, c.IsSSL)
    pool.StopWaitEvents()
def accepted(s, cli):
    cli.OnClosed = closed
    cli.StartSSLContext(ctx)
    cli.AsyncRecvStream(lambda c, d, a: c.AsyncSendData(d), timeoutSec=5)
srv.OnClientAccepted = accepted
print('PORT', srv.SrvAddr[1])
pool.CallLater(20, pool.StopWaitEvents)
pool.AsyncWaitEvents(0)
"""


@pytest.fixture(scope="module")
def der_cert(tmp_path_factory):
    if not shutil.which("micropython") or not shutil.which("openssl"):
        pytest.skip("needs the micropython and openssl commands")
    folder = tmp_path_factory.mktemp("mptls")
    pem_key, pem_cert = folder / "k.pem", folder / "c.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(pem_key),
                    "-out", str(pem_cert), "-days", "1", "-subj", "/CN=localhost"],
                   check=True, capture_output=True, timeout=60)
    # MicroPython's mbedTLS loads DER files.
    cert, key = folder / "c.der", folder / "k.der"
    subprocess.run(["openssl", "x509", "-in", str(pem_cert), "-outform", "DER", "-out",
                    str(cert)], check=True, capture_output=True, timeout=60)
    subprocess.run(["openssl", "ec", "-in", str(pem_key), "-outform", "DER", "-out", str(key)],
                   check=True, capture_output=True, timeout=60)
    return str(cert), str(key)


def _start(der_cert):
    script = SERVER % {"pkg": REPO + "/packages/xasync", "cert": der_cert[0], "key": der_cert[1]}
    proc = subprocess.Popen(["micropython", "-X", "heapsize=4M", "-c", script],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = proc.stdout.readline()
    assert line.startswith("PORT "), line + proc.stdout.read()
    return proc, int(line.split()[1])


def test_micropython_tls_echo(der_cert):
    proc, port = _start(der_cert)
    try:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        tls = ctx.wrap_socket(raw, server_hostname="localhost")
        for message in (b"hello", b"m" * 20000):
            tls.sendall(message)
            got = b""
            while len(got) < len(message):
                got += tls.recv(65536)
            assert got == message
        tls.close()
        out, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "CLOSED 2 True" in out, out


def test_micropython_tls_garbage_closes_with_error(der_cert):
    proc, port = _start(der_cert)
    try:
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        raw.sendall(b"GET / HTTP/1.1\r\n\r\n")
        try:
            raw.recv(100)
        except ConnectionResetError:
            pass  # closed with our bytes unread: RST
        raw.close()
        out, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "CLOSED 0 True" in out, out
