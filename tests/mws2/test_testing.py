"""mws2.testing.TestClient: an application tested in-process (portable: pytest and
MicroPython). Every answer goes through the connection core and is read back by the
client's strict reader."""

import asyncio

from _portable import raises

from mws2 import GET, POST, MicroWebSrv2, RegisterRoute
from mws2.testing import (
    InvalidResponse,
    ServerSentEvent,
    TestClient,
    TestClientError,
    TestClientTimeout,
    WebSocketRejected,
    _AnswerReader,
    _EventParser,
)

CLOSED = []  # what OnClosed callbacks saw
PIECES = []  # content pieces a streamed route read


def _quiet():
    server = MicroWebSrv2()
    server.OnLogging = lambda mws, msg, msgType: None  # expected errors stay out of the output
    return server


def _hello(mws, request):
    request.Response.SetHeader("X-Echo", request.GetHeader("x-test"))
    request.Response.AddHeader("Link", "</a>")
    request.Response.AddHeader("Link", "</b>")
    request.Response.ReturnOkJSON({
        "query": request.QueryParams,
        "all": request.GetQueryValues("n"),
        "path": request.Path,
        "from": request.UserAddress[0],
        "ssl": request.IsSSL,
        "host": request.Host,
    })


def _echo(mws, request):
    request.Response.ContentType = request.GetHeader("content-type") or "x/none"
    request.Response.ReturnOk(bytes(request.Content or b""))


def _form(mws, request):
    request.Response.ReturnOkJSON(request.GetPostedURLEncodedForm())


def _json(mws, request):
    request.Response.ReturnOkJSON({"got": request.GetPostedJSONObject()})


async def _async_hello(mws, request):
    await asyncio.sleep(0.01)
    request.Response.ReturnOk("later")


def _boom(mws, request):
    raise ZeroDivisionError("route failed")


async def _slow(mws, request):
    await asyncio.sleep(0.3)
    request.Response.ReturnOk("too late")


def _cookies(mws, request):
    response = request.Response
    if request.QueryParams.get("drop"):
        response.SetCookie("session", "", maxAge=0)
    else:
        response.SetCookie("session", "a b;c")
        response.SetCookie("theme", "dark")
    response.ReturnOkJSON({"session": request.GetCookie("session"),
                           "theme": request.GetCookie("theme")})


def _pieces(mws, request):
    request.Response.ContentType = "text/plain"
    request.Response.ReturnStream(200, iter(["one\n", "two\n", b"three\n"]))


async def _events(mws, request):
    stream = request.Response.ReturnEventStream(keepAliveSec=0)
    stream.OnClosed = lambda s: CLOSED.append("events")
    stream.SendEvent("hello")
    for n in range(3):
        await asyncio.sleep(0.01)
        await stream.Send("tick %d\nline 2" % n, event="tick", id=n)
    # left open: the client hangs up


async def _short_events(mws, request):
    stream = request.Response.ReturnEventStream(keepAliveSec=0)
    stream.SendComment("start")
    await stream.Send("a", retry=1500)
    await stream.Send("b", id="7")
    stream.Close()


async def _upload(mws, request):
    async for piece in request.ContentChunks():
        PIECES.append(bytes(piece))
    request.Response.ReturnOk("%d bytes" % sum([len(piece) for piece in PIECES]))


def _purge(mws, request):
    request.Response.Return(202, request.Method)


ROUTES = (
    (_hello, GET, "/tc/hello"),
    (_echo, POST, "/tc/echo"),
    (_form, POST, "/tc/form"),
    (_json, POST, "/tc/json"),
    (_async_hello, GET, "/tc/async"),
    (_boom, GET, "/tc/boom"),
    (_slow, GET, "/tc/slow"),
    (_cookies, GET, "/tc/cookies"),
    (_pieces, GET, "/tc/pieces"),
    (_events, GET, "/tc/events"),
    (_short_events, GET, "/tc/short-events"),
    (_purge, "PURGE", "/tc/cache"),
)
for _handler, _method, _path in ROUTES:
    RegisterRoute(_handler, _method, _path)
