"""Stand-ins for `_thread` on a build without threads (loaded only there): the loop runs
in the calling thread (`AsyncWaitEvents(threadsCount=0)`), so a lock never waits and
the thread id never changes."""


class allocate_lock:  # stands where _thread.allocate_lock stands
    def acquire(self, *args):
        return True

    def release(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def get_ident():
    return 0
