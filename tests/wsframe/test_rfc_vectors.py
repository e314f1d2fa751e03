"""The examples of RFC 6455 section 5.7 and the accept key of section 1.3."""

from wsframe_vectors import events_of

import wsframe
from wsframe import CLIENT, BytesMessage, Ping, Pong, TextMessage

HELLO_MASKED = bytes([0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58])
HELLO_UNMASKED = bytes([0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])


def test_accept_key_example_of_section_1_3():
    assert wsframe.accept_key(b"dGhlIHNhbXBsZSBub25jZQ==") == b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    assert wsframe.accept_key("dGhlIHNhbXBsZSBub25jZQ==") == b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_single_frame_unmasked_text_received_by_client():
    assert events_of(HELLO_UNMASKED, CLIENT) == [TextMessage("Hello")]


def test_single_frame_masked_text_received_by_server():
    assert events_of(HELLO_MASKED) == [TextMessage("Hello")]


def test_fragmented_unmasked_text_received_by_client():
    data = bytes([0x01, 0x03, 0x48, 0x65, 0x6C, 0x80, 0x02, 0x6C, 0x6F])
    assert events_of(data, CLIENT) == [TextMessage("Hello")]
    assert events_of(data, CLIENT, fragments=True) == [TextMessage("Hello", True)]


def test_fragments_mode_delivers_each_piece():
    data = bytes([0x01, 0x03, 0x48, 0x65, 0x6C, 0x80, 0x02, 0x6C, 0x6F])
    conn = wsframe.Connection(CLIENT, fragments=True)
    conn.receive_data(data)
    assert list(conn.events()) == [TextMessage("Hel", False), TextMessage("lo", True)]


def test_unmasked_ping_and_masked_pong():
    ping = bytes([0x89, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
    assert events_of(ping, CLIENT) == [Ping(b"Hello")]
    pong = bytes([0x8A, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58])
    assert events_of(pong) == [Pong(b"Hello")]


def test_256_bytes_binary_with_16_bit_length():
    payload = bytes(range(256))
    data = bytes([0x82, 0x7E, 0x01, 0x00]) + payload
    assert events_of(data, CLIENT) == [BytesMessage(payload)]


def test_64_kib_binary_with_64_bit_length():
    payload = bytes(range(256)) * 256
    data = bytes([0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0]) + payload
    conn = wsframe.Connection(CLIENT)
    conn.receive_data(data)
    assert list(conn.events()) == [BytesMessage(payload)]
    conn = wsframe.Connection(CLIENT)
    for i in range(0, len(data), 1000):
        conn.receive_data(data[i : i + 1000])
    assert list(conn.events()) == [BytesMessage(payload)]


def test_client_sends_the_rfc_masked_hello():
    conn = wsframe.Connection(CLIENT, mask_source=lambda: b"\x37\xfa\x21\x3d")
    assert conn.send_text("Hello") == HELLO_MASKED


def test_server_sends_the_rfc_unmasked_frames():
    conn = wsframe.Connection(wsframe.SERVER)
    assert conn.send_text("Hello") == HELLO_UNMASKED
    assert conn.ping(b"Hello") == bytes([0x89, 0x05]) + b"Hello"
    assert conn.send_bytes(bytes(256))[:4] == bytes([0x82, 0x7E, 0x01, 0x00])
    assert conn.send_bytes(bytes(65536))[:10] == bytes([0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0])


def test_trailing_data_is_parsed_first():
    conn = wsframe.Connection(wsframe.SERVER, trailing_data=HELLO_MASKED[:4])
    conn.receive_data(HELLO_MASKED[4:] + HELLO_MASKED)
    assert list(conn.events()) == [TextMessage("Hello"), TextMessage("Hello")]
