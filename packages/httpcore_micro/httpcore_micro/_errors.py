"""The one error hierarchy: every error carries the HTTP status to answer with."""


class ProtocolError(Exception):
    """Base of both protocol errors. ``status_code`` is the status to answer with."""

    def __init__(self, msg, status_code=400):
        super().__init__(msg)
        self.msg = msg
        self.status_code = status_code

    def __str__(self):
        return self.msg


class RemoteProtocolError(ProtocolError):
    """The peer broke HTTP/1.1: answer ``status_code`` (400, 413, 414, 431, 501, 505)
    and close the connection."""


class LocalProtocolError(ProtocolError):
    """We asked for something HTTP/1.1 does not allow (e.g. CR/LF in a header value,
    a body on a 204, an event the state machine does not expect)."""
