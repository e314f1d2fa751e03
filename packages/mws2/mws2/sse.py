"""Server-sent events: ``request.Response.ReturnEventStream()`` -> an ``EventStream``.

The stream answers 200 ``text/event-stream`` (chunked) and stays open; events are sent
on it from anywhere and at any time: a handler, a timer, another connection, another
thread (pool mode). It holds no thread and no task of its own: an event is framed and
queued on the connection at once. The wire format is the HTML standard's (section 9.2,
"Server-sent events"): ``event:``, ``id:``, ``retry:`` and one ``data:`` line per line of
the data, then an empty line; a comment line (``:``) keeps idle connections (and the
proxies between) from timing out.

- ``SendEvent(data, event=None, id=None, retry=None)`` queues and returns at once: False
  if the client has gone (or is so far behind that it was dropped).
- ``await Send(...)`` (async handlers) also waits while the client is behind.
- ``Close()`` ends the stream (the connection may then serve another request);
  ``IsClosed``; ``OnClosed(eventStream)`` when it ends, whoever ended it.
"""

# Bytes an event stream may have waiting for a client that does not read them: beyond,
# the client is dropped (a sender that never waits must not fill the memory).
MAX_BACKLOG = 256 * 1024
# ``await Send()`` waits while more than this is queued.
SEND_HIGH_WATER = 16 * 1024


def _field(name, value):
    value = str(value)
    if "\n" in value or "\r" in value:
        raise ValueError('"%s" cannot hold a line break' % name)
    return name + ": " + value + "\n"


def format_event(data=None, event=None, id=None, retry=None):
    """The text of one event (HTML standard, section 9.2.5)."""
    out = []
    if event is not None:
        out.append(_field("event", event))
    if id is not None:
        if "\x00" in str(id):
            raise ValueError('"id" cannot hold NUL (clients ignore such an id)')
        out.append(_field("id", id))
    if retry is not None:
        if not isinstance(retry, int) or isinstance(retry, bool) or retry < 0:
            raise ValueError('"retry" must be a number of milliseconds (int >= 0)')
        out.append("retry: %d\n" % retry)
    if data is not None:
        text = data if isinstance(data, str) else str(data)
        # CRLF, CR and LF all end a line for the client: each line gets its data field.
        for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            out.append("data: " + line + "\n")
    if not out:
        raise ValueError("an event needs data, event, id or retry")
    out.append("\n")
    return "".join(out)


class EventStream:
    """One client's event stream (see the module's documentation)."""

    def __init__(self, response, keepAliveSec=15):
        self._response = response
        self._conn = response._conn
        self._mws2 = response._mws2
        self._closed = False
        self._onClosed = None
        self._waker = None
        self._timer = None
        self._keepAliveSec = keepAliveSec
        self._sent_recently = True
        self._conn.attach_stream(self)  # its close() is called if the client goes
        self._arm_keep_alive()

    # ---- sending -------------------------------------------------------------------

    def SendEvent(self, data=None, event=None, id=None, retry=None):
        """Queue one event; False if the stream is closed (the client has gone)."""
        text = format_event(data, event, id, retry)
        return self._send(text)

    async def Send(self, data=None, event=None, id=None, retry=None):
        """Send one event and wait while the client is behind; False once closed."""
        if not self.SendEvent(data, event, id, retry):
            return False
        client = self._conn.client
        while not self._closed and client.SendingQueueSize > SEND_HIGH_WATER:
            waker = self._waiter()
            client.AsyncSendData(b"", _wake, waker)  # called once the queue got there
            await waker.wait()
        return not self._closed

    def SendComment(self, text=""):
        """A comment line (ignored by clients; keeps the connection alive)."""
        if "\n" in text or "\r" in text:
            raise ValueError('"text" cannot hold a line break')
        return self._send(": " + text + "\n\n")

    def _send(self, text):
        if self._closed:
            return False
        if self._conn.client.SendingQueueSize > MAX_BACKLOG:
            self._mws2.Log("Event stream client too far behind: dropped", self._mws2.WARNING)
            self._conn.close()
            return False
        self._sent_recently = True
        self._conn.send_body(text.encode())
        return True

    def Close(self):
        """End the stream (the response ends; the connection may be reused)."""
        if self._closed:
            return
        self.close()
        self._conn.attach_stream(None)
        self._conn.end_response(self._response)

    # ---- the end -------------------------------------------------------------------

    def close(self):
        """Called by the connection when it closes (the client has gone), or by Close."""
        if self._closed:
            return
        self._closed = True
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        if self._waker is not None:
            self._waker.set()
        if self._onClosed is not None:
            try:
                self._onClosed(self)
            except Exception as exc:  # an application bug in OnClosed: logged
                self._mws2._log_exception("EventStream OnClosed", exc)

    def _waiter(self):
        if self._waker is None:
            from .wake import Waker

            self._waker = Waker()
        return self._waker

    def _arm_keep_alive(self):
        if self._keepAliveSec and not self._closed:
            self._timer = self._mws2._call_later(self._keepAliveSec, self._keep_alive)

    def _keep_alive(self):
        if self._closed:
            return
        if not self._sent_recently:
            self.SendComment("keep-alive")
        self._sent_recently = False
        self._arm_keep_alive()

    # ---- properties ----------------------------------------------------------------

    @property
    def IsClosed(self):
        return self._closed

    @property
    def Request(self):
        return self._response.Request

    @property
    def OnClosed(self):
        return self._onClosed

    @OnClosed.setter
    def OnClosed(self, value):
        if value is not None and not callable(value):
            raise TypeError('"OnClosed" must be a function or None')
        self._onClosed = value


def _wake(client, waker):
    waker.set()
