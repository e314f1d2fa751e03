"""A small JSON API: a list of items you can create, read, change and delete.

    python3 examples/json_api.py
    curl -X POST -H 'Content-Type: application/json' -d '{"name": "led"}' \\
         http://127.0.0.1:8080/api/items
    curl http://127.0.0.1:8080/api/items

Served by a pool of worker threads (StartManaged): a lock guards the items, as two
requests may run at once. Errors answer JSON too.
"""

import sys
from time import sleep

try:
    from _thread import allocate_lock
except ImportError:  # a MicroPython build without threads: one thread, no lock needed
    allocate_lock = None

from mws2 import DELETE, GET, POST, PUT, MicroWebSrv2, WebRoute

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
items = {}  # id -> {"id": int, "name": str, "done": bool}
state = {"next_id": 1}
lock = allocate_lock() if allocate_lock else None


class Locked:
    def __enter__(self):
        if lock:
            lock.acquire()

    def __exit__(self, *exc):
        if lock:
            lock.release()


def error(request, code, message):
    request.Response.ReturnJSON(code, {"error": message})


def item_from(request):
    """The JSON object of the request, or None (an error is then answered)."""
    data = request.GetPostedJSONObject()
    if not isinstance(data, dict) or not isinstance(data.get("name", ""), str):
        error(request, 400, 'send a JSON object such as {"name": "led", "done": false}')
        return None
    return data


@WebRoute(GET, "/api/items")
def list_items(microWebSrv2, request):
    with Locked():
        request.Response.ReturnOkJSON(sorted(items.values(), key=lambda item: item["id"]))


@WebRoute(POST, "/api/items")
def add_item(microWebSrv2, request):
    data = item_from(request)
    if data is None:
        return
    with Locked():
        item = {"id": state["next_id"], "name": data.get("name", ""),
                "done": bool(data.get("done", False))}
        items[item["id"]] = item
        state["next_id"] += 1
    request.Response.SetHeader("Location", "/api/items/%d" % item["id"])
    request.Response.ReturnJSON(201, item)


@WebRoute(GET, "/api/items/<id>")
def get_item(microWebSrv2, request, args):
    item = items.get(args["id"])  # digits arrive as an int
    if item is None:
        error(request, 404, "no item %s" % args["id"])
    else:
        request.Response.ReturnOkJSON(item)


@WebRoute(PUT, "/api/items/<id>")
def change_item(microWebSrv2, request, args):
    data = item_from(request)
    if data is None:
        return
    with Locked():
        item = items.get(args["id"])
        if item is not None:
            item["name"] = data.get("name", item["name"])
            item["done"] = bool(data.get("done", item["done"]))
    if item is None:
        error(request, 404, "no item %s" % args["id"])
    else:
        request.Response.ReturnOkJSON(item)


@WebRoute(DELETE, "/api/items/<id>")
def delete_item(microWebSrv2, request, args):
    with Locked():
        item = items.pop(args["id"], None)
    if item is None:
        error(request, 404, "no item %s" % args["id"])
    else:
        request.Response.Return(204, "")


mws = MicroWebSrv2()
mws.BindAddress = ("127.0.0.1", PORT)
mws.StartManaged(parllProcCount=2)
print("Serving on http://127.0.0.1:%d/api/items (Ctrl-C stops)" % PORT)
try:
    while mws.IsRunning:
        sleep(1)
except KeyboardInterrupt:
    pass
mws.Stop()
