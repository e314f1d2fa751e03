"""The package's public names that `xasync/__init__.py` does not import, resolved on
first use by its `__getattr__`: UDP, buffer slots, the FIFO, XAsyncSocketException,
and `__all__`."""

import sys


class XAsyncSocketException(Exception):
    pass


def public_name(name):
    """xasync.<name> for the public names `xasync/__init__.py` does not import."""
    if name == "__all__":  # for `from xasync import *`: built when asked, not held
        return [
            "XAsyncSocketsPool",
            "XAsyncSocketsPoolException",
            "XClosedReason",
            "XAsyncSocket",
            "XAsyncSocketException",
            "XAsyncTCPServer",
            "XAsyncTCPServerException",
            "XAsyncTCPClient",
            "XAsyncTCPClientException",
            "XAsyncUDPDatagram",
            "XAsyncUDPDatagramException",
            "XBufferSlot",
            "XBufferSlots",
            "XFiFo",
            "XFiFoException",
        ]
    if name == "XAsyncSocketException":
        return XAsyncSocketException
    package = __name__[: __name__.rindex(".")]
    if name.startswith("XAsyncUDP"):
        module = package + "._udp"
    elif name.startswith("XBuffer"):
        module = package + "._buffers"
    elif name.startswith("XFiFo"):
        module = package + "._workers"
    else:
        raise AttributeError("module %r has no attribute %r" % (package, name))
    # By full name, not `from . import _udp`: on MicroPython that looks the submodule
    # up as an attribute of the package first, which lands back in its __getattr__.
    __import__(module)
    return getattr(sys.modules[module], name)
