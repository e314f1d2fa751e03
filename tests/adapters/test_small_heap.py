"""The example programs run from source on MicroPython with a small heap (the figures
of the adapters' README): 384 KiB for micropAsyncWeb and ahttpserver, 640 KiB for
MicroWebSrv v1 (its worker thread, WebSockets and .pyhtml pages)."""

import pytest
import requests
from adapters_harness import Program
from test_ahttpserver import FILES as AHTTP_FILES
from test_micropasyncweb import WEBROOT
from test_microwebsrv import FILES as MWS1_FILES
from websockets.sync.client import connect as ws_connect

import adapters_harness

CASES = [
    ("mpaw_loop.py", "480K", WEBROOT, {"/ping": 200, "/": 200, "/blob.bin": 200, "/boom": 500}),
    ("ahttp_demo.py", "384K", AHTTP_FILES, {"/": 200, "/api/zero": 500, "/api/time": 200}),
    ("mws1_portal.py", "640K", MWS1_FILES, {"/": 200, "/test.pyhtml": 200, "/boom": 500}),
]


@pytest.mark.parametrize("name, heap, files, paths", CASES, ids=[c[0] for c in CASES])
def test_program_serves_with_a_small_heap(name, heap, files, paths, tmp_path, monkeypatch):
    monkeypatch.setattr(adapters_harness, "HEAP", heap)
    program = Program(name, "micropython", tmp_path, files, interactive=name.startswith("mws1"))
    try:
        for _ in range(3):
            for path, status in paths.items():
                assert program.get(path).status_code == status, path
        if name == "mws1_portal.py":
            with ws_connect(program.url("/ws", scheme="ws"), open_timeout=10) as ws:
                ws.send("small")
                assert ws.recv(timeout=10) == "Reply for small"
        if name == "ahttp_demo.py":
            with requests.get(program.url("/api/greeting"), stream=True, timeout=10) as answer:
                lines = answer.iter_lines(decode_unicode=True)
                assert [line for _, line in zip(range(8), lines)].count("data: hello") >= 2
        assert "MemoryError" not in program.log()
    finally:
        program.stop()
