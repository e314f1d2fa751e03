"""How the packages get to a board, checked: the mip package.json files and the freezing
manifests say what tools/board.py's board_files() says, mip on the MicroPython unix port
installs the five packages from the repository's package.json (served over loopback, as
a forge would serve it) and the installed server answers, and a program served from the
ROMFS image keeps to a board's heap."""

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tools"))
import board  # noqa: E402


def test_generated_files_are_up_to_date():
    assert board.stale() == [], "run: python3 tools/board.py write"


def test_host_only_files_exist():
    # A renamed module would otherwise silently reach boards again.
    for path in board.HOST_ONLY:
        assert os.path.exists(os.path.join(REPO, "packages", path.split("/")[0], path)), path


def test_each_package_json_lists_its_board_files_relative_to_itself():
    for package in board.PACKAGES:
        folder = os.path.join(REPO, "packages", package)
        with open(os.path.join(folder, "package.json")) as f:
            spec = json.load(f)
        assert spec["version"] == board.version(package)
        assert [dest for dest, _src in spec["urls"]] == board.board_files(package)
        for _dest, src in spec["urls"]:
            assert os.path.isfile(os.path.join(folder, src)), src


def _frozen_by(manifest_path, found=None):
    """What MicroPython's build would freeze from ``manifest_path``: its functions
    (metadata, include, package) given the meaning manifestfile.py gives them."""
    found = [] if found is None else found
    base = os.path.dirname(manifest_path)

    def package(name, files=None, base_path=".", opt=None):
        root = os.path.normpath(os.path.join(base, base_path))
        for name_in in files:
            found.append(os.path.join(root, name, name_in))

    def include(path, **_kwargs):
        _frozen_by(os.path.normpath(os.path.join(base, path)), found)

    with open(manifest_path) as f:
        exec(f.read(), {"metadata": lambda **_kw: None, "include": include, "package": package})
    return found


def test_the_manifests_freeze_the_board_files_with_their_dependencies():
    for package in board.PACKAGES:
        frozen = _frozen_by(os.path.join(REPO, "packages", package, "manifest.py"))
        expected = []
        for needed in board.DEPENDS.get(package, ()) + (package,):
            expected += [os.path.join(REPO, "packages", needed, path)
                         for path in board.board_files(needed)]
        assert sorted(frozen) == sorted(expected)
        assert all(os.path.isfile(path) for path in frozen)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def repository_over_http():
    """The repository's files on http://127.0.0.1:PORT/ (a forge's raw file URLs)."""
    handler = functools.partial(_Quiet, directory=REPO)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


def _micropython():
    exe = shutil.which("micropython")
    if exe is None:
        pytest.skip("no `micropython` command (nox -s tests installs it)")
    return exe


def _mip_install(exe, url, tmp_path):
    """The unix port's own mip installs ``url`` into tmp_path/lib (returned)."""
    lib = tmp_path / "lib"
    install = "import mip\nmip.install(%r, target=%r)\n" % (url, str(lib))
    done = subprocess.run([exe, "-c", install], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return lib


def test_mip_installs_the_five_packages_and_the_server_answers(repository_over_http, tmp_path):
    exe = _micropython()
    lib = _mip_install(exe, repository_over_http + "/package.json", tmp_path)
    installed = sorted(str(p.relative_to(lib)) for p in lib.rglob("*.py"))
    expected = sorted(path for package in board.PACKAGES for path in board.board_files(package))
    assert installed == expected
    # The installed copy alone (MICROPYPATH: it and the firmware's frozen modules) serves
    # a request through the real stack, in memory (mws2.testing stays on the host, so a
    # socket pair stands in for the client).
    program = (
        "from mws2 import GET, MicroWebSrv2, WebRoute\n"
        "import asyncio, socket\n"
        "@WebRoute(GET, '/hello')\n"
        "def hello(microWebSrv2, request):\n"
        "    request.Response.ReturnOk('hello from mip')\n"
        "mws = MicroWebSrv2()\n"
        "mws.BindAddress = ('127.0.0.1', 0)\n"
        "async def main():\n"
        "    task = asyncio.create_task(mws.StartAsync())\n"
        "    while not mws.IsRunning:\n"
        "        await asyncio.sleep(0.01)\n"
        "    r, w = await asyncio.open_connection('127.0.0.1', mws.BoundAddress[1])\n"
        "    w.write(b'GET /hello HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n')\n"
        "    await w.drain()\n"
        "    answer = b''\n"
        "    while True:\n"
        "        data = await r.read(512)\n"
        "        if not data:\n"
        "            break\n"
        "        answer += data\n"
        "    print(answer.decode().split('\\r\\n')[0], answer.decode().split('\\r\\n\\r\\n')[1])\n"
        "    mws.Stop()\n"
        "    await task\n"
        "asyncio.run(main())\n"
    )
    env = dict(os.environ, MICROPYPATH="%s:.frozen" % lib)
    # From source (what mip installs): compiling on import takes more heap than the
    # .mpy files of a board build (see mws2's README, "Memory on boards").
    ran = subprocess.run([exe, "-X", "heapsize=512K", "-c", program], capture_output=True,
                         text=True, timeout=60, env=env, cwd=str(tmp_path))
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "HTTP/1.1 200 OK hello from mip" in ran.stdout


def test_one_package_installs_alone_with_mip(repository_over_http, tmp_path):
    # httpcore_micro reused in another project: its own package.json, nothing else.
    exe = _micropython()
    lib = _mip_install(exe, repository_over_http + "/packages/httpcore_micro/package.json",
                       tmp_path)
    assert sorted(p.name for p in (lib / "httpcore_micro").iterdir()) == sorted(
        os.path.basename(path) for path in board.board_files("httpcore_micro"))
    assert sorted(p.name for p in lib.iterdir()) == ["httpcore_micro"]
    check = ("import httpcore_micro\n"
             "c = httpcore_micro.ServerConnection()\n"
             "c.receive_data(b'GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n')\n"
             "print(type(c.next_event()).__name__)\n")
    env = dict(os.environ, MICROPYPATH=str(lib))
    ran = subprocess.run([exe, "-c", check], capture_output=True, text=True, env=env,
                         timeout=60)
    assert ran.stdout.strip() == "Request", ran.stdout + ran.stderr
