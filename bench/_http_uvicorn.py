"""The uvicorn side of bench/http.py: a bare ASGI app answering "Hello, world!".

Run by bench/http.py as ``python3 -m uvicorn _http_uvicorn:app --http httptools
--no-access-log --workers 1`` with ``--app-dir bench``.
"""

BODY = b"Hello, world!"
HEADERS = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"13")]


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
