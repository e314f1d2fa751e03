# Type information for editors and type checkers (see docs/api.md, "Uploads").

from typing import Any

from httpcore_micro.multipart import (
    BODY_END as BODY_END,
    NEED_DATA as NEED_DATA,
    PART_END as PART_END,
    MultipartError as MultipartError,
    MultipartParser as MultipartParser,
    Part as Part,
    boundary_from_content_type as boundary_from_content_type,
)

MAX_FIELD_SIZE: int

class FormError(Exception):
    """A form the server cannot take: ``status_code`` is the answer (400, 413, 415)."""

    status_code: int
    def __init__(self, message: str, status_code: int = 400) -> None: ...

class UploadedFile:
    """A file part of a form, written to ``Path`` (None if it was not kept)."""

    Name: str
    FileName: str
    ContentType: str
    Path: str | None
    Size: int
    def __init__(self, name: str, filename: str, contentType: str, path: str | None) -> None: ...

def safe_file_name(filename: str) -> str: ...

class FormReader:
    form: dict[str, str | UploadedFile]
    def __init__(
        self, boundary: bytes, saveTo: str | None, maxFileSize: int | None, maxFieldSize: int | None
    ) -> None: ...
    def feed(self, data: bytes) -> bool: ...
    def abandon(self) -> None: ...

def reader_for(
    request: Any, saveTo: str | None, maxFileSize: int | None, maxFieldSize: int | None
) -> FormReader: ...
async def read_form(
    request: Any, saveTo: str | None, maxFileSize: int | None, maxFieldSize: int | None
) -> dict[str, str | UploadedFile]: ...
def parse_form(
    request: Any,
    content: Any,
    saveTo: str | None,
    maxFileSize: int | None,
    maxFieldSize: int | None,
) -> dict[str, str | UploadedFile]: ...
