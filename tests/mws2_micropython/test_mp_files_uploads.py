"""Uploads, file answers (Range, .gz siblings, charset) and cookies on MicroPython."""

import gzip
import os

import requests


def test_a_2_mb_upload_goes_to_a_file_with_a_flat_heap(mp_server, tmp_path):
    # On the embedded preset (MicroPython's default): the route raises its own limit and
    # streams the file parts to the folder; the heap must not grow with the upload.
    firmware = os.urandom(2 * 1024 * 1024)
    # A first small form loads the form reader (a one-time import, not the upload's).
    requests.post(mp_server.url("/upload?to=%s" % tmp_path), files={"w": ("w", b"w")},
                  timeout=10)
    answer = requests.post(
        mp_server.url("/upload?to=%s" % tmp_path),
        data={"version": "1.0"},
        files={"image": ("fw.bin", firmware)},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["form"] == {"version": "1.0", "image": ["fw.bin", len(firmware)]}
    assert (tmp_path / "fw.bin").read_bytes() == firmware
    if mp_server.runtime == "micropython":
        assert data["after"] - data["before"] < 16 * 1024, data


def test_ranges_gzip_siblings_and_charset(mp_server, tmp_path):
    text = ("p { margin: 0 } " * 64).encode()
    (tmp_path / "a.css").write_bytes(text)
    (tmp_path / "a.css.gz").write_bytes(gzip.compress(text))
    (tmp_path / "only.txt.gz").write_bytes(gzip.compress("héllo".encode()))
    path = str(tmp_path / "a.css")
    packed = requests.get(mp_server.url("/file"), params={"path": path},
                          headers={"Accept-Encoding": "gzip"}, timeout=5)
    assert packed.headers["Content-Encoding"] == "gzip" and packed.content == text
    assert packed.headers["Content-Type"] == "text/css; charset=UTF-8"
    plain = requests.get(mp_server.url("/file"), params={"path": path},
                         headers={"Accept-Encoding": "identity", "Range": "bytes=4-9"},
                         timeout=5)
    assert plain.status_code == 206 and plain.content == text[4:10]
    assert plain.headers["Content-Range"] == "bytes 4-9/%d" % len(text)
    # Only the .gz on the "board", and a client without gzip: unpacked by deflate.
    only = requests.get(mp_server.url("/file"), params={"path": str(tmp_path / "only.txt")},
                        headers={"Accept-Encoding": "identity"}, timeout=5)
    assert only.status_code == 200 and only.text == "héllo"


def test_cookies(mp_server):
    session = requests.Session()
    session.cookies.set("seen", "x%20y")
    answer = session.get(mp_server.url("/cookies?a=1&a=2"), timeout=5)
    assert answer.json() == {"seen": "x y", "all": ["1", "2"]}
    assert answer.raw.headers.getlist("Set-Cookie") == [
        "session=a%20b%3Bc; Max-Age=60; Path=/; HttpOnly; SameSite=Lax",
        "other=2; Path=/; SameSite=Lax",
    ]
