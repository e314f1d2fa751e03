# Type information for editors and type checkers (see docs/api.md, "Routes").

from typing import Any, Callable, TypeVar

GET: str
HEAD: str
POST: str
PUT: str
DELETE: str
OPTIONS: str
PATCH: str

# (microWebSrv2, request) or (microWebSrv2, request, args); plain or ``async def``
_Handler = Callable[..., Any]
_H = TypeVar("_H", bound=_Handler)

class _Route: ...

class RouteResult:
    def __init__(self, route: _Route, args: dict[str, str | int]) -> None: ...
    @property
    def Handler(self) -> _Handler: ...
    @property
    def Method(self) -> str: ...
    @property
    def RoutePath(self) -> str: ...
    @property
    def Name(self) -> str | None: ...
    @property
    def Args(self) -> dict[str, str | int]: ...

def RegisterRoute(
    handler: _Handler,
    method: str,
    routePath: str,
    name: str | None = None,
    streamContent: bool = False,
    maxContentLength: int | None = None,
) -> None: ...
def UnregisterRoute(method: str, routePath: str) -> bool: ...
def WebRoute(
    method: str,
    routePath: str,
    name: str | None = None,
    streamContent: bool = False,
    maxContentLength: int | None = None,
) -> Callable[[_H], _H]: ...
def ResolveRoute(method: str, path: str) -> RouteResult | None: ...
def PathFromRoute(routeName: str, routeArgs: dict[str, Any] | None = None) -> str: ...

# used by the server itself
def resolve(method: str, path: str) -> RouteResult | None: ...
def RouteMethodKnown(method: str) -> bool: ...
def AllowedMethods(path: str) -> list[str]: ...
