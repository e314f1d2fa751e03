"""xasync: a managed pool of asynchronous sockets with XAsyncSockets' API.

epoll/kqueue (through `selectors`) on CPython, `select.poll` on MicroPython; optional
worker threads; TLS with a non-blocking handshake; zero-copy file sending.
"""

from ._buffers import XBufferSlot, XBufferSlots, XFiFo, XFiFoException
from ._pool import (
    XAsyncSocketException,
    XAsyncSocketsPool,
    XAsyncSocketsPoolException,
    XClosedReason,
)
from ._socket import XAsyncSocket
from ._server import XAsyncTCPServer, XAsyncTCPServerException
from ._tcp import XAsyncTCPClient, XAsyncTCPClientException
from ._udp import XAsyncUDPDatagram, XAsyncUDPDatagramException

__version__ = "0.1.0"

__all__ = [
    "XAsyncSocketsPool",
    "XAsyncSocketsPoolException",
    "XClosedReason",
    "XAsyncSocket",
    "XAsyncSocketException",
    "XAsyncTCPServer",
    "XAsyncTCPServerException",
    "XAsyncTCPClient",
    "XAsyncTCPClientException",
    "XAsyncUDPDatagram",
    "XAsyncUDPDatagramException",
    "XBufferSlot",
    "XBufferSlots",
    "XFiFo",
    "XFiFoException",
]
