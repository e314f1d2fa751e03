"""The servers of bench/upload.py: a multipart upload streamed to a folder.

``_upload_app.py PORT SERVER MODE FOLDER`` (CPython or MicroPython): SERVER is ``mws2``
(MODE ``pool`` or ``asyncio``) or ``microdot``; POST /upload takes a multipart form with
one file, writes it under FOLDER as it arrives, and answers JSON: the size written and,
on MicroPython, the largest live heap seen while receiving (``gc.mem_alloc()`` after a
collection every 64 pieces). Prints ``READY <port>``.
"""

import sys

LIMIT = 64 * 1024 * 1024


def _heap_probe():
    try:
        import gc

        gc.mem_alloc  # noqa: B018 - MicroPython only
    except (ImportError, AttributeError):
        return None
    return gc


def mws2_app(port, mode, folder):
    from mws2 import POST, MicroWebSrv2, WebRoute

    gc = _heap_probe()

    @WebRoute(POST, "/upload", streamContent=True, maxContentLength=LIMIT)
    async def upload(microWebSrv2, request):
        peak = [0]
        if gc is not None:
            gc.collect()
            peak[0] = before = gc.mem_alloc()
        form = await request.ReadMultipartForm(saveTo=folder)
        if gc is not None:
            gc.collect()
            peak[0] = max(peak[0], gc.mem_alloc()) - before
        sizes = [value.Size for value in form.values() if not isinstance(value, str)]
        request.Response.ReturnOkJSON({"size": sum(sizes), "heap": peak[0]})

    server = MicroWebSrv2()
    server.OnLogging = lambda *args: None
    server.BindAddress = ("127.0.0.1", port)
    if mode == "asyncio":
        import asyncio

        async def serve():
            task = asyncio.create_task(server.StartAsync())
            while not server.IsRunning:
                await asyncio.sleep(0.01)
            print("READY %d" % port)
            await task

        asyncio.run(serve())
    else:
        server.StartManaged(parllProcCount=1)
        print("READY %d" % port)
        import time

        while server.IsRunning:
            time.sleep(0.5)


def microdot_app(port, folder):
    import os

    from microdot import Microdot, Request
    from microdot.multipart import FileUpload, FormDataIter

    Request.max_content_length = LIMIT
    gc = _heap_probe()
    app = Microdot()

    @app.post("/upload")
    async def upload(request):
        # Its streaming way: each file part saved as it is parsed (not with_form_data,
        # which copies every file to a temporary file first).
        size = before = 0
        if gc is not None:
            gc.collect()
            before = gc.mem_alloc()
        async for _name, value in FormDataIter(request):
            if isinstance(value, FileUpload):
                path = folder + "/" + value.filename
                await value.save(path)
                size += os.stat(path)[6]
        heap = 0
        if gc is not None:
            gc.collect()
            heap = gc.mem_alloc() - before
        return {"size": size, "heap": heap}

    print("READY %d" % port)
    app.run(host="127.0.0.1", port=port)


def main(argv):
    port, server, mode, folder = int(argv[1]), argv[2], argv[3], argv[4]
    if server == "microdot":
        microdot_app(port, folder)
    else:
        mws2_app(port, mode, folder)


main(sys.argv)
