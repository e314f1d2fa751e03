"""The stress suite: mws2 attacked as an attacker would, one fresh server per attack.

``python3 tests/stress/stress_run.py`` (``nox -s stress``) runs every attack against the
server in a subprocess (CPython: the pool mode, StartManaged(2), and the asyncio mode;
MicroPython, embedded preset: the inline mode, StartManaged(0), and the pool mode),
while a normal client in a process of its own measures what a user sees. ``--quick``
(``nox -s stress_quick``, in the default ``nox``) runs smaller counts and shorter
attacks with the same targets, in the pool mode only (memory kept and CPU after the
attack are reported there, checked by the full run). ``--only NAME,...`` picks attacks
(``--list`` names them), ``--modes`` / ``--mp-modes`` the server modes.

Output: a table (attack, mode, answered, p99, peak RSS delta, fds after/before, seconds
to recover, verdict), each attack's checks and evidence, then ``name: value`` lines, the
last one ``stress_targets_met: M/N``. A missed target makes the exit status 1.
"answered" is the normal client's share of answered requests during the attack; for
keepalive, ws-echo, graceful-stop and mp-close it is the share of the scenario's own
clients served right (all of them is the target).
"""

import argparse
import asyncio
import os
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
# wsframe (the WebSocket clients' frames) from this checkout, as the server uses it
for _name in sorted(os.listdir(os.path.join(REPO, "packages"))):
    _path = os.path.join(REPO, "packages", _name)
    if _path not in sys.path:
        sys.path.insert(0, _path)
# this folder, and the mws2 tests' helpers (make_cert)
for _path in (os.path.join(REPO, "tests", "mws2", "cpython"), HERE):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import stress_report  # noqa: E402
from stress_process import raise_fd_limit  # noqa: E402
import stress_scenarios  # noqa: E402
from stress_scenarios import SCENARIOS, Context, Settings  # noqa: E402

# Descriptors the harness keeps for itself (probe, pipes, files) beside its sockets.
FD_MARGIN = 200


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smaller counts and shorter attacks (same targets)")
    parser.add_argument("--only", default="", help="comma list of attacks (see --list)")
    parser.add_argument("--modes", default=None,
                        help="CPython server modes: pool, inline, asyncio "
                             "(default pool,asyncio; pool with --quick)")
    parser.add_argument("--mp-modes", default=None,
                        help="MicroPython server modes (default inline,pool; inline with "
                             "--quick)")
    parser.add_argument("--list", action="store_true", help="list the attacks and exit")
    args = parser.parse_args(argv)
    args.modes = _names(args.modes or ("pool" if args.quick else "pool,asyncio"))
    args.mp_modes = _names(args.mp_modes or ("inline" if args.quick else "inline,pool"))
    args.only = _names(args.only)
    known = [name for name, _, _ in SCENARIOS]
    unknown = set(args.only) - set(known)
    if unknown:
        parser.error("unknown attack(s) %s; known: %s" % (", ".join(sorted(unknown)),
                                                           ", ".join(known)))
    return args


def _names(text):
    return [part.strip() for part in text.split(",") if part.strip()]


def fit_to_fd_limit(settings):
    """Shrink the counts that need one descriptor per connection to what the OS allows
    (the server has the same limit: one descriptor per connection on its side too)."""
    limit = raise_fd_limit()
    if limit is None:
        return
    most = limit - FD_MARGIN
    for name in ("keepalive", "slowloris", "tls_stalled", "ws_clients"):
        wanted = getattr(settings, name)
        if wanted > most:
            print("RLIMIT_NOFILE hard limit is %d: %s runs %d connections instead of %d "
                  "(raise the hard limit, e.g. `ulimit -Hn 20000` as root, for the full "
                  "count)" % (limit, name, most, wanted))
            setattr(settings, name, most)


def selected(args):
    for name, scenario, runtime in SCENARIOS:
        if args.only and name not in args.only:
            continue
        for mode in args.modes if runtime == "cpython" else args.mp_modes:
            yield name, scenario, mode


def machine_line():
    """What the figures depend on: the cores and how busy other work keeps them."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return "%s CPUs, load average %s" % (
        os.cpu_count(), "-" if load is None else "%.1f %.1f %.1f" % load)


def run_one(ctx, name, scenario, mode):
    loop = asyncio.new_event_loop()
    # Transports the attackers abort make asyncio log "connection lost" noise: the
    # attackers count what happened themselves.
    loop.set_exception_handler(lambda loop, context: None)
    try:
        return loop.run_until_complete(scenario(ctx, mode))
    except Exception as exc:  # the scenario broke: reported as FAILED with the reason
        outcome = stress_report.Outcome(name, mode)
        outcome.error = "%s: %s" % (type(exc).__name__, exc)
        lines = traceback.format_exc().strip().splitlines()
        outcome.note(" / ".join(line.strip() for line in lines[-3:]))
        return outcome
    finally:
        loop.close()


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.list:
        print("\n".join(name for name, _, _ in SCENARIOS))
        return 0
    settings = Settings(quick=args.quick)
    stress_scenarios.STRICT_AFTERMATH = not args.quick
    fit_to_fd_limit(settings)
    print(machine_line())
    outcomes = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mws2-stress-") as folder:
        ctx = Context(settings, folder)
        ctx.prepare()
        for name, scenario, mode in selected(args):
            print("%-24s %-8s ..." % (name, mode), end=" ", flush=True)
            began = time.monotonic()
            outcome = run_one(ctx, name, scenario, mode)
            print("%s (%.0f s)" % (outcome.verdict, time.monotonic() - began), flush=True)
            outcomes.append(outcome)
    print("\nmws2 stress suite%s, %.0f s; %s\n" % (" (--quick)" if args.quick else "",
                                                 time.monotonic() - started, machine_line()))
    print("\n".join(stress_report.table(outcomes)))
    print()
    print("\n".join(stress_report.details(outcomes)))
    print()
    print("\n".join(stress_report.figures(outcomes)))
    return 0 if outcomes and all(out.passed for out in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
