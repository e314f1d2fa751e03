"""Pure helpers: percent-decoding, query strings, forms, q-values, cookies, Basic
credentials, header lookup."""

from httpcore_micro import (
    get_header,
    has_token,
    parse_basic_auth,
    parse_cookies,
    parse_form,
    parse_qvalues,
    parse_query,
    parse_query_list,
    percent_decode,
    split_target,
)


def test_percent_decode():
    assert percent_decode(b"/a%20b%2Fc") == "/a b/c"
    assert percent_decode("caf%C3%A9") == "café"
    assert percent_decode(b"a+b") == "a+b"
    assert percent_decode(b"a+b%2B", plus_as_space=True) == "a b+"
    assert percent_decode(b"100%") == "100%"
    assert percent_decode(b"%zz%4") == "%zz%4"
    assert percent_decode(b"%41%4a%4A") == "AJJ"
    assert percent_decode(b"") == ""


def test_percent_decode_invalid_utf8_is_replaced():
    assert percent_decode(b"a%FFb") == "a\ufffdb"
    assert percent_decode(b"%C3") == "\ufffd"
    assert percent_decode(b"%E2%82%AC%E2%82") == "\u20ac\ufffd\ufffd"


def test_split_target():
    assert split_target(b"/a%20b?x=1&y=%20") == ("/a b", "x=1&y=%20")
    assert split_target(b"/plain") == ("/plain", "")
    assert split_target("/p?q#frag") == ("/p", "q")
    assert split_target(b"/a%3Fb?c?d") == ("/a?b", "c?d")


def test_parse_query():
    assert parse_query("a=1&b=x+y&a=2") == {"a": "2", "b": "x y"}
    assert parse_query_list("a=1&b=x+y&a=2") == [("a", "1"), ("b", "x y"), ("a", "2")]
    assert parse_query_list(b"flag&&e=&=v&k=a%26b") == [
        ("flag", ""),
        ("e", ""),
        ("", "v"),
        ("k", "a&b"),
    ]
    assert parse_query("") == {}
    assert parse_query("x=a=b") == {"x": "a=b"}


def test_parse_form():
    assert parse_form(b"name=J%C3%BCrgen+K&age=42") == {"name": "Jürgen K", "age": "42"}
    assert parse_form(b"") == {}


def test_parse_qvalues():
    assert parse_qvalues("en-US,en;q=0.9,fr;q=0.95, de;q=0") == ["en-US", "fr", "en"]
    assert parse_qvalues(b"text/html;level=1;q=0.5, */*;q=0.1, text/plain") == [
        "text/plain",
        "text/html;level=1",
        "*/*",
    ]
    assert parse_qvalues("gzip;q=1.0, br;q=bad, identity;q=2") == ["gzip"]
    assert parse_qvalues("a, b, c") == ["a", "b", "c"]
    assert parse_qvalues("") == []
    assert parse_qvalues(" , ;q=1") == []


def test_parse_cookies():
    assert parse_cookies('a=1; b="x y"; c=; a=2') == {"a": "1", "b": "x y", "c": ""}
    assert parse_cookies(b"sid=abc; broken; =v") == {"sid": "abc"}
    assert parse_cookies("") == {}


def test_parse_basic_auth():
    assert parse_basic_auth("Basic dXNlcjpwYTpzcw==") == ("user", "pa:ss")
    assert parse_basic_auth(b"basic  YWxhZGRpbjpvcGVuc2VzYW1l ") == ("aladdin", "opensesame")
    assert parse_basic_auth("Bearer abc") is None
    assert parse_basic_auth("Basic !!!!") is None
    assert parse_basic_auth("Basic dXNlcg==") is None  # no colon
    assert parse_basic_auth("Basic abc") is None
    assert parse_basic_auth("Basic") is None
    assert parse_basic_auth("") is None


def test_get_header_and_has_token():
    headers = [
        (b"accept", b"a"), (b"x", b"1"), (b"accept", b"b"), (b"connection", b"keep-alive, Upgrade")
    ]
    assert get_header(headers, b"Accept") == b"a, b"
    assert get_header(headers, b"x") == b"1"
    assert get_header(headers, b"missing") is None
    assert has_token(headers, b"connection", b"upgrade")
    assert has_token(headers, b"Connection", b"KEEP-ALIVE")
    assert not has_token(headers, b"connection", b"close")
    assert not has_token(headers, b"missing", b"x")
