# Type information for editors and type checkers (see README.md, "multipart/form-data").

from typing import Union

from . import RemoteProtocolError

DEFAULT_MAX_PART_HEADER_BYTES: int
DEFAULT_MAX_PARTS: int

NEED_DATA: str
PART_END: str
BODY_END: str

class MultipartError(RemoteProtocolError):
    def __init__(self, msg: str) -> None: ...

class Part:
    name: str
    filename: str | None
    content_type: str
    headers: list[tuple[bytes, bytes]]
    def __init__(
        self,
        name: str,
        filename: str | None,
        content_type: str,
        headers: list[tuple[bytes, bytes]],
    ) -> None: ...

class PartData:
    data: memoryview
    def __init__(self, data: memoryview) -> None: ...

class MultipartParser:
    def __init__(
        self, boundary: bytes, max_part_header_bytes: int = ..., max_parts: int = ...
    ) -> None: ...
    def receive_data(self, data: Union[bytes, bytearray, memoryview]) -> None: ...
    def next_event(self) -> Part | PartData | str: ...

def boundary_from_content_type(value: bytes | str) -> bytes | None: ...
