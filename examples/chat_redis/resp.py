"""A tiny Redis client over asyncio streams: RESP2 commands, replies and pub/sub.

Just what the chat needs (PUBLISH, SUBSCRIBE, PING), so the example has no dependency;
redis-py (``redis.asyncio``) does the same and more. RESP is Redis's protocol
(https://redis.io/docs/latest/develop/reference/protocol-spec/): a command is an array
of bulk strings; a reply starts with its type (+ simple string, - error, : integer,
$ bulk string, * array).
"""

import asyncio


class RedisError(Exception):
    """An error reply (``-ERR ...``) or a broken exchange."""


def encode(*args):
    """One command as RESP: ``*<count>`` then each argument as ``$<length>`` + bytes."""
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        if isinstance(arg, str):
            arg = arg.encode()
        elif isinstance(arg, int):
            arg = b"%d" % arg
        out.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
    return b"".join(out)


async def read_reply(reader):
    """The next reply: bytes, int, None, a list, or a RedisError (returned, not raised:
    an error inside an array is a value)."""
    line = await reader.readline()
    if not line.endswith(b"\r\n"):
        raise RedisError("the connection to Redis closed")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest
    if kind == b"-":
        return RedisError(rest.decode("utf-8", "replace"))
    if kind == b":":
        return int(rest)
    if kind == b"$":
        size = int(rest)
        if size < 0:
            return None
        data = await reader.readexactly(size + 2)
        return data[:-2]
    if kind == b"*":
        count = int(rest)
        if count < 0:
            return None
        return [await read_reply(reader) for _ in range(count)]
    raise RedisError("not a RESP reply: %r" % line[:40])


class Redis:
    """One connection. ``await Redis.connect(host, port)``, then ``await
    command(...)``; or ``subscribe(channel)`` and ``async for channel, data in
    messages()`` (a subscribed connection takes no other command)."""

    def __init__(self, reader, writer):
        self.reader = reader
        self.writer = writer
        self.lock = asyncio.Lock()  # one command at a time: replies come in order

    @classmethod
    async def connect(cls, host, port, timeout=5):
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        return cls(reader, writer)

    async def command(self, *args):
        async with self.lock:
            self.writer.write(encode(*args))
            await self.writer.drain()
            reply = await read_reply(self.reader)
        if isinstance(reply, RedisError):
            raise reply
        return reply

    async def subscribe(self, *channels):
        self.writer.write(encode("SUBSCRIBE", *channels))
        await self.writer.drain()
        for _ in channels:  # one confirmation per channel: [b"subscribe", channel, count]
            reply = await read_reply(self.reader)
            if not isinstance(reply, list) or reply[0] != b"subscribe":
                raise RedisError("SUBSCRIBE answered %r" % (reply,))

    async def messages(self):
        while True:
            reply = await read_reply(self.reader)
            if isinstance(reply, list) and len(reply) == 3 and reply[0] == b"message":
                yield reply[1].decode(), reply[2]

    async def close(self):
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except OSError:
            pass
