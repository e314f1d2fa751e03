"""Outgoing TCP connections (`XAsyncTCPClient.Create`), loaded on first use: a server
that only accepts never pays for them."""

import errno
import socket

from ._buffers import XBufferSlot
from ._compat import const, resolve, set_nodelay, to_tuple, without_traceback
from ._pool import XClosedReason
from ._tcp import XAsyncTCPClient, XAsyncTCPClientException

_WRITE = const(2)
_ERR = const(4)


def create(asyncSocketsPool, srvAddr, connectTimeout=5, recvBufLen=4096, sendBufLen=4096,
           connectAsync=True):
    """XAsyncTCPClient.Create."""
    pool, srv_addr, connect_timeout, connect_async = (asyncSocketsPool, srvAddr,
                                                      connectTimeout, connectAsync)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if connect_async:
            sock.setblocking(False)
            try:
                sock.connect(resolve(srv_addr))
            except OSError as exc:
                if exc.errno not in (errno.EINPROGRESS, errno.EAGAIN,
                                     getattr(errno, "EALREADY", errno.EINPROGRESS)):
                    raise
        else:
            sock.settimeout(connect_timeout)
            sock.connect(resolve(srv_addr))
            sock.setblocking(False)
    except OSError as exc:
        sock.close()
        raise XAsyncTCPClientException(
            "Create: cannot connect to %r: %s" % (srv_addr, exc)) from exc
    set_nodelay(sock)
    cli = XAsyncTCPClient(pool, sock, srv_addr, None, XBufferSlot(recvBufLen),
                          XBufferSlot(sendBufLen))
    if connect_async:
        cli._connecting = True
        cli._on_loop(_start_connect, cli, connect_timeout)
    else:
        # Later, on the loop: the caller sets OnConnected after Create returns.
        pool.CallSoon(_on_connected, cli)
    return cli


def _start_connect(cli, timeout):
    cli._ready = False
    cli._set_timeout(timeout)
    cli._set_mask(_WRITE)


def on_connect_event(cli, mask):
    # The pending error of the connect (0: connected), when the port can say; where it
    # cannot (MicroPython), a refused connect shows as POLLERR / POLLHUP.
    error = 0
    if hasattr(cli._sock, "getsockopt") and hasattr(socket, "SO_ERROR"):
        error = cli._sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if mask & _ERR or error:
        fails_to_connect(cli, OSError(error, "connect failed") if error else None)
        return
    cli._connecting = False
    cli._timeout_ms = 0
    _on_connected(cli)


def fails_to_connect(cli, exc):
    cli.LastError = without_traceback(exc)
    handler = cli.OnFailsToConnect
    if handler is not None:
        cli._pool._dispatch(cli, handler, (cli,))
    cli._close(XClosedReason.Error, triggerOnClosed=False)


def _on_connected(cli):
    if cli._closed:
        return
    if cli._cli_addr is None and hasattr(cli._sock, "getsockname"):
        try:
            cli._cli_addr = to_tuple(cli._sock.getsockname())
        except OSError:
            pass  # unconnected after all: the first I/O will say
    handler = cli.OnConnected
    if handler is not None:
        cli._pool._dispatch(cli, handler, (cli,))
    if cli._ssl_start is not None:
        from ._tls import begin

        begin(cli, *cli._ssl_start)
    else:
        cli._become_ready()
