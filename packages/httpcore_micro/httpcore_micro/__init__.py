"""httpcore_micro: a sans-I/O HTTP/1.1 server connection for CPython and MicroPython.

Bytes in, events out; events in, bytes out. Strict where strictness protects (request
smuggling, header injection), with every limit a constructor argument.

The helpers a server may or may not use (``parse_form``, ``parse_query``,
``percent_decode`` ...) and the ``REASONS`` dict live in ``_helpers``, which this module
loads only when one of them is first asked for (module ``__getattr__``): importing the
package costs a board only what serving a request needs. (``X as X``: a re-export.)
"""

from ._connection import (
    CLOSED as CLOSED,
    DEFAULT_MAX_BODY as DEFAULT_MAX_BODY,
    DEFAULT_MAX_HEADER_BYTES as DEFAULT_MAX_HEADER_BYTES,
    DEFAULT_MAX_HEADERS as DEFAULT_MAX_HEADERS,
    DEFAULT_MAX_TARGET as DEFAULT_MAX_TARGET,
    DONE as DONE,
    ERROR as ERROR,
    IDLE as IDLE,
    MIGHT_SWITCH_PROTOCOL as MIGHT_SWITCH_PROTOCOL,
    MUST_CLOSE as MUST_CLOSE,
    SEND_BODY as SEND_BODY,
    SEND_RESPONSE as SEND_RESPONSE,
    SWITCHED_PROTOCOL as SWITCHED_PROTOCOL,
    ServerConnection as ServerConnection,
)
from ._events import (
    NEED_DATA as NEED_DATA,
    PAUSED as PAUSED,
    ConnectionClosed as ConnectionClosed,
    Data as Data,
    EndOfMessage as EndOfMessage,
    Event as Event,
    InformationalResponse as InformationalResponse,
    LocalProtocolError as LocalProtocolError,
    ProtocolError as ProtocolError,
    RemoteProtocolError as RemoteProtocolError,
    Request as Request,
    Response as Response,
)
from ._parse import split_target as split_target

__version__ = "0.1.0"

# Loaded from _helpers on first use (one string: a tuple of names would cost a board
# an object per name).
_LAZY = (
    "percent_decode parse_query parse_query_list parse_form parse_qvalues parse_cookies "
    "parse_basic_auth get_header has_token REASONS"
)


def __getattr__(name):
    if name == "__all__":
        # Asked for by CPython's "from httpcore_micro import *" (MicroPython's import *
        # takes every public global and ignores __all__): built only then.
        return [key for key in globals() if key[0] != "_"] + _LAZY.split()
    if name not in _LAZY.split():
        raise AttributeError("module 'httpcore_micro' has no attribute %r" % name)
    # The submodule itself, as "from . import _helpers" gives it on CPython (MicroPython
    # would look "_helpers" up as an attribute first, and so call this function).
    helpers = __import__("_helpers", globals(), None, ("REASONS",), 1)
    value = getattr(helpers, name)
    globals()[name] = value  # found directly from now on
    return value
