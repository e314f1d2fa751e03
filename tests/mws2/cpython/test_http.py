"""The server over real sockets: routes, requests, responses, keep-alive, pipelining.

Every raw exchange is parsed by h11 (mws2_harness.parse), so each answer checked here
is also proven to be well-formed HTTP/1.1.
"""

import base64
import io
import json
import threading
import time

import pytest
import requests
from mws2_harness import (
    LogCapture,
    connect,
    exchange,
    parse,
    parse_one,
    read_until_closed,
    request_bytes,
    running,
    url,
    wait_for,
)

from mws2 import (
    DELETE,
    GET,
    OPTIONS,
    PATCH,
    POST,
    PUT,
    MicroWebSrv2,
    PathFromRoute,
    RegisterRoute,
    WebRoute,
)
from mws2.testing import TestClient

SENT = []
BLOCKER = threading.Event()


@WebRoute(GET, "/itest/args/<id>/x/<name>", name="itest-args")
def route_args(mws, request, args):
    request.Response.ReturnOkJSON(
        {"args": args, "types": [type(v).__name__ for v in args.values()]}
    )


@WebRoute(GET, "/itest/props")
def route_props(mws, request):
    r = request
    request.Response.ReturnOkJSON(
        {
            "UserAddress": list(r.UserAddress),
            "IsSSL": r.IsSSL,
            "HttpVer": r.HttpVer,
            "Method": r.Method,
            "Path": r.Path,
            "QueryString": r.QueryString,
            "QueryParams": r.QueryParams,
            "Host": r.Host,
            "Accept": r.Accept,
            "AcceptEncodings": r.AcceptEncodings,
            "AcceptLanguages": r.AcceptLanguages,
            "Cookies": r.Cookies,
            "CacheControl": r.CacheControl,
            "Referer": r.Referer,
            "ContentType": r.ContentType,
            "ContentLength": r.ContentLength,
            "UserAgent": r.UserAgent,
            "Authorization": r.Authorization,
            "Origin": r.Origin,
            "IsKeepAlive": r.IsKeepAlive,
            "IsUpgrade": r.IsUpgrade,
            "Upgrade": r.Upgrade,
            "Content": r.Content,
            "X": r.GetHeader("X-Custom"),
            "Missing": r.GetHeader("nope"),
            "Response": r.Response.Request is r,
            "Client": r.XAsyncTCPClient is not None,
        }
    )


@WebRoute(POST, "/itest/json")
def route_json(mws, request):
    request.Response.ReturnJSON(201, {"got": request.GetPostedJSONObject()})


@WebRoute(POST, "/itest/form")
def route_form(mws, request):
    request.Response.ReturnOkJSON(request.GetPostedURLEncodedForm())


@WebRoute(POST, "/itest/raw")
def route_raw(mws, request):
    content = request.Content
    request.Response.ReturnOk(bytes(content) if content is not None else b"<none>")


def _method_echo(mws, request):
    request.Response.ReturnOk("method " + request.Method)


for _method in (PUT, DELETE, PATCH):
    RegisterRoute(_method_echo, _method, "/itest/methods")
RegisterRoute(_method_echo, OPTIONS, "/itest/options-route")
RegisterRoute(lambda mws, request: request.Response.ReturnOk("dav"), "PROPFIND", "/itest/propfind")


def _cookies(mws, request):
    response = request.Response
    response.SetCookie("session", "abc123", maxAge=3600, secure=True)
    response.SetCookie("note", "café; \"x\", y", path="/itest", httpOnly=False,
                       sameSite=None, expires=0)
    response.SetCookie("gone", "", maxAge=0)
    response.ReturnOkJSON({
        "a": request.GetQueryValues("a"),
        "missing": request.GetQueryValues("zz"),
        "params": request.QueryParams,
        "seen": request.GetCookie("note"),
        "plain": request.GetCookie("plain"),
        "none": request.GetCookie("none", "default"),
    })


RegisterRoute(_cookies, GET, "/itest/cookies")


@WebRoute(GET, "/itest/boom")
def route_boom(mws, request):
    raise RuntimeError("boom in handler")


@WebRoute(GET, "/itest/silent")
def route_silent(mws, request):
    pass


