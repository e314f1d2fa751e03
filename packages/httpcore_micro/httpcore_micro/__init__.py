"""httpcore_micro: a sans-I/O HTTP/1.1 server connection for CPython and MicroPython.

Bytes in, events out; events in, bytes out. Strict where strictness protects (request
smuggling, header injection), with every limit a constructor argument.
"""

from ._connection import (
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_HEADER_BYTES,
    DEFAULT_MAX_HEADERS,
    DEFAULT_MAX_TARGET,
    ServerConnection,
)
from ._errors import LocalProtocolError, ProtocolError, RemoteProtocolError
from ._events import (
    NEED_DATA,
    PAUSED,
    ConnectionClosed,
    Data,
    EndOfMessage,
    Event,
    InformationalResponse,
    Request,
    Response,
)
from ._fields import parse_basic_auth, parse_cookies, parse_qvalues
from ._headers import get_header, has_token
from ._state import (
    CLOSED,
    DONE,
    ERROR,
    IDLE,
    MIGHT_SWITCH_PROTOCOL,
    MUST_CLOSE,
    SEND_BODY,
    SEND_RESPONSE,
    SWITCHED_PROTOCOL,
)
from ._urls import parse_form, parse_query, parse_query_list, percent_decode, split_target
from ._writers import REASONS

__version__ = "0.1.0"

__all__ = [
    "ServerConnection",
    "Event",
    "Request",
    "InformationalResponse",
    "Response",
    "Data",
    "EndOfMessage",
    "ConnectionClosed",
    "NEED_DATA",
    "PAUSED",
    "ProtocolError",
    "RemoteProtocolError",
    "LocalProtocolError",
    "IDLE",
    "SEND_RESPONSE",
    "SEND_BODY",
    "DONE",
    "MUST_CLOSE",
    "CLOSED",
    "MIGHT_SWITCH_PROTOCOL",
    "SWITCHED_PROTOCOL",
    "ERROR",
    "DEFAULT_MAX_HEADER_BYTES",
    "DEFAULT_MAX_HEADERS",
    "DEFAULT_MAX_TARGET",
    "DEFAULT_MAX_BODY",
    "REASONS",
    "percent_decode",
    "split_target",
    "parse_query",
    "parse_query_list",
    "parse_form",
    "parse_qvalues",
    "parse_cookies",
    "parse_basic_auth",
    "get_header",
    "has_token",
]
