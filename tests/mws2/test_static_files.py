"""Static file logic: MIME table, root jail, default pages, HTTP dates and validators."""

import os
import time

from mws2 import static


def test_mime_table_of_microwebsrv2():
    assert static.mime_type("a.HTML") == "text/html"
    assert static.mime_type("/x/y.woff2") == "font/woff2"
    assert static.mime_type("/x/y.woff") == "font/woff"
    assert static.mime_type("/x/y.ico") == "image/x-icon"
    assert static.mime_type("/x/y.py") is None
    assert static.mime_type("/x/y") is None
    assert static.mime_type("/x/y.") is None
    assert static.mime_type("/x.js/y") is None
    # a name whose "extension" holds spaces is not matched across the table's entries
    assert static.mime_type("/x/y.htm html") is None
    assert static.mime_type("/x/y.txt ") is None
    expected = {
        ".txt": "text/plain", ".htm": "text/html", ".css": "text/css", ".csv": "text/csv",
        ".md": "text/markdown", ".js": "text/javascript", ".mjs": "text/javascript",
        ".xml": "application/xml", ".xhtml": "application/xhtml+xml",
        ".json": "application/json", ".map": "application/json", ".wasm": "application/wasm",
        ".zip": "application/zip", ".gz": "application/gzip", ".pdf": "application/pdf",
        ".ts": "application/typescript", ".woff": "font/woff", ".ttf": "font/ttf",
        ".otf": "font/otf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
        ".png": "image/png", ".gif": "image/gif", ".svg": "image/svg+xml",
        ".webp": "image/webp", ".avif": "image/avif", ".mp4": "video/mp4",
        ".webm": "video/webm", ".mp3": "audio/mpeg", ".wav": "audio/wav",
        ".ogg": "audio/ogg",
    }
    for ext, ctype in expected.items():
        assert static.mime_type("dir/file" + ext.upper()) == ctype, ext
    assert static.DEFAULT_PAGES[:4] == ["index.html", "index.htm", "default.html", "default.htm"]


def test_program_types_come_first_longest_extension_winning():
    saved = dict(static.MIME_TYPES)
    try:
        static.MIME_TYPES[".gz"] = "application/x-gzip"
        static.MIME_TYPES[".tar.gz"] = "application/x-tar+gzip"
        assert static.mime_type("a.TAR.GZ") == "application/x-tar+gzip"
        assert static.mime_type("a.gz") == "application/x-gzip"
        assert static.mime_type("a.css") == "text/css"
    finally:
        static.MIME_TYPES.clear()
        static.MIME_TYPES.update(saved)


def test_http_dates_name_days_and_months():
    days = [static.http_date(day * 86400)[:5] for day in range(7)]  # from a Thursday
    assert days == ["Thu, ", "Fri, ", "Sat, ", "Sun, ", "Mon, ", "Tue, ", "Wed, "]
    names = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
             "Dec")
    seconds = [static.parse_http_date("Sun, 06 %s 1994 08:49:37 GMT" % name) for name in names]
    assert None not in seconds
    assert seconds == sorted(seconds) and len(set(seconds)) == 12  # month after month
    for name in names:
        assert static.parse_http_date("Sun, 06 %s 1994 08:49:37 GMT" % name.upper()) is None
    for bad in ("Sun, 06 anF 1994 08:49:37 GMT", "Sun, 06 Ja 1994 08:49:37 GMT",
                "Sun, 06 Janu 1994 08:49:37 GMT", "Sun, 06 nFe 1994 08:49:37 GMT"):
        assert static.parse_http_date(bad) is None, bad


def _tree():
    base = "/tmp/mws2-ptest-%d" % (int(time.time() * 1000) % 1000000)
    for folder in (base, base + "/www", base + "/www/sub", base + "/www/empty"):
        try:
            os.mkdir(folder)
        except OSError:
            pass
    for path, text in (
        (base + "/secret.txt", "secret"),
        (base + "/www/index.html", "home"),
        (base + "/www/sub/index.htm", "sub"),
        (base + "/www/a.css", "css"),
    ):
        with open(path, "w") as f:
            f.write(text)
    return base


def test_resolve_inside_root_only():
    base = _tree()
    root = base + "/www"
    assert static.resolve(root, "/") == root + "/index.html"
    assert static.resolve(root + "/", "/") == root + "/index.html"
    assert static.resolve(root, "/sub") == root + "/sub/index.htm"
    assert static.resolve(root, "/sub/") == root + "/sub/index.htm"
    assert static.resolve(root, "/a.css") == root + "/a.css"
    assert static.resolve(root, "/a.css/") is None
    assert static.resolve(root, "/empty/") is None
    assert static.resolve(root, "/missing") is None
    for bad in (
        "/../secret.txt",
        "/sub/../../secret.txt",
        "/..",
        "/a\\b",
        "/a.css\x00",
        "/C:/x",
        "/sub/./../../secret.txt",
    ):
        assert static.resolve(root, bad) is None, bad


def test_http_dates_round_trip():
    assert static.http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT"
    assert static.http_date(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT"
    assert static.parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777
    assert static.parse_http_date("Tue, 29 Feb 2000 23:59:59 GMT") == 951868799
    assert static.parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") is None
    assert static.parse_http_date("garbage") is None


def test_validators():
    st = (0o100644, 0, 0, 1, 0, 0, 1234, 0, 1000000, 0)
    tag = static.etag(st)
    assert tag == '"4d2-f4240"'  # strong (If-Range needs it), from size and time
    assert static.not_modified(tag, "", st)
    assert static.not_modified('W/"4d2-f4240"', "", st)  # If-None-Match compares weakly
    assert static.not_modified('"a", W/"4d2-f4240"', "", st)
    assert static.not_modified("*", "", st)
    assert not static.not_modified('"other"', static.http_date(1000000), st)
    since = static.http_date(1000000 + static.epoch_offset())
    assert static.not_modified("", since, st)
    assert not static.not_modified("", static.http_date(999999 + static.epoch_offset()), st)
    assert not static.not_modified("", "not a date", st)
    assert not static.not_modified("", "", st)
