"""When an answer counts as done (portable: pytest and MicroPython).

The connection runs over a scripted stand-in for an xasync client, as it does when its
callbacks run on a worker thread: ``TrySendData`` (the loop thread's) takes nothing,
and ``AsyncSendData`` only queues. A small keep-alive answer then counts as done once
queued; anything else waits for xasync's onDataSent, as before; and once an answer was
counted done before it was sent, closing waits for the queue to drain.
"""

from mws2 import GET, MicroWebSrv2, RegisterRoute
from mws2.routes import UnregisterRoute
from mws2.connection import QUEUED_DONE_MAX, HttpConnection


class _Driver:
    """No event loop: timers never fire here."""

    bound = None
    running = True

    def call_later(self, seconds, func, *args):
        return None


class _WorkerSideClient:
    """Records what the connection asks of xasync; sends stay queued until ``sent()``."""

    CliAddr = ("127.0.0.1", 40000)
    IsSSL = False

    def __init__(self):
        self.OnClosed = None
        self.SendTimeoutSec = None
        self.SendingQueueSize = 0
        self.queued = []  # (bytes, onDataSent, arg)
        self.closed = False

    def AsyncRecvStream(self, onDataRecv, onDataRecvArg=None, timeoutSec=None,
                        onPeerShutdown=None):
        self.on_data = onDataRecv
        self.on_shutdown = onPeerShutdown

    def StopRecvStream(self):
        pass

    def TrySendData(self, data):
        return 0  # not the loop thread

    def AsyncSendData(self, data, onDataSent=None, onDataSentArg=None):
        if self.closed:
            return False
        self.queued.append((bytes(data), onDataSent, onDataSentArg))
        return True

    def Close(self):
        self.closed = True

    def receive(self, data):
        self.on_data(self, data, None)

    def sent(self, index):
        """xasync reports queued item ``index`` in the kernel."""
        _data, on_sent, arg = self.queued[index]
        if on_sent is not None:
            on_sent(self, arg)

    def answers(self):
        return [data for data, _cb, _arg in self.queued if data]

    def callbacks(self):
        return [cb for data, cb, _arg in self.queued if data]


def _small(mws, request):
    request.Response.ReturnOk("small")


def _big(mws, request):
    request.Response.ReturnOk("b" * (QUEUED_DONE_MAX + 1))


def _with_on_sent(mws, request):
    request.Response.OnSent = lambda mws, response: None
    request.Response.ReturnOk("watched")


def _get(path, extra=b""):
    return b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n" + extra + b"\r\n"


def _connection():
    RegisterRoute(_small, GET, "/ctest/small")
    RegisterRoute(_big, GET, "/ctest/big")
    RegisterRoute(_with_on_sent, GET, "/ctest/onsent")
    mws = MicroWebSrv2()
    mws.OnLogging = lambda mws, msg, msgType: None
    mws._driver = _Driver()
    client = _WorkerSideClient()
    conn = HttpConnection(mws, client)
    conn.start()
    return conn, client


def _cleanup():
    for path in ("/ctest/small", "/ctest/big", "/ctest/onsent"):
        UnregisterRoute(GET, path)


def test_small_keep_alive_answer_counts_done_once_queued():
    conn, client = _connection()
    try:
        client.receive(_get(b"/ctest/small"))
        client.receive(_get(b"/ctest/small"))  # answered without any onDataSent
        answers = client.answers()
        assert len(answers) == 2 and answers[0].endswith(b"small")
        assert client.callbacks() == [None, None]
        # The peer's end now: the close waits for the queue (Close would drop it).
        client.on_shutdown(client, None)
        assert not client.closed
        assert client.queued[-1][0] == b"" and client.queued[-1][1] is not None
        client.sent(len(client.queued) - 1)
        assert client.closed
    finally:
        _cleanup()


def _waits_for_sent(first_request, followed_by=b""):
    conn, client = _connection()
    try:
        client.receive(first_request + followed_by)
        assert len(client.answers()) == 1 and client.callbacks()[0] is not None
        if not followed_by:
            client.receive(_get(b"/ctest/small"))
        assert len(client.answers()) == 1  # the next request waits for "sent"
        client.sent(0)
        assert len(client.answers()) == 2
        return conn, client
    finally:
        _cleanup()


def test_large_answer_waits_for_sent():
    _waits_for_sent(_get(b"/ctest/big"))


def test_answer_with_on_sent_waits_for_sent():
    _waits_for_sent(_get(b"/ctest/onsent"))


def test_pipelined_requests_wait_for_sent():
    _waits_for_sent(_get(b"/ctest/small"), _get(b"/ctest/small"))


def test_a_peer_that_does_not_keep_up_gets_back_pressure():
    conn, client = _connection()
    client.SendingQueueSize = 4096  # bytes already wait in xasync's queue
    try:
        client.receive(_get(b"/ctest/small"))
        assert client.callbacks()[0] is not None
        client.receive(_get(b"/ctest/small"))
        assert len(client.answers()) == 1
    finally:
        _cleanup()


def test_answer_before_a_close_waits_for_sent_and_closes_after_it():
    conn, client = _connection()
    try:
        client.receive(_get(b"/ctest/small", b"Connection: close\r\n"))
        assert client.callbacks()[0] is not None and not client.closed
        client.sent(0)
        assert client.closed
    finally:
        _cleanup()
