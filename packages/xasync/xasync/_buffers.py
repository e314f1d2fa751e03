"""Receive buffers that are allocated once and reused (loaded on first use).

On a board, allocating a fresh 4 KiB buffer per read fragments the heap; a slot is a
buffer a socket borrows for its life and gives back. Unlike the original, slots are
allocated lazily, on first use: creating 512 slots costs nothing until 512 connections
really exist (its eager 512 x 4 KiB at start-up was the most reported out-of-memory).
"""


class XBufferSlot:
    """One reusable buffer of `size` bytes; `Buffer` allocates it on first access."""

    def __init__(self, size, keepAlloc=True):
        if size <= 0:
            raise ValueError("size must be > 0")
        self._size = size
        self._keep_alloc = keepAlloc
        self._buffer = None
        self._available = True

    @property
    def Available(self):
        return self._available

    @Available.setter
    def Available(self, value):
        self._available = bool(value)
        if self._available and not self._keep_alloc:
            self._buffer = None  # give the memory back until the next user

    @property
    def Size(self):
        return self._size

    @property
    def Buffer(self):
        if self._buffer is None:
            self._buffer = bytearray(self._size)
        return self._buffer

    @property
    def IsAllocated(self):
        return self._buffer is not None


class XBufferSlots:
    """A fixed set of slots; `GetAvailableSlot()` lends one (or None when all are out)."""

    def __init__(self, slotsCount, slotsSize, keepAlloc=True):
        if slotsCount <= 0:
            raise ValueError("slotsCount must be > 0")
        self._slots_size = slotsSize
        self._slots = [XBufferSlot(slotsSize, keepAlloc) for _ in range(slotsCount)]
        self._free = list(self._slots)

    def GetAvailableSlot(self):
        # Pop from the end: O(1), and recently used (already allocated) slots go first.
        while self._free:
            slot = self._free.pop()
            if slot.Available:
                slot.Available = False
                return slot
        return None

    def ReleaseSlot(self, slot):
        if slot.Available:
            return
        slot.Available = True
        self._free.append(slot)

    @property
    def SlotsCount(self):
        return len(self._slots)

    @property
    def SlotsSize(self):
        return self._slots_size

    @property
    def Slots(self):
        return self._slots

    @property
    def AvailableCount(self):
        return sum(1 for slot in self._slots if slot.Available)
