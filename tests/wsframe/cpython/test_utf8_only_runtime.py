"""wsframe on a runtime whose only codec is UTF-8 (MicroPython's development branch,
where ``decode('latin-1')`` and ``encode('latin-1')`` raise LookupError).

CPython cannot remove a codec, so the header names and values handed to wsframe are
bytes and str subclasses that refuse every other codec, and whose strip/lower/split keep
refusing; whatever wsframe derives from them by those means refuses too.
"""

import os
import re

import wsframe

PACKAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                       "packages", "wsframe", "wsframe")
KEY = "dGhlIHNhbXBsZSBub25jZQ=="
ACCEPT = b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def _utf8_only(encoding):
    if encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise LookupError("unknown encoding: %s" % encoding)


class Utf8OnlyBytes(bytes):
    def decode(self, encoding="utf-8", errors="strict"):
        _utf8_only(encoding)
        return bytes.decode(self, encoding, errors)

    def __bytes__(self):
        return self

    def strip(self, *chars):
        return Utf8OnlyBytes(bytes.strip(self, *chars))

    def lower(self):
        return Utf8OnlyBytes(bytes.lower(self))

    def split(self, *args):
        return [Utf8OnlyBytes(part) for part in bytes.split(self, *args)]


class Utf8OnlyStr(str):
    def encode(self, encoding="utf-8", errors="strict"):
        _utf8_only(encoding)
        return Utf8OnlyBytes(str.encode(self, encoding, errors))


def make(kind, text):
    return kind(text) if kind is Utf8OnlyStr else kind(text.encode())


def request(kind):
    pairs = [("host", "example.com"), ("upgrade", "websocket"), ("connection", "Upgrade"),
             ("sec-websocket-key", KEY), ("sec-websocket-version", "13"),
             ("sec-websocket-protocol", "chat, superchat")]
    return [(make(kind, name), make(kind, value)) for name, value in pairs]


def test_the_refusing_types_refuse():
    try:
        Utf8OnlyBytes(b"x").strip().decode("latin-1")
    except LookupError:
        pass
    else:
        raise AssertionError("Utf8OnlyBytes decoded Latin-1")
    try:
        Utf8OnlyStr("x").encode("latin-1")
    except LookupError:
        pass
    else:
        raise AssertionError("Utf8OnlyStr encoded Latin-1")


def test_server_handshake_needs_no_other_codec():
    for kind in (Utf8OnlyBytes, Utf8OnlyStr):
        headers = request(kind)
        answer = wsframe.server_handshake(headers, ["superchat"], method=make(kind, "GET"),
                                          http_version=make(kind, "1.1"))
        assert answer[2] == (b"sec-websocket-accept", ACCEPT)
        assert answer[3] == (b"sec-websocket-protocol", b"superchat")
        assert wsframe.requested_subprotocols(headers) == ["chat", "superchat"]
        assert wsframe.accept_key(make(kind, KEY)) == ACCEPT


def test_client_helpers_need_no_other_codec():
    for kind in (Utf8OnlyBytes, Utf8OnlyStr):
        key, headers = wsframe.client_handshake(Utf8OnlyStr("example.com"),
                                                [Utf8OnlyStr("chat")], key=make(kind, KEY))
        answer = [(Utf8OnlyBytes(name), Utf8OnlyBytes(value))
                  for name, value in wsframe.server_handshake(headers, ["chat"])]
        assert wsframe.verify_server_handshake(key, 101, answer, ["chat"]) == "chat"


def test_close_reasons_and_text_need_no_other_codec():
    conn = wsframe.Connection(wsframe.SERVER)
    assert conn.close(1000, Utf8OnlyStr("d\u00e9j\u00e0 vu"))[4:] == "d\u00e9j\u00e0 vu".encode()
    conn = wsframe.Connection(wsframe.SERVER)
    assert conn.send_text(Utf8OnlyStr("\u00e9t\u00e9"))[2:] == "\u00e9t\u00e9".encode()


def test_the_package_names_no_codec_but_utf8():
    # A static guard for what the types above cannot reach: every codec the source
    # names in encode(), decode(), str() or a codecs call is UTF-8.
    named = re.compile(r"""(?:encode|decode|str|decoder)\([^()]*?["']([A-Za-z0-9_-]+)["']""")
    for name in os.listdir(PACKAGE):
        if name.endswith(".py"):
            with open(os.path.join(PACKAGE, name), encoding="utf-8") as handle:
                for codec in named.findall(handle.read()):
                    assert codec.lower() in ("utf-8", "utf8"), (name, codec)
