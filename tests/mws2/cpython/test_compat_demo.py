"""The bundled demo, served as users start it: ``python -m mws2`` with no ROOT.

The demo is a MicroWebSrv2 program written with the public API only; these tests start
the command line on a free port and follow what a visitor does: every link of the home
page answers, the form, the JSON routes, the template page, the echo and chat sockets.
(tests/mws2_micropython runs the same demo under MicroPython.)
"""

import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time

import pytest
import requests
from websockets.sync.client import connect

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
PACKAGES = os.path.join(REPO, "packages")
START_TIMEOUT = 20


@pytest.fixture(scope="module")
def demo_url():
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(os.path.join(PACKAGES, n) for n in sorted(os.listdir(PACKAGES))),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "mws2", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=str(REPO),
    )
    try:
        yield _served_url(proc)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _served_url(proc):
    deadline = time.monotonic() + START_TIMEOUT
    output = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if not ready:
            continue
        chunk = os.read(proc.stdout.fileno(), 4096)
        if not chunk:
            break
        output += chunk
        match = re.search(rb"(http://127\.0\.0\.1:\d+)/", output)
        if match:
            return match.group(1).decode()
    raise AssertionError("python -m mws2 did not start: %r" % output)


def test_every_home_page_link_answers(demo_url):
    home = requests.get(demo_url + "/", timeout=5)
    assert home.status_code == 200 and "MicroWebSrv2 rebuilt" in home.text
    links = re.findall(r'href="(/[^"]*)"', home.text)
    for path in ("/test-redir", "/test-post", "/wstest.html", "/wschat.html", "/test.pyhtml"):
        assert path in links
    for link in links:
        answer = requests.get(demo_url + link, timeout=10)
        assert answer.status_code == 200, link


def test_redirect_goes_to_the_template(demo_url):
    answer = requests.get(demo_url + "/test-redir", timeout=10)
    assert answer.history and answer.history[0].status_code == 307
    assert answer.url.endswith("/test.pyhtml") and "A .pyhtml page" in answer.text


def test_post_form_escapes_what_it_shows(demo_url):
    form = requests.get(demo_url + "/test-post", timeout=5)
    assert 'name="firstname"' in form.text and 'name="lastname"' in form.text
    answer = requests.post(
        demo_url + "/test-post", data={"firstname": "<i>Jo</i>", "lastname": "O'Hara"}, timeout=5
    )
    assert "&lt;i&gt;Jo&lt;/i&gt; O&#x27;Hara" in answer.text


def test_json_routes(demo_url):
    info = requests.get(demo_url + "/api/info?k=v", headers={"User-Agent": "probe/1"}, timeout=5)
    assert info.json()["UserAgent"] == "probe/1" and info.json()["QueryParams"] == {"k": "v"}
    assert requests.get(demo_url + "/api/hello/5", timeout=5).json() == {"hello": 5, "type": "int"}


def test_template_page_branches_on_the_user_agent(demo_url):
    for agent, expected in (
        ("Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0", "Firefox"),
        ("Mozilla/5.0 AppleWebKit/537.36 Chrome/120.0 Safari/537.36", "Chrome"),
        ("Mozilla/5.0 AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15", "Safari"),
        ("SomethingElse/1.0", "a browser this page does not know"),
    ):
        page = requests.get(demo_url + "/test.pyhtml", headers={"User-Agent": agent}, timeout=10)
        assert page.status_code == 200
        assert expected in page.text.split("browsing with", 1)[1].split("</p>", 1)[0]


def test_pages_connect_to_paths_the_server_accepts(demo_url):
    ws_base = demo_url.replace("http://", "ws://")
    for page, path in (("/wstest.html", "/wstest"), ("/wschat.html", "/wschat")):
        assert '"%s"' % path in requests.get(demo_url + page, timeout=5).text
    with connect(ws_base + "/wstest", open_timeout=10) as ws:
        ws.send("echo me")
        assert ws.recv(timeout=10) == "echo me"
        ws.send(b"\x01\x02")
        assert ws.recv(timeout=10) == b"\x01\x02"
    with connect(ws_base + "/wschat", open_timeout=10) as one:
        assert one.recv(timeout=10).startswith("Welcome")
        one.send("hello chat")
        assert one.recv(timeout=10).endswith("> hello chat")


