"""Static files: default pages, MIME table, validators and 304, HEAD, and the root jail."""

import os

import pytest
import requests
from mws2_harness import exchange, parse_one, request_bytes, running, url

from mws2 import MicroWebSrv2

# Every test here runs in both modes (pool and asyncio).
pytestmark = pytest.mark.usefixtures("server_mode")

SECRET = b"TOP-SECRET-OUTSIDE-ROOT"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("site")
    root = base / "www"
    root.mkdir()
    (base / "secret.txt").write_bytes(SECRET)
    (root / "index.html").write_text("<h1>home</h1>")
    (root / "style.css").write_text("body{}")
    (root / "app.py").write_text("print('source')")
    (root / "sub").mkdir()
    (root / "sub" / "default.htm").write_text("sub default")
    (root / "empty").mkdir()
    (root / "a file.txt").write_text("spaced")
    (root / "link-out.txt").symlink_to(base / "secret.txt")
    (root / "dir-out").symlink_to(base)
    with running(root) as mws:
        yield mws, root


def get_raw(mws, target, method="GET", headers=()):
    data = exchange(mws, request_bytes(method, target, list(headers) + [("Connection", "close")]))
    return parse_one(data, method)


def test_default_pages_and_mime_types(site):
    mws, root = site
    r = requests.get(url(mws, "/"))
    assert r.text == "<h1>home</h1>"
    assert r.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert requests.get(url(mws, "/sub/")).text == "sub default"
    assert requests.get(url(mws, "/sub")).text == "sub default"
    css = requests.get(url(mws, "/style.css")).headers["Content-Type"]
    assert css == "text/css; charset=UTF-8"
    assert requests.get(url(mws, "/a%20file.txt")).text == "spaced"
    assert requests.get(url(mws, "/empty/")).status_code == 404
    assert requests.get(url(mws, "/missing.html")).status_code == 404


def test_unknown_types_are_forbidden(site):
    mws, _root = site
    assert requests.get(url(mws, "/app.py")).status_code == 403


def test_caching_headers_etag_and_304(site):
    mws, _root = site
    first = requests.get(url(mws, "/style.css"))
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    etag = first.headers["ETag"]
    modified = first.headers["Last-Modified"]
    assert modified.endswith(" GMT")
    answer = get_raw(mws, "/style.css", headers=[("If-None-Match", etag)])
    assert answer.status == 304 and answer.body == b"" and answer.headers["etag"] == etag
    answer = get_raw(mws, "/style.css", headers=[("If-None-Match", '"other"')])
    assert answer.status == 200 and answer.body == b"body{}"
    answer = get_raw(mws, "/style.css", headers=[("If-Modified-Since", modified)])
    assert answer.status == 304
    answer = get_raw(
        mws, "/style.css", headers=[("If-Modified-Since", "Mon, 01 Jan 2001 00:00:00 GMT")]
    )
    assert answer.status == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.1.3)
    answer = get_raw(
        mws, "/style.css", headers=[("If-None-Match", '"x"'), ("If-Modified-Since", modified)]
    )
    assert answer.status == 200


def test_head_on_static_file(site):
    mws, _root = site
    answer = get_raw(mws, "/index.html", "HEAD")
    assert answer.status == 200 and answer.body == b""
    assert answer.headers["content-length"] == str(len("<h1>home</h1>"))


