"""The command line, ``python -m mws2 [ROOT] [options]``: serve a folder (or the demo).

Options: --bind HOST (127.0.0.1), --port N (8080, 8443 with TLS), --tls-cert FILE
--tls-key FILE, --embedded | --light | --normal | --large (memory preset), --threads N
(worker threads, default 2), --verbose (log every request). Ctrl-C or SIGTERM stops.
"""

import sys
import time

USAGE = (
    "usage: python -m mws2 [ROOT] [--bind HOST] [--port N] [--tls-cert FILE --tls-key FILE]\n"
    "                      [--embedded|--light|--normal|--large] [--threads N] [--verbose]\n"
    "Serves ROOT (a folder), or the bundled demo when no ROOT is given."
)
PRESET_FLAGS = ("--embedded", "--light", "--normal", "--large")
VALUE_FLAGS = ("--bind", "--port", "--tls-cert", "--tls-key", "--threads")


def _default_threads():
    """2 worker threads where threads exist; else serve in the main thread."""
    try:
        import _thread  # noqa: F401
    except ImportError:
        return 0
    return 2


class UsageError(Exception):
    pass


def parse_args(argv):
    """argv (without the program name) -> dict of options. Raises UsageError."""
    options = {
        "root": None,
        "bind": "127.0.0.1",
        "port": None,
        "tls_cert": None,
        "tls_key": None,
        "preset": None,
        "threads": _default_threads(),
        "verbose": False,
    }
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg in ("-h", "--help"):
            raise UsageError("")
        if arg in PRESET_FLAGS:
            if options["preset"]:
                raise UsageError("choose one preset only")
            options["preset"] = arg[2:]
        elif arg == "--verbose":
            options["verbose"] = True
        elif arg in VALUE_FLAGS:
            if index + 1 >= len(argv):
                raise UsageError("%s needs a value" % arg)
            index += 1
            options[arg[2:].replace("-", "_")] = argv[index]
        elif arg.startswith("-"):
            raise UsageError("unknown option %s" % arg)
        elif options["root"] is None:
            options["root"] = arg
        else:
            raise UsageError("only one ROOT folder can be served")
        index += 1
    for name in ("port", "threads"):
        if options[name] is not None and not isinstance(options[name], int):
            try:
                options[name] = int(options[name])
            except ValueError:
                raise UsageError("--%s needs an integer" % name) from None
    if bool(options["tls_cert"]) != bool(options["tls_key"]):
        raise UsageError("--tls-cert and --tls-key go together")
    if options["port"] is None:
        options["port"] = 8443 if options["tls_cert"] else 8080
    return options


def build_server(options):
    """A configured (not started) MicroWebSrv2 for these options."""
    from . import MicroWebSrv2

    mws = MicroWebSrv2()
    if options["preset"]:
        getattr(mws, "Set%sConfig" % options["preset"].capitalize())()
    if options["root"] is None:
        from . import demo

        demo.setup(mws)
    else:
        mws.RootPath = options["root"]
    if options["tls_cert"]:
        mws.EnableSSL(options["tls_cert"], options["tls_key"])
    mws.BindAddress = (options["bind"], options["port"])
    return mws


def _setup_logging(verbose):
    try:
        import logging
    except ImportError:  # MicroPython: mws2 prints its log lines itself
        return
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )


def _stop_on_sigterm():
    try:
        import signal
    except ImportError:
        return
    if not hasattr(signal, "SIGTERM"):
        return

    def on_sigterm(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)


def _banner(mws):
    scheme = "https" if mws.IsSSLEnabled else "http"
    addr = mws.BoundAddress
    print(
        "mws2 serving %s on %s://%s:%d/ (Ctrl-C stops)" % (mws.RootPath, scheme, addr[0], addr[1])
    )


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    try:
        options = parse_args(argv)
    except UsageError as exc:
        if str(exc):
            print("mws2: %s" % exc)
        print(USAGE)
        return 0 if not str(exc) else 2
    _setup_logging(options["verbose"])
    mws = build_server(options)
    _stop_on_sigterm()
    threads = options["threads"]
    if threads == 0:  # serving blocks this thread: say where before starting
        _banner(mws)
        try:
            mws.StartManaged(parllProcCount=0)
        except KeyboardInterrupt:
            pass
        finally:
            mws.Stop()
    else:
        mws.StartManaged(parllProcCount=threads)
        _banner(mws)
        try:
            while mws.IsRunning:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            mws.Stop()
    print("mws2 stopped")
    return 0
