"""One HTTP connection: xasync client bytes <-> httpcore_micro events <-> request/response.

Receive side (runs in the client's xasync callbacks, never two at once for one socket):
bytes -> ``ServerConnection.receive_data`` -> events -> an HttpRequest, its body, then
``dispatch.process_request`` once ``EndOfMessage`` arrives. While a request is being
answered, bytes that arrive (pipelined requests) wait in httpcore_micro's buffer and are
answered in order after the response is flushed; past PIPELINE_BUFFER bytes the receive
stream is paused (back-pressure) until then.

A client may shut down its sending side once its request is sent (RFC 9112 section
9.6): xasync reports that end (``onPeerShutdown``) instead of closing, the requests
already received are answered in order, then the connection closes. An incomplete
request at that end is dropped without an answer; an idle connection closes at once.

Timeouts are ours, not xasync's idle timeout: the server's sweep (one timer for all
connections) checks each connection a few times per RequestsTimeoutSec and closes it
when it waited that long for a request (idle keep-alive, slow body) or for a whole
request head (slowloris: 408). It never fires while a handler runs or a response is
being sent, so a slow handler is not cut. (Stopping and re-arming the stream per request
cost a loop wake-up each, halving the request rate with worker threads; a timer per
connection kept every closed connection alive until it fired, and the garbage collector
then spent a fifth of the time of a Connection: close load walking them.)

Send side (may run in any thread: a handler can answer later, a WebSocket broadcast can
come from another connection): every ``ServerConnection.send`` and the queueing of its
bytes happen under one lock, so bytes leave in the order httpcore_micro framed them.

When is an answer done, so the next request may be read? Once its last byte is in the
kernel (xasync's onDataSent), except for a whole small answer on a keep-alive
connection with nothing pipelined behind it: on the loop thread it usually goes to the
kernel at once (TrySendData) and is done there; from a worker thread it is done once
queued, unless it has an OnSent to call or the peer is not keeping up. Such a connection
then closes only after its queue has drained (xasync's Close drops queued bytes).
"""

from httpcore_micro import (
    NEED_DATA,
    PAUSED,
    ConnectionClosed,
    Data,
    EndOfMessage,
    InformationalResponse,
    LocalProtocolError,
    ProtocolError,
    RemoteProtocolError,
    Request,
    Response,
    ServerConnection,
)

from .compat import elapsed_since, monotonic, new_lock, thread_id
from .dispatch import process_request, route_of
from .request import HttpRequest

# Reserved in MaxBufferedContent for a chunked content (no announced length) before it
# is read; more is reserved as it grows.
CHUNKED_RESERVE = 16 * 1024
# At MaxConnections, a connection that has not had a request answered yet is reclaimed
# only once it has waited this long without sending a whole head.
RECLAIM_AFTER_SEC = 1
# At the cap, a connection whose head started and has not been completed for this long
# gives its place to a refused connection whose request is all there.
STALLED_HEAD_SEC = 0.2
# Bytes of pipelined requests buffered while one is answered, before reading pauses.
PIPELINE_BUFFER = 65536
# Least time a response may sit unsent because the peer stopped reading (the limit is
# max(RequestsTimeoutSec, this)): a busy browser or a board's Wi-Fi may pause a while.
SEND_STALL_MIN_SEC = 5
# A whole answer up to this size, given by a worker thread, counts as done once it is
# queued in order (see send_whole): the next request need not wait for the loop to
# report it sent.
QUEUED_DONE_MAX = 16384


class FileItem:
    """A file to send by zero-copy, queued like bytes."""

    def __init__(self, fileobj, size, offset):
        self.fileobj = fileobj
        self.size = size
        self.offset = offset


