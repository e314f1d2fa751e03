"""httpcore_micro against h11, same requests, same work, one run.

Each request is a full server cycle: receive_data, next_event until EndOfMessage (body
bytes collected), send a small response (status, two headers, 2-byte body, end), then
start_next_cycle. Rounds of both parsers are interleaved and the best round of each
is kept, so a noisy machine hurts both alike; garbage is collected before each round.

Ends with ``httpcore_micro_vs_h11: <ratio>``: the smaller of the scenarios' speed-ups.
"""

import gc
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_DIR = os.path.join(os.path.dirname(HERE), "packages", "httpcore_micro")
sys.path.insert(0, PACKAGE_DIR)
sys.path.insert(0, HERE)

import h11  # noqa: E402
from _parse_mp import SCENARIOS  # noqa: E402

import httpcore_micro as hm  # noqa: E402

ROUNDS = 40
PER_ROUND = 150
MICROPYTHON_REQUESTS = 3000


def cycle_h11(data, count):
    conn = h11.Connection(h11.SERVER)
    body = []
    for _ in range(count):
        conn.receive_data(data)
        del body[:]
        while True:
            event = conn.next_event()
            if type(event) is h11.Data:
                body.append(event.data)
            elif type(event) is h11.EndOfMessage:
                break
        conn.send(
            h11.Response(
                status_code=200, headers=[("content-type", "text/plain"), ("content-length", "2")]
            )
        )
        conn.send(h11.Data(data=b"ok"))
        conn.send(h11.EndOfMessage())
        conn.start_next_cycle()
    return b"".join(body)


def cycle_ours(data, count):
    conn = hm.ServerConnection()
    body = []
    for _ in range(count):
        conn.receive_data(data)
        del body[:]
        while True:
            event = conn.next_event()
            if type(event) is hm.Data:
                body.append(event.data)
            elif type(event) is hm.EndOfMessage:
                break
        conn.send(hm.Response(200, [("content-type", "text/plain"), ("content-length", "2")]))
        conn.send(hm.Data(b"ok"))
        conn.send(hm.EndOfMessage())
        conn.start_next_cycle()
    return b"".join(body)


def best_seconds_per_request(funcs, data):
    best = [float("inf")] * len(funcs)
    for _ in range(ROUNDS):
        for index, func in enumerate(funcs):
            gc.collect()  # each round starts without the other parser's garbage
            start = time.perf_counter()
            func(data, PER_ROUND)
            best[index] = min(best[index], (time.perf_counter() - start) / PER_ROUND)
    return best


def run_micropython():
    command = shutil.which("micropython")
    if command is None:
        print("micropython not on PATH: MicroPython figures skipped")
        return
    script = os.path.join(HERE, "_parse_mp.py")
    result = subprocess.run(
        [command, "-X", "heapsize=4M", script, PACKAGE_DIR, str(MICROPYTHON_REQUESTS)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        print("MicroPython run failed:", result.stderr.strip())
        return
    for line in result.stdout.strip().splitlines():
        name, _sep, rate = line.partition(": ")
        print("  micropython %-20s %8s requests/s" % (name, rate))


def main():
    print("httpcore_micro vs h11 %s (python %s)" % (h11.__version__, sys.version.split()[0]))
    ratios = []
    for name, data, body in SCENARIOS:
        assert cycle_h11(data, 1) == body and cycle_ours(data, 1) == body
        h11_time, our_time = best_seconds_per_request((cycle_h11, cycle_ours), data)
        ratio = h11_time / our_time
        ratios.append(ratio)
        print("%s (%d bytes):" % (name, len(data)))
        print("  h11            %7.2f us  %8.0f requests/s" % (h11_time * 1e6, 1 / h11_time))
        print("  httpcore_micro %7.2f us  %8.0f requests/s" % (our_time * 1e6, 1 / our_time))
        print("  speed-up       %7.2f" % ratio)
    run_micropython()
    print("httpcore_micro_vs_h11: %.2f" % min(ratios))


if __name__ == "__main__":
    main()
