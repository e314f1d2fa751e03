"""A second server on a small heap (1 MiB): running out of memory costs one message or one
connection (closed, with a close frame when possible), never a hang and never the server.
Only on MicroPython (CPython has no heap limit to set).

Three (then eight) clients at once send WebSocket messages of 64 KiB (the root path
accepts 128 KiB): each is echoed or, when the heap cannot hold it, its connection is
closed (with a close frame when possible); no client is left waiting, and afterwards the
server still serves HTTP and small WebSocket messages.
"""

import threading

import pytest
import requests
from mws2_mp_process import ServerProcess, runtime, server_command
from websockets.exceptions import ConnectionClosed, InvalidMessage, InvalidStatus
from websockets.sync.client import connect

SMALL_HEAP = "1M"
MESSAGE = b"\xa5" * 65536
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
            # a close frame (1000 from the application, 1009 from mws2), or None: the
            # connection was dropped (xasync could not allocate its receive buffer)
            code = exc.rcvd.code if exc.rcvd is not None else None
            outcomes.append("closed %s" % code)
        except (InvalidMessage, ConnectionResetError, BrokenPipeError):
            outcomes.append("dropped")  # during the handshake: the connection is lost
        except InvalidStatus as exc:
            # 503: the heap was full when the handshake came (try again later)
            outcomes.append("refused %s" % exc.response.status_code)
        except Exception as exc:  # a hang, a refused connection: what the test catches
            outcomes.append("%s: %s" % (type(exc).__name__, exc))


# 8 clients: the heap runs out while connections are being accepted (what once closed the
# listening socket: bug 7 of the mws2 list)
@pytest.mark.parametrize("clients", [3, 8])
def test_out_of_memory_costs_a_message_not_the_server(small_heap_server, clients):
    server = small_heap_server
    port = server.port
    outcomes = []
    threads = [threading.Thread(target=client, args=(port, outcomes)) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    log = server.log()[-3000:]
    assert len(outcomes) == clients * CONNECTIONS_EACH, (outcomes, log)
    allowed = ("echoed", "closed 1000", "closed 1009", "closed 1011", "closed None", "dropped",
               "refused 503")
    assert all(outcome in allowed for outcome in outcomes), (outcomes, log)
    # the listening socket survived and the heap came back: new connections are served
    for _ in range(5):
        assert requests.get("http://127.0.0.1:%d/hello" % port, timeout=10).text == "Hello, world!"
    with connect("ws://127.0.0.1:%d/wstest" % port, open_timeout=10) as ws:
        ws.send("still here")
        assert ws.recv(timeout=10) == "still here"
