"""A file waiting in a TCP client's send queue (`AsyncSendFile`, loaded on first use):
os.sendfile, or chunked reads."""

from . import _compat

# Bytes moved per wake-up for a file: one large file cannot hog the loop.
FILE_STEP_BYTES = 1 << 20
# Read size when the file has to go through Python (TLS, no fileno, MicroPython).
FILE_CHUNK_BYTES = 16384


def send_file(cli, fileobj, offset=0, count=None, onDataSent=None, onDataSentArg=None):
    """XAsyncTCPClient.AsyncSendFile."""
    if cli._closing:
        return False
    item = FileItem(fileobj, offset, count, onDataSent, onDataSentArg)
    cli._on_loop(cli._enqueue, item, count or 0)
    return True


def _sendfile_fn(cli, fileobj):
    """os.sendfile(out_fd, in_fd, offset, count) usable for this pair, or None."""
    # Read from _compat on each use: tests count the calls by replacing it there.
    sendfile = getattr(_compat, "_os_sendfile", None)
    if sendfile is None or cli._is_ssl:
        return None
    try:
        fileobj.fileno()
    except (AttributeError, OSError, ValueError):
        return None
    return sendfile


class FileItem:
    """A file waiting in a client's send queue."""

    def __init__(self, fileobj, offset, count, callback, arg):
        self.fileobj = fileobj
        self.offset = offset
        self.remaining = count
        self.callback = callback
        self.arg = arg
        self._sendfile = False  # not decided yet
        self._pending = None
        self._sought = False

    def step(self, cli):
        """Move up to FILE_STEP_BYTES to cli's socket -> True when the file is done."""
        if self._sendfile is False:
            self._sendfile = _sendfile_fn(cli, self.fileobj)
        sock = cli._sock
        budget = FILE_STEP_BYTES
        while budget > 0:
            want = budget if self.remaining is None else min(budget, self.remaining)
            if want <= 0:
                return True
            try:
                if self._sendfile is not None:
                    sent = self._sendfile(sock.fileno(), self.fileobj.fileno(), self.offset,
                                          want)
                    done = sent == 0
                else:
                    sent, done = self._send_chunk(sock, want)
            except OSError as exc:
                cli._io_error(exc)
                return False
            if sent is None:  # MicroPython's TLS: would block
                return False
            self.offset += sent
            budget -= sent
            if self.remaining is not None:
                self.remaining -= sent
                cli._sendq_bytes -= sent
            if sent:
                cli._send_mark = cli._pool._now
            if cli._timeout_idle:
                cli._timeout_base = cli._pool._now
            if done:
                return True
            if not sent:
                return False
        return self.remaining == 0

    def _send_chunk(self, sock, want):
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
