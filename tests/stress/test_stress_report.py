"""The stress suite's own arithmetic: percentiles, recovery, verdicts, the output format
(the attacks themselves run in ``nox -s stress`` / ``stress_quick``, not here)."""

from stress_probe import Result, _status_of
from stress_report import MIB, Outcome, details, figures, percentile, summary, table
from stress_scenarios import RECOVERED_RUN, recovery_time, rss_curve


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 0.5) == 50
    assert percentile(values, 0.99) == 99
    assert percentile(values, 1.0) == 100
    assert percentile([7], 0.99) == 7
    assert percentile([], 0.5) is None


def _results(latencies, start=10.0, step=0.02, status=200):
    return [Result(start + i * step, latency, 0.0, status) for i, latency in
            enumerate(latencies)]


def test_recovery_is_the_start_of_the_first_good_run():
    slow = _results([0.5] * 5, start=10.0)
    fast = _results([0.001] * RECOVERED_RUN, start=10.5)
    assert recovery_time(slow + fast, left=10.0, limit=0.01) == 0.5
    assert recovery_time(fast, left=10.0, limit=0.01) == 0.5
    assert recovery_time(_results([0.001] * RECOVERED_RUN, start=9.0), left=10.0,
                         limit=0.01) == 0.0


def test_a_failed_answer_breaks_the_run():
    good = _results([0.001] * (RECOVERED_RUN - 1), start=10.0)
    failed = _results([0.001], start=10.2, status=0)
    assert recovery_time(good + failed, left=10.0, limit=0.01) is None


def test_probe_judges_the_whole_answer():
    whole = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, world!"
    assert _status_of(whole) == 200
    assert _status_of(whole[:-3]) == 0  # cut short
    assert _status_of(b"HTTP/1.1 503 Service Unavailable\r\n\r\n") == 503
    assert _status_of(b"") == 0
    assert _status_of(b"\x15\x03\x03") == 0


def _outcome(passed=True):
    out = Outcome("slowloris-trickle", "pool")
    out.answered_pct = 99.5
    out.p50_ms = 1.25
    out.p99_ms = 42.0
    out.rss_peak_delta = 3 * MIB
    out.fds_base, out.fds_after = 7, 8
    out.recovery_s = 0.12
    out.check("normal client answered >= 99%", True, "199/200")
    out.check("normal client p99 < 100 ms", passed, "p99 42 ms")
    return out


def test_verdict_needs_every_check_and_no_error():
    assert _outcome().verdict == "ok"
    assert _outcome(passed=False).verdict == "FAILED"
    broken = _outcome()
    broken.error = "RuntimeError: the server did not start"
    assert broken.verdict == "FAILED"
    assert Outcome("x", "pool").verdict == "FAILED"  # nothing checked is not a pass


def test_table_row_and_figures():
    good, bad = _outcome(), _outcome(passed=False)
    bad.mode = "asyncio"
    rows = table([good, bad])
    assert rows[2].split() == ["slowloris-trickle", "pool", "99.5%", "42.0", "3.0", "MiB",
                               "8/7", "0.12", "s", "ok"]
    assert rows[3].endswith("FAILED")
    lines = figures([good, bad])
    assert "slowloris_trickle_pool_p99_ms: 42.0" in lines
    assert "slowloris_trickle_asyncio_met: 0" in lines
    assert lines[-1] == "stress_targets_met: 1/2" == summary([good, bad])
    assert all(": " in line for line in lines)
    assert "  MISSED normal client p99 < 100 ms: p99 42 ms" in details([bad])


def test_rss_curve_one_value_per_second():
    class Sample:
        def __init__(self, t, rss):
            self.t, self.rss = t, rss

    samples = [Sample(t / 10.0, (100 + t) * MIB) for t in range(0, 31)]
    assert rss_curve(samples, 100 * MIB) == "0 10 20 30"
