"""Each program of examples/ runs as its docstring says, on CPython and on MicroPython:
started on a free port (its one argument), used as a browser or a script would use it,
then stopped with Ctrl-C, cleanly."""

import json
import os

import pytest
import requests
from examples_run import EXAMPLES, Program
from websockets.sync.client import connect

RUNTIMES = ("cpython", "micropython")


@pytest.fixture(params=RUNTIMES)
def runtime(request):
    return request.param


def start(runtime, name, **kwargs):
    return Program(os.path.join(EXAMPLES, name), runtime, **kwargs)


def stopped_cleanly(program):
    code = program.stop()
    assert code == 0, program.log()
    assert "Traceback" not in program.log(), program.log()


# Examples with a test of their own elsewhere (they need services: Redis ...).
TESTED_ELSEWHERE = ("chat_redis",)


def test_every_example_is_tested():
    tested = {"hello.py", "hello_async.py", "json_api.py", "upload.py", "sse.py", "chat.py",
              "board/main.py"}
    found = set()
    for folder, _dirs, files in os.walk(EXAMPLES):
        for name in files:
            path = os.path.relpath(os.path.join(folder, name), EXAMPLES)
            if name.endswith(".py") and path.split(os.sep)[0] not in TESTED_ELSEWHERE:
                found.add(path)
    assert found == tested


def test_hello(runtime):
    program = start(runtime, "hello.py", wait_path="/hello")
    assert "http://127.0.0.1:%d/hello" % program.port in program.log()
    answer = requests.get(program.url("/hello"), timeout=5)
    assert answer.status_code == 200 and answer.text == "Hello, world!"
    assert requests.get(program.url("/hello/board"), timeout=5).text == "Hello, board!"
    assert requests.get(program.url("/nothing"), timeout=5).status_code == 404
    stopped_cleanly(program)


def test_hello_async(runtime):
    program = start(runtime, "hello_async.py", wait_path="/hello")
    first = requests.get(program.url("/hello"), timeout=5).json()
    assert first["hello"] == "world"
    # the counting task runs beside the server
    deadline_uptime = first["uptime"] + 1
    for _ in range(30):
        if requests.get(program.url("/hello"), timeout=5).json()["uptime"] >= deadline_uptime:
            break
    else:
        raise AssertionError("the second task does not run")
    stopped_cleanly(program)


def test_json_api(runtime):
    program = start(runtime, "json_api.py", wait_path="/api/items")
    items = program.url("/api/items")
    assert requests.get(items, timeout=5).json() == []
    added = requests.post(items, json={"name": "led"}, timeout=5)
    assert added.status_code == 201 and added.json() == {"id": 1, "name": "led", "done": False}
    assert added.headers["Location"] == "/api/items/1"
    requests.post(items, json={"name": "fan", "done": True}, timeout=5)
    assert [item["name"] for item in requests.get(items, timeout=5).json()] == ["led", "fan"]
    changed = requests.put(items + "/1", json={"done": True}, timeout=5)
    assert changed.json() == {"id": 1, "name": "led", "done": True}
    assert requests.get(items + "/1", timeout=5).json()["done"] is True
    assert requests.delete(items + "/2", timeout=5).status_code == 204
    missing = requests.get(items + "/2", timeout=5)
    assert missing.status_code == 404 and missing.json() == {"error": "no item 2"}
    bad = requests.post(items, data="not json", headers={"Content-Type": "application/json"},
                        timeout=5)
    assert bad.status_code == 400 and "error" in bad.json()
    assert requests.patch(items, timeout=5).status_code == 405
    stopped_cleanly(program)


def test_upload(runtime, tmp_path):
    program = start(runtime, "upload.py", cwd=str(tmp_path))
    page = requests.get(program.url("/"), timeout=5).text
    assert "<progress" in page and "upload.onprogress" in page
    assert requests.get(program.url("/files"), timeout=5).json() == []
    data = os.urandom(300 * 1024)
    answer = requests.post(program.url("/upload"), files={"file": ("fw.bin", data)}, timeout=30)
    assert answer.status_code == 200, program.log()
    assert answer.json() == [{"name": "fw.bin", "size": len(data)}]
    assert (tmp_path / "uploads" / "fw.bin").read_bytes() == data
    assert requests.get(program.url("/files"), timeout=5).json() == answer.json()
    stopped_cleanly(program)


def test_server_sent_events(runtime):
    program = start(runtime, "sse.py")
    assert "new EventSource(\"/events\")" in requests.get(program.url("/"), timeout=5).text
    with requests.get(program.url("/events"), stream=True, timeout=10) as answer:
        assert answer.headers["Content-Type"].startswith("text/event-stream")
        events = []
        lines = answer.iter_lines(decode_unicode=True)
        event = {}
        while len(events) < 2:
            line = next(lines)
            if not line:
                events.append(event)
                event = {}
                continue
            field, _, value = line.partition(": ")
            event[field] = value
    assert [e["id"] for e in events] == ["1", "2"]
    assert all(e["event"] == "tick" for e in events)
    clock = json.loads(events[0]["data"])["time"]
    assert len(clock) == 8 and clock[2] == clock[5] == ":"
    stopped_cleanly(program)


def test_chat(runtime):
    program = start(runtime, "chat.py")
    assert "/chat" in requests.get(program.url("/"), timeout=5).text
    ws_url = program.url("/chat").replace("http://", "ws://")
    with connect(ws_url, open_timeout=10) as first:
        assert first.recv(timeout=10).endswith("joined (1 here)")
        with connect(ws_url, open_timeout=10) as second:
            assert second.recv(timeout=10).endswith("joined (2 here)")
            assert first.recv(timeout=10).endswith("joined (2 here)")
            first.send("hello")
            assert first.recv(timeout=10).endswith(": hello")
            assert second.recv(timeout=10).endswith(": hello")
        assert first.recv(timeout=10).endswith(" left")
    stopped_cleanly(program)


def test_board_main_without_wifi(runtime):
    # No network module here: the Wi-Fi part is skipped (what the file says it does),
    # and on MicroPython the heap is a small board's.
    heap = "512K"
    program = start(runtime, "board/main.py", heap=heap)
    assert "Open http://127.0.0.1:%d/" % program.port in program.log()
    assert "LED is off" in requests.get(program.url("/"), timeout=5).text
    switched = requests.post(program.url("/led"), timeout=5)  # follows the 303
    assert switched.history[0].status_code == 303 and "LED is on" in switched.text
    status = requests.get(program.url("/api/status"), timeout=5).json()
    assert status["led"] is True
    if runtime == "micropython":
        assert status["free_memory"] > 0
    stopped_cleanly(program)
