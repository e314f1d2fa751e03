"""The two small hooks the adapters need from mws2's core.

- ``LoadModule("pkg.Name")`` loads class ``Name`` of module ``pkg.Name`` (the adapters'
  AdapterHook lives in ``mws2.adapters``, not in ``mws2.mods`` nor at the top level);
- a module's ``OnRequest`` may return a coroutine (or be ``async def``): the module has
  taken the request, which is answered once awaited; a failure answers 500, no answer
  501, as for async route handlers.
"""

import asyncio
import sys
import threading
import time

import pytest
import requests

from mws2 import MicroWebSrv2

MODULE_SOURCE = '''
class HookProbe:
    def OnRequest(self, microWebSrv2, request):
        if request.Path == "/sync":
            request.Response.ReturnOk("sync")
        elif request.Path.startswith("/async/"):
            return self._answer(request)

    async def _answer(self, request):
        what = request.Path[len("/async/"):]
        await asyncio.sleep(0.01)
        if what == "boom":
            raise ValueError("module bug")
        if what == "ok":
            request.Response.ReturnOk("async")
        # "none": nothing answered


import asyncio
'''


def _wait_for(predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.01)


@pytest.fixture(params=["pool", "asyncio"])
def server(request, tmp_path):
    package = tmp_path / "hookpkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "HookProbe.py").write_text(MODULE_SOURCE)
    sys.path.insert(0, str(tmp_path))
    mws = MicroWebSrv2()
    mws.BindAddress = ("127.0.0.1", 0)
    mws.OnLogging = lambda srv, msg, kind: None
    module = MicroWebSrv2.LoadModule("hookpkg.HookProbe")
    thread = None
    try:
        if request.param == "asyncio":
            thread = threading.Thread(target=asyncio.run, args=(mws.StartAsync(),), daemon=True)
            thread.start()
            _wait_for(lambda: mws.IsRunning)
        else:
            mws.StartManaged(parllProcCount=2)
        yield mws, module
    finally:
        mws.Stop()
        if thread is not None:
            thread.join(5)
        MicroWebSrv2.UnloadModule("hookpkg.HookProbe")
        sys.path.remove(str(tmp_path))
        for name in ("hookpkg.HookProbe", "hookpkg"):
            sys.modules.pop(name, None)


def _get(mws, path):
    return requests.get("http://127.0.0.1:%d%s" % (mws.BoundAddress[1], path), timeout=5)


def test_dotted_module_name_loads_the_class_named_like_the_module(server):
    _, module = server
    assert type(module).__name__ == "HookProbe"
    assert MicroWebSrv2.LoadModule("hookpkg.HookProbe") is module


def test_coroutine_from_on_request_answers_once_awaited(server):
    mws, _ = server
    assert _get(mws, "/sync").text == "sync"
    answer = _get(mws, "/async/ok")
    assert answer.status_code == 200 and answer.text == "async"


def test_coroutine_that_raises_answers_500_and_the_server_goes_on(server):
    mws, _ = server
    assert _get(mws, "/async/boom").status_code == 500
    assert _get(mws, "/async/ok").text == "async"


def test_coroutine_that_answers_nothing_gets_501(server):
    mws, _ = server
    assert _get(mws, "/async/none").status_code == 501


def test_requests_the_module_leaves_go_on_through_mws2(server):
    mws, _ = server
    assert _get(mws, "/elsewhere").status_code == 404
