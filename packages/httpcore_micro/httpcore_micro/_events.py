"""Events and errors.

Events: what the peer said (Request, Data, EndOfMessage, ConnectionClosed) and what we
say (InformationalResponse, Response, Data, EndOfMessage, ConnectionClosed). Plain
classes (no dataclasses, which MicroPython lacks). Headers are lists of ``(name, value)``
bytes pairs with lower-case names for received events; events we send may carry ``str``
or ``bytes`` pairs, normalised by the writer.

Errors: one hierarchy, and every error carries the HTTP status to answer with.
"""


class ProtocolError(Exception):
    """Base of both protocol errors. ``status_code`` is the status to answer with."""

    def __init__(self, msg, status_code=400):
        super().__init__(msg)  # str(error) is msg
        self.msg = msg
        self.status_code = status_code


class RemoteProtocolError(ProtocolError):
    """The peer broke HTTP/1.1: answer ``status_code`` (400, 413, 414, 431, 501, 505)
    and close the connection."""


class LocalProtocolError(ProtocolError):
    """We asked for something HTTP/1.1 does not allow (e.g. CR/LF in a header value,
    a body on a 204, an event the state machine does not expect)."""


class _Sentinel:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


NEED_DATA = _Sentinel("NEED_DATA")
PAUSED = _Sentinel("PAUSED")


class Event:
    __slots__ = ()
    _fields = ()

    def __eq__(self, other):
        if type(self) is not type(other):
            return False
        for field in self._fields:
            if getattr(self, field) != getattr(other, field):
                return False
        return True

    def __repr__(self):
        parts = ["%s=%r" % (field, getattr(self, field)) for field in self._fields]
        return "%s(%s)" % (type(self).__name__, ", ".join(parts))


class Request(Event):
    __slots__ = ("method", "target", "headers", "http_version")
    _fields = __slots__

    def __init__(self, method, target, headers, http_version=b"1.1"):
        self.method = method
        self.target = target
        self.headers = headers
        self.http_version = http_version


class _StatusLineEvent(Event):
    """What every response head carries; the two subclasses differ only in type."""

    __slots__ = ("status_code", "headers", "reason")
    _fields = __slots__

    def __init__(self, status_code, headers=(), reason=b""):
        self.status_code = status_code
        self.headers = headers
        self.reason = reason


class InformationalResponse(_StatusLineEvent):
    __slots__ = ()


class Response(_StatusLineEvent):
    __slots__ = ()


class Data(Event):
    __slots__ = ("data",)
    _fields = __slots__

    def __init__(self, data):
        self.data = data


class EndOfMessage(Event):
    __slots__ = ("headers",)
    _fields = __slots__

    def __init__(self, headers=None):
        # Trailers (chunked bodies only); a fresh list each time, never a shared default.
        self.headers = [] if headers is None else headers


class ConnectionClosed(Event):
    __slots__ = ()
