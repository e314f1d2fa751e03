"""XBufferSlot, XBufferSlots and XFiFo (no sockets)."""

from _portable import raises

from xasync import XBufferSlot, XBufferSlots, XFiFo, XFiFoException


def test_slot_allocates_on_first_use_only():
    slot = XBufferSlot(4096)
    assert not slot.IsAllocated
    assert slot.Size == 4096
    buf = slot.Buffer
    assert len(buf) == 4096 and slot.IsAllocated
    assert slot.Buffer is buf


def test_slot_without_keep_alloc_frees_on_release():
    slot = XBufferSlot(64, keepAlloc=False)
    slot.Available = False
    slot.Buffer[0] = 7
    slot.Available = True
    assert not slot.IsAllocated
    kept = XBufferSlot(64, keepAlloc=True)
    kept.Available = False
    buf = kept.Buffer
    kept.Available = True
    assert kept.Buffer is buf


def test_slots_cost_nothing_until_used():
    slots = XBufferSlots(512, 4096)
    assert slots.SlotsCount == 512 and slots.SlotsSize == 4096
    assert not any(slot.IsAllocated for slot in slots.Slots)


def test_slots_lend_until_exhausted_then_none():
    slots = XBufferSlots(3, 16)
    taken = [slots.GetAvailableSlot() for _ in range(3)]
    assert None not in taken and len(set(id(s) for s in taken)) == 3
    assert slots.GetAvailableSlot() is None
    assert slots.AvailableCount == 0
    slots.ReleaseSlot(taken[1])
    slots.ReleaseSlot(taken[1])  # twice: still one slot back, not two
    assert slots.AvailableCount == 1
    assert slots.GetAvailableSlot() is taken[1]
    assert slots.GetAvailableSlot() is None


def test_slots_reject_bad_sizes():
    raises(ValueError, XBufferSlots, 0, 16)
    raises(ValueError, XBufferSlot, 0)


def test_fifo_order_and_empty():
    fifo = XFiFo()
    assert fifo.Empty
    for i in range(100):
        fifo.Put(i)
    got = [fifo.Get() for _ in range(60)]
    for i in range(100, 150):
        fifo.Put(i)
    while not fifo.Empty:
        got.append(fifo.Get())
    assert got == list(range(150))
    raises(XFiFoException, fifo.Get)


def test_fifo_clear():
    fifo = XFiFo()
    fifo.Put("a")
    fifo.Put("b")
    assert len(fifo) == 2
    fifo.Clear()
    assert fifo.Empty and len(fifo) == 0
