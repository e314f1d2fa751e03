"""Echo throughput: the xasync pool against an asyncio streams server, same load.

Each server runs alone in its own process (bench/_echo_server.py); the same load client
(bench/_echo_load.py, another process, epoll) drives both: C connections held open
together, each doing request/response round trips of SIZE bytes, every echo checked.

    python3 bench/echo.py                         # 100 connections, 3 s, 3 runs each
    python3 bench/echo.py --connections 10000 --rounds 5 --repeat 1

The servers take turns (xasync, asyncio, xasync, ...) --repeat times and the median
run of each counts, which evens out a machine shared with other work.
Ends with `xasync_vs_asyncio: <ratio>` (median requests/s of xasync / of asyncio).
"""

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "_echo_server.py")
LOAD = os.path.join(HERE, "_echo_load.py")


def measure(kind, args):
    server = subprocess.Popen([sys.executable, SERVER, kind], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError("%s server did not start: %r" % (kind, line))
        port = line.split()[1]
        load_cmd = [sys.executable, LOAD, port, "--connections", str(args.connections),
                    "--size", str(args.size), "--limit", str(args.limit)]
        if args.rounds:
            load_cmd += ["--rounds", str(args.rounds)]
        else:
            load_cmd += ["--seconds", str(args.seconds)]
        started = time.monotonic()
        load = subprocess.run(load_cmd, capture_output=True, text=True, timeout=args.limit + 30)
        wall = time.monotonic() - started
        if load.returncode != 0:
            raise RuntimeError("load client failed: %s" % load.stderr[-2000:])
        result = json.loads(load.stdout.strip().splitlines()[-1])
        server.stdin.close()
        stats = json.loads(server.stdout.readline())
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    result["wall_sec"] = round(wall, 3)
    result["server_maxrss_kb"] = stats["maxrss_kb"]
    result["server_cpu_sec"] = stats["cpu_sec"]
    return result


def show(kind, result):
    print("%-8s conns=%d connected=%d completed=%d requests=%d bad=%d in %.2fs: %.0f req/s; "
          "connect %.2fs; server peak RSS %.1f MiB, CPU %.2fs (%.1f us/request); wall %.2fs"
          % (kind, result["connections"], result["connected"], result["completed"],
             result["requests"], result["bad"], result["seconds"],
             result["requests_per_sec"], result["connect_sec"],
             result["server_maxrss_kb"] / 1024, result["server_cpu_sec"],
             1e6 * result["server_cpu_sec"] / max(1, result["requests"]), result["wall_sec"]))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=0,
                        help="round trips per connection instead of --seconds")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--limit", type=float, default=120, help="hard stop per run (s)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per server (median)")
    args = parser.parse_args(argv)
    mode = ("%d rounds" % args.rounds) if args.rounds else ("%.1f s" % args.seconds)
    print("echo: %d connections, %d-byte messages, %s per server, Python %s"
          % (args.connections, args.size, mode, sys.version.split()[0]))
    runs = {"xasync": [], "asyncio": []}
    for _ in range(max(1, args.repeat)):
        for kind in runs:
            result = measure(kind, args)
            show(kind, result)
            if result["completed"] != args.connections or result["bad"]:
                print("WARNING: %s did not complete every connection cleanly" % kind)
            runs[kind].append(result)
    results = {}
    for kind, done in runs.items():
        done.sort(key=lambda r: r["requests_per_sec"])
        results[kind] = done[len(done) // 2]
        print("median %-8s %.0f req/s, server CPU %.1f us/request, peak RSS %.1f MiB"
              % (kind, results[kind]["requests_per_sec"],
                 1e6 * results[kind]["server_cpu_sec"] / max(1, results[kind]["requests"]),
                 results[kind]["server_maxrss_kb"] / 1024))
    ratio = results["xasync"]["requests_per_sec"] / results["asyncio"]["requests_per_sec"]
    print("xasync_vs_asyncio: %.2f" % ratio)


if __name__ == "__main__":
    main(sys.argv[1:])
