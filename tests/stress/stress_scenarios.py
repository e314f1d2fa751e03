"""The attacks, each against a fresh server, each giving one Outcome per server mode.

An attack with a normal client runs in four phases: baseline (the normal client alone),
ramp (the attacker connects), measured (the normal client's answers count), recovery
(the attacker has left: how soon is latency back to the baseline, are descriptors,
memory and CPU back). The targets are the module's constants; ``Settings`` holds the
sizes (``--quick`` shrinks counts and durations, never the targets).
"""

import asyncio
import os
import statistics
import time

import stress_clients as clients
from stress_probe import Probe
from stress_process import STOP_TIMEOUT, ServerUnderTest, cpu_share, wait_share
from stress_report import MIB, Outcome, percentile

# ---- targets -------------------------------------------------------------------------

ANSWERED_MIN_PCT = 99.0  # the normal client during any attack
SLOWLORIS_P99_MAX_MS = 100.0
FLOOD_RSS_MAX = 64 * MIB  # what any one attack may add to the server's memory
RECOVERY_MAX_S = 1.0  # back to the baseline latency after the attacker left
# Watched after the attacker left, at least: the recovery (1 s) and then a second of CPU.
SETTLE_MIN_SEC = RECOVERY_MAX_S + 1.0
# "Baseline latency": within twice the baseline p99, and 10 ms is always fine (a loopback
# request of a shared 2-core machine has a few ms of noise).
RECOVERED_LATENCY_MIN_S = 0.010
# That many answered probes in a row within that latency: recovered (one lucky fast
# answer in a busy server is not a recovery).
RECOVERED_RUN = 10
# Once recovered, the server's CPU must be back near its baseline (a server that keeps
# burning a core after the attacker left is not recovered, even if one core is free).
CPU_AFTER_MAX_EXTRA = 0.25
# Descriptors after the attack: the baseline's plus the normal client's connection and
# one of the runtime's own (small: a flood uses only 2-4 connections, which must be gone).
FDS_SLACK = 2
# Memory after the attack: CPython keeps part of what it freed (arenas with a live
# object, malloc's top); more than this left after the attacker is gone is a leak.
RSS_RETAINED_MAX = 16 * MIB
# The targets (answered, p99, peak RSS, latency back within 1 s, descriptors) are
# checked in every run. The two above (memory kept after a full collection, CPU after the
# attacker left) depend on the allocator's fragmentation and on a machine whose two cores
# the attackers share: the full run checks them, the quick one (in the default nox, on
# CI machines) reports them as evidence.
STRICT_AFTERMATH = True
# The soak: memory and descriptors flat between its second and its last quarter.
SOAK_RSS_GROWTH_MAX = 8 * MIB
SOAK_FDS_GROWTH_MAX = 10

# ---- attack shapes -------------------------------------------------------------------

TRICKLE_SEC = 0.5  # slowloris: one byte every half second (below any per-read timeout)
BIG_FILE = "big.zip"  # .zip: a type the MIME table serves (others are 403)
BIG_FILE_SIZE = 16 * MIB
PAGE_FILE = "page.zip"  # downloaded whole by the soak
PAGE_FILE_SIZE = 256 * 1024
DOWNLOAD_KEEP = 64 * 1024  # bytes an aborted download takes before leaving
UPLOAD_LENGTH = 1 * MIB  # announced by an aborted upload (below the 2 MiB limit) ...
UPLOAD_SENT = 256 * 1024  # ... of which it sends this much
MESSAGE_LIMIT = 2 * MIB  # MaxRecvMessageLength by default on CPython (MaxRequestContent)
STOP_GRACE_SEC = 3  # mws2's default StopGraceSec
USER_PATIENCE_SEC = 15  # a client still without an answer then has given up
# A board's listen backlog is small (ConnQueueCapacity 8, embedded preset): a burst of
# clients beyond it waits in the kernel, whose SYN-ACK retransmissions (1+2+4+8+16 s,
# Linux's tcp_synack_retries 5) bring each in once the server accepts again. That is
# the kernel's back-pressure, not a lost client: mp-close waits that long, and counts
# the clients that needed more than USER_PATIENCE_SEC.
BACKLOG_PATIENCE_SEC = 35  # the last retransmission (31 s after the SYN) and its answer
MODE_ARGS = {"pool": "2", "inline": "0", "asyncio": "asyncio"}


