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


def test_workers_and_proxies():
    options = parse_args(["--workers", "3"])
    assert options["workers"] == 3 and options["threads"] == 0  # one loop per process
    assert parse_args(["--workers=2", "--threads", "4"])["threads"] == 4
    assert parse_args([])["workers"] is None
    options = parse_args(["--trusted-proxy", "127.0.0.1", "--trusted-proxy=10.0.0.0/8",
                          "--forwarded-header", "Forwarded"])
    assert options["trusted_proxies"] == ["127.0.0.1", "10.0.0.0/8"]
    assert options["forwarded_header"] == "Forwarded"
    assert parse_args(["--version"])["version"] is True


def test_build_server_applies_the_proxies():
    from mws2.cli import build_server

    options = parse_args(["--trusted-proxy", "::1", "--forwarded-header", "forwarded",
                          "--port", "0"])
    mws = build_server(options)
    assert mws.TrustedProxies == ["::1"] and mws.ForwardedHeader == "Forwarded"


def test_usage_errors():
    for argv in (
        ["--port"],
        ["--port", "x"],
        ["--tls-cert", "c"],
        ["--light", "--large"],
        ["a", "b"],
        ["--nope"],
        ["--help"],
        ["--workers", "0"],
        ["--workers", "-1"],
        ["--workers"],
        ["--trusted-proxy"],
        ["--trusted-proxy", "localhost"],
        ["--trusted-proxy", "10.0.0.1/8"],
        ["--forwarded-header", "Forwarded"],
        ["--trusted-proxy", "::1", "--forwarded-header", "X-Real-IP"],
    ):
        raises(UsageError, parse_args, argv)
