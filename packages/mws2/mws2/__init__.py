"""mws2: MicroWebSrv2 on sans-I/O packages.

``from mws2 import *`` gives what ``from MicroWebSrv2 import *`` gave: the server, the
route helpers and method names, the request/response classes and the XAsyncSockets
names of the pool. Modules (WebSockets, PyhtmlTemplate) load only when asked for.
"""

from xasync import (
    XAsyncSocketsPool,
    XAsyncTCPClient,
    XAsyncTCPServer,
    XAsyncUDPDatagram,
    XBufferSlot,
    XBufferSlots,
    XClosedReason,
    XFiFo,
)

from .request import HttpRequest
from .response import HttpResponse
from .routes import (
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
from .server import MicroWebSrv2, MicroWebSrv2Exception

__version__ = "0.1.0"

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
    "XAsyncSocketsPool",
    "XAsyncTCPServer",
    "XAsyncTCPClient",
    "XAsyncUDPDatagram",
    "XBufferSlot",
    "XBufferSlots",
    "XClosedReason",
    "XFiFo",
]
