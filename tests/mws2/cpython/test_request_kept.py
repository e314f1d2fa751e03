"""A request kept beyond its answer (an open WebSocket's) keeps its header fields in
decoded form only: what it tells stays the same."""

import pytest
from httpcore_micro import Request

from mws2 import MicroWebSrv2
from mws2.request import HttpRequest


def request_with(headers):
    event = Request(method=b"POST", target=b"/x?a=1", headers=headers, http_version=b"1.1")
    return HttpRequest(MicroWebSrv2(), None, event, True)


@pytest.mark.parametrize("headers", [
    [(b"Host", b"h"), (b"Connection", b"keep-alive"), (b"Connection", b"Upgrade"),
     (b"Upgrade", b"websocket"), (b"Content-Length", b"12")],
    [(b"Host", b"h"), (b"Transfer-Encoding", b"chunked")],
    [(b"Host", b"h"), (b"Content-Length", b"7"), (b"Content-Length", b"7")],
    [(b"Host", b"h")],
])
def test_decoded_fields_answer_as_the_raw_ones_did(headers):
    raw = request_with(headers)
    kept = request_with(headers)
    kept.Response.SetHeader("Upgrade", "websocket")  # as the 101 had
    decoded = kept._keep_decoded_only()
    assert kept._rawHeaders == () and decoded == raw._headers
    assert kept.Response._headers == ()  # framed and sent already
    for ask in (lambda r: r.IsUpgrade, lambda r: r.Upgrade, lambda r: r._chunked(),
                lambda r: r._declared_length(), lambda r: r.GetHeader("host"),
                lambda r: r.Path, lambda r: r.QueryString):
        assert ask(kept) == ask(raw)
