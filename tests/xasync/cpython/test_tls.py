"""TLS through the pool: non-blocking handshake, echo, hostile and silent clients."""

import shutil
import socket
import ssl
import subprocess
import threading
import time

import pytest
from xasync_helpers import LOOPBACK, connect, recv_exact, recv_to_eof, send_all, wait_for

from xasync import XAsyncSocketsPool, XAsyncTCPClient, XAsyncTCPServer, XClosedReason


def _cert_with_openssl(folder):
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60)
    return cert, key


def _cert_with_cryptography(folder):
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture(scope="module")
def cert_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    if shutil.which("openssl"):
        return _cert_with_openssl(folder)
    try:
        return _cert_with_cryptography(folder)
    except ImportError:
        pytest.skip("no `openssl` command and no `cryptography` package to make a test cert")


@pytest.fixture
def server_ctx(cert_files):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert_files[0]), str(cert_files[1]))
    return ctx


@pytest.fixture
def client_ctx(cert_files):
    ctx = ssl.create_default_context(cafile=str(cert_files[0]))
    return ctx


@pytest.fixture
def pool():
    pool = XAsyncSocketsPool()
    yield pool
    pool.StopWaitEvents()


def _tls_echo_server(pool, server_ctx, reasons, errors=None, handshake_timeout=None):
    srv = XAsyncTCPServer.Create(pool, LOOPBACK)

    def accepted(server, cli):
        cli.OnClosed = lambda c, reason: reasons.append((reason, c.LastError, c.IsSSL))
        if handshake_timeout is not None:
            cli.SSLHandshakeTimeoutSec = handshake_timeout
        cli.StartSSLContext(server_ctx, serverSide=True)
        cli.AsyncRecvStream(lambda c, data, arg: c.AsyncSendData(data), timeoutSec=10)

    srv.OnClientAccepted = accepted
    return srv


def _wait_closed_by_server(sock):
    """Return once the server closed: EOF, maybe after a TLS alert, or a reset."""
    try:
        recv_to_eof(sock)
    except ConnectionResetError:
        pass  # closed with our unread request still queued: the kernel sends RST


def _tls_client(addr, client_ctx):
    raw = connect(addr)
    return client_ctx.wrap_socket(raw, server_hostname="localhost")


def test_tls_echo(pool, server_ctx, client_ctx):
    reasons = []
    srv = _tls_echo_server(pool, server_ctx, reasons)
    pool.AsyncWaitEvents(threadsCount=1)
    tls = _tls_client(srv.SrvAddr, client_ctx)
    for message in (b"hello", bytes(range(256)) * 800, b"bye"):
        send_all(tls, message)
        assert recv_exact(tls, len(message)) == message
    tls.close()
    assert wait_for(lambda: reasons)
    assert reasons[0][0] == XClosedReason.ClosedByPeer and reasons[0][2] is True


