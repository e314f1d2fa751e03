"""The Autobahn TestSuite cases, run by kosoku's fuzzingclient, and its verdicts.

Shared by the Autobahn tests of wsframe alone, of the mws2 server on CPython and of the
mws2 server on MicroPython. kosoku writes ``<outdir>/index.json`` as
``{agent: {case id: {"behavior", "behaviorClose", "reportfile", ...}}}``.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

ACCEPTED = ("OK", "NON-STRICT", "INFORMATIONAL")
# permessage-deflate: neither wsframe nor mws2 negotiates an extension.
COMPRESSION_SECTIONS = ("12.*", "13.*")


def kosoku_command():
    path = shutil.which("kosoku")
    if path:
        return [path]
    try:
        import kosoku  # noqa: F401
    except ImportError:
        pytest.skip("kosoku (the Autobahn TestSuite runner) is not installed")
    return [sys.executable, "-m", "kosoku"]


def run_fuzzingclient(port, outdir, include=(), exclude=COMPRESSION_SECTIONS, timeout=400):
    """Run the cases against 127.0.0.1:port -> {case id: result} for the one agent."""
    command = kosoku_command() + ["-m", "fuzzingclient", "127.0.0.1:%d" % port]
    for pattern in include:
        command += ["-i", pattern]
    for pattern in exclude:
        command += ["-x", pattern]
    command += ["-o", str(outdir)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    index = os.path.join(str(outdir), "index.json")
    assert os.path.exists(index), "kosoku wrote no report:\n%s\n%s" % (
        run.stdout[-2000:], run.stderr[-2000:])
    with open(index, encoding="utf-8") as handle:
        agents = json.load(handle)
    assert len(agents) == 1, list(agents)
    (results,) = agents.values()
    return results


def case_key(case_id):
    return tuple(int(part) for part in case_id.split("."))


def sections(results):
    return sorted({case_key(case_id)[0] for case_id in results})


def not_passed(results, outdir, known_errors=()):
    """One line per case that is neither accepted nor a known kosoku ERROR."""
    bad = []
    for case_id in sorted(results, key=case_key):
        result = results[case_id]
        verdicts = (result["behavior"], result["behaviorClose"])
        if all(verdict in ACCEPTED for verdict in verdicts):
            continue
        if case_id in known_errors and "FAILED" not in verdicts:
            continue
        detail = _case_report(outdir, result)
        bad.append("%s %s/%s: %s; %s (%s)" % (
            case_id, verdicts[0], verdicts[1], detail.get("result"),
            detail.get("resultClose"), detail.get("description")))
    return bad


def _case_report(outdir, result):
    path = os.path.join(str(outdir), result.get("reportfile") or "")
    if not os.path.isfile(path):
        return {}
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
