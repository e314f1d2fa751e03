"""The server's opening handshake (RFC 6455 section 4.2), without HTTP I/O.

Headers are lists of ``(name, value)`` pairs, names lower-case, as httpcore_micro
delivers them; ``str`` pairs are accepted too. Every value that matters here is an
ASCII token (section 4.1, 11.3), so nothing is decoded with any codec but UTF-8 (which
MicroPython's development branch keeps as its only one): a value that is not ASCII
simply never matches, and a subprotocol offer that is not ASCII is refused with 400.
The client's side is in ``_client.py``, loaded on first use.
"""

import binascii
import hashlib

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # 1.3
SUPPORTED_VERSION = b"13"


class HandshakeError(Exception):
    """The upgrade request (or, for a client, the answer) cannot be accepted.

    ``status_code`` is the HTTP status to answer with (400, or 426 for an unsupported
    ``Sec-WebSocket-Version``), ``headers`` the headers to add to that answer.
    """

    def __init__(self, status_code, message, headers=()):
        super().__init__(status_code, message)
        self.status_code = status_code
        self.message = message
        self.headers = list(headers)

    def __str__(self):
        return "%d: %s" % (self.status_code, self.message)


def as_bytes(value):
    """A header name or value as bytes (``str`` is encoded as UTF-8, never Latin-1)."""
    return value.encode() if isinstance(value, str) else bytes(value)


def ascii_text(data):
    """``data`` (ASCII bytes) as ``str``; ``None`` if a byte is not ASCII."""
    try:
        text = str(data, "utf-8")
    except UnicodeError:
        return None
    # Decoding keeps the length exactly when every byte is below 0x80.
    return text if len(text) == len(data) else None


def values(headers, name):
    """Every value of header ``name`` (bytes, stripped), in order."""
    return [as_bytes(value).strip() for key, value in headers if as_bytes(key).lower() == name]


def tokens(headers, name):
    """The comma-separated items of every ``name`` header, stripped, empty ones dropped."""
    return [item.strip() for value in values(headers, name) for item in value.split(b",")
            if item.strip()]


def has_token(headers, name, token):
    """True if a ``name`` header lists ``token`` (case-insensitive, RFC 7230 3.2.6)."""
    return any(item.lower() == token for item in tokens(headers, name))


def accept_key(key):
    """``Sec-WebSocket-Accept`` for a ``Sec-WebSocket-Key`` (4.2.2 step 5.4); bytes."""
    digest = hashlib.sha1(as_bytes(key).strip() + _GUID).digest()
    return binascii.b2a_base64(digest).strip()


def _is_valid_key(key):
    # 4.1 step 7: base64 of exactly 16 bytes. Only the canonical form re-encodes to
    # itself (22 characters, "==", the last character's 4 unused bits zero), so a
    # round trip rejects stray characters, bad padding and non-zero pad bits at once.
    if len(key) != 24:
        return False
    try:
        raw = binascii.a2b_base64(key)
    except ValueError:  # binascii.Error: a character that is not base64
        return False
    return len(raw) == 16 and binascii.b2a_base64(raw).strip() == key


def _check_request(headers, method, http_version):
    if method is not None and as_bytes(method) != b"GET":
        raise HandshakeError(400, "a WebSocket upgrade must use GET")
    if http_version is not None and as_bytes(http_version) != b"1.1":
        raise HandshakeError(400, "a WebSocket upgrade needs HTTP/1.1")
    if not has_token(headers, b"upgrade", b"websocket"):
        raise HandshakeError(400, "missing 'Upgrade: websocket'")
    if not has_token(headers, b"connection", b"upgrade"):
        raise HandshakeError(400, "missing 'Connection: upgrade'")
    versions = values(headers, b"sec-websocket-version")
    if not versions:
        raise HandshakeError(400, "missing Sec-WebSocket-Version")
    if versions != [SUPPORTED_VERSION]:
        # 4.4: answer 426 and name the versions we speak.
        raise HandshakeError(426, "unsupported Sec-WebSocket-Version",
                             [(b"sec-websocket-version", SUPPORTED_VERSION)])
    keys = values(headers, b"sec-websocket-key")
    if len(keys) != 1 or not _is_valid_key(keys[0]):
        raise HandshakeError(400, "missing or invalid Sec-WebSocket-Key")
    return keys[0]


def requested_subprotocols(headers):
    """The subprotocols a request offers, as ``str``, in the client's order.

    Raises ``HandshakeError(400)`` for an offer that is not ASCII: subprotocol names are
    tokens (4.1, RFC 7230 3.2.6).
    """
    names = []
    for item in tokens(headers, b"sec-websocket-protocol"):
        name = ascii_text(item)
        if name is None:
            raise HandshakeError(400, "a Sec-WebSocket-Protocol offer is not ASCII")
        names.append(name)
    return names


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
    chosen = None
    if subprotocols is not None:
        chosen = _choose_subprotocol(requested_subprotocols(headers), subprotocols)
    response = [
        (b"upgrade", b"websocket"),
        (b"connection", b"Upgrade"),
        (b"sec-websocket-accept", accept_key(key)),
    ]
    if chosen is not None:
        response.append((b"sec-websocket-protocol", chosen.encode()))
    return response
