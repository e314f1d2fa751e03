# Type information for editors and type checkers (never loaded by Python or MicroPython).
# The runtime is wsframe/__init__.py and its private modules; see README.md.

from typing import Callable, Iterator, Sequence, Tuple, Union

__version__: str
__all__ = [
    "BytesMessage", "CLIENT", "CLOSED", "CloseConnection", "CloseReason", "Connection",
    "Event", "HandshakeError", "LOCAL_CLOSING", "LocalProtocolError", "OPEN", "Ping", "Pong",
    "ProtocolError", "REMOTE_CLOSING", "SERVER", "TextMessage", "Utf8Validator",
    "accept_key", "client_handshake", "is_valid_utf8", "requested_subprotocols",
    "server_handshake", "verify_server_handshake",
]

_Bytes = Union[bytes, bytearray, memoryview]
_HeaderPair = Tuple[Union[bytes, str], Union[bytes, str]]
_Subprotocols = Union[Sequence[str], Callable[[list[str]], Union[str, None]], None]

SERVER: str
CLIENT: str
OPEN: str
LOCAL_CLOSING: str
REMOTE_CLOSING: str
CLOSED: str

class CloseReason:
    NORMAL_CLOSURE: int
    GOING_AWAY: int
    PROTOCOL_ERROR: int
    UNSUPPORTED_DATA: int
    NO_STATUS_RCVD: int
    ABNORMAL_CLOSURE: int
    INVALID_FRAME_PAYLOAD_DATA: int
    POLICY_VIOLATION: int
    MESSAGE_TOO_BIG: int
    MANDATORY_EXT: int
    INTERNAL_ERROR: int
    SERVICE_RESTART: int
    TRY_AGAIN_LATER: int
    BAD_GATEWAY: int
    TLS_HANDSHAKE_FAILED: int

class ProtocolError(Exception):
    """The peer broke RFC 6455: ``code`` is the close code to send (1002, 1007, 1009)."""

    msg: str
    code: int
    def __init__(self, msg: str, code: int = ...) -> None: ...

class LocalProtocolError(Exception): ...

class HandshakeError(Exception):
    status_code: int
    message: str
    headers: Sequence[tuple[bytes, bytes]]
    def __init__(
        self, status_code: int, message: str, headers: Sequence[tuple[bytes, bytes]] = ()
    ) -> None: ...

class Event: ...

class TextMessage(Event):
    data: str
    message_finished: bool
    def __init__(self, data: str = "", message_finished: bool = True) -> None: ...

class BytesMessage(Event):
    data: bytes
    message_finished: bool
    def __init__(self, data: bytes = b"", message_finished: bool = True) -> None: ...

class Ping(Event):
    payload: bytes
    def __init__(self, payload: bytes = b"") -> None: ...
    def response(self) -> Pong: ...

class Pong(Event):
    payload: bytes
    def __init__(self, payload: bytes = b"") -> None: ...

class CloseConnection(Event):
    code: int
    reason: str
    def __init__(self, code: int = ..., reason: str = "") -> None: ...
    def response(self) -> CloseConnection: ...

_Received = Union[TextMessage, BytesMessage, Ping, Pong, CloseConnection]

class Connection:
    role: str
    def __init__(
        self,
        role: str,
        max_message: int | None = ...,
        max_frame: int | None = None,
        trailing_data: _Bytes = b"",
        fragments: bool = False,
        mask_source: Callable[[], bytes] | None = None,
        min_fragment_average: int | None = ...,
    ) -> None: ...
    max_message: int | None
    min_fragment_average: int | None
    state: str
    def receive_data(self, data: _Bytes | None) -> None: ...
    def events(self) -> Iterator[_Received]: ...
    def send(self, event: _Received) -> bytes: ...
    def send_text(self, text: str, message_finished: bool = True) -> bytes: ...
    def send_bytes(self, data: _Bytes, message_finished: bool = True) -> bytes: ...
    def ping(self, payload: _Bytes = b"") -> bytes: ...
    def pong(self, payload: _Bytes = b"") -> bytes: ...
    def close(self, code: int | None = ..., reason: str = "") -> bytes: ...

def accept_key(key: bytes | str) -> bytes: ...
def requested_subprotocols(headers: Sequence[_HeaderPair]) -> list[str]: ...
def server_handshake(
    headers: Sequence[_HeaderPair],
    subprotocols: _Subprotocols = None,
    method: bytes | str | None = None,
    http_version: bytes | str | None = None,
) -> list[tuple[bytes, bytes]]: ...
def client_handshake(
    host: bytes | str, subprotocols: Sequence[str] | None = None, key: bytes | str | None = None
) -> tuple[bytes, list[tuple[bytes, bytes]]]: ...
def verify_server_handshake(
    key: bytes | str,
    status_code: int,
    headers: Sequence[_HeaderPair],
    subprotocols: Sequence[str] | None = None,
) -> str | None: ...

class Utf8Validator:
    def __init__(self) -> None: ...
    @property
    def complete(self) -> bool: ...
    def feed(self, data: _Bytes) -> int: ...
    def decode(self, data: _Bytes, final: bool = False) -> str: ...

def is_valid_utf8(data: _Bytes) -> bool: ...