class Settings:
    """Counts and durations of a run (``quick``: the default nox session's short one)."""

    def __init__(self, quick=False):
        self.quick = quick
        self.base_sec = 1.0 if quick else 2.0
        self.ramp_sec = 0.5 if quick else 2.0
        self.attack_sec = 2.0 if quick else 8.0
        # After the attacker left, at most this long for descriptors and memory to come
        # back: every server timeout has fired by then (xasync's send-stall timer, 5 s,
        # holds a closed connection until it pops).
        self.recover_sec = 6.0
        self.slowloris = 300 if quick else 2000
        self.keepalive = 2000 if quick else 10000
        self.ws_clients = 100 if quick else 1000
        self.ws_echoes = 20 if quick else 100
        self.flood_conns = 2 if quick else 4
        self.aborters = 8 if quick else 32
        self.tls_junk = 16 if quick else 64
        self.tls_stalled = 300 if quick else 2000
        self.stop_requests = 200
        self.soak_sec = 10.0 if quick else 60.0
        self.mp_half = 50
        # Beyond about 150 simultaneous clients, a backlog of 8 cannot take them all in
        # the kernel's five SYN-ACK rounds (they retransmit in step, and MicroPython's
        # asyncio accepts one connection per loop pass): some wait past the patience.
        # The quick run stays below; the full run asks for the 500.
        self.mp_close = 100 if quick else 500
        self.probe_interval = 0.02
        self.mp_probe_interval = 0.05


class Context:
    """What every scenario shares: the settings, a folder (certificate, big file)."""

    def __init__(self, settings, folder):
        self.settings = settings
        self.folder = folder
        self.root = os.path.join(folder, "www")
        self.cert = None

    def prepare(self):
        # the mws2 tests' helper (openssl CLI): a self-signed certificate for 127.0.0.1
        from mws2_harness import make_cert

        os.makedirs(self.root, exist_ok=True)
        for name, size in ((BIG_FILE, BIG_FILE_SIZE), (PAGE_FILE, PAGE_FILE_SIZE)):
            with open(os.path.join(self.root, name), "wb") as out:
                out.write(os.urandom(size))
        self.cert = make_cert(self.folder)

    def server(self, mode, runtime="cpython", tls=False, debug_log=False):
        """``debug_log``: the server says why it closes each connection (counted as
        evidence; only where no latency is measured, a line per close costs time)."""
        options = ["root=" + self.root]
        if tls:
            options.append("tls=%s,%s" % self.cert)
        if debug_log:
            options.append("log=debug")
        return ServerUnderTest(runtime, MODE_ARGS[mode], options)


# ---- the four phases of an attack with a normal client -------------------------------


class Timeline:
    """The moments of one attack (monotonic clock)."""

    baseline = attack = measure = leave = left = end = None
    heap = None  # the server's /debug/heap answer before the attack
    harness_cpu = None  # share of a core the harness (attackers) used while measured


async def run_attack(ctx, server, start_attack, tls=False, until_done=None, interval=None,
                     duration=None):
    """Baseline, attack, recovery around ``start_attack()`` (it returns a
    ``clients.Attack``). The attack lasts ``duration`` (default: the settings'), or
    until ``await until_done(attack)`` returns; then the attackers leave. Returns
    (Timeline, probe results, errors the attackers raised)."""
    settings = ctx.settings
    times = Timeline()
    with Probe(server.port, ctx.folder, interval or settings.probe_interval, tls) as probe:
        times.baseline = time.monotonic()
        await asyncio.sleep(settings.base_sec)
        times.attack = time.monotonic()
        times.heap = await clients.heap_snapshot(server.port, tls=tls)
        attack = start_attack()
        if until_done is not None:
            times.measure = times.attack
            await until_done(attack)
        else:
            await asyncio.sleep(settings.ramp_sec)
            times.measure = time.monotonic()
            cpu = time.process_time()
            await asyncio.sleep(duration or settings.attack_sec)
            times.harness_cpu = (time.process_time() - cpu) / (time.monotonic() - times.measure)
        times.leave = time.monotonic()
        errors = await attack.leave()
        times.left = time.monotonic()
        await settle(server, times, settings.recover_sec, tls)
        times.end = time.monotonic()
    return times, probe.results(), errors


