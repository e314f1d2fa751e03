# Type information for editors and type checkers (see docs/api.md, "EventStream").

from .response import HttpResponse
from .writer import ResponseWriter as ResponseWriter

def format_event(
    data: object = None, event: str | None = None, id: object = None, retry: int | None = None
) -> str: ...

class EventStream(ResponseWriter):
    """Server-sent events on one answer (``ReturnEventStream``)."""

    def __init__(self, response: HttpResponse, keepAliveSec: float = 15) -> None: ...
    def SendEvent(
        self,
        data: object = None,
        event: str | None = None,
        id: object = None,
        retry: int | None = None,
    ) -> bool: ...
    async def Send(
        self,
        data: object = None,
        event: str | None = None,
        id: object = None,
        retry: int | None = None,
    ) -> bool: ...
    def SendComment(self, text: str = "") -> bool: ...
