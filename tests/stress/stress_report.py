"""What a stress run found: one Outcome per (attack, mode), the table, the figures.

Pure code (no I/O): the runner fills Outcomes and prints what these functions return;
``test_stress_report.py`` checks them.
"""

MIB = 1024 * 1024


def percentile(values, fraction):
    """The nearest-rank percentile (``fraction`` in 0..1) of ``values``; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, int(-(-fraction * len(ordered) // 1)))  # ceil without math
    return ordered[min(rank, len(ordered)) - 1]


class Check:
    """One target of a scenario: met or not, with the figure that decided it."""

    def __init__(self, name, passed, detail):
        self.name = name
        self.passed = bool(passed)
        self.detail = detail

    def __repr__(self):
        return "<Check %s %s: %s>" % (self.name, "ok" if self.passed else "MISSED", self.detail)


class Outcome:
    """The figures of one attack in one server mode, and its checks."""

    def __init__(self, attack, mode):
        self.attack = attack
        self.mode = mode
        self.answered_pct = None  # the normal client (or the attack's own clients)
        self.p50_ms = None
        self.p99_ms = None
        self.rss_base = None  # bytes before the attack (median)
        self.rss_peak_delta = None  # bytes above the baseline, at the worst moment
        self.fds_base = None
        self.fds_after = None
        self.recovery_s = None  # back to baseline latency after the attacker left
        self.checks = []
        self.notes = []  # evidence: what the attacker saw, server log lines
        self.error = None  # the scenario itself broke (harness bug, server died)

    def check(self, name, passed, detail):
        self.checks.append(Check(name, passed, detail))

    def note(self, text):
        self.notes.append(text)

    @property
    def passed(self):
        return self.error is None and bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def verdict(self):
        return "ok" if self.passed else "FAILED"

    def missed(self):
        return [check for check in self.checks if not check.passed]

    def key(self):
        return ("%s_%s" % (self.attack, self.mode)).replace("-", "_")


def _fmt(value, pattern, missing="-"):
    return missing if value is None else pattern % value


def table(outcomes):
    """The result table, one row per outcome (lines of text)."""
    header = "%-28s %-9s %9s %9s %10s %7s %8s  %s" % (
        "attack", "mode", "answered", "p99 ms", "peak RSS+", "fds", "recover", "verdict"
    )
    lines = [header, "-" * len(header)]
    for out in outcomes:
        fds = _fmt(out.fds_after, "%d")
        if out.fds_after is not None and out.fds_base is not None:
            fds = "%d/%d" % (out.fds_after, out.fds_base)
        lines.append(
            "%-28s %-9s %9s %9s %10s %7s %8s  %s"
            % (
                out.attack,
                out.mode,
                _fmt(out.answered_pct, "%.1f%%"),
                _fmt(out.p99_ms, "%.1f"),
                _fmt(None if out.rss_peak_delta is None else out.rss_peak_delta / MIB,
                     "%.1f MiB"),
                fds,
                _fmt(out.recovery_s, "%.2f s"),
                out.verdict,
            )
        )
    return lines


def details(outcomes):
    """Under the table: for each outcome its checks (missed ones marked) and notes."""
    lines = []
    for out in outcomes:
        lines.append("%s [%s]: %s" % (out.attack, out.mode, out.verdict))
        if out.error is not None:
            lines.append("  ERROR %s" % out.error)
        for check in out.checks:
            lines.append("  %s %s: %s" % ("ok    " if check.passed else "MISSED", check.name,
                                          check.detail))
        for note in out.notes:
            lines.append("  . %s" % note)
    return lines


def figures(outcomes):
    """``name: value`` lines, one per figure, the summary line last."""
    lines = []
    for out in outcomes:
        key = out.key()
        values = (
            ("answered_pct", out.answered_pct, "%.1f"),
            ("p50_ms", out.p50_ms, "%.1f"),
            ("p99_ms", out.p99_ms, "%.1f"),
            ("rss_peak_delta_mib", None if out.rss_peak_delta is None
             else out.rss_peak_delta / MIB, "%.1f"),
            ("fds_after", out.fds_after, "%d"),
            ("recovery_s", out.recovery_s, "%.2f"),
        )
        for name, value, pattern in values:
            if value is not None:
                lines.append("%s_%s: %s" % (key, name, pattern % value))
        lines.append("%s_met: %d" % (key, 1 if out.passed else 0))
    lines.append(summary(outcomes))
    return lines


def summary(outcomes):
    met = sum(1 for out in outcomes if out.passed)
    return "stress_targets_met: %d/%d" % (met, len(outcomes))
