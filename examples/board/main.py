"""main.py for a board with Wi-Fi (ESP32, Pico W ...): join the network, then serve a
page that switches the LED, and a JSON status.

On a board: copy mws2's five package folders (compiled with mpy-cross, see
examples/README.md) and this file as main.py, set SSID and PASSWORD, reset: the board
prints the address to open. It then listens on port 80 of every interface.

Elsewhere (no ``network`` module: the MicroPython unix port, CPython) the Wi-Fi part is
skipped and it listens on 127.0.0.1:8080 (or the port given as argument), with a LED
that only exists in memory: that is how the repository's tests run this file.
"""

import gc
import sys
import time

from mws2 import GET, POST, MicroWebSrv2, WebRoute

SSID = "your-network"
PASSWORD = "your-password"
LED_PIN = 2  # the blue LED of most ESP32 boards ("LED" on a Pico W)

try:
    import network  # boards with Wi-Fi only
except ImportError:
    network = None


class Led:
    """The board's LED (machine.Pin), or a value in memory where there is none."""

    def __init__(self, pin):
        try:
            from machine import Pin

            self._pin = Pin(pin, Pin.OUT)
        except (ImportError, ValueError):
            self._pin = None
        self.on = False

    def toggle(self):
        self.on = not self.on
        if self._pin is not None:
            self._pin.value(1 if self.on else 0)


led = Led(LED_PIN)
started = time.time()


def join_wifi():
    """Connect to SSID; returns the board's IP address."""
    wlan = network.WLAN(network.STA_IF)
    wlan.active(True)
    if not wlan.isconnected():
        print("Joining %s ..." % SSID)
        wlan.connect(SSID, PASSWORD)
        for _ in range(40):  # 20 s
            if wlan.isconnected():
                break
            time.sleep(0.5)
        else:
            raise OSError("could not join the Wi-Fi network %s" % SSID)
    return wlan.ifconfig()[0]


def free_memory():
    """Free heap once the garbage is collected (MicroPython only; None elsewhere)."""
    if not hasattr(gc, "mem_free"):
        return None
    gc.collect()
    return gc.mem_free()


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Board</title></head>
<body style="font-family: sans-serif; margin: 2rem">
<h1>LED is %s</h1>
<form method="post" action="/led"><button>Switch it %s</button></form>
<p><a href="/api/status">Status (JSON)</a></p>
</body></html>
"""


@WebRoute(GET, "/")
def home(microWebSrv2, request):
    state = "on" if led.on else "off"
    request.Response.ReturnOk(PAGE % (state, "off" if led.on else "on"))


@WebRoute(POST, "/led")
def switch_led(microWebSrv2, request):
    led.toggle()
    request.Response.SetHeader("Location", "/")
    request.Response.Return(303)  # back to the page, as a GET


@WebRoute(GET, "/api/status")
def status(microWebSrv2, request):
    request.Response.ReturnOkJSON({
        "led": led.on,
        "uptime": int(time.time() - started),
        "free_memory": free_memory(),
        "platform": sys.platform,
    })


mws = MicroWebSrv2()  # the embedded preset on MicroPython: sized for a board
if network is not None:
    host = join_wifi()
    mws.BindAddress = ("0.0.0.0", 80)
    port = 80
else:
    host = "127.0.0.1"
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
    mws.BindAddress = (host, port)
print("Open http://%s:%d/ (Ctrl-C stops)" % (host, port))
try:
    mws.StartManaged(parllProcCount=0)  # serves here, in this thread (asyncio on MicroPython)
except KeyboardInterrupt:
    pass
mws.Stop()