async def settle(server, times, most, tls=False):
    """After the attacker left: SETTLE_MIN_SEC (latency recovery and CPU are judged over
    it), a full collection in the server (memory still held after it is in use, not
    garbage or malloc's spare pages), then until descriptors, memory and CPU are back
    near the baseline, ``most`` seconds after the attacker left at the latest (again
    each second: connections the server still held at the first are let go by then)."""
    sampler = server.sampler
    base = sampler.between(times.baseline, times.attack)
    await asyncio.sleep(SETTLE_MIN_SEC)
    if not base:
        return
    fds_base = statistics.median(s.fds for s in base)
    rss_base = statistics.median(s.rss for s in base)
    cpu_most = (cpu_share(base) or 0.0) + CPU_AFTER_MAX_EXTRA
    collected = 0.0
    while time.monotonic() < times.left + most:
        if time.monotonic() - collected >= 1.0:
            await clients.heap_snapshot(server.port, collect=True, tls=tls)
            collected = time.monotonic()
        now = sampler.now()
        if now is None:
            return  # the server is gone: judged as such
        cpu = cpu_share(sampler.between(now.t - 1.0, now.t))
        if (now.fds <= fds_base + FDS_SLACK and now.rss - rss_base < RSS_RETAINED_MAX
                and (cpu is None or cpu <= cpu_most)):
            return
        await asyncio.sleep(0.2)


def judge_attack(outcome, server, times, results, rss_max=FLOOD_RSS_MAX, p99_max_ms=None,
                 heap_fixed=False):
    """Fill ``outcome`` from an attack's probe results and the server's samples."""
    base = [r for r in results if times.baseline + 0.3 <= r.start < times.attack]
    during = [r for r in results if times.measure <= r.start < times.leave]
    after = [r for r in results if r.start >= times.left]
    base_p99 = percentile([r.seconds for r in base if r.ok], 0.99) or 0.0
    _judge_user(outcome, during, p99_max_ms, times)
    limit = max(2 * base_p99, RECOVERED_LATENCY_MIN_S)
    outcome.recovery_s = recovery_time(after, times.left, limit)
    outcome.check(
        "back to baseline latency within %.0f s" % RECOVERY_MAX_S,
        outcome.recovery_s is not None and outcome.recovery_s <= RECOVERY_MAX_S,
        "%s (baseline p99 %.1f ms, so %d answers in a row within %.1f ms)"
        % (_seconds(outcome.recovery_s), base_p99 * 1000, RECOVERED_RUN, limit * 1000),
    )
    judge_resources(outcome, server, times, rss_max, heap_fixed)


def _judge_user(outcome, during, p99_max_ms, times):
    answered = [r for r in during if r.ok]
    outcome.answered_pct = 100.0 * len(answered) / len(during) if during else 0.0
    latencies = [r.seconds * 1000 for r in answered]
    outcome.p50_ms = percentile(latencies, 0.5)
    outcome.p99_ms = percentile(latencies, 0.99)
    failures = _count_by(r.status for r in during if not r.ok)
    outcome.check(
        "normal client answered >= %.0f%%" % ANSWERED_MIN_PCT,
        outcome.answered_pct >= ANSWERED_MIN_PCT,
        "%d/%d answered%s" % (len(answered), len(during),
                              "; misses by status (0: nothing): %s" % failures if failures else ""),
    )
    if p99_max_ms is not None:
        outcome.check(
            "normal client p99 < %.0f ms" % p99_max_ms,
            outcome.p99_ms is not None and outcome.p99_ms < p99_max_ms,
            "p50 %s ms, p99 %s ms" % (_ms(outcome.p50_ms), _ms(outcome.p99_ms)),
        )
    if answered:
        outcome.note("slowest answers to the normal client: %s" % slowest(answered, times))


def slowest(results, times, count=5):
    """The slowest answers, when they started and how much of them was the connect."""
    worst = sorted(results, key=lambda r: r.seconds, reverse=True)[:count]
    return ", ".join("%.0f ms (connect %.0f) at +%.1f s" % (r.seconds * 1000, r.connect * 1000,
                                                           r.start - times.attack)
                     for r in sorted(worst, key=lambda r: r.start))


def recovery_time(results, left, limit):
    """Seconds from ``left`` to the first of RECOVERED_RUN answers in a row within
    ``limit`` seconds; None if that never happened."""
    streak = 0
    streak_start = None
    for result in sorted(results, key=lambda r: r.start):
        if result.ok and result.seconds <= limit:
            if streak == 0:
                streak_start = result.start
            streak += 1
            if streak >= RECOVERED_RUN:
                return max(0.0, streak_start - left)
        else:
            streak = 0
    return None


