"""A graceful Stop in both modes: in-flight answers finish, idle connections go at once."""

import asyncio
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from mws2_harness import LOOPBACK, connect, exchange, parse_one, port_of, read_until_closed
from mws2_harness import request_bytes, running, url, wait_for

from mws2 import GET, RegisterRoute

# Every test here runs in both modes (pool and asyncio).
pytestmark = pytest.mark.usefixtures("server_mode")


async def _half_second(mws, request):
    await asyncio.sleep(0.5)
    request.Response.ReturnOk("done")


def _stop_from_handler(mws, request):
    request.Response.ReturnOk("stopping")
    mws.Stop()


async def _too_slow(mws, request):
    await asyncio.sleep(3)
    request.Response.ReturnOk("too late")


RegisterRoute(_half_second, GET, "/stop/half-second")
RegisterRoute(_stop_from_handler, GET, "/stop/now")
RegisterRoute(_too_slow, GET, "/stop/too-slow")


def test_stop_answers_every_request_in_flight_then_a_restart_works():
    count = 40
    with running() as mws:
        port = port_of(mws)
        idle = connect(mws)
        with ThreadPoolExecutor(count) as pool:
            futures = [pool.submit(requests.get, url(mws, "/stop/half-second"), timeout=10)
                       for _ in range(count)]
            time.sleep(0.25)
            started = time.monotonic()
            mws.Stop()
            stopped_in = time.monotonic() - started
            answers = [future.result() for future in futures]
        assert [a.text for a in answers] == ["done"] * count
        assert all(a.headers["Connection"] == "close" for a in answers)
        assert stopped_in < 2.5  # it waited for them, not for a grace period more
        assert read_until_closed(idle, timeout=1) == b""  # idle: closed at once
        idle.close()
        assert not mws.IsRunning
        # A restart on the same port, right after.
        mws.BindAddress = (LOOPBACK, port)
        restart(mws)
        assert requests.get(url(mws, "/stop/half-second"), timeout=5).text == "done"


def restart(mws):
    from mws2_harness import DEFAULT_MODE

    if DEFAULT_MODE[0] == "asyncio":
        thread = threading.Thread(target=asyncio.run, args=(mws.StartAsync(),), daemon=True)
        thread.start()
        assert wait_for(lambda: mws.IsRunning)
    else:
        mws.StartManaged(parllProcCount=2)


def test_stop_from_a_handler_returns_at_once_and_the_answer_goes_out():
    with running() as mws:
        with ThreadPoolExecutor(4) as pool:
            slow = [pool.submit(requests.get, url(mws, "/stop/half-second"), timeout=10)
                    for _ in range(3)]
            time.sleep(0.2)
            answer = parse_one(exchange(mws, request_bytes("GET", "/stop/now")))
            assert answer.status == 200 and answer.body == b"stopping"
            assert [future.result().text for future in slow] == ["done"] * 3
        assert wait_for(lambda: not mws.IsRunning, timeout=5)
        with pytest.raises(OSError):
            socket.create_connection((LOOPBACK, port_of(mws)), timeout=1).close()


def test_requests_slower_than_the_grace_period_are_cut():
    def configure(mws):
        mws.StopGraceSec = 0.3

    with running(configure=configure) as mws:
        sock = connect(mws)
        sock.sendall(request_bytes("GET", "/stop/too-slow"))
        time.sleep(0.2)
        started = time.monotonic()
        mws.Stop()
        assert time.monotonic() - started < 2
        assert read_until_closed(sock, timeout=3) == b""
        sock.close()