@WebRoute(GET, "/itest/text")
def route_text(mws, request):
    request.Response.ReturnOk("héllo")


@WebRoute(GET, "/itest/bytes")
def route_bytes(mws, request):
    request.Response.ReturnOk(bytearray(b"\x00\x01\x02"))


@WebRoute(GET, "/itest/redirect")
def route_redirect(mws, request):
    request.Response.ReturnRedirect("/itest/text")


@WebRoute(GET, "/itest/status/<name>")
def route_status(mws, request, args):
    getattr(request.Response, args["name"])()


@WebRoute(GET, "/itest/unauthorized")
def route_unauthorized(mws, request):
    request.Response.ReturnUnauthorized("Digest", 'my "realm"')


@WebRoute(GET, "/itest/basic")
def route_basic(mws, request):
    if request.CheckBasicAuth("alice", "s3cret"):
        request.Response.ReturnOk("welcome")
    else:
        request.Response.ReturnBasicAuthRequired()


@WebRoute(GET, "/itest/bearer")
def route_bearer(mws, request):
    if request.CheckBearerAuth("tok-123"):
        request.Response.ReturnOk("welcome")
    else:
        request.Response.ReturnBearerAuthRequired()


@WebRoute(GET, "/itest/headers")
def route_headers(mws, request):
    response = request.Response
    response.SetHeader("X-One", 1)
    response.AllowCaching = True
    response.ContentType = "text/plain"
    response.ContentCharset = "latin-1"
    response.AccessControlAllowOrigin = "https://example.org"
    response.OnSent = lambda m, resp: SENT.append(resp.Request.Path)
    before = response.HeadersSent
    response.ReturnOk("ok")
    if before is False and response.HeadersSent is True and response.ContentLength == 2:
        SENT.append("headers-sent-flag")


class Chunks(io.RawIOBase):
    """A readable stream with no known length (pieces of 1000 bytes)."""

    def __init__(self, count):
        self.left = count

    def readable(self):
        return True

    def readinto(self, buf):
        if not self.left:
            return 0
        self.left -= 1
        n = min(len(buf), 1000)
        buf[:n] = b"z" * n
        return n


@WebRoute(GET, "/itest/stream-chunked")
def route_stream_chunked(mws, request):
    request.Response.ReturnStream(200, Chunks(300))


@WebRoute(GET, "/itest/stream-length")
def route_stream_length(mws, request):
    request.Response.ContentLength = 5000
    request.Response.ContentType = "text/plain"
    request.Response.ReturnStream(200, io.BytesIO(b"y" * 5000))


@WebRoute(GET, "/itest/file/<how>")
def route_file(mws, request, args):
    path = mws.ResolvePhysicalPath("/data.bin")
    request.Response.ReturnFile(path, "résumé 1.bin" if args["how"] == "attach" else None)


@WebRoute(GET, "/itest/block")
def route_block(mws, request):
    BLOCKER.wait(5)
    request.Response.ReturnOk("unblocked")


@WebRoute(GET, "/itest/fast")
def route_fast(mws, request):
    request.Response.ReturnOk("fast")


@WebRoute(GET, "/itest/later")
def route_later(mws, request):
    # Answer from another thread, after the handler returned: allowed and not a 501.
    response = request.Response
    threading.Timer(0.1, lambda: response.ReturnOk("later")).start()
    response.SetHeader("X-Deferred", "yes")


@pytest.fixture(scope="module")
def www(tmp_path_factory):
    root = tmp_path_factory.mktemp("www")
    (root / "index.html").write_text("<h1>home</h1>")
    (root / "data.bin").write_bytes(bytes(range(256)) * 400)
    return root


@pytest.fixture(scope="module", params=[4, 0, "asyncio"], ids=["4-workers", "inline", "asyncio"])
def server(www, request):
    """Every test against worker threads and against the single-thread loop (a board's
    way, and the fastest on CPython: answers complete inline, without a loop turn)."""
    log = LogCapture()

    def configure(mws):
        mws.OnLogging = log

    with running(www, threads=request.param, configure=configure) as mws:
        mws.test_log = log
        mws.test_threads = request.param
        yield mws


