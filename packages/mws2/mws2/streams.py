"""Streamed answers: a readable stream, a file, an iterator or an async iterator, sent
piece by piece on a connection (each next piece once the last one is sent).

Loaded with the first streamed answer; a board that answers only whole bodies never
loads it.
"""

from httpcore_micro import NEED_DATA, Data, LocalProtocolError, Response, ServerConnection

from .connection import FileItem, close_stream


class _FileSpan:
    """Stands for ``size`` bytes of a file in a ``Data`` event: httpcore_micro's
    Content-Length writer only counts it, and the bytes go by zero-copy sendfile."""

    def __init__(self, size):
        self.size = size

    def __len__(self):
        return self.size


_ZERO_COPY = []


def _zero_copy_framing():
    """Does httpcore_micro count a ``Data`` without copying it (Content-Length body)?
    Probed once: if it ever copies, files are streamed in chunks instead."""
    if not _ZERO_COPY:
        try:
            http = ServerConnection()
            http.receive_data(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            while http.next_event() is not NEED_DATA:
                pass
            http.send(Response(200, [("Content-Length", "3")]))
            span = _FileSpan(3)
            _ZERO_COPY.append(http.send(Data(span)) is span)
        except Exception:  # any refusal means: no zero-copy framing
            _ZERO_COPY.append(False)
    return _ZERO_COPY[0]


def _has_fileno(fileobj):
    try:
        fileobj.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    return True


def _read(stream, size):
    if hasattr(stream, "read"):
        return stream.read(size)
    buf = bytearray(size)
    count = stream.readinto(buf)
    return bytes(buf[:count]) if count else b""




def send_stream(conn, stream, length, response):
    """Send ``stream`` chunk by chunk, the next read once the last chunk is sent."""
    conn._open_stream = stream
    remaining = [length]

    def step():
        if conn._closed:
            return
        want = conn._chunk_size
        if remaining[0] is not None:
            want = min(want, remaining[0])
        try:
            chunk = _read(stream, want) if want else b""
        except Exception as exc:  # any failure of a user stream ends this response
            conn.mws2._log_exception("Reading the response stream", exc)
            conn.close()
            return
        if chunk:
            if remaining[0] is not None:
                remaining[0] -= len(chunk)
            conn.send_body(chunk, step)
            return
        conn._open_stream = None
        close_stream(stream, conn.mws2)
        conn.end_response(response)

    conn._step(step)


def send_file(conn, fileobj, size, response, offset=0):
    """``size`` bytes of the file from ``offset`` (where it is positioned): zero-copy
    (os.sendfile through xasync) when possible, else chunk by chunk."""
    client = conn.client
    if (
        client.IsSSL
        or not hasattr(client, "AsyncSendFile")
        or not _has_fileno(fileobj)
        or not _zero_copy_framing()
    ):
        send_stream(conn, fileobj, size, response)
        return
    conn._open_stream = fileobj
    response._bodyBytes += size  # zero-copy: no send_body to count it

    def frame():
        span = _FileSpan(size)
        if conn._http.send(Data(span)) is not span:  # not a plain Content-Length body
            conn._http.send_failed()
            raise LocalProtocolError("zero-copy needs a Content-Length body")
        return FileItem(fileobj, size, offset)

    conn._queue(frame, lambda: _file_sent(conn, fileobj, response))


def _file_sent(conn, fileobj, response):
    conn._open_stream = None
    close_stream(fileobj, conn.mws2)
    conn.end_response(response)


def send_iterator(conn, chunks, response):
    """Send str/bytes pieces from an iterator, gathered into chunk-sized writes."""
    iterator = iter(chunks)
    if hasattr(iterator, "close"):
        conn._open_stream = iterator  # a generator's ``finally`` runs if the peer goes

    def step():
        if conn._closed:
            return
        pending = []
        total = 0
        try:
            while total < conn._chunk_size:
                piece = next(iterator)
                if isinstance(piece, str):
                    piece = piece.encode()
                pending.append(piece)
                total += len(piece)
        except StopIteration:
            if conn._open_stream is iterator:
                conn._open_stream = None
            if total:
                conn.send_body(b"".join(pending))
            conn.end_response(response)
            return
        except Exception as exc:  # a failing page after its headers: cut it short
            conn.mws2._log_exception("Rendering the response", exc)
            conn.close()
            return
        conn.send_body(b"".join(pending), step)

    conn._step(step)


def send_async_iterator(conn, chunks, response):
    """Send str/bytes pieces from an async iterator (an async generator on CPython,
    any object with ``__anext__``), each as it comes, the next once it is sent."""
    conn.mws2._spawn(_send_async_pieces(conn, chunks, response))


async def _send_async_pieces(conn, chunks, response):
    from .wake import Waker

    waker = Waker()
    conn._open_stream = waker  # the peer going away wakes us (Waker.close)
    try:
        async for piece in chunks:
            if isinstance(piece, str):
                piece = piece.encode()
            if piece:
                conn.send_body(piece, waker.set)
                await waker.wait()
            if conn._closed:
                aclose = getattr(chunks, "aclose", None)
                if aclose is not None:
                    await aclose()  # its ``finally`` runs now, not at garbage time
                return
    except Exception as exc:  # a failing body after its headers: cut it short
        conn.mws2._log_exception("Streaming the response", exc)
        conn.close()
        return
    if not conn._closed:
        conn._open_stream = None
        conn.end_response(response)
