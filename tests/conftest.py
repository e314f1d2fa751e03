"""pytest set-up shared by every test folder.

The package sources are put on ``sys.path`` so a test run works straight from a
checkout; the ``install`` nox session separately proves each package installs alone.
"""

import os
import sys

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(TESTS_DIR)
PACKAGES_DIR = os.path.join(REPO_DIR, "packages")

for _name in sorted(os.listdir(PACKAGES_DIR)):
    _path = os.path.join(PACKAGES_DIR, _name)
    if os.path.isdir(_path) and _path not in sys.path:
        sys.path.insert(0, _path)
# Each test folder too: portable tests import their helper modules (unique names) the
# same way under pytest as under tests/mprun.py, which adds the test file's folder.
for _name in sorted(os.listdir(TESTS_DIR)):
    _path = os.path.join(TESTS_DIR, _name)
    if os.path.isdir(_path) and not _name.startswith((".", "_")) and _path not in sys.path:
        sys.path.insert(0, _path)
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)


def pytest_addoption(parser):
    parser.addoption(
        "--examples",
        type=int,
        default=None,
        help="hypothesis examples per property test (default: a small CI budget)",
    )


def pytest_configure(config):
    try:
        from hypothesis import HealthCheck, settings
    except ImportError:  # unit-only environments have no hypothesis
        return
    examples = config.getoption("--examples")
    settings.register_profile(
        "project",
        max_examples=examples or 300,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        print_blob=True,
    )
    settings.load_profile("project")
