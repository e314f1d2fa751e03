"""The command line, ``python -m mws2 [ROOT] [options]``: serve a folder (or the demo).

``python -m mws2 --help`` describes every option (HELP below). No argparse: the same
parser runs on MicroPython (``micropython -m mws2``). Ctrl-C or SIGTERM stops.
"""

import sys
import time

USAGE = (
    "usage: python -m mws2 [ROOT] [--bind HOST] [--port N] [--tls-cert FILE --tls-key FILE]\n"
    "                      [--embedded|--light|--normal|--large] [--threads N] [--workers N]\n"
    "                      [--trusted-proxy ADDR]... [--forwarded-header NAME] [--verbose]\n"
    "                      [--version] [--help]"
)
HELP = """Serves ROOT (a folder), or the bundled demo when no ROOT is given.

options:
  --bind HOST            address to listen on (default 127.0.0.1; 0.0.0.0: every
                         interface)
  --port N               port to listen on (default 8080, 8443 with TLS; 0: a free one)
  --tls-cert FILE        serve HTTPS with this certificate (PEM), with --tls-key
  --tls-key FILE         the private key (PEM) of --tls-cert
  --embedded, --light, --normal, --large
                         memory preset: connections, buffers and request sizes (default:
                         normal on CPython, embedded on MicroPython)
  --threads N            threads running the handlers in each process (default 2; with
                         --workers 0; 0: every callback on the event-loop thread)
  --workers N            N processes accepting on the port (SO_REUSEPORT), restarted if
                         they die (CPython on Linux, macOS, BSD; default: one process)
  --trusted-proxy ADDR   believe the client address and scheme that this reverse proxy
                         reports (IP address or CIDR network; repeat for several)
  --forwarded-header NAME
                         the header the trusted proxies write: X-Forwarded-For (default,
                         with X-Forwarded-Proto) or Forwarded (RFC 7239)
  --verbose              log every request
  --version              print the version of mws2 and exit
  -h, --help             print this help and exit"""
PRESET_FLAGS = ("--embedded", "--light", "--normal", "--large")
VALUE_FLAGS = ("--bind", "--port", "--tls-cert", "--tls-key", "--threads", "--workers",
               "--forwarded-header")
INT_OPTIONS = ("port", "threads", "workers")


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
    """argv (without the program name) -> dict of options. Raises UsageError (with an
    empty message for --help)."""
    options = {
        "root": None,
        "bind": "127.0.0.1",
        "port": None,
        "tls_cert": None,
        "tls_key": None,
        "preset": None,
        "threads": None,
        "workers": None,
        "trusted_proxies": [],
        "forwarded_header": None,
        "verbose": False,
        "version": False,
    }
    args = []
    for arg in argv:  # --name=value is --name value
        if arg.startswith("--") and "=" in arg:
            name, _, value = arg.partition("=")
            args += [name, value]
        else:
            args.append(arg)
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in ("-h", "--help"):
            raise UsageError("")
        if arg in PRESET_FLAGS:
            if options["preset"]:
                raise UsageError("choose one preset only")
            options["preset"] = arg[2:]
        elif arg == "--verbose":
            options["verbose"] = True
        elif arg == "--version":
            options["version"] = True
        elif arg in VALUE_FLAGS or arg == "--trusted-proxy":
            if index + 1 >= len(args):
                raise UsageError("%s needs a value" % arg)
            index += 1
            if arg == "--trusted-proxy":
                options["trusted_proxies"].append(args[index])
            else:
                options[arg[2:].replace("-", "_")] = args[index]
        elif arg.startswith("-"):
            raise UsageError("unknown option %s" % arg)
        elif options["root"] is None:
            options["root"] = arg
        else:
            raise UsageError("only one ROOT folder can be served")
        index += 1
    for name in INT_OPTIONS:
        if options[name] is not None and not isinstance(options[name], int):
            try:
                options[name] = int(options[name])
            except ValueError:
                raise UsageError("--%s needs an integer" % name) from None
            if options[name] < 0:
                raise UsageError("--%s cannot be negative" % name)
    if options["workers"] == 0:
        raise UsageError("--workers needs at least 1")
    if bool(options["tls_cert"]) != bool(options["tls_key"]):
        raise UsageError("--tls-cert and --tls-key go together")
    if options["port"] is None:
        options["port"] = 8443 if options["tls_cert"] else 8080
    if options["threads"] is None:
        # Each worker process is its own event loop: threads only add hand-overs there.
        options["threads"] = 0 if options["workers"] else _default_threads()
    _check_proxies(options)
    return options


def _check_proxies(options):
    header = options["forwarded_header"]
    if header is not None and header.lower() not in ("x-forwarded-for", "forwarded"):
        raise UsageError("--forwarded-header is X-Forwarded-For or Forwarded, not %s" % header)
    if header is not None and not options["trusted_proxies"]:
        raise UsageError("--forwarded-header needs --trusted-proxy")
    if options["trusted_proxies"]:
        from .proxies import parse_network

        for entry in options["trusted_proxies"]:
            try:
                parse_network(entry)
            except ValueError as exc:
                raise UsageError("--trusted-proxy: %s" % str(exc).split(": ", 1)[-1]) from None


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
    if options.get("forwarded_header"):
        mws.ForwardedHeader = options["forwarded_header"]
    if options.get("trusted_proxies"):
        mws.TrustedProxies = options["trusted_proxies"]
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


def _banner(mws, workers=None):
    scheme = "https" if mws.IsSSLEnabled else "http"
    addr = mws.BoundAddress
    tail = " with %d worker processes" % workers if workers else ""
    print(
        "mws2 serving %s on %s://%s:%d/%s (Ctrl-C stops)"
        % (mws.RootPath, scheme, addr[0], addr[1], tail)
    )
    flush = getattr(sys.stdout, "flush", None)
    if flush is not None:  # a pipe (a service manager, a test) reads it now
        flush()


def _version():
    from . import __version__

    return "mws2 %s" % __version__


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    try:
        options = parse_args(argv)
    except UsageError as exc:
        if str(exc):
            print("mws2: %s" % exc)
            print(USAGE)
            return 2
        print(USAGE)
        print()
        print(HELP)
        return 0
    if options["version"]:
        print(_version())
        return 0
    _setup_logging(options["verbose"])
    from .server import MicroWebSrv2Exception

    try:
        mws = build_server(options)
        _serve(mws, options)
    except MicroWebSrv2Exception as exc:  # cannot listen, no fork here...: said plainly
        print("mws2: %s" % exc)
        return 1
    print("mws2 stopped")
    return 0


def _serve(mws, options):
    _stop_on_sigterm()
    threads = options["threads"]
    workers = options["workers"]
    if workers:
        # Blocks; stops its workers gracefully on Ctrl-C / SIGTERM (its own handlers).
        mws.StartWorkers(workers, parllProcCount=threads,
                         onStarted=lambda server: _banner(server, workers))
    elif threads == 0:  # serving blocks this thread: say where before starting
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
