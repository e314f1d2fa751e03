"""The events a Connection yields and accepts (plain classes: MicroPython has no dataclasses)."""

from ._errors import CloseReason


class Event:
    """Base of every event; compares by type and fields."""

    _fields = ()

    def __eq__(self, other):
        if type(self) is not type(other):
            return False
        for name in self._fields:
            if getattr(self, name) != getattr(other, name):
                return False
        return True

    def __ne__(self, other):
        return not self.__eq__(other)

    def __repr__(self):
        values = ", ".join("%s=%r" % (name, getattr(self, name)) for name in self._fields)
        return "%s(%s)" % (type(self).__name__, values)


class TextMessage(Event):
    """A text message (``data`` is ``str``), or a piece of one when fragments are on."""

    _fields = ("data", "message_finished")

    def __init__(self, data="", message_finished=True):
        self.data = data
        self.message_finished = message_finished


class BytesMessage(Event):
    """A binary message (``data`` is ``bytes``), or a piece of one when fragments are on."""

    _fields = ("data", "message_finished")

    def __init__(self, data=b"", message_finished=True):
        self.data = data
        self.message_finished = message_finished


class Ping(Event):
    """The peer pinged; send ``response()`` to answer (RFC 6455 section 5.5.2)."""

    _fields = ("payload",)

    def __init__(self, payload=b""):
        self.payload = payload

    def response(self):
        """The Pong that answers this Ping (same application data, section 5.5.3)."""
        return Pong(self.payload)


class Pong(Event):
    """A Pong arrived (an answer or an unsolicited heartbeat)."""

    _fields = ("payload",)

    def __init__(self, payload=b""):
        self.payload = payload


class CloseConnection(Event):
    """A close frame arrived (or, with code 1006, the transport closed without one).

    ``response()`` is the close frame to send back (section 5.5.1: echo the code).
    """

    _fields = ("code", "reason")

    def __init__(self, code=CloseReason.NORMAL_CLOSURE, reason=""):
        self.code = code
        self.reason = reason

    def response(self):
        """The close that answers this one: same code (1005: a close with no code)."""
        return CloseConnection(self.code, self.reason)