RegisterRoute(_upload, POST, "/tc/upload", streamContent=True)


def test_get_with_query_and_headers():
    client = TestClient(_quiet(), headers={"X-Test": "from the client"})
    answer = client.get("/tc/hello?n=1", query=[("n", "2"), ("word", "a b&c")])
    assert answer.status == 200 and answer.status_code == 200 and answer.reason == "OK"
    assert answer.http_version == "1.1"
    assert answer.headers["content-type"] == "application/json; charset=UTF-8"
    assert answer.headers["X-ECHO"] == "from the client" and "x-echo" in answer.headers
    assert answer.headers.get_all("link") == ["</a>", "</b>"]
    assert answer.headers["link"] == "</a>, </b>" and answer.headers.get("nope") is None
    assert answer.json() == {
        "query": {"n": "2", "word": "a b&c"},
        "all": ["1", "2"],
        "path": "/tc/hello",
        "from": "127.0.0.1",
        "ssl": False,
        "host": "testserver",
    }
    other = TestClient(_quiet(), client_address=("10.0.0.7", 4321), ssl=True, host="board")
    got = other.get("/tc/hello", headers={"X-Test": "per request"})
    assert got.json()["from"] == "10.0.0.7" and got.json()["ssl"] is True
    assert got.json()["host"] == "board" and got.headers["x-echo"] == "per request"


def test_bodies_data_json_form_and_files():
    client = TestClient(_quiet())
    answer = client.post("/tc/echo", data=b"\x00raw", headers={"Content-Type": "x/raw"})
    assert answer.body == b"\x00raw" and answer.headers["content-type"] == "x/raw"
    assert client.post("/tc/echo", data="text \u00e9").text == "text \u00e9"
    assert client.post("/tc/json", json={"a": [1, 2]}).json() == {"got": {"a": [1, 2]}}
    assert client.post("/tc/form", form={"name": "x y", "n": ["1", "2"]}).json() == {
        "name": "x y", "n": "2"}
    files = {"upload": ("a.txt", b"file body", "text/plain"), "raw": b"\x01\x02"}
    answer = client.post("/tc/echo", form={"field": "value"}, files=files)
    ctype = answer.headers["content-type"]
    assert ctype.startswith("multipart/form-data; boundary=")
    boundary = ctype.split("boundary=")[1].encode()
    body = answer.body
    assert body.startswith(b"--" + boundary + b"\r\n") and body.endswith(b"--\r\n")
    assert b'Content-Disposition: form-data; name="field"\r\n\r\nvalue\r\n' in body
    assert b'name="upload"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nfile body' in body
    assert b'name="raw"; filename="raw"\r\n' in body
    assert client.request("PURGE", "/tc/cache").text == "PURGE"
    waited = client.post("/tc/echo", data=b"abc", headers={"Expect": "100-continue"})
    assert waited.body == b"abc" and [a.status for a in waited.interim] == [100]
    raises(ValueError, client.post, "/tc/echo", data=b"x", json=1)
    raises(ValueError, client.get, "no-slash")


def test_chunked_upload_reaches_a_streamed_route_piece_by_piece():
    del PIECES[:]
    client = TestClient(_quiet())
    answer = client.post("/tc/upload", data=(b"x" * 100 for _ in range(5)))
    assert answer.text == "500 bytes"
    assert len(PIECES) > 1 and b"".join(PIECES) == b"x" * 500


def test_async_handler_and_async_api():
    client = TestClient(_quiet())
    assert client.get("/tc/async").text == "later"

    async def main():
        answer = await client.get_async("/tc/async")
        posted = await client.post_async("/tc/json", json=[1])
        raises(TestClientError, client.get, "/tc/async")  # a plain call in a running loop
        return answer.text, posted.json()

    assert asyncio.run(main()) == ("later", {"got": [1]})
    assert client.get("/tc/async").text == "later"  # plain calls again, on their own loop


