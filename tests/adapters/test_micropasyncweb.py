"""micropAsyncWeb's example programs (seed 002) on mws2, under CPython and MicroPython.

programs/mpaw_loop.py: the server as a task of the main thread's loop beside another
task; programs/mpaw_thread.py: the server's loop in a thread, the REPL free.

Under CPython the thread example needs one change the seed's MicroPython code does not:
``asyncio.get_event_loop()`` raises in a thread that has no loop yet (CPython's rule,
not the adapter's), so that line becomes ``asyncio.new_event_loop()``.
"""

import time

import requests
from adapters_harness import Program, program_fixture

WEBROOT = {
    "webroot/index.htm": "<h1>index page</h1>",
    "webroot/style.css": "body { color: red }",
    "webroot/data.json": '{"from": "file"}',
    "webroot/blob.bin": bytes(range(256)) * 40,
}
THREAD_EDITS = [("loop = asyncio.get_event_loop()", "loop = asyncio.new_event_loop()")]


server = program_fixture("mpaw_loop.py", WEBROOT)


def test_decorated_route_writes_status_body_and_text(server):
    answer = server.get("/ping")
    assert answer.status_code == 200 and answer.text == "pong"
    assert answer.headers["Content-Type"] == "text/html"  # no type written: sniffable HTML


def test_append_routes_and_send_json(server):
    answer = server.get("/api/v1/info")
    assert answer.status_code == 200 and answer.json() == {"version": "0.0.1"}
    assert answer.headers["Content-Type"].startswith("application/json")


def test_placeholders_fill_params_and_methods_are_checked(server):
    answer = requests.post(server.url("/api/v1/led/3/1"), timeout=10)
    # The seed's handler reads params[0] twice (its own slip): both come out 3.
    assert answer.status_code == 200 and answer.json() == {"led": 3, "state": 3}
    assert server.get("/api/v1/led/3/1").status_code == 404  # POST only


def test_request_members_and_comma_separated_methods(server):
    answer = requests.put(
        server.url("/echo/a1/x/b2?q=1"), data=b"body!", headers={"content-type": "text/x"},
        timeout=10,
    )
    assert answer.json() == {
        "url": "/echo/a1/x/b2?q=1", "path": "/echo/a1/x/b2", "method": "PUT",
        "params": ["a1", "b2"], "route": "/echo/*/x/*", "type": "text/x", "body": "body!",
    }
    assert server.get("/echo/a/x/b").json()["method"] == "GET"
    assert requests.post(server.url("/echo/a/x/b"), timeout=10).status_code == 404


def test_routes_are_sorted_by_complexity(server):
    # "/api/*" was registered first; the literal "/api/status" is simpler and wins.
    assert server.get("/api/status").json() == {"status": "fine"}
    assert server.get("/api/other").json() == {"any": "other"}


def test_webroot_files_and_index_file(server):
    index = server.get("/")
    assert index.status_code == 200 and index.text == "<h1>index page</h1>"
    assert index.headers["Content-Type"] == "text/html; charset=UTF-8"
    css = server.get("/style.css")
    assert css.text == "body { color: red }"
    assert css.headers["Content-Type"] == "text/css; charset=UTF-8"
    blob = server.get("/blob.bin")
    assert blob.content == bytes(range(256)) * 40
    assert blob.headers["Content-Type"] == "application/octet-stream"
    assert int(blob.headers["Content-Length"]) == 10240


def test_missing_files_and_unknown_paths_are_404(server):
    for path in ("/missing.txt", "/a/b/c", "/%2e%2e"):
        answer = server.get(path)
        assert answer.status_code == 404, path
        assert "File Not Found" in answer.text


def test_send_file_from_a_handler(server):
    answer = server.get("/file")
    assert answer.json() == {"from": "file"}
    assert answer.headers["Content-Type"].startswith("application/json")


def test_error_and_raw_head_written_piece_by_piece(server):
    teapot = server.get("/teapot")
    assert teapot.status_code == 418 and teapot.text == "<h1>I&#x27;m a teapot</h1>"
    written = server.get("/written")
    assert written.status_code == 201 and written.headers["X-Mine"] == "yes"
    assert written.content == "é!".encode()


def test_handler_error_is_500_and_the_server_goes_on(server):
    answer = server.get("/boom")
    assert answer.status_code == 500
    server.wait_log("ZeroDivisionError")
    assert server.get("/ping").text == "pong"


def test_keep_alive_connection_serves_several_requests(server):
    with requests.Session() as session:
        for _ in range(3):
            assert session.get(server.url("/ping"), timeout=10).text == "pong"
            assert session.get(server.url("/api/v1/info"), timeout=10).json()["version"]


def test_other_tasks_of_the_loop_keep_running(server):
    count = server.log().count("tick")
    deadline = time.monotonic() + 5
    while server.log().count("tick") < count + 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.log().count("tick") >= count + 2


def test_thread_variant_serves_while_the_repl_stays_free(runtime, tmp_path):
    files = {"index.html": "thread index"}  # the default webroot "." and indexFile
    program = Program(
        "mpaw_thread.py", runtime, tmp_path, files, edits=THREAD_EDITS, interactive=True
    )
    try:
        assert program.get("/ping").text == "pong"
        program.repl("print('repl says', 6 * 7)")
        program.wait_log("repl says 42")
        assert program.get("/").text == "thread index"
        assert program.get("/index.html").text == "thread index"
        assert program.get("/ping").text == "pong"
    finally:
        program.stop()
