"""The bundled demo in a real browser: headless Chromium driven by Selenium.

``nox -s browser`` installs what this needs (Debian's chromium and chromium-driver,
Selenium from PyPI, the MicroPython unix port) and runs it; ``nox -s tests`` leaves this
folder out. The demo is started as a user starts it, once per runtime: ``python -m
mws2`` and ``micropython -m mws2`` (with the MICROPYPATH the README gives), on a free
port. Screenshots (phone and desktop size) go to ``MWS2_SCREENS`` (default
``.nox/browser-screens``).
"""

import os
import shutil
import signal
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:  # pytest runs in importlib mode: helper modules need the path
    sys.path.insert(0, HERE)

from browser_demo import Browser, DemoProcess  # noqa: E402

CHROMIUM = os.environ.get("MWS2_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("MWS2_CHROMEDRIVER", "/usr/bin/chromedriver")
REPO = os.path.dirname(os.path.dirname(HERE))
SCREENS = os.environ.get("MWS2_SCREENS", os.path.join(REPO, ".nox", "browser-screens"))


def pytest_collection_modifyitems(config, items):
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.path.exists(path)]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (PyPI)")
    if missing:
        skip = pytest.mark.skip(reason="run by `nox -s browser`; missing: " + ", ".join(missing))
        for item in items:
            if os.path.dirname(str(item.fspath)) == HERE:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def screens():
    if os.path.isdir(SCREENS):
        shutil.rmtree(SCREENS)
    os.makedirs(SCREENS)
    return SCREENS


@pytest.fixture(scope="session", params=["cpython", "micropython"])
def demo(request):
    """The demo server, once per runtime."""
    if request.param == "micropython" and shutil.which("micropython") is None:
        pytest.fail("no `micropython` command on PATH (nox -s browser installs it)")
    server = DemoProcess(request.param, REPO)
    try:
        yield server
    finally:
        server.stop(signal.SIGTERM)


@pytest.fixture(scope="session")
def browser(screens):
    profile = tempfile.mkdtemp(prefix="mws2-chromium-")
    web = Browser(CHROMIUM, CHROMEDRIVER, profile, screens)
    try:
        yield web
    finally:
        web.quit()
        shutil.rmtree(profile, ignore_errors=True)


def pytest_terminal_summary(terminalreporter):
    if os.path.isdir(SCREENS) and os.listdir(SCREENS):
        count = len(os.listdir(SCREENS))
        terminalreporter.write_line("browser screenshots (%d): %s" % (count, SCREENS))
