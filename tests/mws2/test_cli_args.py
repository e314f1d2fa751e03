"""The command line parser of ``python -m mws2`` (portable)."""

from _portable import raises

from mws2.cli import UsageError, parse_args


def test_defaults():
    options = parse_args([])
    assert options["root"] is None and options["bind"] == "127.0.0.1"
    assert options["port"] == 8080 and options["preset"] is None and options["threads"] == 2


def test_all_options():
    options = parse_args(
        [
            "site",
            "--bind",
            "0.0.0.0",
            "--port",
            "81",
            "--light",
            "--tls-cert",
            "c.pem",
            "--tls-key",
            "k.pem",
            "--threads",
            "0",
            "--verbose",
        ]
    )
    assert options["root"] == "site" and options["bind"] == "0.0.0.0" and options["port"] == 81
    assert options["preset"] == "light" and options["tls_cert"] == "c.pem"
    assert options["tls_key"] == "k.pem" and options["threads"] == 0 and options["verbose"]
    assert parse_args(["--tls-cert", "c", "--tls-key", "k"])["port"] == 8443


def test_usage_errors():
    for argv in (
        ["--port"],
        ["--port", "x"],
        ["--tls-cert", "c"],
        ["--light", "--large"],
        ["a", "b"],
        ["--nope"],
        ["--help"],
    ):
        raises(UsageError, parse_args, argv)