def judge_resources(outcome, server, times, rss_max, heap_fixed=False):
    """Peak memory, and memory, descriptors and CPU once the attacker is gone.
    ``heap_fixed`` (MicroPython): the heap is one block of fixed size, whose pages stay
    resident once touched, so RSS says nothing of a leak there."""
    sampler = server.sampler
    base = sampler.between(times.baseline, times.attack)
    if not base:
        outcome.error = "no sample of the server before the attack"
        return
    rss_base = outcome.rss_base = statistics.median(s.rss for s in base)
    outcome.fds_base = int(statistics.median(s.fds for s in base))
    attack = sampler.between(times.attack, times.end) or base
    outcome.rss_peak_delta = max(s.rss for s in attack) - rss_base
    final = sampler.now() or sampler.last_before(times.end)
    if not server.alive() or final is None:
        outcome.check("server alive", False, "the server died: %s" % server.log_tail())
        return
    outcome.fds_after = final.fds
    if rss_max is not None:
        outcome.check(
            "peak RSS delta < %d MiB" % (rss_max // MIB),
            outcome.rss_peak_delta < rss_max,
            "%.1f MiB; RSS+ per second: %s" % (outcome.rss_peak_delta / MIB,
                                               rss_curve(attack, rss_base)),
        )
    outcome.check(
        "fds back to baseline (+%d)" % FDS_SLACK,
        outcome.fds_after <= outcome.fds_base + FDS_SLACK,
        "%d after, %d before, %d at most" % (outcome.fds_after, outcome.fds_base,
                                            max(s.fds for s in attack)),
    )
    retained = final.rss - rss_base
    if heap_fixed:
        outcome.note("RSS (the fixed heap's touched pages): %.1f MiB kept" % (retained / MIB))
    else:
        _aftermath(
            outcome,
            "RSS back near baseline (< %d MiB kept)" % (RSS_RETAINED_MAX // MIB),
            retained < RSS_RETAINED_MAX,
            "%.1f MiB kept" % (retained / MIB),
        )
    _judge_cpu(outcome, sampler, base, times)


def _judge_cpu(outcome, sampler, base, times):
    cpu_base = cpu_share(base) or 0.0
    settle = sampler.between(times.left + RECOVERY_MAX_S, times.end)
    cpu_after = cpu_share(settle)
    if cpu_after is None:
        return
    _aftermath(
        outcome,
        "CPU back near baseline (+%.0f%% of a core)" % (CPU_AFTER_MAX_EXTRA * 100),
        cpu_after <= cpu_base + CPU_AFTER_MAX_EXTRA,
        "%.0f%% of a core from %.0f s after the attacker left, %.0f%% before the attack"
        % (cpu_after * 100, RECOVERY_MAX_S, cpu_base * 100),
    )


def _aftermath(outcome, name, passed, detail):
    if STRICT_AFTERMATH:
        outcome.check(name, passed, detail)
    else:
        outcome.note("%s %s: %s" % ("met" if passed else "not met", name, detail))


def rss_curve(samples, rss_base, step=1.0):
    """RSS above the baseline, in MiB, one value per ``step`` seconds (evidence)."""
    values = []
    next_t = samples[0].t if samples else 0
    for sample in samples:
        if sample.t >= next_t:
            values.append("%.0f" % ((sample.rss - rss_base) / MIB))
            next_t = sample.t + step
    return " ".join(values)


async def note_heap(outcome, server, before, tls=False):
    """Evidence on memory kept: what a full collection frees (garbage in cycles, not a
    leak), what stays, and which kinds of objects outnumber the baseline's."""
    after = await clients.heap_snapshot(server.port, collect=True, tls=tls)
    sample = server.sampler.now()
    if after is None or sample is None or outcome.rss_base is None:
        return
    text = "after gc.collect() (%d freed): RSS kept %.1f MiB" % (
        after["collected"], (sample.rss - outcome.rss_base) / MIB)
    if before is not None and after.get("mem_alloc") is not None:
        text += ", heap in use %+.0f KiB" % ((after["mem_alloc"] - before["mem_alloc"]) / 1024.0)
    if before is not None and after["types"]:
        grown = [(count - before["types"].get(name, 0), name)
                 for name, count in after["types"].items()]
        grown = sorted((item for item in grown if item[0] > 0), reverse=True)[:5]
        text += "; objects grown: %s" % (
            ", ".join("%s +%d" % (name, count) for count, name in grown) or "none")
    outcome.note(text)


def note_killed(outcome, server):
    if server.killed:
        outcome.note("the server did not end within %d s of SIGINT: killed" % STOP_TIMEOUT)


def cpu_note(server, times):
    """Who used the CPU while the normal client was measured (2 cores are shared)."""
    measured = server.sampler.between(times.measure, times.leave)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return ("CPU while measured: server ran %s and waited for a CPU %s of the time, "
            "attackers ran %s; load average %s" % (
                _pct(cpu_share(measured)), _pct(wait_share(measured)),
                _pct(times.harness_cpu), "-" if load is None else "%.1f" % load))


def _pct(share):
    return "-" if share is None else "%.0f%%" % (share * 100)


def note_server_log(outcome, server, since):
    """Evidence from the server's output during the scenario."""
    marks = (
        ("refusals at the cap", "MaxConnections reached"),
        ("503 answers", "answered 503"),
        ("waiting connections closed for a new one (cap)", "closed for a new connection"),
        ("idle connections closed (timeout or cap)", "idle: closed"),
        ("408 after a slow head", "request head too slow"),
        ("tracebacks", "Traceback"),
        ("memory errors", "MemoryError"),
        ("listener lost", "lost its listening socket"),
    )
    found = ["%s %d" % (label, server.log_count(text, since)) for label, text in marks
             if server.log_count(text, since)]
    if found:
        outcome.note("server log: " + ", ".join(found))


def _count_by(values):
    counts = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return ", ".join("%s x%d" % item for item in sorted(counts.items()))


def _ms(value):
    return "-" if value is None else "%.1f" % value


def _seconds(value):
    return "never" if value is None else "%.2f s" % value


# ---- attacks with a normal client ---------------------------------------------------


async def attack_with_probe(ctx, name, mode, make_attacker, count, runtime="cpython",
                            tls=False, rss_max=FLOOD_RSS_MAX, p99_max_ms=None,
                            interval=None):
    """The common shape: ``count`` copies of ``make_attacker(port, tally)`` against a
    fresh server while the normal client measures."""
    outcome = Outcome(name, mode if runtime == "cpython" else "mp-" + mode)
    tally = clients.Tally()
    with ctx.server(mode, runtime, tls) as server:
        started = time.monotonic()

        def start():
            return clients.Attack(count, lambda index: make_attacker(server.port, tally, index))

        times, results, errors = await run_attack(ctx, server, start, tls, interval=interval)
        judge_attack(outcome, server, times, results, rss_max, p99_max_ms,
                     heap_fixed=runtime == "micropython")
        outcome.note("attackers (%d): %s" % (count, tally))
        outcome.note(cpu_note(server, times))
        if errors:
            outcome.note("attacker errors: %s" % _count_by(type(e).__name__ for e in errors))
        note_server_log(outcome, server, started)
        await note_heap(outcome, server, times.heap, tls)
    note_killed(outcome, server)
    return outcome


def each_connection(use, reset_every_other=False):
    """An attacker that does ``use`` on every connection it opens, again and again
    (``reset_every_other``: half the attackers leave by a reset, half by a close)."""

    def attacker(port, tally, index):
        reset = reset_every_other and index % 2 == 0
        return clients.again_and_again(port, tally, use, reset=reset)

    return attacker


def one_of_each(uses):
    """Attacker ``index`` does ``uses[index % len(uses)]`` on each of its connections."""

    def attacker(port, tally, index):
        return clients.again_and_again(port, tally, uses[index % len(uses)])

    return attacker


async def slowloris_trickle(ctx, mode):
    return await attack_with_probe(ctx, "slowloris-trickle", mode,
                                   each_connection(clients.trickling(TRICKLE_SEC)),
                                   ctx.settings.slowloris, p99_max_ms=SLOWLORIS_P99_MAX_MS)


async def slowloris_silent(ctx, mode):
    return await attack_with_probe(ctx, "slowloris-silent", mode,
                                   each_connection(clients.silent()),
                                   ctx.settings.slowloris, p99_max_ms=SLOWLORIS_P99_MAX_MS)


def _flood(opening, frame, budget=None):
    block = clients.repeated(frame)

    def attacker(port, tally, index):
        return clients.ws_flood(port, tally, opening, block, budget)

    return attacker


async def ws_pong_flood(ctx, mode):
    attacker = _flood(b"", clients.client_frame(clients.OP_PONG))
    return await attack_with_probe(ctx, "ws-pong-flood", mode, attacker,
                                   ctx.settings.flood_conns)


async def ws_empty_continuations(ctx, mode):
    opening = clients.client_frame(clients.OP_BINARY, b"", fin=False)
    frame = clients.client_frame(clients.OP_CONTINUATION, b"", fin=False)
    return await attack_with_probe(ctx, "ws-empty-continuations", mode,
                                   _flood(opening, frame), ctx.settings.flood_conns)


async def ws_tiny_fragments(ctx, mode):
    """1-byte fragments of one message that stays just under the size limit, unfinished:
    whatever the server keeps per fragment shows as memory."""
    opening = clients.client_frame(clients.OP_BINARY, b"x", fin=False)
    frame = clients.client_frame(clients.OP_CONTINUATION, b"x", fin=False)
    block_frames = len(clients.repeated(frame)) // len(frame)
    budget = (MESSAGE_LIMIT - 2 - block_frames) * len(frame)
    return await attack_with_probe(ctx, "ws-1byte-fragments", mode,
                                   _flood(opening, frame, budget), ctx.settings.flood_conns)


async def aborted_downloads(ctx, mode):
    use = clients.aborted_download("/" + BIG_FILE, DOWNLOAD_KEEP)
    return await attack_with_probe(ctx, "aborted-downloads", mode,
                                   each_connection(use, reset_every_other=True),
                                   ctx.settings.aborters)


async def aborted_uploads(ctx, mode):
    use = clients.aborted_upload(UPLOAD_LENGTH, UPLOAD_SENT)
    return await attack_with_probe(ctx, "aborted-uploads", mode,
                                   each_connection(use, reset_every_other=True),
                                   ctx.settings.aborters)


async def tls_junk(ctx, mode):
    junk = [clients.silent(opening) for opening in clients.tls_junk()]
    return await attack_with_probe(ctx, "tls-junk", mode, one_of_each(junk),
                                   ctx.settings.tls_junk, tls=True)


async def tls_stalled_handshakes(ctx, mode):
    hello = clients.client_hello()
    return await attack_with_probe(ctx, "tls-stalled-handshakes", mode,
                                   each_connection(clients.silent(hello[: len(hello) // 2])),
                                   ctx.settings.tls_stalled, tls=True)


async def mp_half_request_line(ctx, mode):
    return await attack_with_probe(ctx, "mp-half-request-line", mode,
                                   each_connection(clients.silent(b"GET /hel")),
                                   ctx.settings.mp_half, runtime="micropython", rss_max=None,
                                   interval=ctx.settings.mp_probe_interval)


# ---- many clients, each checked -------------------------------------------------------


async def ws_echo_clients(ctx, mode):
    """Many WebSocket clients at once, each a series of echoes checked byte for byte."""
    settings = ctx.settings
    name = "ws-echo-%dx%d" % (settings.ws_clients, settings.ws_echoes)
    outcome = Outcome(name, mode)
    tally = clients.Tally()
    right = []
    with ctx.server(mode) as server:
        started = time.monotonic()

        async def client(index):
            if await clients.ws_echo_client(server.port, index, settings.ws_echoes, tally):
                right.append(index)

        async def all_done(attack):
            await asyncio.wait(attack.tasks, timeout=300)

        times, results, _ = await run_attack(
            ctx, server, lambda: clients.Attack(settings.ws_clients, client), until_done=all_done)
        judge_attack(outcome, server, times, results, rss_max=None)
        outcome.answered_pct = 100.0 * len(right) / settings.ws_clients
        expected = settings.ws_clients * settings.ws_echoes
        outcome.check("every client got every echo right",
                      len(right) == settings.ws_clients
                      and tally.get("echoes right") == expected,
                      "%d/%d clients, %d/%d echoes right in %.1f s"
                      % (len(right), settings.ws_clients, tally.get("echoes right"), expected,
                         times.leave - times.attack))
        outcome.note("clients: %s" % tally)
        note_server_log(outcome, server, started)
        await note_heap(outcome, server, times.heap)
    note_killed(outcome, server)
    return outcome


async def keepalive_many(ctx, mode):
    """All connections opened first, then one request on each, every answer counted."""
    count = ctx.settings.keepalive
    outcome = Outcome("keepalive-%d" % count, mode)
    tally = clients.Tally()
    with ctx.server(mode, debug_log=True) as server:
        times = Timeline()
        times.baseline = time.monotonic()
        await asyncio.sleep(1.0)
        times.attack = times.measure = time.monotonic()
        times.heap = await clients.heap_snapshot(server.port)
        conns = await clients.open_many(server.port, count, tally)
        opened = time.monotonic()
        await clients.one_request_each(conns, tally)
        times.leave = time.monotonic()
        clients.close_all(conns)
        times.left = time.monotonic()
        await settle(server, times, ctx.settings.recover_sec)
        times.end = time.monotonic()
        ok = tally.get("answered 200")
        outcome.answered_pct = 100.0 * ok / count
        outcome.check("all %d answered" % count, ok == count,
                      "%d/%d answered 200 (opened %d in %.1f s, answers took %.1f s): %s"
                      % (ok, count, len(conns), opened - times.attack, times.leave - opened,
                         tally))
        judge_resources(outcome, server, times, rss_max=None)
        note_server_log(outcome, server, times.baseline)
        note_unlogged_closes(outcome, server, times.baseline,
                             tally.get("closed unanswered") + tally.get("reset"))
        await note_heap(outcome, server, times.heap)
    note_killed(outcome, server)
    return outcome


def note_unlogged_closes(outcome, server, since, unanswered):
    """Connections closed unanswered that the server's debug log does not account for:
    closed before mws2 knew them (at accept), where nothing is logged."""
    logged = sum(server.log_count(text, since)
                 for text in ("idle: closed", "answered 503", "answered 408"))
    if unanswered > logged:
        outcome.note("closed unanswered with no line in the server's debug log: %d (%d with one)"
                     % (unanswered - logged, logged))


async def mp_close_clients(ctx, mode):
    """Simultaneous ``Connection: close`` clients on a board-sized server: each must get
    a 200 or a 503 (never nothing); afterwards a normal request is answered."""
    count = ctx.settings.mp_close
    outcome = Outcome("mp-close-%d" % count, "mp-" + mode)
    tally = clients.Tally()
    with ctx.server(mode, runtime="micropython", debug_log=True) as server:
        started = time.monotonic()
        await asyncio.gather(*(_close_client(server.port, tally) for _ in range(count)))
        answered = tally.get("answered 200") + tally.get("answered 503")
        outcome.answered_pct = 100.0 * tally.get("answered 200") / count
        outcome.check("each got a 200 or a 503, none empty", answered == count,
                      "%d/%d: %s" % (answered, count, tally))
        await asyncio.sleep(ctx.settings.recover_sec)
        status = await _one_get(server.port)
        outcome.check("a normal request answered afterwards", status == 200,
                      "status %s" % status)
        note_unlogged_closes(outcome, server, started,
                             tally.get("empty (closed)") + tally.get("empty (reset)"))
        final = server.sampler.now()
        outcome.fds_after = final.fds if final else None
        note_server_log(outcome, server, started)
    return outcome


async def _close_client(port, tally):
    conn = await clients.connect(port, tally)
    if conn is None:
        return
    reader, writer = conn
    try:
        writer.write(clients.get_request(close=True))
        started = time.monotonic()
        data = await asyncio.wait_for(clients.read_until_closed(reader), BACKLOG_PATIENCE_SEC)
        if time.monotonic() - started > USER_PATIENCE_SEC:
            tally.add("answered after %d s (waited in the listen backlog)" % USER_PATIENCE_SEC)
        if data.startswith(b"HTTP/1.1 200") and not data.endswith(clients.HELLO):
            tally.add("cut 200")
        else:
            tally.add(clients.describe_answer(data) if data else "empty (closed)")
    except ConnectionError:
        tally.add("empty (reset)")
    except asyncio.TimeoutError:
        tally.add("no answer in %d s" % BACKLOG_PATIENCE_SEC)
    finally:
        writer.close()


async def _one_get(port):
    tally = clients.Tally()
    conn = await clients.connect(port, tally)
    if conn is None:
        return None
    reader, writer = conn
    try:
        writer.write(clients.get_request())
        status, _ = await asyncio.wait_for(clients.read_response(reader), 10)
        return status
    except (ConnectionError, asyncio.TimeoutError):
        return None
    finally:
        writer.close()


# ---- stop and soak --------------------------------------------------------------------


async def graceful_stop(ctx, mode):
    """Requests to a 0.5 s route in flight, then Stop(): every one must be answered."""
    count = ctx.settings.stop_requests
    outcome = Outcome("graceful-stop-%d" % count, mode)
    tally = clients.Tally()
    with ctx.server(mode) as server:
        conns = await clients.open_many(server.port, count, tally)
        sent = time.monotonic()
        for _reader, writer in conns:
            writer.write(clients.get_request("/slow"))
        # Stop() once every request is in its handler (none answered: it takes 0.5 s)
        while server.log_count("SLOW") < len(conns) and time.monotonic() < sent + 0.4:
            await asyncio.sleep(0.01)
        in_handlers = server.log_count("SLOW")
        server.graceful_stop()
        answers = await asyncio.gather(*(_slow_answer(reader) for reader, _ in conns))
        clients.close_all(conns)
        exited = server.wait_exit(STOP_GRACE_SEC + 5)
        ok = answers.count("answered 200")
        outcome.answered_pct = 100.0 * ok / count
        outcome.check("every request in flight answered", ok == count,
                      "%d/%d: %s; %d in their handler when Stop() was called"
                      % (ok, count, _count_by(answers), in_handlers))
        outcome.check("the process ended after Stop()", exited is not None,
                      "in %s" % _seconds(exited))
    return outcome


async def _slow_answer(reader):
    try:
        status, body = await asyncio.wait_for(clients.read_response(reader), STOP_GRACE_SEC + 5)
    except (ConnectionError, asyncio.TimeoutError):
        return "reset or no answer"
    if status == 200 and body == b"slow":
        return "answered 200"
    return "answered %d" % status if status else "closed unanswered"


async def soak(ctx, mode):
    """A bounded mixed load: memory and descriptors must stay flat."""
    settings = ctx.settings
    outcome = Outcome("soak-%ds" % settings.soak_sec, mode)
    tally = clients.Tally()
    with ctx.server(mode) as server:
        started = time.monotonic()
        times, results, _ = await run_attack(
            ctx, server, lambda: mixed_load(server.port, tally), duration=settings.soak_sec)
        judge_attack(outcome, server, times, results)
        _judge_flat(outcome, server.sampler, times)
        outcome.note("load: %s" % tally)
        note_server_log(outcome, server, started)
        await note_heap(outcome, server, times.heap)
    note_killed(outcome, server)
    return outcome


def mixed_load(port, tally):
    """Keep-alive and one-shot requests, WebSocket echoes, downloads, uploads, a little
    slowloris and an aborted download now and then, all at once."""

    def again(use, **options):
        return lambda index: clients.again_and_again(port, tally, use, **options)

    makers = (
        [again(clients.keepalive_requests(0.01, tally))] * 6
        + [again(clients.fetch("/", len(clients.HELLO)), pause=0.02)] * 4
        + [lambda index: clients.ws_echo_forever(port, index, tally, 0.01)] * 6
        + [again(clients.fetch("/" + PAGE_FILE, PAGE_FILE_SIZE), pause=0.1)] * 2
        + [again(clients.upload(64 * 1024), pause=0.1)] * 2
        + [again(clients.aborted_download("/" + BIG_FILE, DOWNLOAD_KEEP), reset=True)]
        + [again(clients.trickling(TRICKLE_SEC))] * 50
    )
    return clients.Attack(len(makers), lambda index: makers[index](index))


def _judge_flat(outcome, sampler, times):
    span = times.leave - times.measure
    second = sampler.between(times.measure + span / 4, times.measure + span / 2)
    last = sampler.between(times.measure + 3 * span / 4, times.leave)
    if not second or not last:
        outcome.error = "too few samples during the soak"
        return
    rss_growth = statistics.median(s.rss for s in last) - statistics.median(s.rss for s in second)
    fds_growth = statistics.median(s.fds for s in last) - statistics.median(s.fds for s in second)
    outcome.check("RSS flat (< %d MiB growth, 2nd to last quarter)" % (SOAK_RSS_GROWTH_MAX // MIB),
                  rss_growth < SOAK_RSS_GROWTH_MAX, "%+.1f MiB" % (rss_growth / MIB))
    outcome.check("fds flat (< %d growth)" % SOAK_FDS_GROWTH_MAX,
                  fds_growth < SOAK_FDS_GROWTH_MAX, "%+d" % fds_growth)


# ---- the list --------------------------------------------------------------------------

# (name, coroutine function, runtime)
SCENARIOS = (
    ("slowloris-trickle", slowloris_trickle, "cpython"),
    ("slowloris-silent", slowloris_silent, "cpython"),
    ("keepalive", keepalive_many, "cpython"),
    ("ws-pong-flood", ws_pong_flood, "cpython"),
    ("ws-empty-continuations", ws_empty_continuations, "cpython"),
    ("ws-1byte-fragments", ws_tiny_fragments, "cpython"),
    ("ws-echo", ws_echo_clients, "cpython"),
    ("aborted-downloads", aborted_downloads, "cpython"),
    ("aborted-uploads", aborted_uploads, "cpython"),
    ("tls-junk", tls_junk, "cpython"),
    ("tls-stalled-handshakes", tls_stalled_handshakes, "cpython"),
    ("graceful-stop", graceful_stop, "cpython"),
    ("soak", soak, "cpython"),
    ("mp-half-request-line", mp_half_request_line, "micropython"),
    ("mp-close", mp_close_clients, "micropython"),
)
