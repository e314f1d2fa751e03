"""A second server on a small heap (1 MiB): running out of memory costs one message or one
connection, never the server. Only on MicroPython (CPython has no heap limit to set).

Large WebSocket messages (64 KiB, with the 128 KiB limit of the root path) are echoed
or, when the heap cannot hold them, refused with a close frame; either way no client is
left waiting, and the server still answers HTTP afterwards.
"""

import threading

import pytest
import requests
from mws2_mp_process import ServerProcess, runtime, server_command
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

SMALL_HEAP = "1M"
MESSAGE = b"\xa5" * 65536
CLIENTS = 3
CONNECTIONS_EACH = 8
MESSAGES_EACH = 3


@pytest.fixture
def small_heap_server():
    if runtime() != "micropython":
        pytest.skip("the heap size is a MicroPython setting (MWS2_RUNTIME=micropython)")
    server = ServerProcess(server_command(SMALL_HEAP))
    try:
        yield server
    finally:
        server.stop()


def client(port, outcomes):
    for _ in range(CONNECTIONS_EACH):
        try:
            with connect(
                "ws://127.0.0.1:%d/" % port, open_timeout=10, close_timeout=10, max_size=None
            ) as ws:
                for _ in range(MESSAGES_EACH):
                    ws.send(MESSAGE)
                    assert ws.recv(timeout=15) == MESSAGE
                outcomes.append("echoed")
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd is not None else None
            outcomes.append("closed %s" % code)
        except Exception as exc:  # a hang or a refused connection: what the test catches
            outcomes.append("%s: %s" % (type(exc).__name__, exc))


def test_out_of_memory_costs_a_message_not_the_server(small_heap_server):
    server = small_heap_server
    port = server.port
    outcomes = []
    threads = [threading.Thread(target=client, args=(port, outcomes)) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    log = server.log()[-3000:]
    assert len(outcomes) == CLIENTS * CONNECTIONS_EACH, (outcomes, log)
    allowed = ("echoed", "closed 1000", "closed 1009", "closed 1011")
    assert all(outcome in allowed for outcome in outcomes), (outcomes, log)
    assert "echoed" in outcomes, (outcomes, log)
    for _ in range(5):  # the listening socket survived: new connections are served
        assert requests.get("http://127.0.0.1:%d/hello" % port, timeout=10).text == "Hello, world!"
