"""mws2: MicroWebSrv2 on sans-I/O packages.

``from mws2 import *`` gives what ``from MicroWebSrv2 import *`` gave: the server, the
route helpers and method names, the request/response classes and the XAsyncSockets
names of the pool. Only what serving needs is imported: the pool (xasync) loads when a
pool is used, the modules (WebSockets, PyhtmlTemplate) when asked for.
"""

from .compat import collect_garbage

# One module at a time, each after a collection (see compat.collect_garbage).
collect_garbage()
from .request import HttpRequest  # noqa: E402  (with httpcore_micro and the response)
from .response import HttpResponse  # noqa: E402

collect_garbage()
from .routes import (  # noqa: E402
    DELETE,
    GET,
    HEAD,
    OPTIONS,
    PATCH,
    POST,
    PUT,
    PathFromRoute,
    RegisterRoute,
    ResolveRoute,
    RouteResult,
    WebRoute,
)

collect_garbage()
from .server import MicroWebSrv2, MicroWebSrv2Exception  # noqa: E402

__version__ = "0.1.0"

# XAsyncSockets' names, from xasync, loaded on first use (see __getattr__).
_XASYNC_NAMES = (
    "XAsyncSocketsPool",
    "XAsyncTCPServer",
    "XAsyncTCPClient",
    "XAsyncUDPDatagram",
    "XBufferSlot",
    "XBufferSlots",
    "XClosedReason",
    "XFiFo",
)

__all__ = [
    "MicroWebSrv2",
    "MicroWebSrv2Exception",
    "WebRoute",
    "RegisterRoute",
    "ResolveRoute",
    "PathFromRoute",
    "RouteResult",
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "DELETE",
    "OPTIONS",
    "PATCH",
    "HttpRequest",
    "HttpResponse",
] + list(_XASYNC_NAMES)


def __getattr__(name):
    if name not in _XASYNC_NAMES:
        return _submodule(name)
    from .compat import IS_MICROPYTHON

    if IS_MICROPYTHON:
        # ``from mws2 import *`` asks for every name of __all__: on a board, a program
        # that never builds a pool must not pay the pool's heap for it.
        return _XAsyncName(name)
    import xasync

    return getattr(xasync, name)


def _submodule(name):
    # MicroPython asks the package first for ``from mws2 import demo``, and imports the
    # submodule only if that finds nothing without raising: import it here.
    try:
        __import__("mws2." + name)
    except ImportError:
        raise AttributeError("module 'mws2' has no attribute '%s'" % name) from None
    return globals()[name]


class _XAsyncName:
    """Stands for one xasync class until it is used: a call or an attribute loads it."""

    def __init__(self, name):
        self._name = name

    def _target(self):
        import xasync

        return getattr(xasync, self._name)

    def __call__(self, *args, **kwargs):
        return self._target()(*args, **kwargs)

    def __getattr__(self, attr):
        return getattr(self._target(), attr)

    def __repr__(self):
        return "<xasync.%s (not loaded yet)>" % self._name
