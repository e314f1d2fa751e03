"""TLS for a TCP client, loaded by the first `StartSSLContext`: the non-blocking
handshake driven by the poller, and what TLS changes on the receive and send paths
(`XAsyncTCPClient` calls in here only once the client is TLS)."""

from ._compat import WOULD_BLOCK, const, without_traceback
from ._pool import XClosedReason
from ._tcp import XAsyncTCPClientException

try:
    import ssl
except ImportError:  # a build without TLS
    ssl = None

_READ = const(1)
_WRITE = const(2)

_SSLContext = getattr(ssl, "SSLContext", None)
if hasattr(ssl, "SSLWantReadError"):
    _SSL_WANT = (ssl.SSLWantReadError, ssl.SSLWantWriteError)
    _SSL_CLOSED = (ssl.SSLZeroReturnError, ssl.SSLEOFError)
else:  # MicroPython: a non-blocking SSL socket raises EAGAIN or returns None
    _SSL_WANT = _SSL_CLOSED = ()


def start(cli, sslContext, serverSide=True, serverHostname=None):
    """XAsyncTCPClient.StartSSLContext (serverHostname, client side: the name to send
    (SNI) and to check the certificate against when the context checks host names)."""
    context = sslContext
    if _SSLContext is None:
        raise XAsyncTCPClientException("StartSSLContext: this port has no ssl.SSLContext")
    if not isinstance(context, _SSLContext):
        raise TypeError("sslContext must be an ssl.SSLContext")
    if cli._is_ssl or cli._ssl_start is not None:
        raise XAsyncTCPClientException("StartSSLContext: SSL already started")
    cli._ssl_start = (context, serverSide, serverHostname)
    cli._on_loop(_requested, cli)


def _requested(cli):
    if not cli._closed and not cli._connecting:  # else started once connected
        begin(cli, *cli._ssl_start)


def begin(cli, context, server_side, hostname):
    cli._ready = False
    # Forget the plain socket in the poller now, before it is replaced by its wrapper.
    if cli._registered_mask and cli._pool._poller is not None:
        cli._pool._poller.unregister(cli._sock)
    cli._registered_mask = 0
    cli._mask = 0
    options = {"server_side": server_side, "do_handshake_on_connect": False}
    if hostname is not None:
        options["server_hostname"] = hostname
    try:
        cli._sock = context.wrap_socket(cli._sock, **options)
    except (OSError, ValueError) as exc:
        cli.LastError = without_traceback(exc)
        cli._close(XClosedReason.Error)
        return
    cli._is_ssl = True
    cli._ssl_start = None
    cli._set_timeout(cli.SSLHandshakeTimeoutSec)
    handshake(cli)


def handshake(cli):
    do_handshake = getattr(cli._sock, "do_handshake", None)
    try:
        if do_handshake is not None:
            do_handshake()
    except OSError as exc:
        if isinstance(exc, _SSL_WANT):
            cli._set_mask(_READ if isinstance(exc, ssl.SSLWantReadError) else _WRITE)
            return
        if exc.errno in WOULD_BLOCK:
            cli._set_mask(_READ | _WRITE)
            return
        # A failed handshake closes this connection only; LastError keeps the cause.
        cli.LastError = without_traceback(exc)
        cli._close(XClosedReason.Error)
        return
    cli._timeout_ms = 0
    cli._become_ready()


def io_error(cli, exc, reading):
    """What a recv/send error means under TLS: True "not now", False handled, None: as
    for a plain socket."""
    if isinstance(exc, _SSL_WANT):
        return True
    if reading and isinstance(exc, _SSL_CLOSED):  # close_notify, or a bare TCP EOF
        cli._peer_ended()
        return False
    return None


def drain(cli, data):
    """Decrypted bytes already inside the SSL object never wake the poller: take them."""
    pending = getattr(cli._sock, "pending", None)
    while pending is not None and pending() > 0:
        try:
            more = cli._sock.recv(pending())
        except _SSL_WANT:
            break
        if not more:
            break
        data += more
    return data


def read_ahead(cli):
    pending = getattr(cli._sock, "pending", None)
    if not cli._closed and pending is not None and pending() > 0:
        cli._on_readable()
