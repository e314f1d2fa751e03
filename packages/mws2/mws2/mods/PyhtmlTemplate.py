"""The PyhtmlTemplate module: ``MicroWebSrv2.LoadModule('PyhtmlTemplate')``.

A request for a ``.pyhtml`` file under RootPath is rendered by pyhtml (compiled once per
file, recompiled when the file changes) and streamed in chunks. Pages see ``Request``
(the HttpRequest), ``Response`` and the global variables set with ``SetGlobalVar``.
With ``ShowDebug``, a template error answers a readable 500 page naming file and line.

``CompiledPages``: the pages precompiled at build time (``python -m pyhtml compile``),
used as they are: nothing is compiled on the board, so the first request of a page needs
no more heap than the next ones (a compile needs the compiler and its parse tree).
"""

from pyhtml import FileLoader, TemplateError

from ..compat import format_traceback

_METHODS = ("GET", "HEAD", "POST")


def _escape(text):
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


class PyhtmlTemplate:
    """Renders ``.pyhtml`` pages for every MicroWebSrv2 instance."""

    _compiledPages = None

    def __init__(self):
        self._showDebug = False
        self._globals = {}
        self._loaders = {}

    def OnRequest(self, microWebSrv2, request):
        if request.Method not in _METHODS or not request.Path.lower().endswith(".pyhtml"):
            return
        loader = self._loader(microWebSrv2.RootPath)
        filename = microWebSrv2.ResolvePhysicalPath(request.Path)
        if filename is None:
            # A precompiled page needs no file on the board.
            filename = self._precompiled_key(loader, request.Path)
        if filename is None:
            request.Response.ReturnNotFound()
            return
        try:
            template = loader.load(filename)
            chunks = iter(template.stream(self._variables(request)))
            first = _first(chunks)
        except Exception as exc:  # TemplateError, or a page's own bug while starting
            self._fail(microWebSrv2, request, exc)
            return
        request.Response._ReturnChunks(200, self._guarded(microWebSrv2, request, first, chunks))

    def _loader(self, root):
        loader = self._loaders.get(root)
        if loader is None:
            loader = FileLoader(root, globals=self._globals, compiled=self._compiledPages)
            self._loaders[root] = loader
        return loader

    def _precompiled_key(self, loader, path):
        if self._compiledPages is None:
            return None
        key = loader.key(path.lstrip("/"))  # the loader's own mapping ("..", "//")
        return key if key in loader.precompiled() else None

    def _variables(self, request):
        return {"Request": request, "Response": request.Response}

    def _guarded(self, mws2, request, first, chunks):
        """The page's chunks; an error after the headers went out ends the page."""
        if first:
            yield first
        try:
            for chunk in chunks:
                yield chunk
        except Exception as exc:  # the status is sent already: show or cut
            mws2._log_exception("Rendering %s" % request.Path, exc)
            if not self._showDebug:
                raise
            yield '<pre style="color:#b00">%s</pre>' % _escape(_describe(exc))

    def _fail(self, mws2, request, exc):
        if isinstance(exc, MemoryError):
            raise exc  # a full heap, not the page's fault: 503 (see dispatch.fail)
        mws2._log_exception("Template %s" % request.Path, exc)
        response = request.Response
        if not self._showDebug:
            response.ReturnInternalServerError()
            return
        page = (
            '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Template error</title>'
            '</head><body style="font-family:sans-serif"><h1>500 Template error</h1>'
            "<p><b>%s</b></p><pre>%s</pre></body></html>\n"
            % (_escape(_describe(exc)), _escape(format_traceback(exc)))
        )
        response.Return(500, page)

    # ---- API -----------------------------------------------------------------------

    def SetGlobalVar(self, globalVarName, globalVar):
        """Make ``globalVar`` visible as ``globalVarName`` in every page."""
        _check_name(globalVarName)
        self._globals[globalVarName] = globalVar
        for loader in self._loaders.values():
            shared = getattr(loader, "globals", None)
            if shared is not None and shared is not self._globals:
                shared[globalVarName] = globalVar

    def GetGlobalVar(self, globalVarName):
        _check_name(globalVarName)
        return self._globals.get(globalVarName)

    @property
    def CompiledPages(self):
        """The name of the module of precompiled pages (``python -m pyhtml compile ROOT
        -o NAME.py``, or ``tools/board.py build OUT --pages ROOT``), or None (the
        default: each page compiles on its first request)."""
        return self._compiledPages

    @CompiledPages.setter
    def CompiledPages(self, value):
        if value is not None and (not isinstance(value, str) or not value):
            raise TypeError('"CompiledPages" must be a module name or None')
        self._compiledPages = value
        self._loaders = {}  # loaders made before use the pages they knew

    @property
    def ShowDebug(self):
        return self._showDebug

    @ShowDebug.setter
    def ShowDebug(self, value):
        if not isinstance(value, bool):
            raise TypeError('"ShowDebug" must be a bool')
        self._showDebug = value


def _first(chunks):
    try:
        return next(chunks)
    except StopIteration:
        return ""


def _describe(exc):
    if isinstance(exc, TemplateError):
        return str(exc)
    return "%s: %s" % (type(exc).__name__, exc)


def _check_name(name):
    if not isinstance(name, str):
        raise TypeError('"globalVarName" must be a string')
    if not name:
        raise ValueError('"globalVarName" must be a not empty string')
