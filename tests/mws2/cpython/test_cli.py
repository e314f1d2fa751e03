"""``python -m mws2``: serves a folder (or the bundled demo), stops on SIGTERM."""

import importlib.util
import os
import re
import signal
import subprocess
import sys

import pytest
import requests


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return env


def start_cli(*args):
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "mws2", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    line = proc.stdout.readline()
    match = re.search(r"(https?)://127\.0\.0\.1:(\d+)/", line)
    if not match:
        proc.kill()
        raise AssertionError("no address in %r; stderr: %s" % (line, proc.stderr.read()))
    return proc, "%s://127.0.0.1:%s" % (match.group(1), match.group(2))


def stop_cli(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        out, _err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return proc.returncode, out


def test_serves_a_folder_and_stops_on_sigterm(tmp_path):
    (tmp_path / "index.html").write_text("cli home")
    proc, base = start_cli(str(tmp_path), "--bind", "127.0.0.1", "--port", "0", "--embedded")
    try:
        assert requests.get(base + "/", timeout=5).text == "cli home"
    finally:
        code, out = stop_cli(proc)
    assert code == 0 and "stopped" in out


def test_usage_errors():
    out = subprocess.run(
        [sys.executable, "-m", "mws2", "--port", "x"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=30,
    )
    assert out.returncode == 2 and "integer" in out.stdout
    out = subprocess.run(
        [sys.executable, "-m", "mws2", "--help"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=30,
    )
    assert out.returncode == 0 and "usage" in out.stdout


@pytest.mark.skipif(importlib.util.find_spec("mws2.demo") is None, reason="demo not present")
def test_bundled_demo_without_root():
    proc, base = start_cli("--port", "0")
    try:
        r = requests.get(base + "/", timeout=5)
        assert r.status_code == 200 and "text/html" in r.headers["Content-Type"]
    finally:
        code, _out = stop_cli(proc)
    assert code == 0
