"""Every page of the bundled demo, used as a person would in Chromium, on both runtimes.

Each test opens its pages in a phone-sized viewport (390 px wide), does what a visitor
does (types, clicks, picks a file), checks what the page then shows, that it fits the
screen, and that the browser console logged no error; screenshots of each page (phone
and desktop) are saved. The ``demo`` fixture runs each test against ``python -m mws2``
and ``micropython -m mws2``.
"""

import json
import os

import pytest


@pytest.fixture
def web(browser, demo):
    """The browser, with the demo's log shown when a test fails."""
    browser.console_errors()  # what an earlier test left is its own business
    yield browser
    # a second window (the chat) is closed, the first one stays for the next test
    handles = browser.driver.window_handles
    for handle in handles[1:]:
        browser.driver.switch_to.window(handle)
        browser.driver.close()
    browser.driver.switch_to.window(handles[0])


def shot_name(demo, page):
    return "%s-%s" % (demo.runtime, page)


def test_home_page(web, demo):
    web.open(demo.url("/"))
    assert web.text("h1") == "mws2 is running"
    links = [a.get_attribute("pathname") for a in web.find_all("ul.links a")]
    for path in ("/test-redir", "/test-post", "/api/info", "/wstest.html", "/wschat.html",
                 "/test.pyhtml", "/upload.html"):
        assert path in links
    # the program sample is one block (not a grey box per line) that scrolls in its box
    block = web.find("pre")
    assert "mws.BindAddress = ('127.0.0.1', 8080)" in block.text
    assert "while mws.IsRunning:" in block.text
    code_background = web.js(
        "return getComputedStyle(document.querySelector('pre code')).backgroundColor")
    assert code_background in ("rgba(0, 0, 0, 0)", "transparent")
    assert web.js("return getComputedStyle(arguments[0]).overflowX", block) == "auto"
    web.look(shot_name(demo, "home"))
    assert web.console_errors() == []


def test_post_form(web, demo):
    web.open(demo.url("/"))
    web.find("a[href='/test-post']").click()
    web.wait(lambda: web.find_all("input[name=firstname]"), "the form")
    web.find("input[name=firstname]").send_keys("<i>Ada</i>")
    web.find("input[name=lastname]").send_keys("O'Hara")
    web.look(shot_name(demo, "form"))
    web.find("button[type=submit]").click()
    web.wait(lambda: "server got your form" in web.text(), "the answer to the form")
    # what was typed is shown as text, never as markup
    assert web.text("main strong") == "<i>Ada</i> O'Hara"
    assert web.find_all("main i") == []
    web.look(shot_name(demo, "form-sent"))
    web.find("a[href='/test-post']").click()
    web.wait(lambda: web.find_all("input[name=firstname]"), "the form again")
    assert web.console_errors() == []


def test_redirect_and_template_page(web, demo):
    web.open(demo.url("/"))
    web.find("a[href='/test-redir']").click()
    web.wait(lambda: web.driver.current_url.endswith("/test.pyhtml"), "the redirect")
    assert web.text("h1") == "A .pyhtml page"
    first = int(web.text("#visits"))
    paragraph = [p.text for p in web.find_all("main p") if "browsing with" in p.text][0]
    assert paragraph == "You are browsing with Chrome or a Chromium browser."
    rows = dict(
        (row.find_element("css selector", "th").text, row.find_element("css selector", "td").text)
        for row in web.find_all("table tr")
    )
    assert rows["Method"] == "GET" and rows["Path"] == "/test.pyhtml"
    web.look(shot_name(demo, "template"))
    # a query with markup: shown escaped, as text
    web.find("a[href^='/test.pyhtml?x=']").click()
    web.wait(lambda: "?x=" in web.driver.current_url, "the page with a query")
    assert int(web.text("#visits")) == first + 1
    query = dict(
        (row.find_element("css selector", "th").text, row.find_element("css selector", "td").text)
        for row in web.find_all("table tr")
    )["Query parameters"]
    assert "<b>not bold</b>" in query
    assert web.find_all("td b") == []
    assert web.console_errors() == []


def test_json_pages(web, demo):
    web.open(demo.url("/"))
    web.find("a[href^='/api/info']").click()
    web.wait(lambda: web.driver.current_url.endswith("/api/info?demo=1"), "the JSON page")
    info = json.loads(web.text())
    assert info["Path"] == "/api/info" and info["QueryParams"] == {"demo": "1"}
    assert "Chrome" in info["UserAgent"]
    web.look(shot_name(demo, "api-info"), mobile=False)  # no viewport tag: not zoomed
    web.open(demo.url("/api/hello/world"))
    assert json.loads(web.text()) == {"hello": "world", "type": "str"}
    # JSON pages have no <link rel=icon>: the browser asks for /favicon.ico, which exists
    assert web.console_errors() == []