@pytest.fixture
def client(www):
    """In memory (mws2.testing), for the tests of routing and answers: they need no
    socket, and the connection core they go through is the same in every mode."""
    mws = MicroWebSrv2()
    mws.RootPath = str(www)
    mws.OnLogging = LogCapture()
    with TestClient(mws) as test_client:
        yield test_client


def _basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode())
            .decode()}


def test_route_arguments_accept_dots_hyphens_hex_and_convert_integers(client):
    got = client.get("/itest/args/42/x/my-file.v2").json()
    assert got == {"args": {"id": 42, "name": "my-file.v2"}, "types": ["int", "str"]}
    got = client.get("/itest/args/0x1F/x/DeadBeef").json()
    assert got["args"] == {"id": "0x1F", "name": "DeadBeef"}
    assert client.get("/itest/args/1/x").status == 404
    assert PathFromRoute("itest-args", {"id": 7, "name": "a.b"}) == "/itest/args/7/x/a.b"


def test_request_properties(server):
    headers = {
        "Accept": "text/html, application/json;q=0.9",
        "Accept-Encoding": "gzip, br",
        "Accept-Language": "fr, en;q=0.5",
        "Cookie": "a=1; b=2",
        "Cache-Control": "no-cache",
        "Referer": "http://ref/",
        "User-Agent": "tester/1",
        "Authorization": "Bearer zz",
        "Origin": "http://o.example",
        "X-Custom": "custom value",
    }
    got = requests.get(url(server, "/itest/props?a=1&b=x%20y&a=2"), headers=headers).json()
    assert got["UserAddress"][0] == "127.0.0.1"
    assert got["IsSSL"] is False and got["HttpVer"] == "HTTP/1.1" and got["Method"] == "GET"
    assert got["Path"] == "/itest/props" and got["QueryString"] == "a=1&b=x%20y&a=2"
    assert got["QueryParams"] == {"a": "2", "b": "x y"}
    assert got["Host"].startswith("127.0.0.1:")
    assert got["Accept"] == ["text/html", "application/json;q=0.9"]
    assert got["AcceptEncodings"] == ["gzip", "br"]
    assert got["AcceptLanguages"] == ["fr", "en;q=0.5"]
    assert got["Cookies"] == ["a=1", "b=2"]
    assert got["CacheControl"] == "no-cache" and got["Referer"] == "http://ref/"
    assert got["UserAgent"] == "tester/1" and got["Authorization"] == "Bearer zz"
    assert got["Origin"] == "http://o.example" and got["X"] == "custom value"
    assert got["Missing"] == "" and got["ContentLength"] == 0 and got["Content"] is None
    assert got["IsKeepAlive"] is True and got["IsUpgrade"] is False and got["Upgrade"] == ""
    assert got["Response"] is True and got["Client"] is True


def test_absolute_form_target_and_other_upgrades(server):
    raw = b"GET http://127.0.0.1/itest/text HTTP/1.1\r\nHost: x\r\n\r\n"
    raw += request_bytes(
        "GET",
        "/itest/text",
        [
            ("Connection", "Upgrade, HTTP2-Settings"),
            ("Upgrade", "h2c"),
            ("HTTP2-Settings", "AAMAAABkAAQAAP__"),
        ],
    )
    raw += request_bytes("GET", "/itest/text", [("Connection", "close")])
    answers = parse(exchange(server, raw), ["GET"] * 3)
    assert [a.status for a in answers] == [200, 200, 200]  # h2c is ignored (RFC 9110 7.8)


