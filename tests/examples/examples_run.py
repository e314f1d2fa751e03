"""Start a program of examples/ (or a docs snippet, or the demo) on CPython or MicroPython
and stop it as a person does (Ctrl-C). Shared by tests/examples, tests/docs and
tests/browser."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
EXAMPLES = os.path.join(REPO, "examples")
PACKAGES = ("httpcore_micro", "wsframe", "pyhtml", "xasync", "mws2")
START_TIMEOUT = 30


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def runtime_command(runtime, heap="2M", mpypath=None):
    """The interpreter and the environment that find this repository's packages (on
    MicroPython, ``mpypath`` instead if given)."""
    env = dict(os.environ)
    folders = [os.path.join(REPO, "packages", name) for name in PACKAGES]
    if runtime == "micropython":
        exe = shutil.which("micropython")
        if exe is None:
            pytest.skip("no `micropython` command on PATH (nox -s tests installs it)")
        # MICROPYPATH replaces the default path: ".frozen" keeps asyncio & co.
        env["MICROPYPATH"] = mpypath or ":".join(folders + [".frozen"])
        return [exe, "-X", "heapsize=" + heap], env
    env["PYTHONPATH"] = os.pathsep.join(folders)
    return [sys.executable], env


def _default_sigint():
    # A child of a shell's background job inherits SIGINT ignored: Ctrl-C must work here.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Process:
    """A started program: its output so far (kept drained), ``served_url()``, ``stop()``."""

    def __init__(self, command, env=None, cwd=None):
        self.output = []
        self.proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd or REPO,
            preexec_fn=_default_sigint,
        )
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        while True:
            data = self.proc.stdout.read1(65536)
            if not data:
                return
            self.output.append(data)

    def log(self):
        return b"".join(self.output).decode("utf-8", "replace")

    def served_url(self, timeout=START_TIMEOUT):
        """The ``http://127.0.0.1:PORT`` the program prints once it listens."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(r"(http://127\.0\.0\.1:\d+)/", self.log())
            if match:
                return match.group(1)
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError("the program did not say where it listens: %s" % self.log())

    def stop(self, signum=signal.SIGINT):
        """Ctrl-C (or ``signum``); returns the exit code (killed after 10 s)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode


class Program(Process):
    """A program of examples/ (or a snippet) on a port of our choosing, once it answers."""

    def __init__(self, path, runtime, args=None, cwd=None, heap="2M", wait_path="/", port=None,
                 mpypath=None, preamble=None):
        """``preamble``: MicroPython code run before the program (a ROMFS image mounted,
        say); the program then runs in the same interpreter, as ``__main__``."""
        command, env = runtime_command(runtime, heap, mpypath)
        self.port = port or free_port()
        if args is None:
            args = [str(self.port)]  # the examples take their port as argument
        self.runtime = runtime
        if preamble is not None:
            command += ["-c", preamble + "exec(open(%r).read())\n" % path]
        else:
            command += [path]
        Process.__init__(self, command + list(args), env, cwd)
        try:
            self._wait_answering(wait_path)
        except BaseException:
            self.stop()
            raise

    def _wait_answering(self, path):
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise AssertionError("the program ended: %s" % self.log())
            try:
                requests.get(self.url(path), timeout=2)
                return
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise AssertionError("the program does not answer: %s" % self.log()) from None
            time.sleep(0.1)

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.port, path)
