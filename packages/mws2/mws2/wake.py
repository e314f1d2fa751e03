"""Waker: lets a coroutine wait for something that a callback of the server announces.

The callback may run on the coroutine's own loop (asyncio mode), or on a thread of the
xasync pool while the coroutine runs on the pool's async runner (pool mode): ``set()`` is
safe from either. ``wait()`` returns once ``set()`` was called since the last wait
(a set before the wait is not lost).
"""

import asyncio

from .compat import thread_id

_ThreadSafeFlag = getattr(asyncio, "ThreadSafeFlag", None)  # MicroPython only


class Waker:
    """Created (lazily) by the waiting coroutine, on its loop."""

    def __init__(self):
        if _ThreadSafeFlag is not None:
            self._flag = _ThreadSafeFlag()
            return
        self._flag = asyncio.Event()
        self._loop = asyncio.get_event_loop()
        self._thread = thread_id()

    def set(self):
        flag = self._flag
        if _ThreadSafeFlag is not None or thread_id() == self._thread:
            flag.set()
        else:
            self._loop.call_soon_threadsafe(flag.set)

    # A connection closes what is attached to it when it ends: the waiter wakes and sees.
    close = set

    async def wait(self):
        await self._flag.wait()
        if _ThreadSafeFlag is None:
            self._flag.clear()
