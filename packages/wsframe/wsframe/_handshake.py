"""Opening handshake helpers (RFC 6455 section 4), for both roles, without HTTP I/O.

Headers are lists of ``(name, value)`` pairs, names lower-case, as httpcore_micro
delivers them; ``str`` pairs are accepted too.
"""

import binascii
import hashlib

from ._compat import random_bytes
from ._errors import HandshakeError

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # 1.3
_BASE64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
SUPPORTED_VERSION = b"13"


def _as_bytes(value):
    return value.encode("latin-1") if isinstance(value, str) else bytes(value)


def _values(headers, name):
    """Every value of header ``name`` (bytes, lower-case), in order."""
    found = []
    for key, value in headers:
        if _as_bytes(key).lower() == name:
            found.append(_as_bytes(value).strip())
    return found


def _tokens(headers, name):
    """The comma-separated items of every ``name`` header, stripped, empty ones dropped."""
    items = []
    for value in _values(headers, name):
        for item in value.split(b","):
            item = item.strip()
            if item:
                items.append(item)
    return items


def _has_token(headers, name, token):
    for item in _tokens(headers, name):
        if item.lower() == token:
            return True
    return False


def accept_key(key):
    """``Sec-WebSocket-Accept`` for a ``Sec-WebSocket-Key`` (4.2.2 step 5.4); bytes."""
    digest = hashlib.sha1(_as_bytes(key).strip() + _GUID).digest()
    return binascii.b2a_base64(digest).strip()


def is_valid_key(key):
    """True if ``key`` is base64 of exactly 16 bytes (4.1 step 7): 22 chars then ``==``."""
    if len(key) != 24 or key[22:] != b"==":
        return False
    for byte in key[:22]:
        if byte not in _BASE64:
            return False
    # The last character carries 2 data bits only: its 4 low bits must be zero.
    return _BASE64.index(key[21]) & 0x0F == 0


def _check_request(headers, method, http_version):
    if method is not None and _as_bytes(method) != b"GET":
        raise HandshakeError(400, "a WebSocket upgrade must use GET")
    if http_version is not None and _as_bytes(http_version) != b"1.1":
        raise HandshakeError(400, "a WebSocket upgrade needs HTTP/1.1")
    if not _has_token(headers, b"upgrade", b"websocket"):
        raise HandshakeError(400, "missing 'Upgrade: websocket'")
    if not _has_token(headers, b"connection", b"upgrade"):
        raise HandshakeError(400, "missing 'Connection: upgrade'")
    versions = _values(headers, b"sec-websocket-version")
    if not versions:
        raise HandshakeError(400, "missing Sec-WebSocket-Version")
    if versions != [SUPPORTED_VERSION]:
        # 4.4: answer 426 and name the versions we speak.
        raise HandshakeError(426, "unsupported Sec-WebSocket-Version",
                             [(b"sec-websocket-version", SUPPORTED_VERSION)])
    keys = _values(headers, b"sec-websocket-key")
    if len(keys) != 1 or not is_valid_key(keys[0]):
        raise HandshakeError(400, "missing or invalid Sec-WebSocket-Key")
    return keys[0]


def requested_subprotocols(headers):
    """The subprotocols a request offers, as ``str``, in the client's order."""
    return [item.decode("latin-1") for item in _tokens(headers, b"sec-websocket-protocol")]


def _choose_subprotocol(requested, subprotocols):
    if subprotocols is None or not requested:
        return None
    if callable(subprotocols):
        chosen = subprotocols(requested)
        if chosen is not None and chosen not in requested:
            raise ValueError("subprotocol %r was not offered by the client" % (chosen,))
        return chosen
    for name in requested:  # the client lists its preference first (4.1)
        if name in subprotocols:
            return name
    return None


def server_handshake(headers, subprotocols=None, method=None, http_version=None):
    """Check an upgrade request; return the headers of the ``101`` answer.

    ``subprotocols``: ``None``, the names we speak (the client's first match wins),
    or a callable given the offered names that returns one of them or ``None``.
    Raises ``HandshakeError`` (400, or 426 with ``Sec-WebSocket-Version: 13``).
    """
    key = _check_request(headers, method, http_version)
    chosen = _choose_subprotocol(requested_subprotocols(headers), subprotocols)
    response = [
        (b"upgrade", b"websocket"),
        (b"connection", b"Upgrade"),
        (b"sec-websocket-accept", accept_key(key)),
    ]
    if chosen is not None:
        response.append((b"sec-websocket-protocol", chosen.encode("latin-1")))
    return response


def client_handshake(host, subprotocols=None, key=None):
    """A client's upgrade request headers: returns ``(key, headers)``.

    The caller writes ``GET <target> HTTP/1.1`` and these headers, then checks the
    answer with ``verify_server_handshake(key, status, headers)``.
    """
    if key is None:
        key = binascii.b2a_base64(random_bytes(16)).strip()
    key = _as_bytes(key)
    headers = [
        (b"host", _as_bytes(host)),
        (b"upgrade", b"websocket"),
        (b"connection", b"Upgrade"),
        (b"sec-websocket-key", key),
        (b"sec-websocket-version", SUPPORTED_VERSION),
    ]
    if subprotocols:
        names = b", ".join(_as_bytes(name) for name in subprotocols)
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
    name = chosen[0].decode("latin-1")
    if len(chosen) != 1 or not subprotocols or name not in subprotocols:
        raise HandshakeError(status_code, "the server chose a subprotocol we did not offer")
    return name
