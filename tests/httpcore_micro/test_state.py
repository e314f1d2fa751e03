"""The state machine table: consistent, and every (state, event) pair either moves to a
known state or raises LocalProtocolError (after h2's exhaustive state tests)."""

from _portable import raises
from httpcore_micro import (
    ConnectionClosed,
    Data,
    EndOfMessage,
    InformationalResponse,
    LocalProtocolError,
    Request,
    Response,
)
from httpcore_micro._state import (
    CLIENT,
    EVENT_TRANSITIONS,
    JOINT_TRANSITIONS,
    SERVER,
    SWITCH_UPGRADE,
    ConnectionState,
)

EVENT_KEYS = [
    Request,
    Data,
    EndOfMessage,
    ConnectionClosed,
    Response,
    InformationalResponse,
    (InformationalResponse, SWITCH_UPGRADE),
]


def test_table_targets_are_states():
    for role in (CLIENT, SERVER):
        states = EVENT_TRANSITIONS[role]
        for transitions in states.values():
            for target in transitions.values():
                assert target in states, target
    for (client, server), (role, target) in JOINT_TRANSITIONS.items():
        assert client in EVENT_TRANSITIONS[CLIENT] and server in EVENT_TRANSITIONS[SERVER]
        assert target in EVENT_TRANSITIONS[role]


def _try(state, role, key):
    if role is CLIENT:
        state.client_event(key)
    else:
        state.server_event(key)


def test_every_state_and_event():
    moved = refused = 0
    for client in EVENT_TRANSITIONS[CLIENT]:
        for server in EVENT_TRANSITIONS[SERVER]:
            for keep_alive in (True, False):
                for role in (CLIENT, SERVER):
                    for key in EVENT_KEYS:
                        state = ConnectionState()
                        state.client, state.server = client, server
                        state.keep_alive = state.calm = keep_alive
                        own = state.client if role is CLIENT else state.server
                        allowed = key in EVENT_TRANSITIONS[role][own]
                        if role is CLIENT and key is Request and allowed:
                            allowed = "REQUEST_RECEIVED" in EVENT_TRANSITIONS[SERVER][server]
                        if allowed:
                            _try(state, role, key)
                            moved += 1
                        else:
                            raises(LocalProtocolError, _try, state, role, key)
                            refused += 1
                        assert state.client in EVENT_TRANSITIONS[CLIENT]
                        assert state.server in EVENT_TRANSITIONS[SERVER]
    assert moved and refused


def test_start_next_cycle_only_from_done_done():
    state = ConnectionState()
    for client in EVENT_TRANSITIONS[CLIENT]:
        for server in EVENT_TRANSITIONS[SERVER]:
            state.client, state.server = client, server
            if client == "DONE" and server == "DONE":
                state.start_next_cycle()
                assert (state.client, state.server) == ("IDLE", "IDLE")
            else:
                raises(LocalProtocolError, state.start_next_cycle)
