"""The bundled demo: ``python -m mws2`` with no ROOT serves it on http://127.0.0.1:8080.

``setup(mws)`` points the server at the ``www`` folder next to this file, registers the
demo routes and loads the WebSockets and PyhtmlTemplate modules. Everything here uses
only the public MicroWebSrv2 API (what ``from mws2 import *`` gives), so it doubles as an
example of a MicroWebSrv2 program; it runs on CPython and on MicroPython alike.

Uploads (``/upload.html``) are written to a folder as they arrive: on CPython a new
temporary folder (removed at exit); on MicroPython ``/tmp/mws2-demo-uploads`` where
``/tmp`` exists (the unix port), else ``/uploads`` on the board's own filesystem (the
flash). ``setup(mws, uploadFolder=...)`` chooses another one.
"""

import os
import sys

try:
    import _thread
except ImportError:  # a MicroPython build without threads: one thread, no lock needed
    _thread = None

from mws2 import GET, POST, MicroWebSrv2, RegisterRoute

IS_MICROPYTHON = sys.implementation.name == "micropython"

# ---- where the pages are ------------------------------------------------------------


def www_folder():
    """The ``www`` folder beside this file (``__file__`` has '/' on every runtime we run)."""
    here = __file__.replace("\\", "/")
    folder = here.rsplit("/", 1)[0] if "/" in here else "."
    return folder + "/www"


# ---- routes -------------------------------------------------------------------------

FORM_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>POST form - mws2 demo</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/style.css"><link rel="icon" href="/favicon.ico"></head>
<body><main>
<h1>POST form</h1>
%s
<p><a href="/">Back home</a></p>
</main></body></html>
"""

FORM_BODY = """<form action="/test-post" method="post">
  <label>First name <input type="text" name="firstname" autofocus></label>
  <label>Last name <input type="text" name="lastname"></label>
  <button type="submit">Send</button>