def test_websocket_echo(web, demo):
    web.open(demo.url("/"))
    web.find("a[href='/wstest.html']").click()
    web.wait(lambda: web.text("#state") == "open", "the WebSocket to open")
    box = web.find("#text")
    box.clear()
    box.send_keys("Hello from Chromium")
    web.find("#sendText").click()
    web.wait(lambda: any(line.endswith("text: Hello from Chromium") for line in
                         _lines(web, "#log .in")), "the text echo")
    web.find("#sendBinary").click()
    expected = "binary (19 bytes): 48 65 6c 6c 6f"
    web.wait(lambda: any(expected in line for line in _lines(web, "#log .in")), "binary echo")
    web.look(shot_name(demo, "wstest"))
    web.find("#close").click()
    web.wait(lambda: web.text("#state") == "closed", "the close")
    assert any("closed (code 1000" in line for line in _lines(web, "#log .sys"))
    web.find("#reconnect").click()
    web.wait(lambda: web.text("#state") == "open", "the WebSocket to reopen")
    assert web.console_errors() == []


def test_chat_between_two_windows(web, demo):
    driver = web.driver
    web.open(demo.url("/wschat.html"))
    first = driver.current_window_handle
    web.wait(lambda: web.text("#state") == "connected", "the first window to connect")
    driver.switch_to.new_window("window")
    second = driver.current_window_handle
    web.open(demo.url("/wschat.html"))
    web.wait(lambda: web.text("#state") == "connected", "the second window to connect")
    assert any("user(s) here" in line for line in _lines(web, "#log .sys"))

    def say(handle, text):
        driver.switch_to.window(handle)
        web.find("#line").send_keys(text + "\n")  # Enter sends

    def heard(handle, text):
        driver.switch_to.window(handle)
        web.wait(lambda: any(line.endswith("> " + text) for line in _lines(web, "#log .in")),
                 "%r in the other window" % text)

    # the first window hears the second one join
    driver.switch_to.window(first)
    web.wait(lambda: any(line.endswith("joined>") for line in _lines(web, "#log .sys")),
             "the second window to join")
    say(first, "hello from the first window")
    heard(second, "hello from the first window")
    say(second, "and hello back")
    heard(first, "and hello back")
    web.look(shot_name(demo, "chat-first"))
    assert web.console_errors() == []
    driver.switch_to.window(second)
    web.look(shot_name(demo, "chat-second"))
    assert web.console_errors() == []
    driver.close()
    driver.switch_to.window(first)
    web.wait(lambda: any(line.endswith("left>") for line in _lines(web, "#log .sys")),
             "the second window to leave")


def test_upload_page(web, demo, tmp_path):
    web.open(demo.url("/"))
    web.find("a[href='/upload.html']").click()
    web.wait(lambda: web.text("#limit") != "?", "the upload limit")
    amount, unit = web.text("#limit").split()
    assert unit == "MiB"
    limit = int(float(amount) * 1024 * 1024)
    assert limit >= 1024 * 1024
    name = "report-%s-%d.bin" % (demo.runtime, os.getpid())
    data = os.urandom(600 * 1024)
    picked = tmp_path / name
    picked.write_bytes(data)
    web.find("#file").send_keys(str(picked))
    web.find("#send").click()
    web.wait(lambda: web.text("#status").startswith("Uploaded"), "the upload", timeout=30)
    assert web.text("#status") == "Uploaded %s (600.0 KiB)." % name
    # the progress bar moved (upload progress events) and ended full
    assert web.js("return document.getElementById('progress').value") == 100
    assert int(web.find("#progress").get_attribute("data-events")) >= 1
    # the file is listed with its size, and it is on the server's disk, byte for byte
    sizes = dict(
        (row.find_element("css selector", "td").text,
         row.find_element("css selector", "td.size").get_attribute("data-bytes"))
        for row in web.find_all("#files tr")
    )
    assert sizes[name] == str(len(data))
    folder = web.text("#folder")
    with open(os.path.join(folder, name), "rb") as handle:
        assert handle.read() == data
    web.look(shot_name(demo, "upload"))
    # too large: refused by the page before anything is sent
    too_big = tmp_path / "too-big.bin"
    with open(str(too_big), "wb") as handle:
        handle.truncate(limit + 1)
    web.find("#file").send_keys(str(too_big))
    web.find("#send").click()
    web.wait(lambda: "larger than the limit" in web.text("#status"), "the refusal")
    assert web.find("#status").get_attribute("class") == "error"
    assert web.console_errors() == []


def test_not_found_page_leads_home(web, demo):
    web.open(demo.url("/no/such/page"))
    assert web.text("h1") == "404 Not Found"
    web.look(shot_name(demo, "404"))
    # the one error expected: the browser reports the 404 itself
    assert web.console_errors(expected=("/no/such/page",)) == []
    web.find("a[href='/']").click()
    web.wait(lambda: web.text("h1") == "mws2 is running", "the home page")
    assert web.console_errors() == []


def _lines(web, css):
    return [element.text for element in web.find_all(css)]