def test_posted_json_form_and_raw_content(server):
    r = requests.post(url(server, "/itest/json"), json={"a": [1, 2]})
    assert r.status_code == 201 and r.json() == {"got": {"a": [1, 2]}}
    assert r.headers["Content-Type"] == "application/json; charset=UTF-8"
    r = requests.post(
        url(server, "/itest/json"), data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert r.json() == {"got": None}
    r = requests.post(url(server, "/itest/form"), data={"name": "a b", "x": "é&="})
    assert r.json() == {"name": "a b", "x": "é&="}
    r = requests.post(url(server, "/itest/raw"), data=b"\x00raw\xff")
    assert r.content == b"\x00raw\xff"
    r = requests.post(url(server, "/itest/raw"))
    assert r.content == b"<none>"


def test_chunked_request_body_is_read_before_the_handler(server):
    def gen():
        yield b"abc"
        yield b"def"

    r = requests.post(url(server, "/itest/raw"), data=gen())
    assert r.content == b"abcdef"


def test_methods_and_405(client):
    for method in ("PUT", "DELETE", "PATCH"):
        r = client.request(method, "/itest/methods")
        assert r.status == 200 and r.text == "method " + method
    r = client.post("/itest/methods")
    assert r.status == 405
    assert set(r.headers["Allow"].split(", ")) == {"PUT", "DELETE", "PATCH"}
    assert client.options("/itest/options-route").text == "method OPTIONS"


def test_unknown_method_is_501_and_a_routed_custom_method_is_served(client):
    # RFC 9110 section 9.1: 501 for a method the server does not implement at all.
    assert client.request("FOO", "/itest/methods").status == 501
    assert client.request("FOO", "/").status == 501
    # A method some route registered is implemented: 405 elsewhere, served on its route.
    assert client.request("PROPFIND", "/itest/propfind").text == "dav"
    assert client.request("PROPFIND", "/itest/methods").status == 405


def test_cookies_set_many_and_read_back_and_repeated_query_values(client):
    client.cookies["note"] = "caf%C3%A9%3B%20%22x%22%2C%20y"
    client.cookies["plain"] = "p1"
    answer = client.get("/itest/cookies?a=1&b=2&a=3")
    assert answer.json() == {
        "a": ["1", "3"],
        "missing": [],
        "params": {"a": "3", "b": "2"},  # MicroWebSrv2's documented dict: the last wins
        "seen": 'café; "x", y',
        "plain": "p1",
        "none": "default",
    }
    fields = answer.headers.get_all("Set-Cookie")
    assert fields == [
        "session=abc123; Max-Age=3600; Path=/; Secure; HttpOnly; SameSite=Lax",
        "note=caf%C3%A9%3B%20%22x%22%2C%20y; Expires=Thu, 01 Jan 1970 00:00:00 GMT; "
        "Path=/itest",
        "gone=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
    ]


def test_set_cookie_refuses_what_a_cookie_cannot_carry():
    from mws2.cookies import set_cookie_value

    for kwargs in ({"name": "a b"}, {"name": ""}, {"path": "/a;b"}, {"sameSite": "Loose"},
                   {"sameSite": "None"}, {"domain": "x\ny"}):
        args = dict(name="n", value="v")
        args.update(kwargs)
        with pytest.raises((TypeError, ValueError)):
            set_cookie_value(**args)


def test_head_runs_the_get_route_without_body(server):
    answer = parse_one(
        exchange(server, request_bytes("HEAD", "/itest/text", [("Connection", "close")])), "HEAD"
    )
    assert answer.status == 200 and answer.body == b""
    assert answer.headers["content-length"] == str(len("héllo".encode()))


def test_handler_exception_is_500_logged_with_traceback_and_server_goes_on(server):
    r = requests.get(url(server, "/itest/boom"))
    assert r.status_code == 500
    assert wait_for(lambda: "boom in handler" in server.test_log.text(MicroWebSrv2.ERROR))
    assert "Traceback" in server.test_log.text(MicroWebSrv2.ERROR)
    assert requests.get(url(server, "/itest/text")).status_code == 200


def test_handler_without_answer_gets_501(server):
    assert requests.get(url(server, "/itest/silent")).status_code == 501
    assert "No response was sent" in server.test_log.text(MicroWebSrv2.WARNING)


def test_return_content_types(client):
    r = client.get("/itest/text")
    assert r.headers["Content-Type"] == "text/html; charset=UTF-8" and r.text == "héllo"
    assert r.headers["Cache-Control"] == "no-cache, no-store, must-revalidate"
    r = client.get("/itest/bytes")
    assert r.headers["Content-Type"] == "application/octet-stream" and r.body == b"\x00\x01\x02"


def test_redirect(client):
    r = client.get("/itest/redirect")
    assert r.status == 307 and r.headers["Location"] == "/itest/text"


@pytest.mark.parametrize(
    "name, code",
    [
        ("ReturnBadRequest", 400),
        ("ReturnForbidden", 403),
        ("ReturnNotFound", 404),
        ("ReturnMethodNotAllowed", 405),
        ("ReturnEntityTooLarge", 413),
        ("ReturnInternalServerError", 500),
        ("ReturnNotImplemented", 501),
        ("ReturnServiceUnavailable", 503),
        ("ReturnNotModified", 304),
        ("ReturnOk", 200),
    ],
)
def test_named_status_helpers(client, name, code):
    answer = client.get("/itest/status/" + name, headers={"Connection": "close"})
    assert answer.status == code
    if code == 304:
        assert answer.body == b""
    else:
        assert str(code).encode() in answer.body  # the small status page


def test_authentication(client):
    r = client.get("/itest/unauthorized")
    assert r.status == 401 and r.headers["WWW-Authenticate"] == 'Digest realm="my \\"realm\\""'
    r = client.get("/itest/basic")
    assert r.status == 401 and r.headers["WWW-Authenticate"].startswith("Basic")
    assert client.get("/itest/basic", headers=_basic("alice", "wrong")).status == 401
    assert client.get("/itest/basic", headers=_basic("alice", "s3cret")).text == "welcome"
    r = client.get("/itest/bearer")
    assert r.status == 401 and r.headers["WWW-Authenticate"] == "Bearer"
    r = client.get("/itest/bearer", headers={"Authorization": "Bearer tok-123"})
    assert r.text == "welcome"


def test_response_headers_properties_and_on_sent(server):
    r = requests.get(url(server, "/itest/headers"))
    assert r.headers["X-One"] == "1"
    assert r.headers["Cache-Control"].startswith("public, max-age=")
    assert r.headers["Content-Type"] == "text/plain; charset=latin-1"
    assert r.headers["Access-Control-Allow-Origin"] == "https://example.org"
    assert wait_for(lambda: "/itest/headers" in SENT) and "headers-sent-flag" in SENT


def test_stream_unknown_length_is_chunked(server):
    data = exchange(
        server, request_bytes("GET", "/itest/stream-chunked", [("Connection", "close")])
    )
    answer = parse_one(data)
    assert answer.headers["transfer-encoding"] == "chunked"
    assert answer.body == b"z" * 300000


def test_stream_known_length(server):
    r = requests.get(url(server, "/itest/stream-length"))
    assert r.headers["Content-Length"] == "5000" and r.content == b"y" * 5000
    assert "Transfer-Encoding" not in r.headers


def test_stream_to_http10_client_is_close_delimited(server):
    data = exchange(server, request_bytes("GET", "/itest/stream-chunked", version="1.0"))
    answer = parse_one(data, http_version="1.0")
    assert answer.body == b"z" * 300000 and "transfer-encoding" not in answer.headers


def test_return_file_inline_and_attachment(server, www):
    expected = (www / "data.bin").read_bytes()
    r = requests.get(url(server, "/itest/file/inline"))
    assert r.content == expected and "Content-Disposition" not in r.headers
    r = requests.get(url(server, "/itest/file/attach"))
    assert r.content == expected
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="r_sum_ 1.bin"')
    assert "filename*=UTF-8''r%C3%A9sum%C3%A9%201.bin" in disposition


def test_keep_alive_by_default_and_pipelining_in_order(server):
    paths = ["/itest/args/%d/x/n" % i for i in range(5)] + ["/itest/stream-length"]
    raw = b"".join(request_bytes("GET", p) for p in paths)
    raw += request_bytes("GET", "/itest/text", [("Connection", "close")])
    answers = parse(exchange(server, raw), ["GET"] * (len(paths) + 1))
    for i in range(5):
        assert json.loads(answers[i].body)["args"]["id"] == i
    assert answers[5].body == b"y" * 5000
    assert answers[6].headers["connection"] == "close"


def test_persistent_connection_serves_requests_one_after_another(server):
    with connect(server) as sock:
        for i in range(3):
            sock.sendall(request_bytes("GET", "/itest/args/%d/x/y" % i))
            data = b""
            while not data.endswith(b"}"):
                data += sock.recv(65536)
            assert json.loads(parse_one(data).body)["args"]["id"] == i


def test_http10_closes_unless_keep_alive_asked(server):
    answer = parse_one(
        exchange(server, request_bytes("GET", "/itest/text", version="1.0")), http_version="1.0"
    )
    assert answer.status == 200 and answer.body == "héllo".encode()
    with connect(server) as sock:
        sock.sendall(
            request_bytes("GET", "/itest/text", [("Connection", "keep-alive")], version="1.0")
        )
        sock.sendall(request_bytes("GET", "/itest/text", version="1.0"))
        data = read_until_closed(sock)
    answers = parse(data, ["GET", "GET"], http_version="1.0")
    assert answers[0].headers["connection"].lower() == "keep-alive"


def test_expect_100_continue(server):
    with connect(server) as sock:
        sock.sendall(
            request_bytes(
                "POST",
                "/itest/raw",
                [("Expect", "100-continue"), ("Content-Length", "4"), ("Connection", "close")],
            )
        )
        interim = sock.recv(1024)
        assert interim.startswith(b"HTTP/1.1 100 Continue\r\n")
        sock.sendall(b"body")
        data = interim + read_until_closed(sock)
    assert parse_one(data, "POST").body == b"body"


def test_blocking_handler_does_not_freeze_other_connections(server):
    if server.test_threads == "asyncio" or server.test_threads < 2:
        pytest.skip("one thread runs every plain handler, by design (async def ones await)")
    BLOCKER.clear()
    result = {}
    slow = threading.Thread(
        target=lambda: result.update(
            slow=requests.get(url(server, "/itest/block"), timeout=10).text
        )
    )
    slow.start()
    time.sleep(0.2)
    started = time.monotonic()
    assert requests.get(url(server, "/itest/fast"), timeout=5).text == "fast"
    assert time.monotonic() - started < 3
    BLOCKER.set()
    slow.join(10)
    assert result["slow"] == "unblocked"


def test_late_answer_after_the_default_501_is_refused_and_logged(server):
    # As in MicroWebSrv2, a handler that returns without answering gets 501 at once;
    # a late ReturnOk from another thread is then refused (logged), never sent twice.
    r = requests.get(url(server, "/itest/later"))
    assert r.status_code == 501
    assert wait_for(lambda: "already sent" in server.test_log.text(MicroWebSrv2.WARNING))
    assert requests.get(url(server, "/itest/text")).status_code == 200


def test_small_answer_leaves_in_one_write(server, monkeypatch):
    # Head, body and end in one send: no Nagle/delayed-ACK stall on ports without
    # TCP_NODELAY (MicroPython), one syscall instead of three.
    if server.test_threads == "asyncio":
        from mws2.aio_cpython import ProtocolClient as client_class
    else:
        from xasync import XAsyncTCPClient as client_class

    writes = []
    real_async = client_class.AsyncSendData
    real_try = client_class.TrySendData

    def counting_async(self, data, *args, **kwargs):
        writes.append(("async", bytes(data)))
        return real_async(self, data, *args, **kwargs)

    def counting_try(self, data):
        taken = real_try(self, data)
        writes.append(("try", bytes(data)[:taken]))
        return taken

    monkeypatch.setattr(client_class, "AsyncSendData", counting_async)
    monkeypatch.setattr(client_class, "TrySendData", counting_try)
    data = exchange(server, request_bytes("GET", "/itest/text", [("Connection", "close")]))
    assert parse_one(data).body == "héllo".encode()
    # The loop thread writes at once; a worker thread hands the bytes to the loop.
    how = "async" if server.test_threads == 4 else "try"
    assert [write for write in writes if write[1]] == [(how, data)]


def test_pipelining_flood_is_answered_in_order_with_back_pressure(server):
    count = 3000  # ~170 KB of requests: reading pauses and resumes several times
    raw = b"".join(request_bytes("GET", "/itest/args/%d/x/p" % i) for i in range(count))
    raw += request_bytes("GET", "/itest/text", [("Connection", "close")])
    with connect(server, timeout=20) as sock:
        sender = threading.Thread(target=sock.sendall, args=(raw,))
        sender.start()
        data = read_until_closed(sock, timeout=20)
        sender.join(20)
    answers = parse(data, ["GET"] * (count + 1))
    assert [json.loads(a.body)["args"]["id"] for a in answers[:count]] == list(range(count))