</form>"""


def redirect_to_template(microWebSrv2, request):
    request.Response.ReturnRedirect("/test.pyhtml")


def post_form_page(microWebSrv2, request):
    request.Response.ReturnOk(FORM_PAGE % FORM_BODY)


def post_form_received(microWebSrv2, request):
    form = request.GetPostedURLEncodedForm()
    first = MicroWebSrv2.HTMLEscape(form.get("firstname", ""))
    last = MicroWebSrv2.HTMLEscape(form.get("lastname", ""))
    answer = "<p>Hello <strong>%s %s</strong>, the server got your form.</p>" % (first, last)
    request.Response.ReturnOk(FORM_PAGE % (answer + '\n<p><a href="/test-post">Again</a></p>'))


def request_info(microWebSrv2, request):
    request.Response.ReturnOkJSON(
        {
            "ClientAddr": list(request.UserAddress),
            "Method": request.Method,
            "Path": request.Path,
            "QueryString": request.QueryString,
            "QueryParams": request.QueryParams,
            "Host": request.Host,
            "Accept": request.Accept,
            "UserAgent": request.UserAgent,
            "IsKeepAlive": request.IsKeepAlive,
            "IsSSL": request.IsSSL,
            "HttpVer": request.HttpVer,
        }
    )


def hello_name(microWebSrv2, request, args):
    # route arguments made of digits arrive as int, the others as str
    request.Response.ReturnOkJSON({"hello": args["name"], "type": type(args["name"]).__name__})


def json_echo(microWebSrv2, request):
    obj = request.GetPostedJSONObject()
    if obj is None:
        request.Response.ReturnBadRequest()
    else:
        request.Response.ReturnOkJSON({"echo": obj})


# ---- uploads: files written to a folder as they arrive ------------------------------

# Per file, and per request (plus room for the form's own lines): a board's flash is small.
UPLOAD_LIMIT = (1024 if IS_MICROPYTHON else 16 * 1024) * 1024
UPLOAD_OVERHEAD = 16 * 1024
# The oldest files go beyond this many: the demo never fills a disk (or a flash).
UPLOADS_KEPT = 10


class Uploads:
    """The folder uploads go to, made on first use."""

    def __init__(self):
        self.path = None

    def folder(self):
        if self.path is None:
            self.path = _new_upload_folder()
        elif not _is_folder(self.path):
            os.mkdir(self.path)
        return self.path

    def files(self):
        """[(name, size, mtime)] of the files in the folder, oldest first."""
        folder = self.folder()
        found = []
        for name in os.listdir(folder):
            st = os.stat(folder + "/" + name)
            if not st[0] & 0o040000:  # not a folder
                found.append((st[8], name, st[6]))
        found.sort()
        return [(name, size, mtime) for mtime, name, size in found]

    def trim(self):
        files = self.files()
        for name, _size, _mtime in files[: max(len(files) - UPLOADS_KEPT, 0)]:
            os.remove(self.folder() + "/" + name)


def _is_folder(path):
    try:
        return bool(os.stat(path)[0] & 0o040000)
    except OSError:
        return False


def _new_upload_folder():
    if not IS_MICROPYTHON:
        import atexit
        import shutil
        import tempfile

        path = tempfile.mkdtemp(prefix="mws2-demo-uploads-")
        atexit.register(shutil.rmtree, path, True)
        return path
    path = "/tmp/mws2-demo-uploads" if _is_folder("/tmp") else "/uploads"
    if not _is_folder(path):
        os.mkdir(path)
    return path


uploads = Uploads()


def _listing():
    return {
        "folder": uploads.folder(),
        "limit": UPLOAD_LIMIT,
        "files": [{"name": name, "size": size} for name, size, _mtime in uploads.files()],
    }


def upload_list(microWebSrv2, request):
    request.Response.ReturnOkJSON(_listing())


async def upload_receive(microWebSrv2, request):
    # Each file part goes to the folder piece by piece: a file larger than the heap is
    # fine. Over the limit (or not a form), the error raised carries its answer (413,
    # 400, 415) and the part being written is removed.
    form = await request.ReadMultipartForm(saveTo=uploads.folder(), maxFileSize=UPLOAD_LIMIT)
    uploads.trim()
    if "application/json" not in request.GetHeader("Accept"):
        # a form sent without JavaScript: back to the page, which lists the files
        request.Response.SetHeader("Location", "/upload.html")
        request.Response.Return(303)
        return
    answer = _listing()
    answer["received"] = [
        {"name": value.Path.rsplit("/", 1)[-1], "size": value.Size}
        for value in form.values()
        if getattr(value, "Path", None)
    ]
    request.Response.ReturnOkJSON(answer)


ROUTES = (
    (redirect_to_template, GET, "/test-redir", "test-redir"),
    (post_form_page, GET, "/test-post", "test-post"),
    (post_form_received, POST, "/test-post", "test-post-received"),
    (request_info, GET, "/api/info", "api-info"),
    (hello_name, GET, "/api/hello/<name>", "api-hello"),
    (json_echo, POST, "/api/echo", "api-echo"),
    (upload_list, GET, "/api/uploads", "api-uploads"),
)

# ---- WebSockets: echo on any path, chat on /wschat -----------------------------------

CHAT_PATH = "/wschat"


class Chat:
    """The open chat sockets; a text message from one goes to all of them."""

    def __init__(self):
        self._sockets = []
        self._lock = _thread.allocate_lock() if _thread else None

    def _locked(self, func, *args):
        if self._lock is None:
            return func(*args)
        with self._lock:
            return func(*args)

    def join(self, webSocket):
        self._locked(self._sockets.append, webSocket)
        webSocket.OnTextMessage = self._on_text
        webSocket.OnClosed = self._on_closed
        addr = webSocket.Request.UserAddress
        webSocket.SendTextMessage("Welcome! %d user(s) here." % self.count())
        self.broadcast("<%s:%s joined>" % (addr[0], addr[1]), webSocket)

    def count(self):
        return self._locked(len, self._sockets)

    def broadcast(self, text, sender=None):
        # copy under the lock, send outside it: a send never waits for the lock holder
        for webSocket in self._locked(list, self._sockets):
            if webSocket is not sender and not webSocket.IsClosed:
                webSocket.SendTextMessage(text)

    def _on_text(self, webSocket, msg):
        addr = webSocket.Request.UserAddress
        line = "%s:%s > %s" % (addr[0], addr[1], msg)
        self.broadcast(line)

    def _on_closed(self, webSocket):
        def remove(sock):
            if sock in self._sockets:
                self._sockets.remove(sock)

        self._locked(remove, webSocket)
        addr = webSocket.Request.UserAddress
        self.broadcast("<%s:%s left>" % (addr[0], addr[1]))


chat = Chat()


def _echo(webSocket, send, msg):
    try:
        sent = send(msg)
    except MemoryError:  # a board's heap cannot hold the copy of a large message
        sent = False
    if not sent and not webSocket.IsClosed:
        webSocket.Close()  # never leave the peer waiting for an echo that will not come


def echo_text(webSocket, msg):
    _echo(webSocket, webSocket.SendTextMessage, msg)


def echo_binary(webSocket, msg):
    _echo(webSocket, webSocket.SendBinaryMessage, msg)


def on_websocket_accepted(microWebSrv2, webSocket):
    if webSocket.Request.Path == CHAT_PATH:
        chat.join(webSocket)
    else:
        webSocket.OnTextMessage = echo_text
        webSocket.OnBinaryMessage = echo_binary


# ---- the whole demo -----------------------------------------------------------------


def setup(mws, uploadFolder=None):
    """Configure ``mws`` (a MicroWebSrv2 not started yet) to serve the demo."""
    mws.RootPath = www_folder()
    for handler, method, path, name in ROUTES:
        RegisterRoute(handler, method, path, name)
    RegisterRoute(upload_receive, POST, "/api/uploads", "api-uploads-receive",
                  streamContent=True, maxContentLength=UPLOAD_LIMIT + UPLOAD_OVERHEAD)
    if uploadFolder is not None:
        uploads.path = uploadFolder
    wsMod = MicroWebSrv2.LoadModule("WebSockets")
    wsMod.OnWebSocketAccepted = on_websocket_accepted
    pyhtmlMod = MicroWebSrv2.LoadModule("PyhtmlTemplate")
    pyhtmlMod.ShowDebug = True
    pyhtmlMod.SetGlobalVar("DemoName", "mws2 demo")
    return mws
