"""MicroWebSrv (v1) example programs (seed 001) on mws2, under CPython and MicroPython.

programs/mws1_portal.py: route tuples, decorators, variable routes, a posted form,
WebSockets, .pyhtml pages with include, and the captive portal, served from a thread of
its own (``Start()``) while the REPL stays free. programs/mws1_blocking.py:
``Start(threaded=False)`` until a handler calls ``Stop()``, and the file, attachment,
JSON, redirect and error answers. Both run unchanged under CPython.
"""

import pytest
import requests
from adapters_harness import program_fixture
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

# The .pyhtml page of seed 001 (its "Example of a .pyhtml file"), with an include.
TEST_PAGE = """<html>
  <head><title>TEST PYHTML</title></head>
  <body>
    <h1>BEGIN</h1>
    {{ py }}
      def _testFunction(x) :
        return "IN TEST FUNCTION %s" % x
    {{ end }}
    <div style="background-color: black; color: white;">
      {{ for toto in range(3) }}
        This is an HTML test...<br />
        TOTO = {{ toto + 1 }} !<br />
        {{ for toto2 in range(3) }}
          TOTO2 = {{ _testFunction(toto2) }}
        {{ end }}
        Ok good.<br />
      {{ end }}
    </div>
    {{ _testFunction(100) }}<br />
    <br />
    {{ if 2+5 < 3 }}
      IN IF (1)
    {{ elif 10+15 != 25 }}
      IN ELIF (2)
    {{ elif 10+15 == 25 }}
      IN ELIF (3)
    {{ else }}
      IN ELSE (4)
    {{ end }}
    {{ include myTemplate.pyhtml }}
  </body>
</html>
"""
FILES = {
    "www/index.pyhtml": "<p>index.pyhtml first: {{ 1 + 1 }}</p>",
    "www/index.html": "<p>index.html</p>",
    "www/test.pyhtml": TEST_PAGE,
    "www/myTemplate.pyhtml": "<p>included {{ 6 * 7 }} &amp; {{ '<b>' }}</p>",
    "www/vars.pyhtml": "path={{ httpClient.GetRequestPath() }} sent={{ httpResponse is not None }}",
    "www/broken.pyhtml": "<p>{{ 1 / 0 }}</p>",
    "www/style.css": "p { margin: 0 }",
    "www/data.csv": "a,b\n1,2\n",
    "www/notes.unknownext": "secret",
}


portal = program_fixture("mws1_portal.py", FILES, interactive=True)
blocking = program_fixture("mws1_blocking.py", FILES)


def check_test_page(text):
    assert text.count("TOTO2 = IN TEST FUNCTION 2") == 3
    assert "TOTO = 3 !" in text and "IN TEST FUNCTION 100" in text
    assert "IN ELIF (3)" in text and "IN ELIF (2)" not in text and "IN IF" not in text
    assert "<p>included 42 &amp; &lt;b&gt;</p>" in text


def test_index_pages_in_the_original_order(portal):
    answer = portal.get("/")
    assert answer.status_code == 200 and answer.text == "<p>index.pyhtml first: 2</p>"


def test_decorated_routes(portal):
    answer = portal.get("/get-test")
    assert answer.status_code == 200 and answer.text == "get-test ok"
    assert answer.headers["Content-Type"] == "text/plain; charset=UTF-8"
    form = requests.post(
        portal.url("/post-test"), data={"firstname": "Jo <3", "lastname": "B&B"}, timeout=10
    )
    assert form.status_code == 200
    assert "Firstname = Jo &lt;3<br />" in form.text and "Lastname = B&amp;B<br />" in form.text


def test_route_handler_tuples_and_every_http_client_method(portal):
    answer = requests.post(
        portal.url("/handler-1?x=1&y=two"), json={"k": [1, 2]}, timeout=10
    )
    data = answer.json()
    assert data.pop("port") == data["addr"][1] and data["addr"][0] == "127.0.0.1"
    assert data == {
        "server": True, "addr": data["addr"], "ip": "127.0.0.1", "method": "POST",
        "total": "/handler-1?x=1&y=two", "path": "/handler-1", "query": "x=1&y=two",
        "params": {"x": "1", "y": "two"}, "host": "127.0.0.1:%d" % portal.port,
        "type": "application/json", "length": 13, "json": {"k": [1, 2]},
    }
    put = requests.put(portal.url("/handler-2"), data=b"abcdef", timeout=10)
    assert put.status_code == 202 and put.text == "abc|def"
    assert put.headers["X-Handler"] == "2"
    assert put.headers["Content-Type"] == "text/plain; charset=UTF-8"


