"""The demo's WebSocket chat across mws2 instances (or worker processes), through Redis.

A WebSocket lives in one process: with two instances behind a proxy, or ``--workers``,
the demo's chat (mws2/demo) only reaches the people connected to the same process.
Here every line goes to a Redis pub/sub channel, and each process sends what comes from
the channel to its own sockets, so everybody sees everything. That is the application's
business, not the server's: mws2 has no cluster state.

    redis-server --port 6379 &
    python chat_redis.py --port 8001 &
    python chat_redis.py --port 8002 &
    # http://127.0.0.1:8001/wschat.html and http://127.0.0.1:8002/wschat.html: one chat
    python chat_redis.py --port 8003 --workers 2      # or processes sharing one port

Each process serves in the asyncio mode (``StartAsync``), beside two Redis connections
(one publishes, one is subscribed); ``resp.py`` beside this file is the Redis client, a
few dozen lines over asyncio streams (redis-py's ``redis.asyncio`` would do as well).
If Redis goes away the process stops (a service manager, or the ``--workers``
supervisor, starts it again).
"""

import argparse
import asyncio
import signal
import sys

from resp import Redis, RedisError

from mws2 import MicroWebSrv2, demo


class RedisChat:
    """This process's chat sockets. A line said here is published; every line of the
    channel, ours included, is sent to every socket here: one path, one order."""

    def __init__(self, host, port, channel):
        self.host = host
        self.port = port
        self.channel = channel
        self.sockets = []
        self.loop = None
        self.queue = None
        self.pub = self.sub = None
        self.tasks = []
        self.server = None  # the MicroWebSrv2, stopped if Redis goes away

    async def open(self):
        """Connect and subscribe before serving: no line is missed once clients come."""
        self.loop = asyncio.get_running_loop()
        self.queue = asyncio.Queue()
        self.pub = await Redis.connect(self.host, self.port)
        self.sub = await Redis.connect(self.host, self.port)
        await self.sub.subscribe(self.channel)
        self.tasks = [asyncio.create_task(self._publish()), asyncio.create_task(self._relay())]

    async def close(self):
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for conn in (self.pub, self.sub):
            if conn is not None:
                await conn.close()

    # ---- WebSocket callbacks (on the loop's thread: the asyncio mode) ---------------

    def join(self, webSocket):
        self.sockets.append(webSocket)
        webSocket.OnTextMessage = self._on_text
        webSocket.OnClosed = self._on_closed
        webSocket.SendTextMessage("Welcome! %d user(s) on this server." % len(self.sockets))
        self.say("<%s joined>" % _who(webSocket))

    def _on_text(self, webSocket, msg):
        self.say("%s > %s" % (_who(webSocket), msg))

    def _on_closed(self, webSocket):
        if webSocket in self.sockets:
            self.sockets.remove(webSocket)
        self.say("<%s left>" % _who(webSocket))

    def say(self, line):
        # Thread-safe, so a pool-mode server (callbacks on its threads) could say too.
        self.loop.call_soon_threadsafe(self.queue.put_nowait, line)

    # ---- the Redis side ----------------------------------------------------------------

    async def _publish(self):
        while True:
            line = await self.queue.get()
            await self._guard(self.pub.command("PUBLISH", self.channel, line))

    async def _relay(self):
        await self._guard(self._relay_messages())

    async def _relay_messages(self):
        async for _channel, data in self.sub.messages():
            text = data.decode("utf-8", "replace")
            for webSocket in list(self.sockets):
                if not webSocket.IsClosed:
                    webSocket.SendTextMessage(text)

    async def _guard(self, work):
        try:
            await work
        except (OSError, RedisError, asyncio.IncompleteReadError) as exc:
            print("chat_redis: Redis at %s:%d lost (%s): stopping" % (self.host, self.port, exc),
                  file=sys.stderr, flush=True)
            self.server.Stop()


def _who(webSocket):
    addr = webSocket.Request.UserAddress  # the client's, behind a trusted proxy too
    return "%s:%s" % (addr[0], addr[1])


def parse_args(argv):
    parser = argparse.ArgumentParser(description="The mws2 demo with its chat shared "
                                     "through Redis pub/sub.")
    parser.add_argument("--bind", default="127.0.0.1", help="address (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (8080; 0: a free one)")
    parser.add_argument("--redis", default="127.0.0.1:6379", help="HOST:PORT of Redis")
    parser.add_argument("--channel", default="mws2-chat", help="pub/sub channel (mws2-chat)")
    parser.add_argument("--workers", type=int, default=0,
                        help="worker processes sharing the port (StartWorkers; 0: this one)")
    parser.add_argument("--trusted-proxy", action="append", default=[],
                        help="a reverse proxy whose X-Forwarded-For is believed (repeatable)")
    return parser.parse_args(argv)


def build(args):
    """The server (the demo, its chat replaced) and the chat, not started."""
    host, _, port = args.redis.rpartition(":")
    chat = RedisChat(host or "127.0.0.1", int(port), args.channel)
    server = MicroWebSrv2()
    demo.setup(server)
    server.BindAddress = (args.bind, args.port)
    if args.trusted_proxy:
        server.TrustedProxies = args.trusted_proxy
    chat.server = server

    def accepted(microWebSrv2, webSocket):
        if webSocket.Request.Path == demo.CHAT_PATH:
            chat.join(webSocket)
        else:
            demo.on_websocket_accepted(microWebSrv2, webSocket)  # the echo

    MicroWebSrv2.LoadModule("WebSockets").OnWebSocketAccepted = accepted
    return server, chat


def banner(server, args):
    addr = server.BoundAddress
    workers = " in %d worker processes" % args.workers if args.workers else ""
    print("chat_redis on http://%s:%d/wschat.html%s (Redis %s, channel %s)"
          % (addr[0], addr[1], workers, args.redis, args.channel), flush=True)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    server, chat = build(args)

    async def serve(microWebSrv2, workerIndex):
        # In each worker (or this process): Redis first, then the server, until Stop().
        try:
            await chat.open()
        except (OSError, RedisError, asyncio.TimeoutError) as exc:
            print("chat_redis: cannot use Redis at %s: %s" % (args.redis, exc),
                  file=sys.stderr, flush=True)
            raise SystemExit(1) from None
        try:
            await microWebSrv2.StartAsync()
        finally:
            await chat.close()

    if args.workers:
        server.StartWorkers(args.workers, workerMain=serve,
                            onStarted=lambda microWebSrv2: banner(microWebSrv2, args))
        return 0

    async def alone():
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, server.Stop)
        task = asyncio.create_task(serve(server, 0))
        while not server.IsRunning and not task.done():
            await asyncio.sleep(0.01)
        if server.IsRunning:
            banner(server, args)
        await task

    try:
        asyncio.run(alone())
    except SystemExit as exc:
        return exc.code
    return 0


if __name__ == "__main__":
    sys.exit(main())
