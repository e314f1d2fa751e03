"""Runs the example programs of tests/adapters/programs/ as real processes.

A program is written into a temporary folder (with the files it serves) and started
under ``python3`` or ``micropython -X heapsize=...``, with the repository's
``packages/*`` folders on its path (PYTHONPATH, MICROPYPATH), so the program itself is
the seed's code with only its import line changed. The harness then changes only this
in the text it writes out:

- the server's constructor gets a loopback address and a free port (the seeds use port
  80 on every interface);
- under CPython, the few lines the seeds write for MicroPython's asyncio that CPython's
  refuses (each test module lists its own, with why).

Programs that return to a REPL on a board (a server in a thread) run with ``-i``: the
REPL then reads the harness's stdin, which also proves it stays free.
"""

import os
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
PROGRAMS = os.path.join(HERE, "programs")
PACKAGES = os.path.join(os.path.dirname(os.path.dirname(HERE)), "packages")
HEAP = os.environ.get("MWS2_ADAPTERS_MP_HEAP", "2M")
START_TIMEOUT = 30

# The constructors the seeds call, and the arguments the harness adds to them.
CONSTRUCTORS = {
    "MicropAsyncWeb(": 'MicropAsyncWeb(port=%d, address="127.0.0.1", ',
    "HTTPServer(": 'HTTPServer(host="127.0.0.1", port=%d, ',
    "MicroWebSrv(": 'MicroWebSrv(port=%d, bindIP="127.0.0.1", ',
}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def package_path():
    return [os.path.join(PACKAGES, name) for name in sorted(os.listdir(PACKAGES))]


def command(runtime, program, interactive):
    flags = ["-i"] if interactive else []
    if runtime == "micropython":
        exe = shutil.which("micropython")
        if exe is None:
            pytest.skip("no `micropython` command on PATH")
        return [exe, "-X", "heapsize=" + HEAP] + flags + [program]
    return [sys.executable, "-u"] + flags + [program]


def program_text(name, port, edits=()):
    with open(os.path.join(PROGRAMS, name), encoding="utf-8") as f:
        text = f.read()
    for call, with_address in CONSTRUCTORS.items():
        text = text.replace(call, with_address % port)
    text = text.replace(", )", ")")
    for old, new in edits:
        assert old in text, "edit not applicable: %r" % old
        text = text.replace(old, new)
    return text


class Program:
    """One running example program."""

    def __init__(self, name, runtime, folder, files=None, edits=(), interactive=False):
        self.runtime = runtime
        self.port = free_port()
        self.output = []
        for path, content in (files or {}).items():
            full = os.path.join(str(folder), path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "wb") as f:
                f.write(content if isinstance(content, bytes) else content.encode())
        filename = os.path.join(str(folder), name)
        with open(filename, "w", encoding="utf-8") as f:
            f.write(program_text(name, self.port, edits if runtime == "cpython" else ()))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(package_path())
        env["MICROPYPATH"] = ":".join([".frozen"] + package_path())
        self.proc = subprocess.Popen(
            command(runtime, name, interactive),
            cwd=str(folder),
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        threading.Thread(target=self._drain, daemon=True).start()
        try:
            self._wait_listening()
        except BaseException:
            self.stop()
            raise

    def _drain(self):
        while True:
            data = self.proc.stdout.read1(65536) if hasattr(self.proc.stdout, "read1") else b""
            if not data:
                return
            self.output.append(data)

    def _wait_listening(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(
            "%s did not listen (exit %s):\n%s" % (self.runtime, self.proc.poll(), self.log())
        )

    def url(self, path="/", scheme="http"):
        return "%s://127.0.0.1:%d%s" % (scheme, self.port, path)

    def get(self, path, **kwargs):
        """A GET of ``path`` (redirects are answers to check, not to follow)."""
        kwargs.setdefault("allow_redirects", False)
        return requests.get(self.url(path), timeout=10, **kwargs)

    def log(self):
        return b"".join(self.output).decode("utf-8", "replace")

    def wait_log(self, text, timeout=10):
        """Wait until ``text`` appears in the program's output."""
        deadline = time.monotonic() + timeout
        while text not in self.log():
            if time.monotonic() > deadline:
                raise AssertionError("%r never printed; output:\n%s" % (text, self.log()))
            time.sleep(0.05)

    def repl(self, line):
        """Type a line into the program's REPL (programs started with ``-i``)."""
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def wait_exit(self, timeout=10):
        return self.proc.wait(timeout)

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()  # a REPL ends at the end of its input
            except OSError:
                pass
            try:
                self.proc.wait(2)
            except subprocess.TimeoutExpired:
                self.proc.send_signal(signal.SIGINT)
                try:
                    self.proc.wait(3)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)


def program_fixture(name, files, edits=(), interactive=False):
    """A module-scoped fixture: the program ``name`` running under the ``runtime``
    fixture's runtime for every test of the module, stopped after them."""

    @pytest.fixture(scope="module")
    def running_program(runtime, tmp_path_factory):
        folder = tmp_path_factory.mktemp(name.split(".")[0])
        program = Program(name, runtime, folder, files, edits, interactive)
        yield program
        program.stop()

    return running_program
