"""ahttpserver's example program (seed 004) on mws2, under CPython and MicroPython.

programs/ahttp_demo.py: the seed's page route, its demo's two divide-by-zero errors, its
server-sent event stream, and a route that shows the request object.

Under CPython two lines of the seed's MicroPython code change: CPython has no
``uasyncio`` (``import asyncio`` instead), and its ``asyncio.create_task`` needs a loop
that already runs (``loop.create_task`` instead, as the original's README once wrote).
"""

import socket
import time

import requests
from adapters_harness import program_fixture

FILES = {"index.html": "<h1>ahttpserver on mws2</h1>"}
CPYTHON_EDITS = [
    ("import uasyncio as asyncio", "import asyncio"),
    ("    asyncio.create_task(app.start())", "    loop.create_task(app.start())"),
]


server = program_fixture("ahttp_demo.py", FILES, CPYTHON_EDITS)


def test_page_with_http_response_and_sendfile(server):
    answer = server.get("/")
    assert answer.status_code == 200 and answer.text == "<h1>ahttpserver on mws2</h1>"
    assert answer.headers["Content-Type"] == "text/html"
    assert answer.headers["Connection"] == "close"  # HTTPResponse(close=True)
    server.wait_log("exception in function root(): ")  # the demo's handled error


def test_error_before_anything_written_is_500_and_the_server_goes_on(server):
    answer = server.get("/api/zero")
    assert answer.status_code == 500
    assert server.get("/").status_code == 200


def test_error_after_the_head_ends_the_answer_as_it_stands(server):
    answer = server.get("/api/time")
    assert answer.status_code == 200 and answer.text == "01-02-2025 12:34:56"
    server.wait_log("ZeroDivisionError")
    assert server.get("/").status_code == 200


def test_unknown_route_is_404(server):
    assert server.get("/nowhere").status_code == 404
    assert requests.post(server.url("/"), timeout=10).status_code == 404  # GET only


def test_request_object_and_body_reader(server):
    answer = requests.post(
        server.url("/api/request?b=2&a=1&a=3&c"),
        data=b"the body",
        headers={"X-Test": "yes"},
        timeout=10,
    )
    assert answer.status_code == 200
    assert answer.headers["X-Demo"] == "1" and answer.headers["Content-Type"] == "text/plain"
    assert answer.text == (
        "POST|/api/request?b=2&a=1&a=3&c|/api/request|b=2&a=1&a=3&c|1.1|"
        "[('a', '1'), ('b', '2')]|b'yes'|the body"
    )


def test_event_source_sends_events_until_the_client_goes(server):
    with requests.get(server.url("/api/greeting"), stream=True, timeout=10) as answer:
        assert answer.status_code == 200
        assert answer.headers["Content-Type"].startswith("text/event-stream")
        lines = answer.iter_lines(decode_unicode=True)
        events = []
        for line in lines:
            if line.startswith("event:") or line.startswith("data:"):
                events.append(line)
            if len(events) >= 6:
                break
    assert events[:2] == ["event: greeting", "data: hello"]
    assert events.count("data: hello") == 3
    server.wait_log("greeting stream closed")  # the handler's loop ended on the error
    assert server.get("/").status_code == 200


def test_event_stream_of_a_client_that_vanishes_mid_stream(server):
    closed = server.log().count("greeting stream closed")
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(b"GET /api/greeting HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while data.count(b"data: hello") < 2:
        data += sock.recv(4096)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    sock.close()  # reset, not a clean close
    deadline = time.monotonic() + 10
    while server.log().count("greeting stream closed") <= closed:
        assert time.monotonic() < deadline, "the handler did not see the client go"
        time.sleep(0.05)
    assert server.get("/").status_code == 200
