"""What a server never or rarely needs, loaded on first use: the client's side of the
opening handshake (RFC 6455 section 4.1), its masking keys (5.3), the named close codes.

A server on a board never imports this module: ``wsframe.client_handshake``,
``wsframe.verify_server_handshake`` and ``wsframe.CloseReason`` reach it through the
package's ``__getattr__``, and ``Connection(CLIENT)`` imports ``random_mask`` when no
``mask_source`` is given.
"""

import binascii
import os

from . import _VERSION, HandshakeError, _as_bytes, _ascii_text, _has_token, _values, accept_key

if hasattr(os, "urandom"):

    def random_bytes(count):
        return os.urandom(count)

else:  # some MicroPython boards keep their entropy source elsewhere
    import random

    def random_bytes(count):
        return bytes(random.getrandbits(8) for _ in range(count))


def random_mask():
    """A fresh masking key; 5.3 wants it unpredictable, one per frame."""
    return random_bytes(4)


def _ascii_bytes(value, what):
    data = _as_bytes(value)
    if _ascii_text(data) is None:
        raise ValueError("%s must be ASCII (RFC 6455 section 4.1): %r" % (what, value))
    return data


def client_handshake(host, subprotocols=None, key=None):
    """A client's upgrade request headers: returns ``(key, headers)``.

    The caller writes ``GET <target> HTTP/1.1`` and these headers, then checks the
    answer with ``verify_server_handshake(key, status, headers)``. ``host`` and the
    subprotocol names must be ASCII (``ValueError`` otherwise: punycode a host name).
    """
    if key is None:
        key = binascii.b2a_base64(random_bytes(16)).strip()
    key = _ascii_bytes(key, "the key")
    headers = [
        (b"host", _ascii_bytes(host, "the host")),
        (b"upgrade", b"websocket"),
        (b"connection", b"Upgrade"),
        (b"sec-websocket-key", key),
        (b"sec-websocket-version", _VERSION),
    ]
    if subprotocols:
        names = b", ".join(_ascii_bytes(name, "a subprotocol") for name in subprotocols)
        headers.append((b"sec-websocket-protocol", names))
    return key, headers


def verify_server_handshake(key, status_code, headers, subprotocols=None):
    """Check a server's answer (4.1 steps 1-6); return the chosen subprotocol or None.

    Raises ``HandshakeError`` carrying the server's status code.
    """
    if status_code != 101:
        raise HandshakeError(status_code, "the server did not switch protocols")
    if not _has_token(headers, b"upgrade", b"websocket"):
        raise HandshakeError(status_code, "missing 'Upgrade: websocket' in the answer")
    if not _has_token(headers, b"connection", b"upgrade"):
        raise HandshakeError(status_code, "missing 'Connection: upgrade' in the answer")
    if _values(headers, b"sec-websocket-accept") != [accept_key(key)]:
        raise HandshakeError(status_code, "wrong Sec-WebSocket-Accept")
    if _values(headers, b"sec-websocket-extensions"):
        raise HandshakeError(status_code, "the server chose an extension we did not offer")
    chosen = _values(headers, b"sec-websocket-protocol")
    if not chosen:
        return None
    name = _ascii_text(chosen[0])
    if len(chosen) != 1 or not subprotocols or name not in subprotocols:
        raise HandshakeError(status_code, "the server chose a subprotocol we did not offer")
    return name


class CloseReason:
    """Close status codes (RFC 6455 section 7.4.1, plus the IANA registry's 1012-1014)."""

    NORMAL_CLOSURE = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    UNSUPPORTED_DATA = 1003
    # 1004 is reserved and never sent.
    NO_STATUS_RCVD = 1005  # local only: the close frame had no code
    ABNORMAL_CLOSURE = 1006  # local only: the transport closed without a close frame
    INVALID_FRAME_PAYLOAD_DATA = 1007
    POLICY_VIOLATION = 1008  # also: a message that makes no progress (empty fragments)
    MESSAGE_TOO_BIG = 1009
    MANDATORY_EXT = 1010
    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012
    TRY_AGAIN_LATER = 1013
    BAD_GATEWAY = 1014
    TLS_HANDSHAKE_FAILED = 1015  # local only
