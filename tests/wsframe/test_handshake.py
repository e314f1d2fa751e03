"""Opening handshake helpers (RFC 6455 section 4)."""

from _portable import raises

import wsframe
from wsframe import HandshakeError

KEY = b"dGhlIHNhbXBsZSBub25jZQ=="


def request(**changes):
    headers = {
        b"host": b"server.example.com",
        b"upgrade": b"websocket",
        b"connection": b"Upgrade",
        b"sec-websocket-key": KEY,
        b"sec-websocket-version": b"13",
    }
    for name, value in changes.items():
        name = name.replace("_", "-").encode()
        if value is None:
            del headers[name]
        else:
            headers[name] = value
    return list(headers.items())


def test_accepts_the_rfc_example():
    assert wsframe.server_handshake(request(), method=b"GET", http_version=b"1.1") == [
        (b"upgrade", b"websocket"),
        (b"connection", b"Upgrade"),
        (b"sec-websocket-accept", b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
    ]


def test_tokens_are_case_insensitive_and_in_comma_lists():
    headers = request(connection=b"keep-alive, Upgrade", upgrade=b"WebSocket")
    assert wsframe.server_handshake(headers)[2][1] == b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    str_headers = [(k.decode(), v.decode()) for k, v in request()]
    assert len(wsframe.server_handshake(str_headers)) == 3


def status_of(headers, **options):
    return raises(HandshakeError, wsframe.server_handshake, headers, **options).status_code


def test_refusals_with_400():
    assert status_of(request(), method=b"POST") == 400
    assert status_of(request(), http_version=b"1.0") == 400
    assert status_of(request(upgrade=None)) == 400
    assert status_of(request(upgrade=b"h2c")) == 400
    assert status_of(request(connection=b"keep-alive")) == 400
    assert status_of(request(connection=b"upgrades")) == 400
    assert status_of(request(sec_websocket_version=None)) == 400
    assert status_of(request(sec_websocket_key=None)) == 400
    for key in (b"", b"short==", b"dGhlIHNhbXBsZSBub25jZQ", b"dGhlIHNhbXBsZSBub25jZR==",
                b"dGhlIHNhbXBsZSBub25j!Q==", b"dGhlIHNhbXBsZSBub25jZQ===", b" " + KEY[1:]):
        assert status_of(request(sec_websocket_key=key)) == 400, key


def test_duplicate_key_is_refused():
    headers = request() + [(b"sec-websocket-key", KEY)]
    assert status_of(headers) == 400


def test_unsupported_version_is_426_naming_13():
    error = raises(HandshakeError, wsframe.server_handshake, request(sec_websocket_version=b"8"))
    assert error.status_code == 426
    assert error.headers == [(b"sec-websocket-version", b"13")]


def test_subprotocol_choice():
    headers = request(sec_websocket_protocol=b"chat, superchat")
    assert len(wsframe.server_handshake(headers)) == 3
    assert wsframe.server_handshake(headers, ["superchat", "chat"])[-1] == (
        b"sec-websocket-protocol", b"chat")
    assert len(wsframe.server_handshake(headers, ["other"])) == 3
    chosen = wsframe.server_handshake(headers, lambda offered: offered[-1])
    assert chosen[-1] == (b"sec-websocket-protocol", b"superchat")
    assert len(wsframe.server_handshake(headers, lambda offered: None)) == 3
    raises(ValueError, wsframe.server_handshake, headers, lambda offered: "nope")
    assert wsframe.requested_subprotocols(headers) == ["chat", "superchat"]


def test_client_helpers_round_trip():
    key, headers = wsframe.client_handshake("example.com", subprotocols=["chat"])
    assert len(key) == 24
    answer = wsframe.server_handshake(headers, ["chat"])
    assert wsframe.verify_server_handshake(key, 101, answer, ["chat"]) == "chat"
    plain = wsframe.server_handshake(headers)
    assert wsframe.verify_server_handshake(key, 101, plain, ["chat"]) is None
    other_key, _ = wsframe.client_handshake("example.com")
    assert other_key != key


def test_client_rejects_bad_answers():
    key, headers = wsframe.client_handshake("example.com", key=KEY)
    answer = wsframe.server_handshake(headers)
    error = raises(HandshakeError, wsframe.verify_server_handshake, key, 200, answer)
    assert error.status_code == 200
    wrong = [(b"sec-websocket-accept", b"x") if name == b"sec-websocket-accept" else (name, value)
             for name, value in answer]
    raises(HandshakeError, wsframe.verify_server_handshake, key, 101, wrong)
    raises(HandshakeError, wsframe.verify_server_handshake, key, 101, answer[1:])
    unasked = answer + [(b"sec-websocket-protocol", b"chat")]
    raises(HandshakeError, wsframe.verify_server_handshake, key, 101, unasked)
    extension = answer + [(b"sec-websocket-extensions", b"permessage-deflate")]
    raises(HandshakeError, wsframe.verify_server_handshake, key, 101, extension)


def test_values_that_are_not_ascii_never_match():
    # Tokens are ASCII (RFC 6455 4.1, 11.3): anything else is refused, never decoded.
    assert status_of(request(upgrade=b"w\xe9bsocket")) == 400
    assert status_of(request(sec_websocket_key=b"\xe9" * 24)) == 400
    assert status_of(request(sec_websocket_version=b"1\xb3")) == 426
    str_headers = [(k.decode(), v.decode()) for k, v in request(connection=b"Upgrade")]
    str_headers[1] = ("upgrade", "w\u00e9bsocket")
    assert status_of(str_headers) == 400


def test_a_subprotocol_offer_that_is_not_ascii_is_refused_with_400():
    headers = request(sec_websocket_protocol=b"chat, ch\xe2\x98\x83t")
    assert status_of(headers, subprotocols=["chat"]) == 400
    raises(HandshakeError, wsframe.requested_subprotocols, headers)
    # Without subprotocols to choose from, the offers are not read.
    assert len(wsframe.server_handshake(headers)) == 3


def test_client_helpers_refuse_names_that_are_not_ascii():
    raises(ValueError, wsframe.client_handshake, "\u00e9xample.com")
    raises(ValueError, wsframe.client_handshake, "example.com", ["ch\u00e4t"])
