"""Programs the scale-out tests drive (nginx, redis-server), installed from Debian when
missing: ``apt-get install -y PACKAGE`` (after ``apt-get update`` if the first try
fails), as CI does, since it runs as root. Elsewhere the test is skipped, saying why."""

import os
import shutil
import subprocess

import pytest

# Debian installs daemons in /usr/sbin, which is not on every user's PATH.
SEARCH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])


def find(command):
    return shutil.which(command, path=SEARCH)


def ensure(command, package):
    """The path of ``command``, installing Debian's ``package`` if needed (or skip)."""
    path = find(command)
    if path:
        return path
    if not shutil.which("apt-get"):
        pytest.skip("%s is not installed and apt-get is not available to install %s"
                    % (command, package))
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("%s is not installed; installing %s with apt-get needs root"
                    % (command, package))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "--no-install-recommends", package]
    done = subprocess.run(install, capture_output=True, text=True, timeout=600, env=env)
    if done.returncode != 0:
        subprocess.run(["apt-get", "update"], capture_output=True, timeout=600, env=env)
        done = subprocess.run(install, capture_output=True, text=True, timeout=600, env=env)
    path = find(command)
    assert path, "apt-get install %s failed: %s" % (package, (done.stdout + done.stderr)[-2000:])
    return path
