# Type information for editors and type checkers (never loaded by Python or MicroPython).
# The runtime is pyhtml/__init__.py and its private modules; see README.md.

from typing import Any, Iterator, Mapping

__version__: str
__all__ = ["Template", "FileLoader", "TemplateError", "html_escape"]

class Template:
    """A .pyhtml template, compiled once; ``render`` or ``stream`` it many times."""

    name: str
    loader: FileLoader | None
    globals: dict[str, Any] | None
    persistent: dict[str, Any]
    def __init__(
        self,
        source: str,
        name: str = "<template>",
        loader: FileLoader | None = None,
        globals: dict[str, Any] | None = None,
    ) -> None: ...
    def render(self, variables: Mapping[str, Any] | None = None) -> str: ...
    def stream(
        self, variables: Mapping[str, Any] | None = None, chunk_size: int = ...
    ) -> Iterator[str]: ...

class FileLoader:
    """Loads (and caches) templates under ``root``; ``globals`` is seen by every page."""

    root: str
    globals: dict[str, Any]
    compiled: str | None
    def __init__(
        self, root: str, globals: dict[str, Any] | None = None, compiled: str | None = None
    ) -> None: ...
    def load(self, path: str) -> Template: ...
    def precompiled(self) -> tuple[str, ...]: ...
    def key(self, path: str) -> str: ...
    def filename(self, key: str) -> str: ...
    def resolve(self, including: str | None, path: str) -> str: ...
    def read(self, key: str) -> str: ...

class TemplateError(Exception):
    name: str | None
    line: int | None
    message: str
    source_line: str | None
    error: BaseException | None
    def __init__(
        self,
        name: str | None,
        line: int | None,
        message: str,
        source_line: str | None = None,
        error: BaseException | None = None,
    ) -> None: ...
    def html(self) -> str: ...

def html_escape(value: object) -> str: ...
