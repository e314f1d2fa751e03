"""HTTP against the server running on MicroPython (or CPython, see conftest.py).

Raw exchanges are read back with an h11 client connection, so every answer is also
proven to be well-formed HTTP/1.1 (framing, headers, keep-alive).
"""

import json
import os
import socket
import threading
import time

import h11
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
WWW = os.path.join(
    os.path.dirname(os.path.dirname(HERE)), "packages", "mws2", "mws2", "demo", "www"
)


def test_it_runs_on_the_requested_runtime(mp_server):
    answer = requests.get(mp_server.url("/runtime"), timeout=5)
    assert answer.status_code == 200
    assert answer.json() == {"implementation": mp_server.runtime}


def test_get_static_file(mp_server):
    answer = requests.get(mp_server.url("/style.css"), timeout=5)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/css")
    with open(os.path.join(WWW, "style.css"), "rb") as f:
        assert answer.content == f.read()
    assert int(answer.headers["Content-Length"]) == len(answer.content)


def test_default_page_and_validators(mp_server):
    answer = requests.get(mp_server.url("/"), timeout=5)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/html")
    assert b"MicroWebSrv2 rebuilt" in answer.content
    etag = answer.headers["ETag"]
    again = requests.get(mp_server.url("/"), headers={"If-None-Match": etag}, timeout=5)
    assert again.status_code == 304 and again.content == b""


def test_route_with_arguments(mp_server):
    answer = requests.get(mp_server.url("/users/123/profile/first-name.v2"), timeout=5)
    assert answer.status_code == 200
    assert answer.json() == {"id": 123, "property": "first-name.v2"}
    answer = requests.get(mp_server.url("/api/hello/0xBEEF"), timeout=5)
    assert answer.json() == {"hello": "0xBEEF", "type": "str"}


def test_post_urlencoded_form(mp_server):
    form = {"firstname": "Ada <b>", "lastname": "Lovelace & co", "empty": ""}
    answer = requests.post(mp_server.url("/form-echo"), data=form, timeout=5)
    assert answer.status_code == 200 and answer.json() == form
    page = requests.post(mp_server.url("/test-post"), data=form, timeout=5)
    assert page.status_code == 200
    assert "Ada &lt;b&gt; Lovelace &amp; co" in page.text
    assert "<b>" not in page.text.split("Hello", 1)[1].split("</p>", 1)[0]