# A few DOM elements, enough for the demo pages' scripts to run in node against the
# server (node 22 has WebSocket; node 20 behind --experimental-websocket).
NODE_DOM = r"""
const els = {};
function el(id) {
  if (!els[id]) els[id] = { id, children: [], value: "", disabled: false, textContent: "",
    className: "", scrollTop: 0, scrollHeight: 0, appendChild(c) { this.children.push(c); },
    focus() {}, onclick: null, onkeydown: null };
  return els[id];
}
let made = 0;
globalThis.document = { getElementById: el, createElement: () => el("line" + made++) };
globalThis.location = { protocol: "http:", host: process.argv[2] };
eval(require("fs").readFileSync(0, "utf8"));
setTimeout(() => {
  if (els.sendText) {
    els.text.value = "from node";
    els.sendText.onclick();
    els.sendBinary.onclick();
  } else {
    els.line.value = "from node";
    els.send.onclick();
  }
}, 700);
setTimeout(() => {
  for (const line of els.log.children) console.log(line.className + "|" + line.textContent);
  process.exit(0);
}, 2000);
"""


def node_command():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the pages' scripts are not run")
    probe = subprocess.run(
        [
            node,
            "--experimental-websocket",
            "-e",
            "process.exit(typeof WebSocket === 'function' ? 0 : 1)",
        ],
        capture_output=True,
        timeout=20,
    )
    if probe.returncode != 0:
        pytest.skip("this node has no WebSocket")
    return [node, "--experimental-websocket"]


@pytest.mark.parametrize(
    "page, expected",
    [
        # (class of the log line, text in it): "in" lines came from the server
        ("wstest.html", [("sys", "open"), ("in", "text: from node"), ("in", "binary (9 bytes)")]),
        ("wschat.html", [("sys", "Welcome! 1 user(s) here."), ("in", "> from node")]),
    ],
)
def test_page_scripts_talk_to_the_server(demo_url, tmp_path, page, expected):
    html = requests.get(demo_url + "/" + page, timeout=5).text
    script = re.search(r"<script>(.*)</script>", html, re.S).group(1)
    dom = tmp_path / "dom.js"
    dom.write_text(NODE_DOM)
    host = demo_url.split("//", 1)[1]
    run = subprocess.run(
        node_command() + [str(dom), host], input=script, capture_output=True, text=True, timeout=30
    )
    assert run.returncode == 0, run.stderr
    lines = [line.split("|", 1) for line in run.stdout.splitlines() if "|" in line]
    for kind, text in expected:
        assert any(k == kind and text in line for k, line in lines), (kind, text, run.stdout)


def test_upload_page_and_its_routes(demo_url):
    page = requests.get(demo_url + "/upload.html", timeout=5).text
    assert 'type="file"' in page and "<progress" in page and "upload.onprogress" in page
    listing = requests.get(demo_url + "/api/uploads", timeout=5).json()
    assert listing["limit"] == 16 * 1024 * 1024 and os.path.isdir(listing["folder"])
    data = os.urandom(200 * 1024)
    sent = requests.post(demo_url + "/api/uploads", files={"file": ("../../a b.bin", data)},
                         headers={"Accept": "application/json"}, timeout=10)
    assert sent.status_code == 200
    assert sent.json()["received"] == [{"name": "a b.bin", "size": len(data)}]
    assert {"name": "a b.bin", "size": len(data)} in sent.json()["files"]
    with open(os.path.join(listing["folder"], "a b.bin"), "rb") as handle:
        assert handle.read() == data  # the name cleaned: never outside the folder
    # a form sent without JavaScript goes back to the page
    plain = requests.post(demo_url + "/api/uploads", files={"file": ("b.txt", b"b")},
                          allow_redirects=False, timeout=10)
    assert plain.status_code == 303 and plain.headers["Location"] == "/upload.html"
    # over the limit: 413 from the announced length, nothing kept
    big = requests.post(demo_url + "/api/uploads", data=b"x" * (17 * 1024 * 1024),
                        headers={"Content-Type": "multipart/form-data; boundary=x"}, timeout=30)
    assert big.status_code == 413


def test_favicon_and_status_pages(demo_url):
    icon = requests.get(demo_url + "/favicon.ico", timeout=5)
    assert icon.status_code == 200 and icon.headers["Content-Type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    missing = requests.get(demo_url + "/no/such/page", timeout=5)
    assert missing.status_code == 404
    assert '<a href="/">Home page</a>' in missing.text and "width=device-width" in missing.text
    assert len(missing.content) < 600  # served from boards too: small


def test_template_page_ends_its_sentence_without_a_space(demo_url):
    page = requests.get(demo_url + "/test.pyhtml", headers={"User-Agent": "curl/8"}, timeout=5)
    assert "browsing with\n  a command-line client.</p>" in page.text
