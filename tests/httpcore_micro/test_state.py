"""The state machine table: consistent, and every (state, event) pair either moves to a
known state or raises LocalProtocolError (after h2's exhaustive state tests)."""

from _portable import raises
from httpcore_micro_feed import served

import httpcore_micro
from httpcore_micro import LocalProtocolError, ServerConnection
from httpcore_micro._connection import _CLIENT_MOVES, _SERVER_MOVES, STATE_NAMES

# The tables' columns (see _connection.py): Request, Data, EndOfMessage,
# ConnectionClosed, Response, InformationalResponse, 101, request received.
COLUMNS = 8
REQUEST = 0
REQUEST_RECEIVED = 7
CLIENT_EVENTS = (0, 1, 2, 3)
SERVER_EVENTS = (1, 2, 3, 4, 5, 6)
REFUSED = 46  # "."


def _next(table, state, event):
    code = table[state * COLUMNS + event]
    return None if code == REFUSED else code - 48


def test_tables_are_states_by_events():
    states = range(len(STATE_NAMES))
    for table in (_CLIENT_MOVES, _SERVER_MOVES):
        assert len(table) == len(STATE_NAMES) * COLUMNS
        for code in table:
            assert code == REFUSED or 0 <= code - 48 < len(STATE_NAMES), code
    for state in states:
        # The client never moves on our events, nor we on a Request itself.
        for event in (4, 5, 6, 7):
            assert _next(_CLIENT_MOVES, state, event) is None
        assert _next(_SERVER_MOVES, state, REQUEST) is None


def test_state_names_are_the_exported_constants():
    names = (
        "IDLE", "SEND_RESPONSE", "SEND_BODY", "DONE", "MUST_CLOSE", "CLOSED", "ERROR",
        "MIGHT_SWITCH_PROTOCOL", "SWITCHED_PROTOCOL",
    )
    assert STATE_NAMES == names
    for name in names:
        assert getattr(httpcore_micro, name) == name
    conn = served()
    assert conn.our_state is httpcore_micro.SEND_RESPONSE
    assert conn.their_state is httpcore_micro.DONE


def _connection(client, server, keep_alive):
    conn = ServerConnection()
    conn._client, conn._server = client, server
    conn.keep_alive = conn._calm = keep_alive
    return conn


def _allowed(role, client, server, event):
    if role == "client":
        allowed = _next(_CLIENT_MOVES, client, event) is not None
        if event == REQUEST and allowed:
            allowed = _next(_SERVER_MOVES, server, REQUEST_RECEIVED) is not None
        return allowed
    return _next(_SERVER_MOVES, server, event) is not None


def test_every_state_and_event():
    moved = refused = 0
    states = range(len(STATE_NAMES))
    for client in states:
        for server in states:
            for keep_alive in (True, False):
                for role, events in (("client", CLIENT_EVENTS), ("server", SERVER_EVENTS)):
                    for event in events:
                        conn = _connection(client, server, keep_alive)
                        move = conn._client_moves if role == "client" else conn._server_moves
                        if _allowed(role, client, server, event):
                            move(event)
                            moved += 1
                        else:
                            raises(LocalProtocolError, move, event)
                            refused += 1
                        assert conn.their_state in STATE_NAMES
                        assert conn.our_state in STATE_NAMES
    assert moved and refused


def test_start_next_cycle_only_from_done_done():
    states = range(len(STATE_NAMES))
    for client in states:
        for server in states:
            conn = _connection(client, server, True)
            if STATE_NAMES[client] == "DONE" and STATE_NAMES[server] == "DONE":
                conn.start_next_cycle()
                assert (conn.their_state, conn.our_state) == ("IDLE", "IDLE")
            else:
                raises(LocalProtocolError, conn.start_next_cycle)
