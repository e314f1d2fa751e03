"""The receive buffer: bytes received and not yet turned into events.

Consuming moves an offset instead of deleting from the front; a buffer that is fully
consumed is replaced by the next arriving ``bytes`` object as is (no copy: the common
case of a request arriving in one ``recv``). Searches for the end of a line or of a
header block remember where they stopped, so feeding a request one byte at a time
costs linear time, not quadratic.
"""


class ReceiveBuffer:
    def __init__(self):
        self.data = b""
        self.start = 0
        self.block_search = 0
        self.line_search = 0
        self.line_end = -1  # set by readers that found a line end
        self._lf_search = 0
        # Readers may note that they already validated the pending first line.
        self.line_checked = False

    def __len__(self):
        return len(self.data) - self.start

    def append(self, chunk):
        data = self.data
        start = self.start
        if start == len(data):
            self.data = chunk if type(chunk) is bytes else bytes(chunk)
            self.start = self.block_search = self.line_search = self._lf_search = 0
            return
        if type(data) is not bytearray:
            data = bytearray(data[start:])
        elif start:
            del data[:start]
        data += chunk
        self.data = data
        self.block_search -= start
        self.line_search -= start
        self._lf_search -= start
        self.start = 0

    def first_byte(self):
        return self.data[self.start]

    def startswith(self, prefix):
        data = self.data
        start = self.start
        return data[start : start + len(prefix)] == prefix

    def find_line_end(self, start=None):
        """Absolute index of the first CRLF (from ``start``, default: the unconsumed data),
        or -1; a search that failed resumes where it stopped."""
        data = self.data
        if start is None or start < self.line_search:
            start = self.line_search  # never below self.start
        index = data.find(b"\r\n", start)
        if index < 0:
            self.line_search = max(start, len(data) - 1)
        return index

    def find_block_end(self):
        """Absolute index of the first CRLF CRLF (end of a header block), or -1."""
        data = self.data
        index = data.find(b"\r\n\r\n", self.block_search)  # never below start
        if index < 0:
            self.block_search = max(self.start, len(data) - 3)
        return index

    def has_bare_lf(self):
        """Is there an LF not preceded by CR (each byte is looked at once)?"""
        data = self.data
        index = data.find(b"\n", self._lf_search)
        while index >= 0:
            if index == self.start or data[index - 1] != 13:
                return True
            index = data.find(b"\n", index + 1)
        self._lf_search = len(data)
        return False

    def consume_to(self, position):
        """Consume everything before ``position`` and restart every search there."""
        self.start = self.block_search = self.line_search = self._lf_search = position
        self.line_checked = False

    def skip_to(self, position):
        """Consume everything before absolute index ``position``."""
        if position != self.start:
            self.start = position
            # Searches that failed up to an index past ``position`` stay valid.
            if self.block_search < position:
                self.block_search = position
            if self.line_search < position:
                self.line_search = position
            if self._lf_search < position:
                self._lf_search = position
            self.line_checked = False

    def take(self, end, skip=0):
        """Consume up to absolute index ``end`` (plus ``skip`` separator bytes)."""
        data = self.data
        out = data[self.start : end]
        self.start = end + skip
        self.block_search = self.line_search = self._lf_search = self.start
        self.line_checked = False
        if type(out) is not bytes:
            out = bytes(out)
        return out

    def take_at_most(self, count):
        """Consume up to ``count`` bytes; None when nothing is buffered."""
        start = self.start
        data = self.data
        if start == len(data):
            return None
        end = start + count
        if end > len(data):
            end = len(data)
        return self.take(end)

    def pending(self, limit=None):
        """The unconsumed bytes (at most ``limit`` of them), without consuming."""
        start = self.start
        end = len(self.data) if limit is None else start + limit
        return bytes(self.data[start:end])
