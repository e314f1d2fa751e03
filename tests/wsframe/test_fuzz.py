"""Random and mutated input: every outcome is events or ProtocolError, nothing else."""

import random

from wsframe_vectors import close_frame, frame

import wsframe

SEEDS = [frame(0x1, "h\u00e9llo".encode()), frame(0x2, bytes(130)), frame(0x9, b"p"),
         frame(0x1, b"ab", fin=False) + frame(0x0, b"cd"), close_frame(1000, b"bye"),
         frame(0x2, bytes(300), length_bytes=8), frame(0xA, b"", key=None)]


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.getrandbits(2) + 1):
        if data and rng.getrandbits(1):
            data[rng.getrandbits(16) % len(data)] = rng.getrandbits(8)
        else:
            position = rng.getrandbits(16) % (len(data) + 1)
            data[position:position] = bytes([rng.getrandbits(8)])
    return bytes(data)


def run(rng, data, role, options):
    conn = wsframe.Connection(role, **options)
    position = 0
    try:
        while position < len(data):
            step = rng.getrandbits(4) + 1
            conn.receive_data(data[position : position + step])
            position += step
            for _event in conn.events():
                pass
        conn.receive_data(None)
        for _event in conn.events():
            pass
    except wsframe.ProtocolError as exc:
        assert exc.code in (1002, 1007, 1009), exc.code
        return exc.code
    return None


def test_mutated_frames_raise_only_protocol_errors():
    rng = random.Random(6455) if hasattr(random, "Random") else random
    if rng is random:
        random.seed(6455)
    codes = set()
    options = ({}, {"fragments": True}, {"max_message": 64, "max_frame": 40})
    for round_number in range(300):
        data = b"".join(SEEDS[rng.getrandbits(8) % len(SEEDS)] for _ in range(3))
        data = mutate(rng, data)
        for role in (wsframe.SERVER, wsframe.CLIENT):
            codes.add(run(rng, data, role, options[round_number % 3]))
    # The mutations reach every kind of outcome.
    assert None in codes and 1002 in codes and 1007 in codes and 1009 in codes, codes


def test_random_bytes_raise_only_protocol_errors():
    random.seed(17)
    for _ in range(200):
        data = bytes(random.getrandbits(8) for _ in range(random.getrandbits(6)))
        run(random, data, wsframe.SERVER, {})
        run(random, data, wsframe.CLIENT, {"fragments": True})
