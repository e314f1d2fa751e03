"""What a plain server never uses, loaded on first use: the line reads and the
original's fill-then-send buffer of `XAsyncTCPClient`."""

from ._compat import without_traceback

_MODE_LINE = 2  # (= _tcp._MODE_LINE)


def recv_line(cli, lineEncoding="UTF-8", onLineRecv=None, onLineRecvArg=None,
              timeoutSec=None):
    """XAsyncTCPClient.AsyncRecvLine."""
    return cli._start_recv(_MODE_LINE, None, onLineRecv, onLineRecvArg, timeoutSec,
                           lineEncoding)


def take_line(cli):
    """A line read with bytes buffered: the line to its callback -> True, or False
    (no whole line yet, or the client closed)."""
    buf, pos = cli._rbuf, cli._rpos
    end = buf.find(b"\n", pos)
    if end < 0:
        if len(buf) - pos > cli.MaxLineLength:
            from ._tcp import XAsyncTCPClientException

            cli.LastError = XAsyncTCPClientException("line longer than MaxLineLength")
            cli._close(0)  # Error
        return False
    raw = cli._consume(end + 1 - pos)
    raw = raw[:-2] if raw[-2:] == b"\r\n" else raw[:-1]
    try:
        line = raw.decode(cli._rencoding) if cli._rencoding else raw
    except UnicodeError as exc:
        cli.LastError = without_traceback(exc)
        cli._close(0)  # Error
        return False
    cli._finish_once(line)
    return True


def sending_buffer(cli):
    """XAsyncTCPClient.SendingBuffer."""
    if cli._send_slot is None:
        from ._buffers import XBufferSlot

        cli._send_slot = XBufferSlot(4096)
    return cli._send_slot.Buffer


def send_sending_buffer(cli, size=None, onDataSent=None, onDataSentArg=None):
    """XAsyncTCPClient.AsyncSendSendingBuffer."""
    buf = sending_buffer(cli)
    data = bytes(buf if size is None else memoryview(buf)[:size])
    return cli.AsyncSendData(data, onDataSent, onDataSentArg)
