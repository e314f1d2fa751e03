"""Waker: lets a coroutine wait for something that a callback of the server announces.

The callback may run on the coroutine's own loop (asyncio mode), or on a thread of the
xasync pool while the coroutine runs on the pool's async runner (pool mode): ``set()`` is
safe from either. ``wait()`` returns once ``set()`` was called since the last wait
(a set before the wait is not lost).
"""

import asyncio

from .compat import thread_id

_ThreadSafeFlag = getattr(asyncio, "ThreadSafeFlag", None)  # MicroPython only
# MicroPython: the threads that run a loop fed from other threads (the pool's async
# runner). Only there is a ThreadSafeFlag needed: it is a hundred times slower to wake
# than an Event (measured on the unix port: 2.5 ms against 25 us).
RUNNER_THREADS = set()


class Waker:
    """Created (lazily) by the waiting coroutine, on its loop."""

    def __init__(self):
        self._thread = thread = thread_id()
        self._threadsafe = _ThreadSafeFlag is not None and thread in RUNNER_THREADS
        if self._threadsafe:
            self._flag = _ThreadSafeFlag()
            return
        self._flag = asyncio.Event()
        if _ThreadSafeFlag is None:  # CPython: another thread sets it through the loop
            self._loop = asyncio.get_event_loop()

    def set(self):
        flag = self._flag
        if self._threadsafe or thread_id() == self._thread:
            flag.set()
        else:
            self._loop.call_soon_threadsafe(flag.set)

    # A connection closes what is attached to it when it ends: the waiter wakes and sees.
    close = set

    async def wait(self):
        await self._flag.wait()
        if not self._threadsafe:
            self._flag.clear()
