"""wsframe: sans-I/O WebSocket (RFC 6455) for CPython and MicroPython.

Bytes in, events out; events in, bytes out. No sockets, no HTTP: the server hands over
the bytes that followed the upgrade request as ``trailing_data``.
"""

from ._connection import (
    CLIENT, CLOSED, LOCAL_CLOSING, OPEN, REMOTE_CLOSING, SERVER, Connection,
)
from ._errors import CloseReason, HandshakeError, LocalProtocolError, ProtocolError
from ._events import BytesMessage, CloseConnection, Event, Ping, Pong, TextMessage
from ._handshake import (
    accept_key, client_handshake, requested_subprotocols, server_handshake,
    verify_server_handshake,
)
from ._utf8 import Utf8Validator, is_valid_utf8

__version__ = "0.1.0"

__all__ = [
    "BytesMessage", "CLIENT", "CLOSED", "CloseConnection", "CloseReason", "Connection",
    "Event", "HandshakeError", "LOCAL_CLOSING", "LocalProtocolError", "OPEN", "Ping", "Pong",
    "ProtocolError", "REMOTE_CLOSING", "SERVER", "TextMessage", "Utf8Validator",
    "accept_key", "client_handshake", "is_valid_utf8", "requested_subprotocols",
    "server_handshake", "verify_server_handshake",
]
