"""Helpers of the browser tests: the demo process and a Chromium driven by Selenium."""

import os
import signal
import sys

from examples_run import Process, runtime_command

WAIT = 15  # seconds a page may take to show what a test waits for
PHONE = (390, 844)
DESKTOP = (1280, 900)
# Flags that work on this machine: without the background-networking ones, Chromium's
# own connections (updates, sync, field trials) are refused by the closed network and
# logged; the user data folder is a new empty one for each run.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=%d,%d" % DESKTOP,
)


class DemoProcess(Process):
    """``python -m mws2`` or ``micropython -m mws2`` on a free port (the bundled demo)."""

    def __init__(self, runtime, repo):
        self.runtime = runtime
        # the packages found as the README says: MICROPYPATH (with .frozen), PYTHONPATH
        _, env = runtime_command(runtime)
        interpreter = "micropython" if runtime == "micropython" else sys.executable
        command = [interpreter, "-m", "mws2", "--port", "0"]
        Process.__init__(self, command, env, repo)
        try:
            self.base = self.served_url()
        except BaseException:
            self.stop(signal.SIGTERM)
            raise

    def url(self, path="/"):
        return self.base + path


class Browser:
    """One headless Chromium; pages are looked at in a phone-sized viewport."""

    def __init__(self, chromium, chromedriver, profile, screens):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in CHROMIUM_FLAGS + ("--user-data-dir=" + profile,):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(options=options, service=Service(chromedriver))
        self.screens = screens
        self.shots = []

    def quit(self):
        self.driver.quit()

    # ---- viewport --------------------------------------------------------------------

    def phone(self, mobile=True):
        """A 390 x 844 viewport, as a phone shows a page that asks for device-width
        (``mobile``: a page without a viewport tag, such as JSON, is laid out 980 px wide
        and zoomed out, as a phone does; without it, 390 px wide)."""
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 1, "mobile": mobile},
        )

    def desktop(self):
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    def open(self, url):
        self.phone()
        self.driver.get(url)

    # ---- what a person sees ----------------------------------------------------------

    def wait(self, condition, what, timeout=WAIT):
        """Until ``condition()`` is true; a page still loading (elements not there yet,
        or gone with the page before) counts as not yet."""
        from selenium.common.exceptions import (
            NoSuchElementException,
            StaleElementReferenceException,
        )
        from selenium.webdriver.support.ui import WebDriverWait

        waiting = WebDriverWait(
            self.driver, timeout, poll_frequency=0.05,
            ignored_exceptions=(NoSuchElementException, StaleElementReferenceException),
        )
        return waiting.until(lambda driver: condition(), message="waited for " + what)

    def find(self, css):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css):
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css="body"):
        return self.find(css).text

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def overflow(self):
        """How many CSS pixels the page is wider than the viewport (0: it fits)."""
        return self.js(
            "return Math.max(document.documentElement.scrollWidth,"
            " document.body.scrollWidth) - window.innerWidth"
        )

    def console_errors(self, expected=()):
        """The browser console's errors since the last call, but the expected ones."""
        errors = []
        for entry in self.driver.get_log("browser"):
            if entry["level"] != "SEVERE":
                continue
            if any(part in entry["message"] for part in expected):
                continue
            errors.append(entry["message"])
        return errors

    def look(self, name, mobile=True):
        """Check the page fits the phone viewport and save screenshots (phone, desktop)."""
        self.phone(mobile)
        width = self.js("return window.innerWidth")
        assert width == PHONE[0], width
        assert self.overflow() <= 0, "%s is %d px wider than a phone" % (name, self.overflow())
        self._shot(name + "-phone")
        self.desktop()
        self._shot(name + "-desktop")
        self.phone()

    def _shot(self, name):
        """The whole page, below the fold too (Chromium's DevTools screenshot)."""
        import base64

        path = os.path.join(self.screens, "%02d-%s.png" % (len(self.shots) + 1, name))
        size = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 4000),
                "scale": 1}
        shot = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True, "clip": clip},
        )
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(shot["data"]))
        self.shots.append(path)
