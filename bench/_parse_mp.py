"""MicroPython side of bench/parse.py: ``micropython bench/_parse_mp.py PACKAGE_DIR N``.

Runs the same full cycle as bench/parse.py with httpcore_micro only and prints one
line per scenario: ``<name>: <requests/s>``.
"""

import sys
import time

sys.path.insert(0, sys.argv[1])
sys.path.insert(0, __file__.rsplit("/", 1)[0] if "/" in __file__ else ".")

import httpcore_micro as hm  # noqa: E402
from _parse_requests import SCENARIOS  # noqa: E402


def cycle(data, count):
    conn = hm.ServerConnection()
    end_type = hm.EndOfMessage
    for _ in range(count):
        conn.receive_data(data)
        while type(conn.next_event()) is not end_type:
            pass
        conn.send(hm.Response(200, [("content-type", "text/plain"), ("content-length", "2")]))
        conn.send(hm.Data(b"ok"))
        conn.send(hm.EndOfMessage())
        conn.start_next_cycle()


def main():
    count = int(sys.argv[2])
    for name, data, _body in SCENARIOS:
        cycle(data, 10)
        start = time.ticks_us()
        cycle(data, count)
        elapsed = time.ticks_diff(time.ticks_us(), start) / 1e6
        print("%s: %d" % (name, count / elapsed))


main()
