"""Streams and async handlers against the server on MicroPython (both modes)."""

import requests


def test_async_handler_answers_after_an_await(mp_server):
    answer = requests.get(mp_server.url("/async/slow"), timeout=5)
    assert answer.status_code == 200 and answer.json() == {"slow": True}


def test_async_handler_that_raises_is_500_and_the_server_goes_on(mp_server):
    assert requests.get(mp_server.url("/async/raise"), timeout=5).status_code == 500
    assert requests.get(mp_server.url("/hello"), timeout=5).status_code == 200


def test_generator_and_async_iterator_bodies(mp_server):
    answer = requests.get(mp_server.url("/stream/generator"), timeout=5)
    assert answer.headers["Transfer-Encoding"] == "chunked"
    assert answer.text == "line 0\nline 1\nline 2\n"
    answer = requests.get(mp_server.url("/stream/async-iterator"), timeout=5)
    assert answer.text == "tick 2\ntick 1\ntick 0\n"


def test_server_sent_events(mp_server):
    answer = requests.get(mp_server.url("/stream/events"), timeout=5)
    assert answer.headers["Content-Type"] == "text/event-stream; charset=UTF-8"
    assert answer.text == "".join(
        "event: tick\nid: %d\ndata: tick %d\n\n" % (n, n) for n in range(3)
    )
