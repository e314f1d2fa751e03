"""AsyncSendFile: os.sendfile when possible, chunked reads otherwise (TLS, BytesIO)."""

import io
import os
import ssl

import pytest
from xasync_helpers import LOOPBACK, connect, recv_to_eof, wait_for

import xasync._compat as compat
from xasync import XAsyncSocketsPool, XAsyncTCPServer

SIZE = 5 * 1024 * 1024 + 123


@pytest.fixture
def big_file(tmp_path):
    path = tmp_path / "big.bin"
    data = os.urandom(SIZE)
    path.write_bytes(data)
    return path, data


@pytest.fixture
def pool():
    pool = XAsyncSocketsPool()
    yield pool
    pool.StopWaitEvents()


@pytest.fixture
def sendfile_calls(monkeypatch):
    calls = []
    real = os.sendfile

    def counting(out_fd, in_fd, offset, count):
        calls.append(count)
        return real(out_fd, in_fd, offset, count)

    monkeypatch.setattr(compat, "_os_sendfile", counting)
    return calls


def _file_server(pool, make_file, offset, count, events):
    srv = XAsyncTCPServer.Create(pool, LOOPBACK)

    def accepted(server, cli):
        fileobj = make_file()

        def done(c, arg):
            events.append(("sent", arg, c.SendingQueueSize))
            fileobj.close()
            c.Close()

        assert cli.AsyncSendFile(fileobj, offset, count, done, "file")

    srv.OnClientAccepted = accepted
    return srv


@pytest.mark.parametrize("offset,count", [(0, None), (100, 3_000_000), (SIZE - 10, None)])
def test_sendfile_zero_copy(pool, big_file, sendfile_calls, offset, count):
    path, data = big_file
    events = []
    srv = _file_server(pool, lambda: open(path, "rb"), offset, count, events)
    pool.AsyncWaitEvents(threadsCount=1)
    sock = connect(srv.SrvAddr)
    got = recv_to_eof(sock)
    sock.close()
    end = SIZE if count is None else offset + count
    assert got == data[offset:end]
    assert wait_for(lambda: events, 5)
    assert events == [("sent", "file", 0)]
    assert sendfile_calls, "os.sendfile was not used"


def test_file_without_fileno_uses_chunks(pool, big_file, sendfile_calls):
    path, data = big_file
    events = []
    srv = _file_server(pool, lambda: io.BytesIO(data), 7, None, events)
    pool.AsyncWaitEvents(threadsCount=1)
    sock = connect(srv.SrvAddr)
    got = recv_to_eof(sock)
    sock.close()
    assert got == data[7:]
    assert sendfile_calls == []


def test_file_over_tls_uses_chunks(pool, big_file, sendfile_calls, tmp_path):
    import subprocess

    key, cert = tmp_path / "k.pem", tmp_path / "c.pem"
    try:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key),
                        "-out", str(cert), "-days", "1", "-subj", "/CN=localhost"],
                       check=True, capture_output=True, timeout=60)
    except FileNotFoundError:
        pytest.skip("no openssl command (test_tls.py covers the cryptography route)")
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(str(cert), str(key))
    path, data = big_file
    srv = XAsyncTCPServer.Create(pool, LOOPBACK)
    opened = []

    def accepted(server, cli):
        cli.StartSSLContext(server_ctx)
        opened.append(open(path, "rb"))
        cli.AsyncSendFile(opened[0], 0, 2_000_000, lambda c, a: c.Close())

    srv.OnClientAccepted = accepted
    pool.AsyncWaitEvents(threadsCount=1)
    client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client_ctx.check_hostname = False
    client_ctx.verify_mode = ssl.CERT_NONE
    tls = client_ctx.wrap_socket(connect(srv.SrvAddr), server_hostname="localhost")
    got = b""
    while True:
        try:
            part = tls.recv(65536)
        except ssl.SSLEOFError:
            break
        if not part:
            break
        got += part
    tls.close()
    opened[0].close()
    assert got == data[:2_000_000]
    assert sendfile_calls == []
