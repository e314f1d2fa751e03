# Type information for editors and type checkers (never loaded by Python or MicroPython).
# ``from mws2 import *`` gives what ``from MicroWebSrv2 import *`` gave; see README.md
# and docs/api.md.

from typing import Any

from xasync import (
    XAsyncSocketsPool as XAsyncSocketsPool,
    XAsyncTCPClient as XAsyncTCPClient,
    XAsyncTCPServer as XAsyncTCPServer,
    XAsyncUDPDatagram as XAsyncUDPDatagram,
    XBufferSlot as XBufferSlot,
    XBufferSlots as XBufferSlots,
    XClosedReason as XClosedReason,
    XFiFo as XFiFo,
)

from .request import HttpRequest as HttpRequest
from .response import HttpResponse as HttpResponse
from .routes import (
    DELETE as DELETE,
    GET as GET,
    HEAD as HEAD,
    OPTIONS as OPTIONS,
    PATCH as PATCH,
    POST as POST,
    PUT as PUT,
    PathFromRoute as PathFromRoute,
    RegisterRoute as RegisterRoute,
    ResolveRoute as ResolveRoute,
    RouteResult as RouteResult,
    WebRoute as WebRoute,
)
from .server import MicroWebSrv2 as MicroWebSrv2, MicroWebSrv2Exception as MicroWebSrv2Exception

__version__: str
__all__ = [
    "MicroWebSrv2", "MicroWebSrv2Exception", "WebRoute", "RegisterRoute", "ResolveRoute",
    "PathFromRoute", "RouteResult", "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS",
    "PATCH", "HttpRequest", "HttpResponse", "XAsyncSocketsPool", "XAsyncTCPServer",
    "XAsyncTCPClient", "XAsyncUDPDatagram", "XBufferSlot", "XBufferSlots", "XClosedReason",
    "XFiFo",
]

def __getattr__(name: str) -> Any: ...
