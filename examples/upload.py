"""File uploads with a progress bar: each file is written to a folder as it arrives.

    python3 examples/upload.py         # then open http://127.0.0.1:8080/

The route is registered with ``streamContent=True``: its handler runs as soon as the
request head is read, and ``await request.ReadMultipartForm(saveTo=...)`` writes each
file part to the folder piece by piece, so a file larger than the memory is fine (a
firmware image sent to a board). The page shows the progress of the upload
(XMLHttpRequest's upload events) and the files received with their sizes.

Files go to ``uploads/`` in the current folder (made if missing: on a board, the flash).
An ``async def`` handler runs in pool mode too (StartManaged), as here.
"""

import os
import sys
from time import sleep

from mws2 import GET, POST, MicroWebSrv2, WebRoute

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
FOLDER = "uploads"
MAX_FILE_SIZE = 8 * 1024 * 1024

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Upload</title></head>
<body style="font-family: sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem">
<h1>Upload a file</h1>
<form id="form"><input type="file" id="file" name="file"> <button>Upload</button></form>
<p><progress id="bar" max="100" value="0" style="width: 100%"></progress></p>
<p id="status"></p>
<h2>Files received</h2>
<ul id="files"></ul>
<script>
function show(files) {
  var list = document.getElementById("files");
  list.textContent = "";
  files.forEach(function (f) {
    var item = document.createElement("li");
    item.textContent = f.name + ": " + f.size + " bytes";
    list.appendChild(item);
  });
}
document.getElementById("form").onsubmit = function (e) {
  e.preventDefault();
  var data = new FormData();
  data.append("file", document.getElementById("file").files[0]);
  var xhr = new XMLHttpRequest();
  xhr.open("POST", "/upload");
  xhr.upload.onprogress = function (ev) {
    document.getElementById("bar").value = 100 * ev.loaded / ev.total;
  };
  xhr.onload = function () {
    document.getElementById("status").textContent = xhr.status === 200 ? "Done." : xhr.statusText;
    if (xhr.status === 200) { show(JSON.parse(xhr.responseText)); }
  };
  xhr.send(data);
};
fetch("/files").then(function (r) { return r.json(); }).then(show);
</script>
</body></html>
"""


def files():
    found = []
    for name in sorted(os.listdir(FOLDER)):
        found.append({"name": name, "size": os.stat(FOLDER + "/" + name)[6]})
    return found


@WebRoute(GET, "/")
def page(microWebSrv2, request):
    request.Response.ReturnOk(PAGE)


@WebRoute(GET, "/files")
def list_files(microWebSrv2, request):
    request.Response.ReturnOkJSON(files())


@WebRoute(POST, "/upload", streamContent=True, maxContentLength=MAX_FILE_SIZE + 64 * 1024)
async def upload(microWebSrv2, request):
    # Over MAX_FILE_SIZE the error raised answers 413 (and the part is removed).
    await request.ReadMultipartForm(saveTo=FOLDER, maxFileSize=MAX_FILE_SIZE)
    request.Response.ReturnOkJSON(files())


try:
    os.mkdir(FOLDER)
except OSError:  # already there
    pass
mws = MicroWebSrv2()
mws.BindAddress = ("127.0.0.1", PORT)
mws.StartManaged()
print("Serving on http://127.0.0.1:%d/ (files go to %s/; Ctrl-C stops)" % (PORT, FOLDER))
try:
    while mws.IsRunning:
        sleep(1)
except KeyboardInterrupt:
    pass
mws.Stop()
