"""``FileLoader``: templates from a folder, compiled once and recompiled when they change.

The only module of pyhtml that touches the filesystem (``os.stat`` and ``open``).
Paths use ``/`` on every platform (MicroPython has no ``os.path``).
"""

import os

from ._template import Template


class FileLoader:
    """Loads ``.pyhtml`` files under ``root``; ``globals`` is shared by every page.

    ``load(path)`` returns the cached ``Template`` while the file's size and modification
    time stay the same, and recompiles it otherwise (one ``os.stat`` per load).
    Template names are their paths relative to ``root`` (absolute outside it).
    """

    def __init__(self, root, globals=None):
        self.root = normalize(root) or "."
        self.globals = {} if globals is None else globals
        self._cache = {}  # key -> (template, stamp)
        # Prefixes that mean "under root": root as given, and made absolute if relative.
        self._prefixes = [self.root + "/"]
        if not is_absolute(self.root) and hasattr(os, "getcwd"):
            self._prefixes.append(normalize(os.getcwd() + "/" + self.root) + "/")

    def load(self, path):
        key = self.key(path)
        filename = self.filename(key)
        stamp = _stamp(os.stat(filename))
        cached = self._cache.get(key)
        if cached is not None and cached[1] == stamp:
            return cached[0]
        template = Template(_read(filename), name=key, loader=self)
        template._source = None  # re-read on error instead of kept in memory
        self._cache[key] = (template, stamp)
        return template

    def key(self, path):
        """Cache key and template name of ``path``: relative to root when under it.

        A path starting with root (as given, or absolute) is that file under root: a
        server resolves a URL to ``root + "/" + path`` and loads that.
        """
        path = normalize(path)
        for prefix in self._prefixes:
            if path.startswith(prefix):
                return path[len(prefix) :]
        return path

    def filename(self, key):
        if is_absolute(key):
            return key
        return self.root + "/" + key

    def resolve(self, including, path):
        """Key of ``{{ include path }}`` in template ``including``: ``/x`` is under root,
        anything else relative to the including file's folder."""
        if path.startswith("/"):
            return normalize(path[1:])
        cut = including.rfind("/")
        if cut < 0:
            return normalize(path)
        return normalize(including[:cut] + "/" + path)

    def read(self, key):
        """The text of template ``key`` as the file reads now."""
        return _read(self.filename(key))

    def source_line(self, key, line):
        """Text of ``line`` of template ``key`` as the file reads now (error pages only)."""
        try:
            rows = self.read(key).split("\n")
        except OSError:
            return None
        if 0 < line <= len(rows):
            return rows[line - 1].rstrip("\r")
        return None


def is_absolute(path):
    """``/x``, or ``C:/x`` on Windows."""
    return path.startswith("/") or (len(path) > 2 and path[1] == ":" and path[2] == "/")


def normalize(path):
    """``path`` with ``\\``, ``.``, ``..`` and doubled ``/`` resolved; keeps a leading ``/``."""
    path = path.replace("\\", "/")
    parts = []
    for part in path.split("/"):
        if part == "" or part == ".":
            continue
        if part == ".." and parts and parts[-1] != "..":
            parts.pop()
        elif part == ".." and path.startswith("/"):
            continue  # nothing above the filesystem root
        else:
            parts.append(part)
    joined = "/".join(parts)
    return "/" + joined if path.startswith("/") else joined


def _stamp(status):
    # (size, mtime); st_mtime_ns on CPython catches rewrites within the same second.
    return (status[6], status[8], getattr(status, "st_mtime_ns", None))


def _read(filename):
    with open(filename, "rb") as handle:
        return handle.read().decode("utf-8")
