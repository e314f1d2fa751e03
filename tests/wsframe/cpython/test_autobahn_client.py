"""The client role against kosoku's Autobahn fuzzing server (cases 1.x-10.x).

A blocking wsframe client follows the fuzzing server's protocol: ``/getCaseCount``,
then ``/runCase?case=N&agent=A`` for each case (echoing every message), then
``/updateReports?agent=A``; the verdicts are read from the report's index.json.
"""

import collections
import json
import os
import shutil
import socket
import subprocess
import time

import pytest

import wsframe

AGENT = "wsframe"
GOOD = {"OK", "NON-STRICT", "INFORMATIONAL"}
SESSION_TIMEOUT = 30
TOTAL_TIMEOUT = 240


def start_fuzzing_server(outdir):
    command = [shutil.which("kosoku"), "-m", "fuzzingserver", "127.0.0.1:0",
               "-x", "12.*", "-x", "13.*", "-o", str(outdir)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    line = process.stdout.readline()  # "fuzzingserver listening on ws://127.0.0.1:PORT"
    port = int(line.strip().rsplit(":", 1)[1])
    return process, port


def read_response(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        assert chunk, "server closed during the handshake"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ")[1])
    headers = [(n.strip().lower(), v.strip()) for n, _, v in (x.partition(b":") for x in lines[1:])]
    return status, headers, rest


def open_session(port, target):
    sock = socket.create_connection(("127.0.0.1", port), timeout=SESSION_TIMEOUT)
    key, headers = wsframe.client_handshake("127.0.0.1:%d" % port)
    request = [b"GET " + target.encode() + b" HTTP/1.1"]
    request += [name + b": " + value for name, value in headers]
    sock.sendall(b"\r\n".join(request) + b"\r\n\r\n")
    status, answer, rest = read_response(sock)
    wsframe.verify_server_handshake(key, status, answer)
    conn = wsframe.Connection(wsframe.CLIENT, max_message=64 << 20, trailing_data=rest)
    return sock, conn


def run_session(port, target, echo=True):
    """Echo until the close handshake ends; return the text messages received."""
    sock, conn = open_session(port, target)
    texts = []
    try:
        while conn.state != "CLOSED":
            try:
                for event in conn.events():
                    if isinstance(event, wsframe.TextMessage):
                        texts.append(event.data)
                    if isinstance(event, (wsframe.TextMessage, wsframe.BytesMessage)) and echo:
                        sock.sendall(conn.send(event))
                    elif isinstance(event, wsframe.Ping):
                        sock.sendall(conn.send(event.response()))
                    elif isinstance(event, wsframe.CloseConnection):
                        if conn.state == "REMOTE_CLOSING":
                            sock.sendall(conn.send(event.response()))
            except wsframe.ProtocolError as exc:
                sock.sendall(conn.close(exc.code))
                break
            if conn.state == "CLOSED":
                break
            conn.receive_data(sock.recv(65536))
    except OSError:
        pass  # the fuzzing server drops connections on purpose
    finally:
        sock.close()
    return texts


def wait_for_report(path, timeout=20):
    """The agent's verdicts, once the report (written after /updateReports) is complete."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open(path, encoding="utf-8") as handle:
                return json.load(handle)[AGENT]
        except (OSError, ValueError, KeyError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.mark.skipif(shutil.which("kosoku") is None, reason="kosoku is not installed")
def test_client_role_against_autobahn_fuzzing_server(tmp_path):
    process, port = start_fuzzing_server(tmp_path)
    try:
        deadline = time.monotonic() + TOTAL_TIMEOUT
        (count,) = run_session(port, "/getCaseCount", echo=False)
        for case in range(1, int(count) + 1):
            assert time.monotonic() < deadline, "Autobahn client run too slow"
            run_session(port, "/runCase?case=%d&agent=%s" % (case, AGENT))
        run_session(port, "/updateReports?agent=%s" % AGENT, echo=False)
        cases = wait_for_report(os.path.join(str(tmp_path), "index.json"))
    finally:
        process.terminate()
        process.wait(10)
    assert len(cases) == int(count) > 290
    counts = collections.Counter((v["behavior"], v["behaviorClose"]) for v in cases.values())
    print("kosoku client-role verdicts (behavior, close):", dict(counts))
    bad = {case_id: (v["behavior"], v["behaviorClose"]) for case_id, v in cases.items()
           if v["behavior"] not in GOOD or v["behaviorClose"] not in GOOD}
    assert bad == {}
