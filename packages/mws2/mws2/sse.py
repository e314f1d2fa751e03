"""Server-sent events: ``request.Response.ReturnEventStream()`` -> an ``EventStream``.

An EventStream is a ResponseWriter (mws2/writer.py) of ``text/event-stream``: it stays
open, and events are sent on it from anywhere and at any time (a handler, a timer,
another connection, another thread in pool mode), with no thread or task of its own. The
wire format is the HTML standard's (section 9.2, "Server-sent events"): ``event:``,
``id:``, ``retry:`` and one ``data:`` line per line of the data, then an empty line; a
comment line (``:``) every ``keepAliveSec`` without an event keeps idle connections (and
the proxies between) from timing out.

- ``SendEvent(data, event=None, id=None, retry=None)`` queues and returns at once: False
  if the client has gone (or is so far behind that it was dropped).
- ``await Send(...)`` (async handlers) also waits while the client is behind.
- ``SendComment(text)``; and from ResponseWriter: ``Close()``, ``IsClosed``,
  ``OnClosed(eventStream)``, ``await Drain()``.
"""

from .writer import ResponseWriter


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


class EventStream(ResponseWriter):
    """One client's event stream (see the module's documentation)."""

    def __init__(self, response, keepAliveSec=15):
        ResponseWriter.__init__(self, response)
        self._timer = None
        self._keepAliveSec = keepAliveSec
        self._sent_recently = True
        self._arm_keep_alive()

    def SendEvent(self, data=None, event=None, id=None, retry=None):
        """Queue one event; False if the stream is closed (the client has gone)."""
        return self.Write(format_event(data, event, id, retry))

    async def Send(self, data=None, event=None, id=None, retry=None):
        """Send one event and wait while the client is behind; False once closed."""
        if not self.SendEvent(data, event, id, retry):
            return False
        return await self.Drain()

    def SendComment(self, text=""):
        """A comment line (ignored by clients; keeps the connection alive)."""
        if "\n" in text or "\r" in text:
            raise ValueError('"text" cannot hold a line break')
        return self.Write(": " + text + "\n\n")

    def _written(self):
        self._sent_recently = True

    def _ended(self):
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()

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
