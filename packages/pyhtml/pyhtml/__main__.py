"""``python -m pyhtml compile DIR [-o pages.py] [--mpy]`` (CPython, at build time).

Precompiles every ``.pyhtml`` under DIR into one module (see ``pyhtml.precompile``);
``--mpy`` also runs ``mpy-cross`` on it. A board then loads the pages with
``FileLoader(DIR, compiled="pages")``.
"""

import argparse
import subprocess
import sys

from . import TemplateError
from .precompile import precompile_folder


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m pyhtml", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("compile", help="precompile a folder's .pyhtml pages")
    command.add_argument("root", help="the folder of the pages (the FileLoader's root)")
    command.add_argument("-o", "--output", default="pyhtml_pages.py",
                         help="the module to write (default: pyhtml_pages.py)")
    command.add_argument("--mpy", action="store_true", help="also run mpy-cross on it")
    args = parser.parse_args(argv)
    try:
        keys = precompile_folder(args.root, args.output, mpy=args.mpy)
    except TemplateError as exc:
        print("pyhtml: %s" % exc, file=sys.stderr)
        return 1
    except (OSError, subprocess.CalledProcessError) as exc:  # no folder, no mpy-cross
        print("pyhtml: %s" % exc, file=sys.stderr)
        return 1
    module = args.output.replace("\\", "/").rsplit("/", 1)[-1]
    module = module[: -len(".py")] if module.endswith(".py") else module
    print("%s: %d page(s): %s" % (args.output, len(keys), ", ".join(keys)))
    print('load them with FileLoader(%r, compiled=%r)' % (args.root, module))
    return 0


if __name__ == "__main__":
    sys.exit(main())
