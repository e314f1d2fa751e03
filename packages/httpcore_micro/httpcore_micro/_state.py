"""The connection state machine, as data (after h11's design).

Each side (the client: them; the server: us) has its own state. Events move a side
along EVENT_TRANSITIONS; anything not in the table is a protocol error. After each
change, state-triggered transitions (keep-alive off, protocol switch proposed, the
other side closed or broke) are applied until nothing moves.
"""

from ._errors import LocalProtocolError
from ._events import ConnectionClosed, Data, EndOfMessage, InformationalResponse, Request
from ._events import Response

CLIENT = "CLIENT"
SERVER = "SERVER"

IDLE = "IDLE"
SEND_RESPONSE = "SEND_RESPONSE"
SEND_BODY = "SEND_BODY"
DONE = "DONE"
MUST_CLOSE = "MUST_CLOSE"
CLOSED = "CLOSED"
ERROR = "ERROR"
MIGHT_SWITCH_PROTOCOL = "MIGHT_SWITCH_PROTOCOL"
SWITCHED_PROTOCOL = "SWITCHED_PROTOCOL"

# Markers combined with an event type when it answers a pending switch proposal.
SWITCH_UPGRADE = "SWITCH_UPGRADE"
REQUEST_RECEIVED = "REQUEST_RECEIVED"

# role -> state -> {event type (or (event type, marker)): next state}
EVENT_TRANSITIONS = {
    CLIENT: {
        IDLE: {Request: SEND_BODY, ConnectionClosed: CLOSED},
        SEND_BODY: {Data: SEND_BODY, EndOfMessage: DONE},
        DONE: {ConnectionClosed: CLOSED},
        MUST_CLOSE: {ConnectionClosed: CLOSED},
        CLOSED: {ConnectionClosed: CLOSED},
        MIGHT_SWITCH_PROTOCOL: {},
        SWITCHED_PROTOCOL: {},
        ERROR: {},
    },
    SERVER: {
        # A Response from IDLE: answering a request we could not parse (400, 408 ...).
        IDLE: {ConnectionClosed: CLOSED, Response: SEND_BODY, REQUEST_RECEIVED: SEND_RESPONSE},
        SEND_RESPONSE: {
            InformationalResponse: SEND_RESPONSE,
            Response: SEND_BODY,
            (InformationalResponse, SWITCH_UPGRADE): SWITCHED_PROTOCOL,
        },
        SEND_BODY: {Data: SEND_BODY, EndOfMessage: DONE},
        DONE: {ConnectionClosed: CLOSED},
        MUST_CLOSE: {ConnectionClosed: CLOSED},
        CLOSED: {ConnectionClosed: CLOSED},
        SWITCHED_PROTOCOL: {},
        ERROR: {},
    },
}

# (client state, server state) -> (role to move, its new state)
JOINT_TRANSITIONS = {
    (MIGHT_SWITCH_PROTOCOL, SWITCHED_PROTOCOL): (CLIENT, SWITCHED_PROTOCOL),
    (CLOSED, DONE): (SERVER, MUST_CLOSE),
    (CLOSED, IDLE): (SERVER, MUST_CLOSE),
    (ERROR, DONE): (SERVER, MUST_CLOSE),
    (DONE, CLOSED): (CLIENT, MUST_CLOSE),
    (IDLE, CLOSED): (CLIENT, MUST_CLOSE),
    (DONE, ERROR): (CLIENT, MUST_CLOSE),
}


_ALL_STATES = (
    IDLE,
    SEND_RESPONSE,
    SEND_BODY,
    DONE,
    MUST_CLOSE,
    CLOSED,
    ERROR,
    MIGHT_SWITCH_PROTOCOL,
    SWITCHED_PROTOCOL,
)


def _complete(table):
    """Every state gets a (possibly empty) transition dict: ``table[state].get(event)``
    is then one lookup by state and one by event type, no key tuple to build."""
    return dict((state, table.get(state, {})) for state in _ALL_STATES)


_CLIENT_NEXT = _complete(EVENT_TRANSITIONS[CLIENT])
_SERVER_NEXT = _complete(EVENT_TRANSITIONS[SERVER])
# States that appear in JOINT_TRANSITIONS or the switch rules.
_TRIGGER_STATES = frozenset((CLOSED, ERROR, MIGHT_SWITCH_PROTOCOL, SWITCHED_PROTOCOL))


class ConnectionState:
    """Both sides' states plus the facts that drive state-triggered transitions."""

    def __init__(self):
        self.client = IDLE
        self.server = IDLE
        self.keep_alive = True
        self.switch_proposed = False
        # keep_alive and no switch proposed: then only the states trigger transitions.
        self.calm = True

    def client_event(self, event_key):
        """The client (they) sent an event of type ``event_key``."""
        client = _CLIENT_NEXT[self.client].get(event_key)
        if client is None:
            raise LocalProtocolError(
                "client cannot send %s in state %s" % (_name(event_key), self.client)
            )
        if event_key is Request:
            server = _SERVER_NEXT[self.server].get(REQUEST_RECEIVED)
            if server is None:
                raise LocalProtocolError("request while we are in state %s" % self.server)
            self.server = server
        self.client = client
        # Only these facts can trigger more transitions: skip the check otherwise.
        if not self.calm or client in _TRIGGER_STATES or self.server in _TRIGGER_STATES:
            self.fire_state_transitions()

    def server_event(self, event_key):
        """We (the server) send an event of type ``event_key`` (or (type, marker))."""
        server = _SERVER_NEXT[self.server].get(event_key)
        if server is None:
            raise LocalProtocolError("cannot send %s in state %s" % (_name(event_key), self.server))
        if event_key is Response and self.switch_proposed:
            # A final response refuses any pending protocol switch.
            self.switch_proposed = False
            self.calm = self.keep_alive
        self.server = server
        if not self.calm or server in _TRIGGER_STATES or self.client in _TRIGGER_STATES:
            self.fire_state_transitions()

    def process_error(self, role):
        if role is CLIENT:
            self.client = ERROR
        else:
            self.server = ERROR
        self.keep_alive = self.calm = False
        self.fire_state_transitions()

    def disable_keep_alive(self):
        self.keep_alive = self.calm = False
        self.fire_state_transitions()

    def propose_switch(self):
        self.switch_proposed = True
        self.calm = False

    def fire_state_transitions(self):
        while True:
            client, server = self.client, self.server
            if self.switch_proposed:
                if client is DONE:
                    self.client = MIGHT_SWITCH_PROTOCOL
            elif client is MIGHT_SWITCH_PROTOCOL:
                self.client = DONE
            if not self.keep_alive:
                if self.client is DONE:
                    self.client = MUST_CLOSE
                if self.server is DONE:
                    self.server = MUST_CLOSE
            move = JOINT_TRANSITIONS.get((self.client, self.server))
            if move is not None:
                if move[0] is CLIENT:
                    self.client = move[1]
                else:
                    self.server = move[1]
            if client is self.client and server is self.server:
                return

    def start_next_cycle(self):
        if self.client is not DONE or self.server is not DONE:
            raise LocalProtocolError(
                "not in a reusable state (client %s, server %s)" % (self.client, self.server)
            )
        self.client = IDLE
        self.server = IDLE


def _name(event_key):
    if type(event_key) is tuple:
        return event_key[0].__name__ + " (101)"
    return event_key.__name__
