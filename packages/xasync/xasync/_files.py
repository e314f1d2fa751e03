"""A file waiting in a TCP client's send queue: os.sendfile, or chunked reads."""

from ._compat import sendfile_fn

# Bytes moved per wake-up for a file: one large file cannot hog the loop.
FILE_STEP_BYTES = 1 << 20
# Read size when the file has to go through Python (TLS, no fileno, MicroPython).
FILE_CHUNK_BYTES = 16384


class _FileItem:
    """A file waiting in a client's send queue."""

    def __init__(self, fileobj, offset, count, callback, arg):
        self.fileobj = fileobj
        self.offset = offset
        self.remaining = count
        self.callback = callback
        self.arg = arg
        self.fd = None
        self._sendfile = False  # not decided yet
        self._pending = None
        self._sought = False

    def sendfile(self, sock):
        if self._sendfile is False:
            self._sendfile = sendfile_fn(sock, self.fileobj)
            if self._sendfile is not None:
                self.fd = self.fileobj.fileno()
        return self._sendfile

    def send_chunk(self, sock, want):
        """Fallback: read a chunk, send what the socket takes. -> (sent, at_eof)."""
        if self._pending is None:
            if not self._sought:
                self._sought = True
                if self.offset and hasattr(self.fileobj, "seek"):
                    self.fileobj.seek(self.offset)
            chunk = self.fileobj.read(min(want, FILE_CHUNK_BYTES))
            if not chunk:
                return 0, True
            self._pending = memoryview(chunk)
        sent = sock.send(self._pending)
        if sent is None:
            return None, False
        if sent < len(self._pending):
            self._pending = self._pending[sent:]
        else:
            self._pending = None
        return sent, False