def test_error_answers_404_405_413_501():
    server = _quiet()
    client = TestClient(server)
    assert client.get("/tc/nothing-here").status == 404
    answer = client.put("/tc/hello")
    assert answer.status == 405 and answer.headers["allow"] == "GET"
    assert client.request("BREW", "/tc/hello").status == 501
    server.MaxRequestContentLength = 16  # settings may change between requests
    answer = client.post("/tc/echo", data=b"y" * 17)
    assert answer.status == 413 and answer.headers["connection"] == "close"
    assert client.post("/tc/echo", data=b"y" * 16).body == b"y" * 16
    answer = client.head("/tc/hello")
    assert answer.status == 200 and answer.body == b"" and int(answer.headers["content-length"])


def test_a_route_that_raises():
    client = TestClient(_quiet())
    error = raises(ZeroDivisionError, client.get, "/tc/boom")
    assert str(error) == "route failed"
    assert client.get("/tc/async").text == "later"  # the client and the server go on
    seen = TestClient(_quiet(), raise_server_exceptions=False).get("/tc/boom")
    assert seen.status == 500 and b"500" in seen.body


def test_timeout_raises_and_the_server_is_free_afterwards():
    server = _quiet()
    client = TestClient(server)
    raises(TestClientTimeout, client.get, "/tc/slow", timeout=0.05)
    assert server._all_connections() == []  # the connection was dropped
    assert server.IsRunning  # its handler still runs: it must not lose its driver
    assert client.get("/tc/slow").text == "too late"
    assert not server.IsRunning  # both handlers are done


def test_cookies_are_kept_across_requests():
    client = TestClient(_quiet())
    first = client.get("/tc/cookies")
    assert first.json() == {"session": None, "theme": None}
    assert len(first.headers.get_all("set-cookie")) == 2
    assert client.cookies == {"session": "a%20b%3Bc", "theme": "dark"}
    assert client.get("/tc/cookies").json() == {"session": "a b;c", "theme": "dark"}
    client.get("/tc/cookies?drop=1")
    assert client.cookies == {"theme": "dark"}
    got = client.get("/tc/cookies", cookies={"session": "given"})
    assert got.json()["session"] == "given"


def test_streamed_answer_read_piece_by_piece():
    client = TestClient(_quiet())
    whole = client.get("/tc/pieces")
    assert whole.body == b"one\ntwo\nthree\n"
    assert whole.headers["transfer-encoding"] == "chunked"
    stream = client.stream("GET", "/tc/pieces")
    assert stream.status == 200 and stream.headers["content-type"] == "text/plain"
    assert b"".join(list(stream)) == b"one\ntwo\nthree\n" and stream.closed
    assert stream.read_chunk() == b"" and stream.body == b"one\ntwo\nthree\n"


def test_server_sent_events():
    del CLOSED[:]
    server = _quiet()
    client = TestClient(server)
    stream = client.stream("GET", "/tc/events")
    assert stream.headers["content-type"] == "text/event-stream; charset=UTF-8"
    assert stream.next_event() == ServerSentEvent("hello")
    ticks = [stream.next_event() for _ in range(3)]
    assert [(e.event, e.data, e.id) for e in ticks] == [
        ("tick", "tick %d\nline 2" % n, str(n)) for n in range(3)]
    assert server.IsRunning  # the stream holds its connection (and the server)
    raises(TestClientTimeout, stream.next_event, 0.05)
    stream.close()
    assert CLOSED == ["events"] and not server.IsRunning
    events = list(client.get("/tc/short-events").iter_events())
    assert events == [ServerSentEvent("a", retry=1500), ServerSentEvent("b", id="7", retry=1500)]


def test_streams_with_the_async_api():
    client = TestClient(_quiet())

    async def main():
        pieces = []
        stream = await client.stream_async("GET", "/tc/pieces")
        async for piece in stream:
            pieces.append(piece)
        events = []
        async with await client.stream_async("GET", "/tc/short-events") as stream:
            async for event in stream.iter_events_async():
                events.append(event.data)
        return pieces, events

    pieces, events = asyncio.run(main())
    assert b"".join(pieces) == b"one\ntwo\nthree\n" and events == ["a", "b"]


