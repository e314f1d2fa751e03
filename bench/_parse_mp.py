"""MicroPython side of bench/parse.py: ``micropython bench/_parse_mp.py PACKAGE_DIR N``.

Runs the same full cycle as bench/parse.py with httpcore_micro only and prints one
line per scenario: ``<name>: <requests/s>``.
"""

import sys
import time

# The requests both sides measure (bench/parse.py imports them from here).
BROWSER_GET = (
    b"GET /static/css/site.css?v=3 HTTP/1.1\r\n"
    b"Host: www.example.com\r\n"
    b"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n"
    b"Accept: text/css,*/*;q=0.1\r\n"
    b"Accept-Language: en-US,en;q=0.5\r\n"
    b"Accept-Encoding: gzip, deflate, br\r\n"
    b"Referer: https://www.example.com/index.html\r\n"
    b"Connection: keep-alive\r\n"
    b"Cookie: session=8f2a61c9d3b74e05; theme=dark\r\n"
    b"Sec-Fetch-Dest: style\r\n"
    b"Sec-Fetch-Mode: no-cors\r\n"
    b"Sec-Fetch-Site: same-origin\r\n"
    b"\r\n"
)


def _chunked(body, size):
    out = []
    for start in range(0, len(body), size):
        piece = body[start : start + size]
        out.append(b"%x\r\n" % len(piece) + piece + b"\r\n")
    out.append(b"0\r\n\r\n")
    return b"".join(out)


UPLOAD = bytes(range(256)) * 4  # 1 KiB
CHUNKED_POST = (
    b"POST /api/upload HTTP/1.1\r\n"
    b"Host: device.local\r\n"
    b"User-Agent: curl/8.5.0\r\n"
    b"Accept: */*\r\n"
    b"Content-Type: application/octet-stream\r\n"
    b"Transfer-Encoding: chunked\r\n"
    b"\r\n" + _chunked(UPLOAD, 256)
)

SCENARIOS = (("browser GET", BROWSER_GET, b""), ("chunked POST 1 KiB", CHUNKED_POST, UPLOAD))


def cycle(hm, data, count):
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
    sys.path.insert(0, sys.argv[1])
    import httpcore_micro as hm

    count = int(sys.argv[2])
    for name, data, _body in SCENARIOS:
        cycle(hm, data, 10)
        start = time.ticks_us()
        cycle(hm, data, count)
        elapsed = time.ticks_diff(time.ticks_us(), start) / 1e6
        print("%s: %d" % (name, count / elapsed))


if __name__ == "__main__":
    main()
