"""MicroWebSrv2.StartWorkers and ``python -m mws2 --workers N``: processes sharing one
port (SO_REUSEPORT), restarted when they die, stopped together (gracefully) by SIGTERM.

The program under test runs in a subprocess (mws2_workers_app.py): the workers are forks
of it, never of pytest."""

import os
import re
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests
from mws2_harness import make_cert, wait_for

from mws2 import MicroWebSrv2, MicroWebSrv2Exception

HERE = os.path.dirname(os.path.abspath(__file__))
APP = os.path.join(HERE, "mws2_workers_app.py")

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork") or not hasattr(socket, "SO_REUSEPORT"),
    reason="StartWorkers needs os.fork and SO_REUSEPORT",
)


def _env():
    return dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))


class App:
    """The program, started; ``port`` once its workers listen."""

    def __init__(self, root, workers=2, mode="pool", tls=None, command=None):
        argv = command or [sys.executable, "-u", APP, str(root), str(workers), mode]
        if tls:
            argv += list(tls)
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=_env())
        self.stdout = b""
        self.port = None
        self.scheme = "https" if tls else "http"

    def wait_ready(self, pattern=rb"READY (\d+)", timeout=20):
        deadline = time.monotonic() + timeout
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        try:
            while time.monotonic() < deadline:
                match = re.search(pattern, self.stdout)
                if match:
                    self.port = int(match.group(1))
                    return self
                if sel.select(0.2):
                    chunk = os.read(self.proc.stdout.fileno(), 4096)
                    if not chunk:
                        break
                    self.stdout += chunk
        finally:
            sel.close()
        self.proc.kill()
        raise AssertionError("not ready: %r %r" % (self.stdout, self.proc.stderr.read()))

    def url(self, path):
        return "%s://127.0.0.1:%d%s" % (self.scheme, self.port, path)

    def pids(self, count=40, verify=True, resets_ok=False):
        """The pids that answer /pid on ``count`` fresh connections. ``resets_ok``: right
        after a worker was killed, a connection the kernel had queued on its listening
        socket is reset (SO_REUSEPORT spreads connections among the listeners)."""
        seen = set()
        for _ in range(count):
            try:
                answer = requests.get(self.url("/pid"), headers={"Connection": "close"},
                                      timeout=5, verify=verify)
            except requests.ConnectionError:
                if resets_ok:
                    continue
                raise
            assert answer.status_code == 200
            seen.add(int(answer.text))
        return seen

    def stop(self, signum=signal.SIGTERM, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            raise AssertionError("did not stop: %r" % err[-2000:]) from None
        self.stdout += out
        return self.proc.returncode, err.decode("utf-8", "replace")


def _gone(pid):
    """The process has exited and was reaped (not even a zombie is left)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _parent_of(pid):
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


@pytest.fixture
def site(tmp_path):
    (tmp_path / "index.html").write_text("workers home")
    return tmp_path


@pytest.mark.parametrize("mode", ["pool", "threads", "asyncio"])
def test_two_workers_answer_on_one_port_and_sigterm_stops_all(site, mode):
    import websockets.sync.client

    app = App(site, 2, mode).wait_ready()
    try:
        pids = app.pids()
        assert len(pids) == 2, "both workers seen serving"
        assert all(_parent_of(pid) == app.proc.pid for pid in pids)
        assert requests.get(app.url("/"), timeout=5).text == "workers home"
        uri = "ws://127.0.0.1:%d/echo" % app.port
        with websockets.sync.client.connect(uri, open_timeout=5) as ws:
            ws.send("hi")
            pid, text = ws.recv(timeout=5).split(" ", 1)
            assert int(pid) in pids and text == "hi"
    finally:
        code, err = app.stop()
    assert code == 0 and b"STOPPED" in app.stdout, err
    assert wait_for(lambda: all(_gone(pid) for pid in pids), timeout=5)


def test_a_killed_worker_is_restarted(site):
    app = App(site, 2).wait_ready()
    try:
        first = app.pids()
        assert len(first) == 2
        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        # the survivor goes on serving while the supervisor forks a new worker at once
        assert wait_for(lambda: len(app.pids(10, resets_ok=True) - first) == 1, timeout=10)
        now = app.pids()
        assert len(now) == 2 and victim not in now and (max(first) in now)
    finally:
        code, err = app.stop()
    assert code == 0
    assert re.search(r"Worker \d \(pid %d\) was killed by signal 9: restarting it in 0\.1 s"
                     % victim, err), err
    assert all(_gone(pid) for pid in first | now)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_lets_requests_in_flight_finish(site, signum):
    app = App(site, 2).wait_ready()
    answers = []

    def slow():
        answers.append(requests.get(app.url("/slow"), timeout=10))

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.3)  # the request is in a handler (it takes 1 s)
    code, err = app.stop(signum)
    thread.join(10)
    assert code == 0, err
    assert answers and answers[0].status_code == 200 and answers[0].text.startswith("slow ")
    # no new connection once stopped
    with pytest.raises(requests.ConnectionError):
        requests.get(app.url("/pid"), timeout=2)


def test_stop_from_another_thread_of_the_program(site):
    app = App(site, 2, "selfstop").wait_ready()
    pids = app.pids(10)
    try:
        app.proc.wait(15)
    finally:
        code, err = app.stop()
    assert code == 0, err
    assert b"STOP RETURNED running=False" in app.stdout and b"STOPPED" in app.stdout
    assert all(_gone(pid) for pid in pids)


def test_tls_in_workers(site, tmp_path):
    cert, key = make_cert(tmp_path)
    app = App(site, 2, tls=(cert, key)).wait_ready()
    try:
        pids = app.pids(verify=cert)
        assert len(pids) == 2
        assert requests.get(app.url("/"), timeout=5, verify=cert).text == "workers home"
    finally:
        code, err = app.stop()
    assert code == 0, err


def test_a_worker_that_fails_at_start_backs_off(site):
    app = App(site, 2, "crash")
    time.sleep(3)
    code, err = app.stop()
    assert code == 0
    delays = [float(d) for d in re.findall(r"restarting it in ([\d.]+) s", err)]
    # 0.1, 0.2, 0.4, 0.8, 1.6 s...: a handful per worker in 3 s, not a spin
    assert 4 <= len(delays) <= 2 * 6, delays
    assert max(delays) >= 0.8
    assert "RuntimeError: worker 0 cannot start" in err or "worker 0 cannot start" in err


def test_cli_workers(site):
    command = [sys.executable, "-u", "-m", "mws2", str(site), "--port", "0", "--workers", "2"]
    app = App(site, command=command).wait_ready(rb"http://127\.0\.0\.1:(\d+)/ with 2 worker")
    try:
        for _ in range(10):
            assert requests.get(app.url("/"), timeout=5,
                                headers={"Connection": "close"}).text == "workers home"
    finally:
        code, err = app.stop()
    assert code == 0 and b"mws2 stopped" in app.stdout, err
    assert err.count("Worker 0 started") == 1 and err.count("Worker 1 started") == 1


def test_a_port_held_without_reuseport_fails_at_once():
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    try:
        mws = MicroWebSrv2()
        mws.BindAddress = holder.getsockname()
        with pytest.raises(MicroWebSrv2Exception, match="cannot listen"):
            mws.StartWorkers(2)
        assert mws.BindAddress == holder.getsockname() and mws.ReusePort is False
    finally:
        holder.close()


def test_arguments_and_runtimes_without_fork(monkeypatch):
    mws = MicroWebSrv2()
    with pytest.raises(ValueError, match="workersCount"):
        mws.StartWorkers(0)
    with pytest.raises(TypeError, match="workerMain"):
        mws.StartWorkers(1, workerMain=3)
    monkeypatch.delattr(os, "fork")
    with pytest.raises(MicroWebSrv2Exception, match="os.fork"):
        mws.StartWorkers(2)


@pytest.mark.skipif(shutil.which("micropython") is None, reason="no micropython command")
def test_micropython_says_why_not():
    repo = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
    packages = os.path.join(repo, "packages")
    path = ":".join(os.path.join(packages, name) for name in sorted(os.listdir(packages)))
    code = ("from mws2 import MicroWebSrv2\n"
            "try:\n    MicroWebSrv2().StartWorkers(2)\n"
            "except Exception as exc:\n    print(type(exc).__name__, exc)\n")
    out = subprocess.run(["micropython", "-c", code], capture_output=True, text=True,
                         timeout=30, env=dict(os.environ, MICROPYPATH=path + ":.frozen"))
    assert out.stdout.startswith("MicroWebSrv2Exception StartWorkers needs os.fork"), out