def _ws_echo(mws, ws):
    ws.OnTextMessage = lambda ws, msg: ws.SendTextMessage("echo: " + msg)
    ws.OnBinaryMessage = lambda ws, msg: ws.SendBinaryMessage(bytes(reversed(bytes(msg))))
    ws.OnClosed = lambda ws: CLOSED.append("echo")


async def _ws_async(mws, ws):
    async for message in ws:
        if message == "bye":
            return  # the server closes (1000)
        await ws.Send(message * 2)


def _ws_boom(mws, ws):
    raise ValueError("not today")


CHAT = []  # the open WebSockets of /tc/ws/chat


def _ws_chat(mws, ws):
    def broadcast(ws, message):
        for member in CHAT:
            member.SendTextMessage(message)

    CHAT.append(ws)
    ws.OnTextMessage = broadcast
    ws.OnClosed = CHAT.remove


def _ws_welcome(mws, ws):
    ws.SendTextMessage("welcome")  # sent at once: it comes with the 101 answer


WS_ROUTES = {"/tc/ws/echo": _ws_echo, "/tc/ws/async": _ws_async, "/tc/ws/boom": _ws_boom,
             "/tc/ws/chat": _ws_chat, "/tc/ws/welcome": _ws_welcome}


def _with_websockets(test):
    module = MicroWebSrv2.LoadModule("WebSockets")
    previous = module.OnWebSocketAccepted
    module.OnWebSocketAccepted = lambda mws, ws: WS_ROUTES[ws.Request.Path](mws, ws)
    try:
        test(module)
    finally:
        module.OnWebSocketAccepted = previous


def test_websocket_echo_with_callbacks():
    def test(module):
        del CLOSED[:]
        server = _quiet()
        client = TestClient(server)
        with client.websocket("/tc/ws/echo") as ws:
            assert ws.response.status == 101 and ws.subprotocol is None
            ws.send("hi")
            assert ws.receive() == "echo: hi"
            ws.send(b"\x01\x02\x03")
            assert ws.receive() == b"\x03\x02\x01"
            ws.send("")
            assert ws.receive() == "echo: "
            raises(TestClientTimeout, ws.receive, 0.05)
            assert server.IsRunning
        assert ws.closed and ws.close_code == 1000 and CLOSED == ["echo"]
        assert not server.IsRunning
        raises(TestClientError, ws.send, "late")

    _with_websockets(test)


def test_websocket_message_sent_on_accept_is_received():
    # The frame arrives in the same read as the 101 answer's head: it is a message at
    # once, not only once more bytes come.
    def test(module):
        with TestClient(_quiet()).websocket("/tc/ws/welcome") as ws:
            assert ws.receive(0.5) == "welcome"

    _with_websockets(test)


def test_websocket_subprotocol_chosen_by_the_server():
    def test(module):
        previous = module.OnWebSocketProtocol
        module.OnWebSocketProtocol = lambda mws, offered: "json" if "json" in offered else None
        try:
            client = TestClient(_quiet())
            with client.websocket("/tc/ws/echo", subprotocols=["chat", "json"]) as ws:
                assert ws.subprotocol == "json"
                assert ws.response.headers["sec-websocket-protocol"] == "json"
            with client.websocket("/tc/ws/echo", subprotocols=["chat"]) as ws:
                assert ws.subprotocol is None
        finally:
            module.OnWebSocketProtocol = previous

    _with_websockets(test)


def test_websocket_async_api_and_server_close():
    def test(module):
        client = TestClient(_quiet())
        ws = client.websocket("/tc/ws/async")
        ws.send("ab")
        assert ws.receive() == "abab"
        ws.send("bye")
        assert ws.receive() is None and ws.close_code == 1000 and ws.closed

        async def main():
            got = []
            async with await client.websocket_async("/tc/ws/async") as ws:
                for word in ("x", "y"):
                    await ws.send_async(word)
                    got.append(await ws.receive_async())
            return got, ws.close_code

        assert asyncio.run(main()) == (["xx", "yy"], 1000)

    _with_websockets(test)


