"""The microdot side of bench/http.py: "Hello, world!" on GET /, files from a folder.

``python3 bench/_http_microdot.py PORT [ROOT]`` or, on MicroPython, with microdot's
package folder on MICROPYPATH (its ``microdot.py`` is then the ``microdot`` module, the
way boards use it). Prints ``READY <port>`` before serving; SIGINT stops it.
"""

import sys

from microdot import Microdot, send_file

app = Microdot()
ROOT = sys.argv[2] if len(sys.argv) > 2 else "."


@app.route("/")
async def hello(request):
    return "Hello, world!"


@app.route("/<path:name>")
async def static(request, name):
    if ".." in name:
        return "no", 404
    return send_file(ROOT + "/" + name)


def main():
    port = int(sys.argv[1])
    print("READY %d" % port)
    try:
        app.run(host="127.0.0.1", port=port)
    except KeyboardInterrupt:
        pass


main()
