"""The mws2 module that hands each adapter server's requests to its adapter, and only its.

mws2's loaded modules and routes are global to every MicroWebSrv2 instance, while the
servers these adapters stand for each keep their own routes. An adapter serves with an
``AdaptedServer`` (a MicroWebSrv2 that knows its adapter); this module, loaded once by
the first of them, gives every request of such a server to ``adapter._serve(request)``,
which answers it, 404s included (a coroutine it returns is awaited where mws2 runs
async handlers). Requests of other servers go on through mws2 untouched, and nothing
registered in mws2 (routes, static files) answers an adapter server's requests.

Other loaded modules (e.g. a WebSockets module of the application's mws2 servers) never
see an adapter server's requests.
"""

from ..compat import format_traceback
from ..server import MicroWebSrv2

NAME = "mws2.adapters.AdapterHook"


class AdapterHook:
    def OnRequest(self, microWebSrv2, request):
        adapter = getattr(microWebSrv2, "Adapter", None)
        if adapter is not None:
            return adapter._serve(request)
        return None


class AdaptedServer(MicroWebSrv2):
    """A MicroWebSrv2 whose requests all go to ``Adapter``."""

    def __init__(self, adapter, bindAddress):
        MicroWebSrv2.__init__(self)
        self.Adapter = adapter
        self.BindAddress = bindAddress
        self._hook = MicroWebSrv2.LoadModule(NAME)

    def _loaded_modules(self):
        # Only the hook: modules the application loaded for its mws2 servers (a
        # WebSockets module with its own OnWebSocketAccepted ...) are not this server's.
        return ((NAME, self._hook),)


class HeaderDict(dict):
    """Request headers looked up in any case (``d["Content-Type"]``, ``d.get(b"host")``):
    the originals kept the client's spelling, mws2's parser lower-cases names, so lookups
    lower-case the key. Keys (str or bytes, as built) are lower case when iterated."""

    def __getitem__(self, name):
        return super().__getitem__(name.lower())

    def get(self, name, default=None):
        return super().get(name.lower(), default)

    def __contains__(self, name):
        # MicroPython's super() has no __contains__: a sentinel lookup instead.
        return super().get(name.lower(), _MISSING) is not _MISSING


_MISSING = object()


async def start_serving(server):
    """Start ``server.StartAsync()`` as a task and return once it listens (as the
    originals' ``asyncio.start_server`` did); a listening error raises here."""
    import asyncio

    task = asyncio.create_task(server.StartAsync())
    while not server.IsRunning:
        if task.done():
            await task  # raises why it could not listen
            break
        await asyncio.sleep(0.005)
    return task


def log_error(server, what, exc):
    """Log ``exc``, raised while ``what``, with its traceback, on ``server``'s log."""
    server.Log("%s raised %r\n%s" % (what, exc, format_traceback(exc)), server.ERROR)