@pytest.mark.parametrize(
    "target",
    [
        "/../secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/sub/../../secret.txt",
        "/sub/%2e%2e/%2e%2e/secret.txt",
        "/..\\secret.txt",
        "/%5c..%5csecret.txt",
        "/secret.txt%00.html",
        "/%00",
        "//etc/passwd",
        "/link-out.txt",
        "/dir-out/secret.txt",
        "/C:/secret.txt",
        "/./../secret.txt",
        "/.%2e/secret.txt",
        "/sub/..%2f..%2fsecret.txt",
    ],
)
def test_nothing_outside_root_is_served(site, target):
    mws, _root = site
    data = exchange(
        mws, b"GET " + target.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert SECRET not in data
    assert data.startswith(b"HTTP/1.1 4"), data[:80]


def test_resolve_physical_path(site):
    mws, root = site
    assert mws.ResolvePhysicalPath("/") == os.path.join(str(root), "index.html")
    assert mws.ResolvePhysicalPath("/../secret.txt") is None
    assert mws.ResolvePhysicalPath("/nope") is None
    with pytest.raises(ValueError):
        mws.ResolvePhysicalPath("")


def test_not_found_url_redirects(tmp_path):
    (tmp_path / "index.html").write_text("home")

    def configure(mws):
        mws.NotFoundURL = "/"

    with running(tmp_path, configure=configure) as mws:
        r = requests.get(url(mws, "/nothing/here"), allow_redirects=False)
        assert r.status_code == 307 and r.headers["Location"] == "/"
        assert requests.get(url(mws, "/nothing/here")).text == "home"


def test_added_mime_type_and_default_page(tmp_path):
    (tmp_path / "home.xyz1").write_text("custom")
    MicroWebSrv2.AddMimeType(".xyz1", "Application/X-Test")
    MicroWebSrv2.AddDefaultPage("home.xyz1")
    assert MicroWebSrv2.GetMimeTypeFromFilename("/a/b/C.XYZ1") == "application/x-test"
    with running(tmp_path) as mws:
        r = requests.get(url(mws, "/"))
        assert r.text == "custom" and r.headers["Content-Type"] == "application/x-test"


def test_zero_copy_large_file(tmp_path, monkeypatch):
    import xasync._compat

    calls = []
    real = os.sendfile

    def counting(*args):
        calls.append(args[3])
        return real(*args)

    # The pool mode sends through xasync, the asyncio mode calls os.sendfile itself.
    monkeypatch.setattr(xasync._compat, "_os_sendfile", counting)
    monkeypatch.setattr(os, "sendfile", counting)  # asyncio calls os.sendfile at run time
    payload = os.urandom(3 * 1024 * 1024)
    (tmp_path / "big.zip").write_bytes(payload)
    with running(tmp_path) as mws:
        r = requests.get(url(mws, "/big.zip"))
        assert r.content == payload and r.headers["Content-Type"] == "application/zip"
    assert calls, "the file did not go through os.sendfile"


def test_folder_without_slash_redirects_with_its_query(site):
    mws, _root = site
    answer = get_raw(mws, "/sub?x=1")
    assert answer.status == 301 and answer.headers["location"] == "/sub/?x=1"
    assert get_raw(mws, "/sub/").status == 200


def test_modern_types_and_charset(tmp_path):
    names = {"a.webp": "image/webp", "a.avif": "image/avif", "a.mjs": "text/javascript",
             "a.wasm": "application/wasm", "a.map": "application/json", "a.mp4": "video/mp4",
             "a.webm": "video/webm", "a.mp3": "audio/mpeg", "a.md": "text/markdown",
             "a.txt": "text/plain", "a.gz": "application/gzip"}
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    with running(tmp_path) as mws:
        for name, ctype in names.items():
            got = requests.get(url(mws, "/" + name)).headers["Content-Type"]
            textual = ctype.startswith("text/") or ctype == "application/json"
            assert got == (ctype + "; charset=UTF-8" if textual else ctype), name


def test_ranges(tmp_path):
    data = bytes(range(256)) * 40  # 10240 bytes
    (tmp_path / "data.zip").write_bytes(data)
    with running(tmp_path) as mws:
        def get(range_, **extra):
            headers = {"Range": range_}
            headers.update(extra)
            return requests.get(url(mws, "/data.zip"), headers=headers)

        whole = requests.get(url(mws, "/data.zip"))
        assert whole.headers["Accept-Ranges"] == "bytes" and whole.content == data
        part = get("bytes=0-9")
        assert part.status_code == 206 and part.content == data[:10]
        assert part.headers["Content-Range"] == "bytes 0-9/10240"
        assert part.headers["Content-Length"] == "10"
        assert get("bytes=10230-").content == data[10230:]
        assert get("bytes=-5").content == data[-5:]
        assert get("bytes=100-99999").headers["Content-Range"] == "bytes 100-10239/10240"
        missed = get("bytes=20000-")
        assert missed.status_code == 416 and missed.headers["Content-Range"] == "bytes */10240"
        assert get("bytes=0-1,5-6").status_code == 200  # several ranges: the whole file
        assert get("items=0-1").status_code == 200
        tag = whole.headers["ETag"]
        assert get("bytes=0-9", **{"If-Range": tag}).status_code == 206
        assert get("bytes=0-9", **{"If-Range": '"stale"'}).status_code == 200
        modified = whole.headers["Last-Modified"]
        assert get("bytes=0-9", **{"If-Range": modified}).status_code == 206
        big_part = get("bytes=1000-5999")  # through the zero-copy path too
        assert big_part.content == data[1000:6000]


def test_precompressed_siblings(tmp_path):
    import gzip

    text = ("body { color: red; } " * 100).encode()
    (tmp_path / "both.css").write_bytes(text)
    (tmp_path / "both.css.gz").write_bytes(gzip.compress(text))
    (tmp_path / "only.js.gz").write_bytes(gzip.compress(b"console.log(1)"))
    with running(tmp_path) as mws:
        packed = requests.get(url(mws, "/both.css"), headers={"Accept-Encoding": "gzip"})
        assert packed.headers["Content-Encoding"] == "gzip"
        assert packed.headers["Vary"] == "Accept-Encoding"
        assert packed.headers["Content-Type"] == "text/css; charset=UTF-8"
        assert packed.content == text  # requests unpacks it
        raw = get_raw(mws, "/both.css", headers=[("Accept-Encoding", "identity")])
        assert raw.body == text and "content-encoding" not in raw.headers
        assert raw.headers["vary"] == "Accept-Encoding"
        refused = get_raw(mws, "/both.css", headers=[("Accept-Encoding", "gzip;q=0")])
        assert "content-encoding" not in refused.headers
        only = requests.get(url(mws, "/only.js"), headers={"Accept-Encoding": "gzip, br"})
        assert only.headers["Content-Encoding"] == "gzip"
        assert only.text == "console.log(1)"
        assert only.headers["Content-Type"] == "text/javascript; charset=UTF-8"
        # A client without gzip gets the .gz unpacked here (CPython can).
        unpacked = get_raw(mws, "/only.js", headers=[("Accept-Encoding", "identity")])
        assert unpacked.status == 200 and unpacked.body == b"console.log(1)"
        # The .gz itself is a file like another.
        direct = requests.get(url(mws, "/only.js.gz"), headers={"Accept-Encoding": "identity"})
        assert direct.headers["Content-Type"] == "application/gzip"
        assert gzip.decompress(direct.content) == b"console.log(1)"


def test_a_gz_only_file_without_a_way_to_unpack_is_406(tmp_path, monkeypatch):
    import gzip

    from mws2 import files

    monkeypatch.setattr(files, "_gunzip_stream", lambda path: None)  # e.g. a board without deflate
    (tmp_path / "only.css.gz").write_bytes(gzip.compress(b"a{}"))
    with running(tmp_path) as mws:
        assert get_raw(mws, "/only.css", headers=[("Accept-Encoding", "identity")]).status == 406
        assert requests.get(url(mws, "/only.css")).text == "a{}"


def test_a_root_path_that_does_not_exist_is_refused_at_start(tmp_path):
    from mws2.server import MicroWebSrv2Exception

    def configure(mws):
        mws.RootPath = str(tmp_path / "missing")

    with pytest.raises(MicroWebSrv2Exception, match="RootPath"):
        with running(configure=configure):
            pass
