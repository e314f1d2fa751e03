# Type information for editors and type checkers (never loaded by Python or MicroPython).
# The runtime is httpcore_micro/__init__.py and its private modules; see README.md.

from typing import Iterable, Sequence, Tuple, Union

from . import multipart as multipart
from ._events import _Sentinel

__version__: str

_Bytes = Union[bytes, bytearray, memoryview]
_HeaderPair = Tuple[Union[bytes, str], Union[bytes, str]]

DEFAULT_MAX_HEADER_BYTES: int
DEFAULT_MAX_HEADERS: int
DEFAULT_MAX_TARGET: int
DEFAULT_MAX_BODY: int | None

IDLE: str
SEND_RESPONSE: str
SEND_BODY: str
DONE: str
MUST_CLOSE: str
CLOSED: str
ERROR: str
MIGHT_SWITCH_PROTOCOL: str
SWITCHED_PROTOCOL: str

class ProtocolError(Exception):
    msg: str
    status_code: int
    def __init__(self, msg: str, status_code: int = 400) -> None: ...

class RemoteProtocolError(ProtocolError):
    """The peer broke HTTP/1.1: ``status_code`` is the answer to send."""

class LocalProtocolError(ProtocolError):
    """Our own misuse (a header with CR/LF, a body after HEAD ...)."""

NEED_DATA: _Sentinel
PAUSED: _Sentinel

class Event: ...

class Request(Event):
    method: bytes
    target: bytes
    headers: list[tuple[bytes, bytes]]
    http_version: bytes
    def __init__(
        self,
        method: bytes,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        http_version: bytes = b"1.1",
    ) -> None: ...

class _StatusLineEvent(Event):
    status_code: int
    headers: Sequence[_HeaderPair]
    reason: bytes
    def __init__(
        self, status_code: int, headers: Sequence[_HeaderPair] = (), reason: bytes = b""
    ) -> None: ...

class InformationalResponse(_StatusLineEvent): ...
class Response(_StatusLineEvent): ...

class Data(Event):
    data: _Bytes
    def __init__(self, data: _Bytes) -> None: ...

class EndOfMessage(Event):
    headers: Sequence[_HeaderPair]
    def __init__(self, headers: Sequence[_HeaderPair] | None = None) -> None: ...

class ConnectionClosed(Event): ...

_Received = Union[Request, Data, EndOfMessage, ConnectionClosed, _Sentinel]
_Sendable = Union[Response, InformationalResponse, Data, EndOfMessage, ConnectionClosed]

class ServerConnection:
    max_body: int | None
    keep_alive: bool
    their_http_version: bytes | None
    client_is_waiting_for_100_continue: bool
    def __init__(
        self,
        max_header_bytes: int = ...,
        max_headers: int = ...,
        max_target: int = ...,
        max_body: int | None = ...,
    ) -> None: ...
    @property
    def our_state(self) -> str: ...
    @property
    def their_state(self) -> str: ...
    @property
    def trailing_data(self) -> bytes: ...
    @property
    def trailing_data_closed(self) -> bool: ...
    @property
    def trailing_size(self) -> int: ...
    def start_next_cycle(self) -> None: ...
    def send_failed(self) -> None: ...
    def receive_data(self, data: _Bytes | None) -> None: ...
    def next_event(self) -> _Received: ...
    def send(self, event: _Sendable) -> bytes: ...
    def send_response(
        self,
        status_code: int,
        headers: Iterable[_HeaderPair],
        body: _Bytes = b"",
        reason: bytes = b"",
    ) -> bytes: ...

def split_target(target: bytes) -> tuple[str, str]: ...

# Loaded from _helpers on first use.
REASONS: dict[int, str]
def percent_decode(text: bytes | str, plus_as_space: bool = False) -> str: ...
def parse_query(query: bytes | str) -> dict[str, str]: ...
def parse_query_list(query: bytes | str) -> list[tuple[str, str]]: ...
def parse_form(body: bytes | str) -> dict[str, str]: ...
def parse_qvalues(text: str) -> list[str]: ...
def parse_cookies(text: str) -> dict[str, str]: ...
def parse_basic_auth(text: str) -> tuple[str, str] | None: ...
def get_header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None: ...
def has_token(headers: Iterable[tuple[bytes, bytes]], name: bytes, token: bytes) -> bool: ...

