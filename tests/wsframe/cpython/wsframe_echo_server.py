"""A small blocking echo server built from wsframe, for the Autobahn run.

One thread per connection, 127.0.0.1 only, every socket read has a timeout. It answers
pings, echoes messages, answers closes and fails the connection with the close code a
ProtocolError carries. ``python3 wsframe_echo_server.py`` serves on a free port.
"""

import socket
import threading

import wsframe

READ_SIZE = 65536
READ_TIMEOUT = 30
MAX_REQUEST = 16384
MAX_MESSAGE = 64 << 20  # Autobahn 9.x sends 16 MiB messages


def read_request(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk or len(data) > MAX_REQUEST:
            return None, None, b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ")
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers.append((name.strip().lower(), value.strip()))
    return parts, headers, rest


def handshake(sock):
    parts, headers, rest = read_request(sock)
    if parts is None or len(parts) != 3:
        return None
    try:
        answer = wsframe.server_handshake(
            headers, method=parts[0], http_version=parts[2].partition(b"/")[2])
    except wsframe.HandshakeError as exc:
        lines = [b"HTTP/1.1 %d Bad Request" % exc.status_code, b"content-length: 0"]
        lines += [name + b": " + value for name, value in exc.headers]
        sock.sendall(b"\r\n".join(lines) + b"\r\n\r\n")
        return None
    lines = [b"HTTP/1.1 101 Switching Protocols"]
    lines += [name + b": " + value for name, value in answer]
    sock.sendall(b"\r\n".join(lines) + b"\r\n\r\n")
    return wsframe.Connection(wsframe.SERVER, max_message=MAX_MESSAGE, trailing_data=rest)


def answer(conn, event):
    """Bytes to send for one event, and whether the connection is over."""
    if isinstance(event, (wsframe.TextMessage, wsframe.BytesMessage)):
        return conn.send(event), False
    if isinstance(event, wsframe.Ping):
        return conn.send(event.response()), False
    if isinstance(event, wsframe.CloseConnection):
        if conn.state == "REMOTE_CLOSING":
            return conn.send(event.response()), True
        return b"", True
    return b"", False


def serve_websocket(sock, conn):
    while True:
        try:
            for event in conn.events():
                out, done = answer(conn, event)
                if out:
                    sock.sendall(out)
                if done:
                    return
        except wsframe.ProtocolError as exc:
            sock.sendall(conn.close(exc.code, exc.msg[:100]))
            return
        data = sock.recv(READ_SIZE)
        conn.receive_data(data)
        if not data:
            list(conn.events())
            return


def serve_client(sock):
    sock.settimeout(READ_TIMEOUT)
    try:
        conn = handshake(sock)
        if conn is not None:
            serve_websocket(sock, conn)
    except OSError:
        pass  # the peer went away (Autobahn drops connections on purpose)
    finally:
        sock.close()


class EchoServer:
    def __init__(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.listener.settimeout(0.5)
        self.port = self.listener.getsockname()[1]
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept_loop, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def _accept_loop(self):
        while not self.stopping.is_set():
            try:
                sock, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=serve_client, args=(sock,), daemon=True).start()

    def stop(self):
        self.stopping.set()
        self.thread.join(5)
        self.listener.close()


if __name__ == "__main__":
    server = EchoServer().start()
    print("serving on 127.0.0.1:%d" % server.port, flush=True)
    server.thread.join()
