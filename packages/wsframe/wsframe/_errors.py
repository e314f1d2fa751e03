"""The error types and the close codes of RFC 6455 section 7.4."""


class CloseReason:
    """Close status codes (RFC 6455 section 7.4.1, plus the IANA registry's 1012-1014)."""

    NORMAL_CLOSURE = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    UNSUPPORTED_DATA = 1003
    # 1004 is reserved and never sent.
    NO_STATUS_RCVD = 1005  # local only: the close frame had no code
    ABNORMAL_CLOSURE = 1006  # local only: the transport closed without a close frame
    INVALID_FRAME_PAYLOAD_DATA = 1007
    POLICY_VIOLATION = 1008
    MESSAGE_TOO_BIG = 1009
    MANDATORY_EXT = 1010
    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012
    TRY_AGAIN_LATER = 1013
    BAD_GATEWAY = 1014
    TLS_HANDSHAKE_FAILED = 1015  # local only


# Codes a peer may put on the wire (section 7.4.2): the defined ones that are not
# reserved for local use, and the 3000-4999 range for libraries and applications.
_WIRE_CODES_BELOW_3000 = (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014)


def is_valid_wire_code(code):
    """True if ``code`` may appear in a close frame (RFC 6455 section 7.4)."""
    if 3000 <= code <= 4999:
        return True
    return code in _WIRE_CODES_BELOW_3000


class ProtocolError(Exception):
    """The peer broke RFC 6455; ``code`` is the close code to answer with.

    1002 (protocol error), 1007 (invalid payload data, e.g. bad UTF-8) or 1009
    (message or frame above the configured limit).
    """

    def __init__(self, msg, code=CloseReason.PROTOCOL_ERROR):
        super().__init__(msg, code)
        self.msg = msg
        self.code = code

    def __str__(self):
        return "%s (close code %d)" % (self.msg, self.code)


class LocalProtocolError(Exception):
    """Our own side misused the connection, e.g. sent a message after its close frame."""


class HandshakeError(Exception):
    """The upgrade request cannot be accepted.

    ``status_code`` is the HTTP status to answer with (400, or 426 for an unsupported
    ``Sec-WebSocket-Version``), ``headers`` the headers to add to that answer.
    """

    def __init__(self, status_code, message, headers=()):
        super().__init__(status_code, message)
        self.status_code = status_code
        self.message = message
        self.headers = list(headers)

    def __str__(self):
        return "%d: %s" % (self.status_code, self.message)