def test_silent_and_garbage_clients_do_not_block_others(pool, server_ctx, client_ctx):
    reasons = []
    srv = _tls_echo_server(pool, server_ctx, reasons, handshake_timeout=2)
    loop = threading.Thread(target=pool.AsyncWaitEvents, args=(0,))
    loop.start()
    silent = connect(srv.SrvAddr)  # never says a word: must time out, blocking nobody
    opened = time.time()
    garbage = connect(srv.SrvAddr)
    send_all(garbage, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")  # not TLS at all
    _wait_closed_by_server(garbage)  # raises socket.timeout if the server never closes
    garbage.close()
    tls = _tls_client(srv.SrvAddr, client_ctx)
    send_all(tls, b"fine")
    assert recv_exact(tls, 4) == b"fine"
    served_after = time.time() - opened
    # Served while the silent client is still inside its 2 s handshake window.
    assert XClosedReason.Timeout not in [r[0] for r in reasons], (reasons, served_after)
    tls.close()
    assert wait_for(lambda: len(reasons) == 3, 10)
    silent.close()
    by_reason = sorted(r[0] for r in reasons)
    assert by_reason == sorted([XClosedReason.Error, XClosedReason.Timeout,
                                XClosedReason.ClosedByPeer])
    error_entry = [r for r in reasons if r[0] == XClosedReason.Error][0]
    assert isinstance(error_entry[1], ssl.SSLError)
    assert time.time() - opened >= 1.9  # the timeout fired, not earlier
    pool.StopWaitEvents()
    loop.join(10)
    assert not loop.is_alive()


def test_outgoing_tls_client_to_tls_server(pool, server_ctx, client_ctx):
    reasons = []
    srv = _tls_echo_server(pool, server_ctx, reasons)
    got = []
    cli = XAsyncTCPClient.Create(pool, srv.SrvAddr)
    cli.StartSSLContext(client_ctx, serverSide=False, serverHostname="localhost")

    def on_data(c, data, arg):
        got.append(data)
        c.Close()

    cli.OnConnected = lambda c: c.AsyncSendData(b"over tls")
    cli.AsyncRecvData(8, on_data, timeoutSec=5)
    pool.AsyncWaitEvents(threadsCount=1)
    assert wait_for(lambda: got and reasons, 5)
    assert got == [b"over tls"] and cli.IsSSL


def test_start_ssl_rejects_bad_arguments(pool, server_ctx):
    srv = XAsyncTCPServer.Create(pool, LOOPBACK)
    cli = XAsyncTCPClient.Create(pool, srv.SrvAddr)
    with pytest.raises(TypeError):
        cli.StartSSLContext("not a context")
    cli.StartSSLContext(server_ctx, serverSide=False)
    from xasync import XAsyncTCPClientException

    with pytest.raises(XAsyncTCPClientException):
        cli.StartSSLContext(server_ctx)


def test_handshake_never_blocks_the_loop(pool, server_ctx):
    # A client that sends its hello one byte every 50 ms: the loop keeps serving a
    # plain echo server meanwhile, with sub-100 ms answers.
    reasons = []
    srv = _tls_echo_server(pool, server_ctx, reasons, handshake_timeout=5)
    plain = XAsyncTCPServer.Create(pool, LOOPBACK)
    plain.OnClientAccepted = lambda s, cli: cli.AsyncRecvStream(
        lambda c, d, a: c.AsyncSendData(d))
    pool.AsyncWaitEvents(threadsCount=1)
    slow = connect(srv.SrvAddr)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    with pytest.raises(ssl.SSLWantReadError):
        obj.do_handshake()
    hello = outgoing.read()
    echo = connect(plain.SrvAddr)
    worst = 0.0
    for i in range(0, min(len(hello), 12)):
        slow.send(hello[i : i + 1])
        started = time.time()
        send_all(echo, b"ping")
        assert recv_exact(echo, 4) == b"ping"
        worst = max(worst, time.time() - started)
        time.sleep(0.05)
    # A blocking handshake would hold the loop until the whole hello (~0.6 s) arrived.
    assert worst < 0.3, worst
    echo.close()
    slow.close()
    assert wait_for(lambda: reasons, 5)
    assert reasons[0][0] in (XClosedReason.ClosedByPeer, XClosedReason.Error)


def test_socket_module_is_stdlib():
    # Guard: these tests rely on the real socket/ssl modules, not a test double.
    assert socket.socket.__module__ == "socket"



def _half_close_server(pool, server_ctx, reasons, got):
    srv = XAsyncTCPServer.Create(pool, LOOPBACK)

    def on_shutdown(cli, arg):
        got.append(None)
        cli.AsyncSendData(b"answer:" + b"".join(got[:-1]), lambda c, a: c.Close())

    def accepted(server, cli):
        cli.OnClosed = lambda c, reason: reasons.append(reason)
        cli.StartSSLContext(server_ctx, serverSide=True)
        cli.AsyncRecvStream(lambda c, data, arg: got.append(data), None, 10, on_shutdown)

    srv.OnClientAccepted = accepted
    return srv


def test_tls_peer_close_notify_is_a_half_close_and_gets_the_answer(pool, server_ctx,
                                                                     client_ctx):
    """TLS 1.3 (RFC 8446 section 6.1): close_notify ends only the sender's direction."""
    reasons, got = [], []
    srv = _half_close_server(pool, server_ctx, reasons, got)
    pool.AsyncWaitEvents(threadsCount=1)
    sock = connect(srv.SrvAddr)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = client_ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")

    def flush():
        data = outgoing.read()
        if data:
            send_all(sock, data)

    try:
        for _ in range(100):
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                flush()
                incoming.write(sock.recv(65536))
        flush()
        tls.write(b"request bytes")
        with pytest.raises(ssl.SSLWantReadError):
            tls.unwrap()  # our close_notify; the peer's has not come yet
        flush()
        answer = b""
        while True:
            data = sock.recv(65536)
            if not data:
                break
            incoming.write(data)
            try:
                answer += tls.read(65536)
            except ssl.SSLWantReadError:
                continue
    finally:
        sock.close()
    assert answer == b"answer:request bytes"
    assert got[-1] is None and b"".join(got[:-1]) == b"request bytes"
    assert wait_for(lambda: reasons)
    assert reasons == [XClosedReason.ClosedByPeer]


def test_tls_peer_bare_tcp_half_close_ends_as_closed_by_peer(pool, server_ctx, client_ctx):
    """A TCP FIN without close_notify: OpenSSL will not write any more after it, so the
    answer fails; the notice still comes and the close says ClosedByPeer, not Error."""
    reasons, got = [], []
    srv = _half_close_server(pool, server_ctx, reasons, got)
    pool.AsyncWaitEvents(threadsCount=1)
    tls = _tls_client(srv.SrvAddr, client_ctx)
    try:
        send_all(tls, b"request bytes")
        # socket.socket.shutdown: the TCP half-close (SSLSocket.shutdown drops the TLS
        # session first).
        socket.socket.shutdown(tls, socket.SHUT_WR)
        tls.settimeout(10)
        try:
            tls.recv(100)
        except (ssl.SSLError, ConnectionResetError):
            pass  # an alert or a reset: either way, no answer
    finally:
        tls.close()
    assert wait_for(lambda: reasons)
    assert got[-1] is None and b"".join(got[:-1]) == b"request bytes"
    assert reasons == [XClosedReason.ClosedByPeer]