def test_many_connections_of_one_client_at_once():
    def test(module):
        client = TestClient(_quiet())
        first, second = client.websocket("/tc/ws/chat"), client.websocket("/tc/ws/chat")
        first.send("hello all")
        assert first.receive() == "hello all" and second.receive() == "hello all"
        assert client.get("/tc/async").text == "later"  # requests meanwhile
        first.close()
        assert len(CHAT) == 1
        second.close()
        assert CHAT == [] and not client.server.IsRunning

        async def main():
            calls = [client.get_async("/tc/hello", query={"n": n}) for n in "123"]
            answers = await asyncio.gather(*calls)
            return [answer.json()["query"]["n"] for answer in answers]

        assert asyncio.run(main()) == ["1", "2", "3"]

    _with_websockets(test)


def test_websocket_refused_or_failing():
    def test(module):
        client = TestClient(_quiet())
        error = raises(ValueError, client.websocket, "/tc/ws/boom")
        assert str(error) == "not today"
        quiet = TestClient(_quiet(), raise_server_exceptions=False)
        ws = quiet.websocket("/tc/ws/boom")
        assert ws.receive() is None and ws.close_code == 1011
        module.OnWebSocketAccepted = None  # nobody takes WebSockets: 501
        refused = raises(WebSocketRejected, quiet.websocket, "/tc/ws/echo")
        assert refused.response.status == 501

    _with_websockets(test)


def test_server_running_elsewhere_is_refused():
    server = _quiet()
    client = TestClient(server)
    server._driver = object()  # as if started by StartAsync
    try:
        error = raises(Exception, client.get, "/tc/async")
        assert "already running" in str(error)
    finally:
        server._driver = None
    assert client.get("/tc/async").text == "later"


def _answer(data, method="GET"):
    reader = _AnswerReader(method)
    reader.feed(data)
    if not reader.done:
        reader.feed_eof()
    answer = reader.answer
    answer.body = b"".join(reader.take_pieces())
    return answer


def test_answer_reader_frames_bodies():
    answer = _answer(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc")
    assert answer.body == b"abc" and answer.headers["content-length"] == "3"
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"3;ext=1\r\nabc\r\n0\r\nX-Sum: 1\r\n\r\n")
    answer = _answer(chunked)
    assert answer.body == b"abc" and answer.trailers["x-sum"] == "1"
    answer = _answer(b"HTTP/1.1 200 OK\r\n\r\nuntil close")
    assert answer.body == b"until close"
    answer = _answer(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n")
    assert answer.status == 204 and answer.interim[0].status == 100
    assert _answer(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", "HEAD").body == b""
    assert _answer(b"HTTP/1.1 299 \r\nContent-Length: 0\r\n\r\n").reason == ""


BAD_ANSWERS = (
    b"HTTP/1.1 200 OK\nContent-Length: 0\n\n",
    b"HTTP/2 200 OK\r\n\r\n",
    b"HTTP/1.1 20 OK\r\n\r\n",
    b"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nX: a\x00b\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
    b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc",
    b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
    b"",
)


def test_answer_reader_refuses_malformed_answers():
    for data in BAD_ANSWERS:
        raises(InvalidResponse, _answer, data)


def test_event_parser_follows_the_standard():
    parser = _EventParser()
    for piece in (b": comment\r", b"\ndata: a\r", b"\ndata:b\n", b"id: 3\nevent: e",
                  b"\n\nretry: 20\r\ndata\r\n\rdata: \xc3", b"\xa9\n\n", b"id\nevent: x\n\n"):
        parser.feed(piece)
    parser.feed(b"data: unfinished")
    parser.feed_eof()
    assert parser.events == [
        ServerSentEvent("a\nb", "e", "3"),
        ServerSentEvent("", "message", "3", 20),
        ServerSentEvent("\u00e9", "message", "3", 20),
    ]
