"""Our response bytes parse cleanly in an h11 client connection: statuses, HEAD, 1xx,
204/304, Content-Length, chunked with trailers, HTTP/1.0 peers, Connection: close."""

import h11
from hypothesis import given
from hypothesis import strategies as st

import httpcore_micro as hm

TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
SPECIAL = {"content-length", "transfer-encoding", "connection"}
names = st.text(alphabet=TCHARS, min_size=1, max_size=10).filter(
    lambda name: name.lower() not in SPECIAL
)
values = st.text(alphabet="".join(chr(c) for c in range(0x21, 0x7F)) + " ", max_size=20).map(
    str.strip
)
headers = st.lists(st.tuples(names, values), max_size=4)
statuses = st.one_of(
    st.sampled_from([200, 201, 204, 301, 304, 400, 404, 413, 431, 500, 505]),
    st.integers(200, 599),
)


@st.composite
def exchanges(draw):
    version = draw(st.sampled_from([b"1.1", b"1.0"]))
    method = draw(st.sampled_from([b"GET", b"HEAD", b"POST"]))
    lines = [method + b" / HTTP/" + version, b"Host: a"]
    if version == b"1.0" and draw(st.booleans()):
        lines.append(b"Connection: keep-alive")
    if version == b"1.1" and draw(st.integers(0, 3)) == 0:
        lines.append(b"Connection: close")
    expect = version == b"1.1" and draw(st.booleans())
    if expect:
        lines.append(b"Expect: 100-continue")
    request = b"\r\n".join(lines) + b"\r\n\r\n"
    framing = draw(st.sampled_from(["length", "auto", "chunked"]))
    chunks = draw(st.lists(st.binary(min_size=0, max_size=30), max_size=4))
    trailers = draw(st.lists(st.tuples(names, values), max_size=2))
    close = draw(st.integers(0, 4)) == 0
    return (method, version, request, expect, draw(statuses), draw(headers), framing, chunks,
            trailers, close)


def serve(request, expect, status, fields, framing, chunks, trailers, close, method):
    conn = hm.ServerConnection()
    conn.receive_data(request)
    assert type(conn.next_event()) is hm.Request
    assert conn.next_event() == hm.EndOfMessage()
    out = []
    if expect:
        out.append(conn.send(hm.InformationalResponse(100)))
    fields = list(fields)
    no_body = method == b"HEAD" or status in (204, 304)
    body = b"" if no_body else b"".join(chunks)
    if framing == "length":
        fields.append(("Content-Length", str(len(body))))
    elif framing == "chunked":
        fields.append(("Transfer-Encoding", "chunked"))
    if close:
        fields.append(("Connection", "close"))
    out.append(conn.send(hm.Response(status, fields)))
    chunked_body = framing != "length" and not no_body and conn.their_http_version == b"1.1"
    if not no_body:
        for chunk in chunks:
            out.append(conn.send(hm.Data(chunk)))
    sent_trailers = trailers if chunked_body else []
    out.append(conn.send(hm.EndOfMessage(sent_trailers)))
    return conn, b"".join(out), body, sent_trailers


@given(exchanges())
def test_responses_parse_in_h11_client(exchange):
    method, version, request, expect, status, fields, framing, chunks, trailers, close = exchange
    conn, raw, body, sent_trailers = serve(
        request, expect, status, fields, framing, chunks, trailers, close, method
    )
    client = h11.Connection(h11.CLIENT)
    client.send(h11.Request(method=method, target="/", headers=[("Host", "a")]))
    client.send(h11.EndOfMessage())
    client.receive_data(raw)
    if not conn.keep_alive:
        client.receive_data(b"")  # we would close the connection now
    events = []
    while True:
        event = client.next_event()
        assert event is not h11.NEED_DATA, (raw, events)
        events.append(event)
        if type(event) is h11.EndOfMessage:
            break
    if expect:
        assert type(events[0]) is h11.InformationalResponse and events[0].status_code == 100
        events = events[1:]
    response = events[0]
    assert type(response) is h11.Response and response.status_code == status
    received = [(bytes(n), bytes(v)) for n, v in response.headers]
    for name, value in fields:
        assert (name.lower().encode(), value.encode()) in received
    assert b"".join(bytes(e.data) for e in events if type(e) is h11.Data) == body
    got_trailers = [(bytes(n), bytes(v)) for n, v in events[-1].headers]
    assert got_trailers == [(n.lower().encode(), v.encode()) for n, v in sent_trailers]
    # Both ends agree on whether the connection goes on.
    assert (client.their_state is h11.DONE) == conn.keep_alive, (raw, client.states)
    if version == b"1.0" and not conn.keep_alive:
        assert (b"connection", b"close") in received