def test_json_in_and_out(mp_server):
    info = requests.get(mp_server.url("/api/info?x=1&y=%C3%A9"), timeout=5)
    assert info.status_code == 200
    assert info.headers["Content-Type"].startswith("application/json")
    data = info.json()
    assert data["Method"] == "GET" and data["Path"] == "/api/info"
    assert data["QueryParams"] == {"x": "1", "y": "\u00e9"}
    assert data["ClientAddr"][0] == "127.0.0.1"
    payload = {"list": [1, 2.5, None, True], "text": "caf\u00e9 \u2713"}
    echo = requests.post(mp_server.url("/api/echo"), json=payload, timeout=5)
    assert echo.status_code == 200 and echo.json() == {"echo": payload}
    bad = requests.post(
        mp_server.url("/api/echo"),
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert bad.status_code == 400


def test_not_found(mp_server):
    answer = requests.get(mp_server.url("/no/such/page.html"), timeout=5)
    assert answer.status_code == 404
    assert requests.get(mp_server.url("/../../etc/passwd"), timeout=5).status_code in (
        400,
        403,
        404,
    )


def test_redirect(mp_server):
    answer = requests.get(mp_server.url("/test-redir"), allow_redirects=False, timeout=5)
    assert answer.status_code in (302, 303, 307)
    assert answer.headers["Location"] == "/test.pyhtml"


def test_template_page_counts_visits(mp_server):
    def visits():
        page = requests.get(mp_server.url("/test.pyhtml?q=%3Cscript%3E"), timeout=10)
        assert page.status_code == 200
        assert "&lt;script&gt;" in page.text and "<script>" not in page.text
        assert "a command-line client" in page.text  # the {{ elif }} branch for requests
        return int(page.text.split('id="visits">', 1)[1].split("<", 1)[0])

    first = visits()
    assert visits() == first + 1


def exchange(mp_server, data, responses, timeout=10):
    """Send raw bytes on one connection; return h11-parsed (response, body) pairs."""
    sock = socket.create_connection(("127.0.0.1", mp_server.port), timeout=timeout)
    conn = h11.Connection(h11.CLIENT)
    results = []
    try:
        sock.sendall(data)
        for index, method in enumerate(responses):
            if index:
                conn.start_next_cycle()
            conn.send(h11.Request(method=method, target="/", headers=[("Host", "x")]))
            conn.send(h11.EndOfMessage())
            response, body = None, b""
            while True:
                event = conn.next_event()
                if event is h11.NEED_DATA:
                    conn.receive_data(sock.recv(65536))
                elif isinstance(event, h11.Response):
                    response = event
                elif isinstance(event, h11.Data):
                    body += event.data
                elif isinstance(event, h11.EndOfMessage):
                    break
                else:
                    raise AssertionError("unexpected %r" % (event,))
            results.append((response, body))
    finally:
        sock.close()
    return results


def request_bytes(method, path, extra=""):
    return ("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n" % (method, path, extra)).encode()


def test_keep_alive_and_pipelining(mp_server):
    data = request_bytes("GET", "/hello") + request_bytes("GET", "/api/hello/7")
    data += request_bytes("GET", "/hello")
    (first, body1), (second, body2), (third, body3) = exchange(mp_server, data, ["GET"] * 3)
    assert (first.status_code, body1) == (200, b"Hello, world!")
    assert second.status_code == 200 and json.loads(body2) == {"hello": 7, "type": "int"}
    assert (third.status_code, body3) == (200, b"Hello, world!")
    with requests.Session() as session:
        for _ in range(5):
            assert session.get(mp_server.url("/hello"), timeout=5).text == "Hello, world!"


def test_head_has_headers_and_no_body(mp_server):
    get = requests.get(mp_server.url("/"), timeout=5)
    ((head, body),) = exchange(mp_server, request_bytes("HEAD", "/"), ["HEAD"])
    assert head.status_code == 200 and body == b""
    headers = dict((k.decode().lower(), v.decode()) for k, v in head.headers)
    assert int(headers["content-length"]) == len(get.content)
    data = request_bytes("HEAD", "/hello") + request_bytes("GET", "/hello")
    (first, body1), (second, body2) = exchange(mp_server, data, ["HEAD", "GET"])
    assert (first.status_code, body1) == (200, b"")
    assert (second.status_code, body2) == (200, b"Hello, world!")


def test_connection_close_is_honoured(mp_server):
    sock = socket.create_connection(("127.0.0.1", mp_server.port), timeout=10)
    try:
        sock.sendall(request_bytes("GET", "/hello", "Connection: close\r\n"))
        data = b""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        sock.close()
    assert data.startswith(b"HTTP/1.1 200") and data.endswith(b"Hello, world!")


def test_malformed_request_gets_400(mp_server):
    sock = socket.create_connection(("127.0.0.1", mp_server.port), timeout=10)
    try:
        sock.sendall(b"GET / HTTP/1.1\r\nBad Header Line\r\n\r\n")
        data = sock.recv(65536)
    finally:
        sock.close()
    assert data.startswith(b"HTTP/1.1 400")


def test_concurrent_clients(mp_server):
    results = []

    def fetch():
        try:
            with requests.Session() as session:
                for _ in range(5):
                    results.append(session.get(mp_server.url("/hello"), timeout=10).status_code)
        except requests.RequestException as exc:
            results.append(repr(exc))

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == [200] * 40
