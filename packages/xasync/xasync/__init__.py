"""xasync: a managed pool of asynchronous sockets with XAsyncSockets' API.

epoll/kqueue (through `selectors`) on CPython, `select.poll` on MicroPython; optional
worker threads; TLS with a non-blocking handshake; zero-copy file sending.

Importing the package loads what a TCP server needs (the pool, the server, its
clients). UDP and the buffer classes load on first use of their names (module
`__getattr__`); TLS, outgoing connects, file sending and worker threads load when first
used.
"""

from ._pool import (  # noqa: F401 - the package's public names
    XAsyncSocket,
    XAsyncSocketsPool,
    XAsyncSocketsPoolException,
    XClosedReason,
)
from ._tcp import (  # noqa: F401
    XAsyncTCPClient,
    XAsyncTCPClientException,
    XAsyncTCPServer,
    XAsyncTCPServerException,
)

__version__ = "0.1.0"



def __getattr__(name):
    """The public names a plain TCP server does not use, and `__all__`: resolved on
    first use (see _names.public_name)."""
    from ._names import public_name

    return public_name(name)
