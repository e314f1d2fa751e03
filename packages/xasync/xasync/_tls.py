"""TLS for a TCP client: the non-blocking handshake driven by the poller (mixed into
XAsyncTCPClient; the receive and send paths there only meet the "want" exceptions)."""

from ._compat import READ, WOULD_BLOCK, WRITE, ssl
from ._pool import XClosedReason

if ssl is not None and hasattr(ssl, "SSLWantReadError"):
    _SSL_WANT = (ssl.SSLWantReadError, ssl.SSLWantWriteError)
    _SSL_WANT_READ = ssl.SSLWantReadError
    _SSL_WANT_WRITE = ssl.SSLWantWriteError
    _SSL_CLOSED = (ssl.SSLZeroReturnError, ssl.SSLEOFError)
    _SSLContext = ssl.SSLContext
else:  # MicroPython: a non-blocking SSL socket reports EAGAIN / returns None
    _SSL_WANT = ()
    _SSL_WANT_READ = _SSL_WANT_WRITE = None
    _SSL_CLOSED = ()
    _SSLContext = getattr(ssl, "SSLContext", None) if ssl is not None else None

# Default TLS handshake deadline: a silent or hostile client holds nothing longer.
SSL_HANDSHAKE_TIMEOUT_SEC = 10


class TLSClientMixin:
    """StartSSLContext and the handshake; the state lives in XAsyncTCPClient.__init__
    (``_is_ssl``, ``_ssl_start``, ``SSLHandshakeTimeoutSec``)."""

    def StartSSLContext(self, sslContext, serverSide=True, serverHostname=None):
        """Wrap in TLS; the handshake runs through the poller before any data moves.

        serverHostname (client side): the name to send (SNI) and to check the
        certificate against when the context has check_hostname set.
        """
        if _SSLContext is None:
            raise _client_error("StartSSLContext: this port has no ssl.SSLContext")
        if not isinstance(sslContext, _SSLContext):
            raise TypeError("sslContext must be an ssl.SSLContext")
        if self._is_ssl or self._ssl_start is not None:
            raise _client_error("StartSSLContext: SSL already started")
        self._ssl_start = (sslContext, serverSide, serverHostname)
        self._on_loop(self._ssl_requested)

    def _ssl_requested(self):
        if self._closed or self._connecting:
            return  # started once connected
        self._begin_ssl(*self._ssl_start)

    def _begin_ssl(self, context, server_side, hostname):
        self._ready = False
        self._unregister_now()
        self._mask = 0
        options = {"server_side": server_side, "do_handshake_on_connect": False}
        if hostname is not None:
            options["server_hostname"] = hostname
        try:
            self._sock = context.wrap_socket(self._sock, **options)
        except (OSError, ValueError) as exc:
            self.LastError = exc
            self._close(XClosedReason.Error)
            return
        self._is_ssl = True
        self._ssl_start = None
        self._set_timeout(self.SSLHandshakeTimeoutSec)
        self._do_handshake()

    def _do_handshake(self):
        handshake = getattr(self._sock, "do_handshake", None)
        try:
            if handshake is not None:
                handshake()
        except _SSL_WANT as exc:
            self._set_mask(READ if isinstance(exc, _SSL_WANT_READ) else WRITE)
            return
        except OSError as exc:
            if exc.errno in WOULD_BLOCK:
                self._set_mask(READ | WRITE)
                return
            # A failed handshake closes this connection only; LastError keeps the cause.
            self.LastError = exc
            self._close(XClosedReason.Error)
            return
        self._clear_timeout()
        self._become_ready()

    def _drain_ssl(self, data):
        # Decrypted bytes already inside the SSL object never wake the poller: take them.
        pending = getattr(self._sock, "pending", None)
        while pending is not None and pending() > 0:
            try:
                more = self._sock.recv(pending())
            except _SSL_WANT:
                break
            if not more:
                break
            data += more
        return data

    def _ssl_read_ahead(self):
        pending = getattr(self._sock, "pending", None)
        if not self._closed and pending is not None and pending() > 0:
            self._on_readable()


def _client_error(message):
    from ._tcp import XAsyncTCPClientException  # (_tcp imports this module)

    return XAsyncTCPClientException(message)
