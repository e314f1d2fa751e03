"""What only a client needs (RFC 6455 section 4.1, 5.3), loaded on first use.

A server on a board never imports this module: ``wsframe.client_handshake`` and
``wsframe.verify_server_handshake`` reach it through the package's ``__getattr__``, and
``Connection(CLIENT)`` imports ``random_mask`` when no ``mask_source`` is given.
"""

import binascii
import os

from ._handshake import (
    SUPPORTED_VERSION, HandshakeError, accept_key, as_bytes, ascii_text, has_token, values,
)

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
    data = as_bytes(value)
    if ascii_text(data) is None:
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
        (b"sec-websocket-version", SUPPORTED_VERSION),
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
    if not has_token(headers, b"upgrade", b"websocket"):
        raise HandshakeError(status_code, "missing 'Upgrade: websocket' in the answer")
    if not has_token(headers, b"connection", b"upgrade"):
        raise HandshakeError(status_code, "missing 'Connection: upgrade' in the answer")
    if values(headers, b"sec-websocket-accept") != [accept_key(key)]:
        raise HandshakeError(status_code, "wrong Sec-WebSocket-Accept")
    if values(headers, b"sec-websocket-extensions"):
        raise HandshakeError(status_code, "the server chose an extension we did not offer")
    chosen = values(headers, b"sec-websocket-protocol")
    if not chosen:
        return None
    name = ascii_text(chosen[0])
    if len(chosen) != 1 or not subprotocols or name not in subprotocols:
        raise HandshakeError(status_code, "the server chose a subprotocol we did not offer")
    return name

