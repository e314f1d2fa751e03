"""Run portable test files on MicroPython (or CPython): ``micropython tests/mprun.py FILE...``.

Each ``test_*`` function of each file is called with no argument; an exception is a
failure. The last line is ``N passed, N failed`` and the exit status is 1 on any failure.
"""

import os
import sys

try:
    from sys import print_exception
except ImportError:  # CPython
    import traceback

    def print_exception(exc):
        traceback.print_exception(type(exc), exc, exc.__traceback__)


def _dirname(path):
    cut = path.rfind("/")
    return path[:cut] if cut > 0 else "."


def _setup_paths(tests_dir):
    repo_dir = _dirname(tests_dir)
    packages_dir = repo_dir + "/packages"
    for name in sorted(os.listdir(packages_dir)):
        sys.path.insert(0, packages_dir + "/" + name)
    # Last: MicroPython would import the folder tests/<package>/ as a namespace package
    # if it came before packages/<package>/.
    sys.path.append(tests_dir)


def _run_file(path):
    folder = _dirname(path)
    name = path[path.rfind("/") + 1 :].replace(".py", "")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    module = __import__(name)
    passed = failed = 0
    for attr in sorted(dir(module)):
        func = getattr(module, attr)
        if not attr.startswith("test_") or not callable(func):
            continue
        try:
            func()
        except Exception as exc:  # report every failure, then go on with the next test
            failed += 1
            print("FAILED %s::%s" % (path, attr))
            print_exception(exc)
        else:
            passed += 1
    return passed, failed


def main(paths):
    tests_dir = _dirname(__file__) if "/" in __file__ else "."
    _setup_paths(tests_dir)
    passed = failed = 0
    for path in paths:
        file_passed, file_failed = _run_file(path)
        print("%s: %d passed, %d failed" % (path, file_passed, file_failed))
        passed += file_passed
        failed += file_failed
    print("%d passed, %d failed" % (passed, failed))
    if failed or not passed:
        sys.exit(1)


main(sys.argv[1:])