class HttpConnection:
    """The glue for one accepted xasync client."""

    # Defaults at class level: an instance holds only what differs (a board serves
    # with a few KiB per connection; each attribute set here would cost every one).
    _request = None
    _body = None
    _head_started = None
    _buffered_while_busy = 0
    _busy = False
    _closed = False
    _receiving = False
    _peer_shut = False  # the peer shut down its sending side
    _upgraded = None  # (on_data, on_closed) once a new protocol took over
    _switched = False  # the 101 is framed: HTTP reads nothing more
    _open_stream = None
    _steps_running = False
    _dispatch_thread = None  # the thread inside process_request, if any
    _sent_inline = None  # its answer, already in the kernel (see _sent_whole)
    _flushing = False
    # Lists once something waits in them: an idle connection holds neither.
    _steps_queue = ()  # [(func, args)]: steps waiting for the one running (see _step)
    _outq = ()  # [(bytes or FileItem, on_sent)]: framed, waiting to go to the client
    # An answer was counted done while its bytes may still wait in xasync's queue: from
    # then on a close lets the queue drain first (see close).
    _done_before_sent = False
    trailing_data = b""

    def __init__(self, mws2, client):
        self.mws2 = mws2
        self.client = client
        # Locks only where threads may meet (a board's asyncio mode has one thread).
        new = getattr(mws2._driver, "new_lock", new_lock)
        self._lock = new()
        limits = mws2._http_limits()
        self._http = ServerConnection(
            max_header_bytes=limits[0],
            max_headers=limits[1],
            max_target=limits[2],
            max_body=None,  # checked here: a route or a handler may change the limit
        )
        self._chunk_size = mws2._chunk_size()
        self._last_activity = monotonic()
        # Steps: callbacks run one after the other instead of inside each other (_step)
        self._steps_lock = new()
        client.OnClosed = self._on_closed
        # A peer that stops reading a big answer would hold the connection (and the
        # file or stream) forever: xasync closes it once the queue stops moving.
        client.SendTimeoutSec = max(mws2._timeoutSec, SEND_STALL_MIN_SEC)

    # ---- life cycle ----------------------------------------------------------------

    def start(self):
        self._arm_recv()

    def _arm_recv(self, on_data=None):
        if self._closed or self._receiving or self._peer_shut:
            return
        self._receiving = True
        self.client.AsyncRecvStream(on_data or self._on_data, None, None,
                                    self._on_peer_shutdown)

    def check_timeouts(self):
        """On the loop thread (the server's sweep): close what waited RequestsTimeoutSec
        for its request (idle keep-alive, slow body) or for a whole head (slowloris)."""
        if self._closed or self._upgraded is not None:
            return
        if self._busy and (self._content is None or self._content.full):
            return  # a handler runs (or has a piece to take): it is never cut
        timeout = self.mws2._timeoutSec
        if self._request is None and self._head_started is not None:
            if elapsed_since(self._head_started) > timeout:
                self._answer_error(408, "request head too slow")
                return
        if elapsed_since(self._last_activity) > timeout:
            self.mws2.Log("%s:%s idle: closed" % self._addr(), self.mws2.DEBUG)
            self.close()

    # ---- the server's cap and its stop -------------------------------------------

    refusing = False  # over MaxConnections: the head is read, then 503 and close
    _served = False  # a request was answered: idle now means idle keep-alive
    _budget_wait = False  # reading waits for room in the server's MaxBufferedContent
    _reserved = 0  # bytes of that budget reserved for this request's content
    _content = None  # content.ContentStream while a handler reads the content itself
    _body_size = 0  # content bytes of the request being read
    finishing = False  # the server stops: close once the answer under way is sent

    def waiting_since(self):
        """When this connection started waiting without work (the cap reclaims the one
        that waited longest), or None while it does real work: a request being read
        (its body) or answered, a WebSocket, a refusal under way."""
        if self._closed or self._busy or self._upgraded is not None or self.refusing:
            return None
        if self._request is not None:
            return None
        started = self._head_started  # a head that stalls (408), else idle keep-alive
        return started if started is not None else self._last_activity

    def reclaimable_since(self, patience):
        """waiting_since, for the cap: a new connection whose request was not read yet
        (the loop is busy, or its head is on its way) has not been "waiting without work"
        until ``patience`` seconds have passed (nginx too reclaims idle connections only):
        RECLAIM_AFTER_SEC for a newcomer whose request is unknown, STALLED_HEAD_SEC for
        a refused one whose request has arrived."""
        since = self.waiting_since()
        if since is not None and not self._served and elapsed_since(since) < patience:
            return None
        return since

    def stalled_refusal_since(self):
        """A refused connection whose head started but is not complete: since when it
        started (else None). One that received nothing yet is not judged: in a burst,
        the loop may not have read it yet."""
        if not self.refusing or self._closed or self._busy or self._request is not None:
            return None
        return self._head_started

    def reclaim(self):
        """Closed to make room for a new connection (see waiting_since)."""
        self.mws2._forget_connection(self)
        if self._head_started is not None:
            self._answer_error(408, "request head stalled while the server is full")
        else:
            self.mws2.Log("%s:%s idle: closed for a new connection" % self._addr(),
                          self.mws2.DEBUG)
            self.close()

    def finish(self):
        """The server stops: close now if idle, else once the answer under way is sent
        (a request still arriving is answered first)."""
        self.finishing = True
        if self.waiting_since() is not None or self._upgraded is not None:
            self.close()

    def _stop_recv(self):
        if self._receiving:
            self._receiving = False
            self.client.StopRecvStream()

    def close(self):
        if not self._closed:
            # Stop counting it against MaxConnections now, not when xasync's deferred
            # close has run: clients that reconnect at once must not see 503s.
            self.mws2._forget_connection(self)
            if self._done_before_sent and self.client.AsyncSendData(b"", _close_client):
                return  # closed once every queued byte is out (Close() would drop them)
            self.client.Close()

    def _step(self, func, *args):
        """Run ``func(*args)`` now, or right after the step running now.

        Without worker threads xasync calls back inline, so "send the next chunk when
        this one is sent" would recurse once per chunk (and per pipelined request):
        deep enough to exhaust MicroPython's stack. A step that arrives while another
        runs is queued and run right after it, by the caller running that one. (Here,
        not in an object of its own: such a helper pointing back at the connection is a
        reference cycle that the garbage collector must find for every connection.)
        """
        # The queue is only ever non-empty while a caller is running it, so an idle
        # connection runs ``func`` at once (one lock round instead of two per step).
        # acquire/try/finally rather than ``with``: half the cost on CPython 3.11.
        lock = self._steps_lock
        lock.acquire()
        try:
            if self._steps_running:
                if self._steps_queue:
                    self._steps_queue.append((func, args))
                else:
                    self._steps_queue = [(func, args)]
                return
            self._steps_running = True
        finally:
            lock.release()
        while True:
            try:
                func(*args)
            except Exception as exc:  # keep draining: one failed step must not wedge the rest
                self.mws2._log_exception("Connection step", exc)
                self.close()
            lock.acquire()
            try:
                if not self._steps_queue:
                    self._steps_running = False
                    return
                func, args = self._steps_queue.pop(0)
            finally:
                lock.release()

    def _on_closed(self, client, reason):
        # The server's count first: a full heap is what often closes a connection, the
        # rest may fail then, and a connection still counted would hold its place for
        # good. Then only attributes set before are reset (a first assignment may need
        # heap).
        self.mws2._forget_connection(self)
        self._closed = True
        if self._receiving:
            self._receiving = False
        content = self._content
        if content is not None:
            self._content = None
            content.end("the connection closed")
        stream = self._open_stream
        if stream is not None:
            self._open_stream = None
            close_stream(stream, self.mws2)
        # What points back here (the request, queued steps) goes, so the connection is
        # freed when its last user lets go, not by a cycle-collector pass.
        if self._request is not None:
            self._request = None
        self._release_content()
        self._lock.acquire()
        try:
            if self._outq:
                self._outq = ()
        finally:
            self._lock.release()
        if self._upgraded is not None:
            on_closed = self._upgraded[1]
            self._upgraded = None
            if on_closed is not None:
                on_closed(reason)

    # ---- receive -------------------------------------------------------------------

    def _on_data(self, client, data, arg):
        if self._switched:
            # Read by HTTP's stream before it stopped (with worker threads such a chunk
            # may wait behind the handler that switched): the new protocol's bytes.
            client.UnreadData(data)
            return
        self._last_activity = now = monotonic()
        if self._request is None and self._head_started is None and data:
            self._head_started = now
        if self._busy:
            self._buffered_while_busy += len(data)
            if self._buffered_while_busy > PIPELINE_BUFFER:
                self._stop_recv()  # back-pressure: the kernel buffers the rest
        try:
            if type(data) is not bytes:
                data = bytes(data)
            self._lock.acquire()
            try:
                self._http.receive_data(data)
            finally:
                self._lock.release()
        except ProtocolError as exc:
            self._answer_error(exc.status_code, str(exc))
            return
        self._step(self._pump)

    def _on_peer_shutdown(self, client, arg):
        """The peer sends nothing more (it may still read): finish, then close."""
        self._peer_shut = True
        self._receiving = False
        if self._upgraded is not None:
            # A WebSocket peer that stops sending is gone (no close frame: 1006). Close
            # once what is already queued (e.g. our close frame) has left.
            client.AsyncSendData(b"", _close_client)
            return
        if not self._busy:
            self._step(self._pump)
        # Busy: the answer under way ends with _response_done, whose _pump reads the
        # pipelined requests left, then reaches the end below.

    def _pump(self):
        at_eof = False
        lock = self._lock
        while (not self._busy or self._content is not None) and not self._closed:
            if self._budget_wait:
                return  # go_on() pumps again
            if self._content is not None and self._content.full:
                self._stop_recv()  # the handler has not taken the last piece yet
                return
            lock.acquire()
            try:
                event = self._http.next_event()
            except RemoteProtocolError as exc:
                event = None  # never an event: next_event returns sentinels, not None
                error = exc
            finally:
                lock.release()
            if event is None:
                if at_eof:
                    # What came before the end was a valid start: only the end broke it.
                    self.mws2.Log(
                        "%s:%s shut down in the middle of a request: closed" % self._addr(),
                        self.mws2.DEBUG,
                    )
                    self.close()
                    return
                self._answer_error(error.status_code, str(error))
                return
            if event is NEED_DATA:
                if not self._receiving and not self._budget_wait:
                    self._arm_recv()  # stopped for back-pressure while answering
                if self._peer_shut and not at_eof:
                    # Every complete request is answered: now httpcore_micro hears the
                    # end (RFC 9112 section 9.6) and says ConnectionClosed, or that
                    # the request it was reading is incomplete.
                    at_eof = True
                    with self._lock:
                        self._http.receive_data(b"")
                    continue
                if self._head_started is not None:
                    self._check_head_time()
                return
            at_eof = False
            if event is PAUSED:
                return
            kind = type(event)
            if kind is Request:
                self._on_request(event)
            elif kind is Data:
                self._on_body(event.data)
            elif kind is EndOfMessage:
                self._dispatch()
            elif kind is ConnectionClosed:
                self.close()
                return

    def _check_head_time(self):
        # The idle timeout of xasync cannot stop a peer that trickles one byte at a time
        # (slowloris): the whole request head must arrive within RequestsTimeoutSec.
        if self._request is None and self._head_started is not None:
            if elapsed_since(self._head_started) > self.mws2._timeoutSec:
                self._answer_error(408, "request head too slow")

    def _on_request(self, event):
        self._head_started = None
        if self.refusing:
            from .refusal import promote

            if not promote(self.mws2, self):
                # Answered once its head is read, so that the client reads the 503
                # rather than a reset; through TLS on a TLS listener.
                self._answer_error(503, "MaxConnections reached", (("Retry-After", "1"),))
                return
        try:
            request = self._request = HttpRequest(self.mws2, self, event, self._http.keep_alive)
        except ValueError as exc:  # e.g. a target that is not UTF-8 once decoded
            self._answer_error(400, "undecodable request: %s" % exc)
            return
        route = request._route = route_of(request)
        found = route._route if route is not None else None
        if found is not None and found.max_content is not None:
            request._maxContentLength = found.max_content
        if self._content_too_large(request):
            return
        if found is not None and found.stream_content:
            # The handler runs now and reads the content itself, piece by piece.
            from .content import ContentStream

            self._content = request._stream = ContentStream(self, request)
            self._continue_if_asked()
            self._dispatch()
            return
        if self._wait_for_room(request):
            self._continue_if_asked()

    def _continue_if_asked(self):
        if self._http.client_is_waiting_for_100_continue:
            self._send_event(InformationalResponse(100, []))

    def _content_too_large(self, request):
        """413 at once when the announced length is over this request's limit."""
        limit = request._maxContentLength
        length = request._declared_length()
        if limit is not None and length is not None and length > limit:
            self._answer_error(413, "request content over its limit (%d bytes)" % limit)
            return True
        return False

    def content_limit_changed(self):
        """A streamed route's handler changed the limit: what came already counts."""
        request = self._request
        if self._content is None or request is None:
            return
        if not self._content_too_large(request):
            limit = request._maxContentLength
            if limit is not None and self._body_size > limit:
                self._answer_error(413, "request content over its limit (%d bytes)" % limit)

    def content_taken(self):
        """The handler took a piece: read on (back-pressure released)."""
        if not self._closed and self._content is not None:
            self._last_activity = monotonic()  # the wait was the handler's, not the client's
            self._step(self._pump)

    def _on_body(self, data):
        request = self._request
        self._body_size += len(data)
        limit = request._maxContentLength
        if limit is not None and self._body_size > limit:
            self._answer_error(413, "request content over its limit (%d bytes)" % limit)
            return
        if self._content is not None:
            self._content.feed(data)
            return
        if self._body is None:
            self._body = bytearray()
        self._body += data
        if self._body_size > self._reserved:  # a chunked content growing: committed
            self.mws2._reserve_content(self, self._body_size - self._reserved, True)

    def _wait_for_room(self, request):
        """A content to buffer (a route that does not stream it): its announced length
        is reserved in the server's MaxBufferedContent first; while there is no room,
        its reading waits (the client is held back by TCP). False if it must wait."""
        need = request._declared_length()
        if need is None:
            if not request._chunked():
                return True  # no content at all
            need = CHUNKED_RESERVE  # grown as it comes (_on_body)
        if not need or self.mws2._reserve_content(self, need, False):
            return True
        self._budget_wait = True
        self._stop_recv()
        return False

    def _release_content(self):
        """The request's buffered content is dropped: its bytes leave the server's
        budget, where connections waiting for room may then read on."""
        if self._body is not None:
            self._body = None
        if self._reserved:
            self.mws2._drop_content(self)

    def go_on(self):
        """Room was reserved for this connection's content: read on."""
        self._budget_wait = False
        if not self._closed:
            self._last_activity = monotonic()  # the wait was the server's
            self._step(self._pump)

    @property
    def closed(self):
        return self._closed

    def _content_end(self):
        content, self._content = self._content, None
        content.end()

    def _dispatch(self):
        if self._busy:  # the end of a streamed content: its handler runs already
            self._content_end()
            return
        self._busy = True
        request = self._request
        if self._body:
            request._content = memoryview(self._body)
        self._dispatch_thread = thread = thread_id()
        self.mws2._note_thread(thread)
        try:
            process_request(self.mws2, request)
        finally:
            self._dispatch_thread = None
        response = self._sent_inline
        if response is not None:
            # Answered and sent while the handler ran: the next request is read by the
            # _pump loop that called us, with no step queued for the completion.
            self._sent_inline = None
            self._next_cycle(response)

    # ---- send (any thread) ---------------------------------------------------------

    def _queue(self, frame, item, hold=False):
        """Frame under the lock, queue the result; one thread at a time hands the queue
        to xasync, outside the lock (xasync may call back inline: onDataSent, OnClosed).

        ``frame()`` returns the bytes (or a ready file item); ``item`` is what to do
        when they are sent (a step, or None). ``hold``: more follows at once (a response
        head): wait for it, so head and body leave in one write (no Nagle delay)."""
        with self._lock:
            self._enqueue((frame(), item))
            if self._flushing or hold:
                return
            self._flushing = True
        self._flush()

    def _enqueue(self, entry):
        """Queue ``entry`` to be sent (under the lock)."""
        if self._outq:
            self._outq.append(entry)
        else:
            self._outq = [entry]

    def _flush(self):
        lock = self._lock
        while True:
            lock.acquire()
            try:
                if not self._outq:
                    self._flushing = False
                    return
                data, on_sent = self._next_write()
            finally:
                lock.release()
            self._transmit(data, on_sent)

    def _next_write(self):
        """Consecutive queued bytes up to the first with a callback, as one write."""
        queue = self._outq
        data, on_sent = queue.pop(0)
        if isinstance(data, FileItem) or on_sent is not None:
            return data, on_sent
        parts = [data]
        while queue and on_sent is None and not isinstance(queue[0][0], FileItem):
            more, on_sent = queue.pop(0)
            parts.append(more)
        return (b"".join(parts) if len(parts) > 1 else data), on_sent

    def _transmit(self, data, on_sent):
        if self._closed:
            return
        client = self.client
        if isinstance(data, FileItem):
            client.AsyncSendFile(data.fileobj, data.offset, data.size, self._on_sent, on_sent)
        elif on_sent is None:
            if data:
                client.AsyncSendData(data)
        else:
            client.AsyncSendData(data or b"", self._on_sent, on_sent)

    def _on_sent(self, client, on_sent):
        self._step(on_sent)

    def _send_event(self, event, on_sent=None):
        self._queue(lambda: self._http.send(event), on_sent)

    def start_response(self, code, headers):
        event = Response(code, headers)  # httpcore_micro adds the reason phrase
        self._queue(lambda: self._http.send(event), None, hold=True)

    def send_whole(self, code, headers, body, response):
        """A whole answer (head, optional body, end) as one queued write."""
        reason = b""  # httpcore_micro writes the standard one
        # _queue inlined (the usual answer: nothing else queued, one write at once).
        self._lock.acquire()
        try:
            data = self._http.send_response(code, headers, body or b"", reason)
            if self._flushing or self._outq:  # bytes before ours: they leave first
                self._enqueue((data, self._done_step(response)))
                if self._flushing:
                    return
                data = None
            self._flushing = True
            # Nothing pipelined behind it and the connection stays open.
            alone = self._http.keep_alive and not self._http.trailing_size
        finally:
            self._lock.release()
        if data is None:
            self._flush()
            return
        # On the loop thread the kernel usually takes a small answer at once: then it
        # is done here, without waiting for xasync's onDataSent on the next loop turn.
        client = self.client
        sent = client.TrySendData(data)
        done = sent == len(data)
        if not done and not sent and alone and self._may_count_queued(response, data):
            # A worker's answer (TrySendData is the loop's): queued in order, it counts
            # as done now rather than after a loop turn and a hop back to this thread.
            done = self._done_before_sent = client.AsyncSendData(data)
        elif not done:
            rest = memoryview(data)[sent:] if sent else data
            client.AsyncSendData(rest, self._on_sent, self._done_step(response))
        self._flush()
        if done:
            self._sent_whole(response)

    def _may_count_queued(self, response, data):
        """May this answer count as done once queued, before xasync has sent it?

        Not when its OnSent must see it sent, nor when it is large, nor when the peer is
        not keeping up (bytes already wait in the queue): then back-pressure holds the
        next request until the loop reports the answer sent, as before. (Pipelined
        requests, or a connection that closes after the answer, never get here.)"""
        return (
            response._onSent is None
            and len(data) <= QUEUED_DONE_MAX
            and not self.client.SendingQueueSize
        )

    def _done_step(self, response):
        return lambda: self._response_done(response)

    def _sent_whole(self, response):
        if self._dispatch_thread == thread_id():
            self._sent_inline = response  # the handler answered: _dispatch goes on
        else:
            self._step(self._response_done, response)  # answered later, elsewhere

    def send_body(self, data, on_sent=None, hold=False):
        request = self._request
        if request is not None:
            request._response._bodyBytes += len(data)
        event = Data(data)
        self._queue(lambda: self._http.send(event), on_sent, hold)

    def end_response(self, response):
        try:
            self._send_event(EndOfMessage(), self._done_step(response))
        except LocalProtocolError as exc:  # e.g. a stream shorter than its ContentLength
            self.mws2.Log("Response cut short: %s" % exc, self.mws2.WARNING)
            self.close()

    def attach_stream(self, stream):
        """``stream.close()`` is called if the connection closes while it is open."""
        self._open_stream = stream

    def switch_protocols(self, headers, response):
        """Send the 101 and stop HTTP on this connection (RFC 9110 section 15.2.2).

        Whoever takes the socket next (``take_over``, or a module that calls the
        client's ``AsyncRecv*`` itself) must get every byte after the request: HTTP's
        receive stream stops before the 101 leaves (so a peer's answer to the 101 waits
        in the kernel, not in HTTP's hands), and the bytes HTTP read ahead go back to
        the client (``UnreadData``), where the next read finds them first."""

        def frame():
            data = self._http.send(InformationalResponse(101, headers))
            self._switched = True
            # Both are handed to the loop before the 101 is (same thread, in order).
            self._stop_recv()
            trailing = self._http.trailing_data
            if trailing:
                self.client.UnreadData(trailing)
            return data

        self._queue(frame, None)

    def take_over(self, on_data, on_closed, timeout):
        """A new protocol (WebSocket) receives the bytes from now on."""
        self._upgraded = (on_data, on_closed)
        # HTTP is over here (the 101 is framed, its trailing bytes handed back): its
        # parser state and the request bytes it holds go (on a board, most of a KiB
        # per open WebSocket).
        self._http = None
        request = self._request
        if request is not None:
            request._keep_decoded_only()  # the new protocol may keep the request
        if self._peer_shut:  # it stopped sending before the switch: nothing will come
            self.client.AsyncSendData(b"", _close_client)
            return
        self._arm_recv(self._on_upgraded_data)

    def pause_upgraded(self):
        """The new protocol has too much unprocessed: stop reading (the kernel then
        holds the peer back) until resume_upgraded()."""
        self._stop_recv()

    def resume_upgraded(self):
        if self._upgraded is not None:
            self._arm_recv(self._on_upgraded_data)

    def _on_upgraded_data(self, client, data, arg):
        upgraded = self._upgraded
        if upgraded is not None:
            upgraded[0](data)

    def _response_done(self, response):
        if self._next_cycle(response):
            self._pump()
            if not self._busy and not self._closed and not self._receiving:
                self._arm_recv()

    def _next_cycle(self, response):
        """The answer is in the kernel: ready for the next request (False: closed)."""
        response._finished()
        self._lock.acquire()
        try:
            # Refused unless both sides are DONE (a close is due or a switch).
            self._http.start_next_cycle()
            reuse = True
        except LocalProtocolError:
            reuse = False
        finally:
            self._lock.release()
        if not reuse or self.finishing:
            self.close()
            return False
        self._served = True
        self._request = None
        self._release_content()
        self._body_size = 0
        self._content = None
        self._last_activity = monotonic()
        self._buffered_while_busy = 0
        self._busy = False
        return True

    def _answer_error(self, code, why, extra=()):
        """Answer a request we cannot take (bad, too large, too slow, too many) and close."""
        if self._http is None:  # another protocol took the connection over: just close
            self.close()
            return
        level = self.mws2.WARNING if code == 503 else self.mws2.DEBUG
        self.mws2.Log("%s:%s answered %d: %s" % (self._addr() + (code, why)), level)
        self._busy = True
        self._stop_recv()
        request = self._request
        if request is not None:  # first: the handler may wake at once (another thread)
            request._response._refuse_answers(code)
        content, self._content = self._content, None
        if content is not None:
            content.end("answered %d" % code)
        from .status import status_page

        body = status_page(code)
        headers = [
            ("Server", "mws2"),
            ("Content-Type", "text/html; charset=UTF-8"),
            ("Content-Length", str(len(body))),
            ("Connection", "close"),  # whatever the request said, the connection ends here
        ] + list(extra)
        http = self._http

        def frame():
            data = http.send(Response(code, headers))
            return data + http.send(Data(body)) + http.send(EndOfMessage())

        try:
            self._queue(frame, self.close)
        except LocalProtocolError:  # a response was already under way: just close
            self.close()

    def _addr(self):
        addr = self.client.CliAddr
        return (addr[0], addr[1]) if addr else ("?", 0)


def _close_client(client, arg):
    client.Close()


def close_stream(stream, mws2):
    close = getattr(stream, "close", None)
    if close is not None:
        try:
            close()
        except OSError as exc:  # the response is over either way: note it and go on
            mws2.Log("Closing a response stream failed: %s" % exc, mws2.DEBUG)