def test_variable_routes_give_route_args(portal):
    assert portal.get("/edit/12/some-path").json() == {"testid": 12, "testpath": "some-path"}
    assert portal.get("/edit/abc/").json() == {"testid": "abc"}
    portal.wait_log(" - testpath = some-path")


def test_pyhtml_page_with_include(portal):
    answer = portal.get("/test.pyhtml")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/html")
    check_test_page(answer.text)
    page = portal.get("/vars.pyhtml")
    assert page.text == "path=/vars.pyhtml sent=True"
    broken = portal.get("/broken.pyhtml")
    assert broken.status_code == 500 and "PyHTML page execution error" in broken.text


def test_static_files_and_unknown_types(portal):
    css = portal.get("/style.css")
    assert css.text == "p { margin: 0 }"
    assert css.headers["Content-Type"] == "text/css; charset=UTF-8"
    assert portal.get("/notes.unknownext").status_code == 403


def test_captive_portal_redirects_every_unknown_url(portal):
    for path in ("/generate_204", "/hotspot-detect.html", "/a/b/c?x=1"):
        answer = portal.get(path)
        assert answer.status_code == 302, path
        assert answer.headers["Location"] == "http://my-device.wifi"
    assert requests.delete(portal.url("/get-test"), timeout=10).status_code == 405


def test_handler_error_is_500_and_the_server_goes_on(portal):
    assert portal.get("/boom").status_code == 500
    assert portal.get("/get-test").text == "get-test ok"


def test_websocket_echo_and_close(portal):
    with ws_connect(portal.url("/ws", scheme="ws"), open_timeout=10) as ws:
        ws.send("hello")
        assert ws.recv(timeout=10) == "Reply for hello"
        ws.send(b"\x00\x01\x02")
        assert ws.recv(timeout=10) == b"\x00\x01\x02"
        ws.send(b"bye")
        assert ws.recv(timeout=10) == b"bye"
        with pytest.raises(ConnectionClosed):  # the server closes after echoing "bye"
            ws.recv(timeout=10)
    portal.wait_log("WS RECV TEXT : hello")
    portal.wait_log("WS CLOSED True")


def test_websocket_messages_over_max_recv_len_close_the_socket(portal):
    with ws_connect(portal.url("/ws", scheme="ws"), open_timeout=10) as ws:
        ws.send("x" * 300)  # MaxWebSocketRecvLen = 256
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=10)
        assert ws.close_code == 1009


def test_server_thread_leaves_the_repl_free(portal):
    portal.repl("print('repl', mws.IsStarted())")
    portal.wait_log("repl True")


def test_file_and_attachment_answers(blocking):
    answer = blocking.get("/file")
    assert answer.text == "a,b\n1,2\n"
    assert answer.headers["Content-Type"] == "text/csv; charset=UTF-8"
    assert answer.headers["X-F"] == "1"
    attachment = blocking.get("/attachment")
    assert attachment.content == b"a,b\n1,2\n"
    assert attachment.headers["Content-Disposition"] == 'attachment; filename="report.csv"'
    assert blocking.get("/missing-file").status_code == 404
    blocking.wait_log("missing file answered: False")


def test_pyhtml_page_from_a_handler(blocking):
    answer = blocking.get("/page")
    assert answer.status_code == 200 and answer.headers["X-Page"] == "1"
    check_test_page(answer.text)


def test_json_error_redirect_and_error_answers(blocking):
    error = blocking.get("/json-error")
    assert error.status_code == 409 and error.json() == {"error": "conflict"}
    redirect = blocking.get("/redirect")
    assert redirect.status_code == 302 and redirect.headers["Location"] == "/get-it"
    for code in (400, 403, 404, 405, 418, 500, 501):
        assert blocking.get("/errors/%d" % code).status_code == code
    assert blocking.get("/nowhere").status_code == 404  # no not-found URL set here


def test_server_methods(blocking):
    assert blocking.get("/mime").json() == {
        "css": "text/css", "none": None, "route": {"code": 7}, "started": True,
    }


def test_start_unthreaded_blocks_until_stop(blocking):
    assert "STOPPED" not in blocking.log()
    try:
        blocking.get("/stop")
    except requests.RequestException:
        pass  # the connection may close with the server
    assert blocking.wait_exit(10) == 0
    blocking.wait_log("STOPPED False")
