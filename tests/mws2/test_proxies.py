"""mws2.proxies: addresses, networks, the Forwarded syntax and the walk of the chain of
proxies (portable: also run on MicroPython, which has no ``ipaddress``)."""

from _portable import raises

from mws2 import MicroWebSrv2, MicroWebSrv2Exception
from mws2.proxies import (
    FORWARDED,
    X_FORWARDED_FOR,
    ProxyTrust,
    forwarded,
    parse_address,
    parse_forwarded,
    parse_network,
    parse_node,
)


def test_ipv4_addresses():
    assert parse_address("127.0.0.1") == (4, 0x7F000001)
    assert parse_address("255.255.255.255") == (4, 0xFFFFFFFF)
    assert parse_address("0.0.0.0") == (4, 0)
    for text in ("1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "1.2.3.4 ",
                 "+1.2.3.4", "1..2.3", "", "a.b.c.d", "1.2.3.4/8", "unknown", "1234.1.1.1"):
        assert parse_address(text) is None, text


def test_ipv6_addresses():
    assert parse_address("::1") == (6, 1)
    assert parse_address("::") == (6, 0)
    assert parse_address("2001:db8::17") == (6, (0x20010DB8 << 96) | 0x17)
    assert parse_address("2001:db8:0:0:0:0:0:17") == parse_address("2001:db8::17")
    assert parse_address("fe80::1%eth0") == (6, (0xFE80 << 112) | 1)
    assert parse_address("64:ff9b::192.0.2.1")[1] & 0xFFFFFFFF == 0xC0000201
    # how a dual-stack socket shows an IPv4 peer: the IPv4 address itself
    assert parse_address("::ffff:127.0.0.1") == (4, 0x7F000001)
    assert parse_address("::ffff:7f00:1") == (4, 0x7F000001)
    for text in ("1::2::3", ":::", "12345::", "g::1", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
                 "::1.2.3", "1:2:3:4:5:6:7:8::", "[::1]"):
        assert parse_address(text) is None, text


def test_networks():
    assert parse_network("10.0.0.0/8") == (4, 0x0A000000, 0xFF000000)
    assert parse_network("192.0.2.7") == (4, 0xC0000207, 0xFFFFFFFF)
    assert parse_network("0.0.0.0/0") == (4, 0, 0)
    assert parse_network("::1") == (6, 1, (1 << 128) - 1)
    assert parse_network("fd00::/8")[2] == 0xFF << 120
    assert parse_network("::ffff:10.0.0.0/104") == parse_network("10.0.0.0/8")
    for text in ("10.0.0.1/8", "10.0.0.0/33", "10.0.0.0/x", "::/129", "example.com", "",
                 "10.0.0.0/-1"):
        exc = raises(ValueError, parse_network, text)
        assert "TrustedProxies" in str(exc)
    assert "10.0.0.0/8" in str(raises(ValueError, parse_network, "10.0.0.1/8"))
    raises(TypeError, parse_network, 10)


def test_trust():
    trust = ProxyTrust(["10.0.0.0/8", "127.0.0.1", "fd00::/8"], X_FORWARDED_FOR)
    assert trust.trusts("10.1.2.3") and trust.trusts("127.0.0.1") and trust.trusts("fd12::1")
    assert trust.trusts("::ffff:10.9.9.9")  # a dual-stack listener's view of an IPv4 peer
    assert not trust.trusts("11.0.0.1") and not trust.trusts("127.0.0.2")
    assert not trust.trusts("fe00::1") and not trust.trusts("garbage")
    for n in range(600):  # judged addresses are remembered, within a bound
        trust.trusts("192.0.2.%d" % (n % 250))
        trust.trusts("203.0.%d.1" % (n % 250))
    assert len(trust._cache) <= 256


def test_nodes():
    assert parse_node("192.0.2.43") == ("192.0.2.43", 0)
    assert parse_node(" 192.0.2.43:47011") == ("192.0.2.43", 47011)
    assert parse_node("[2001:db8:cafe::17]:4711") == ("2001:db8:cafe::17", 4711)
    assert parse_node("[2001:db8:cafe::17]") == ("2001:db8:cafe::17", 0)
    assert parse_node("2001:db8:cafe::17") == ("2001:db8:cafe::17", 0)
    assert parse_node("192.0.2.43:_hidden") == ("192.0.2.43", 0)
    assert parse_node("192.0.2.43:99999") == ("192.0.2.43", 0)
    for node in ("unknown", "_hidden", "[192.0.2.43]", "[::1", "[::1]x", "evil.example", ""):
        assert parse_node(node) is None, node


def test_forwarded_syntax():
    # RFC 7239 section 4 and 7.1 examples
    assert parse_forwarded('for="_gazonk"') == [("_gazonk", None)]
    assert parse_forwarded('For="[2001:db8:cafe::17]:4711"') == [
        ("[2001:db8:cafe::17]:4711", None)]
    assert parse_forwarded("for=192.0.2.60;proto=http;by=203.0.113.43") == [
        ("192.0.2.60", "http")]
    assert parse_forwarded("for=192.0.2.43, for=198.51.100.17") == [
        ("192.0.2.43", None), ("198.51.100.17", None)]
    # separators inside quoted strings are not separators
    assert parse_forwarded('for="a,b;c=d";proto=https, for=10.0.0.1') == [
        ("a,b;c=d", "https"), ("10.0.0.1", None)]
    assert parse_forwarded('for="x\\"y"') == [('x"y', None)]
    assert parse_forwarded("garbage, ;;, proto=https") == [
        (None, None), (None, None), (None, "https")]


class Client:
    def __init__(self, host, ssl=False):
        self.CliAddr = (host, 50000)
        self.IsSSL = ssl


class Request:
    def __init__(self, **headers):
        self._headers = dict((name.replace("_", "-"), value) for name, value in headers.items())


def _xff(peer, ssl=False, **headers):
    trust = ProxyTrust(["127.0.0.1", "10.0.0.0/8"], X_FORWARDED_FOR)
    return forwarded(trust, Client(peer, ssl), Request(**headers))


def test_x_forwarded_for():
    # one proxy: its client, and the scheme it saw
    assert _xff("127.0.0.1", x_forwarded_for="192.0.2.1", x_forwarded_proto="https") == (
        ("192.0.2.1", 0), True)
    # a trusted peer that forwards nothing: itself
    assert _xff("127.0.0.1") == (("127.0.0.1", 50000), False)
    assert _xff("127.0.0.1", ssl=True) == (("127.0.0.1", 50000), True)
    # a chain: the right-most untrusted address (nginx real_ip_recursive)
    assert _xff("127.0.0.1", x_forwarded_for="192.0.2.1, 10.0.0.2")[0] == ("192.0.2.1", 0)
    # every hop trusted: the left-most
    assert _xff("127.0.0.1", x_forwarded_for="10.0.0.3, 10.0.0.2")[0] == ("10.0.0.3", 0)
    # a port given by the proxy is kept
    assert _xff("127.0.0.1", x_forwarded_for="[2001:db8::1]:4711")[0] == ("2001:db8::1", 4711)


def test_x_forwarded_for_spoofing():
    # From an untrusted peer the headers are ignored: the peer is the client.
    assert _xff("192.0.2.9", x_forwarded_for="10.0.0.1", x_forwarded_proto="https") == (
        ("192.0.2.9", 50000), False)
    # A client writing addresses in front of what the proxy appended gains nothing: the
    # walk stops at the first untrusted address from the right.
    assert _xff("127.0.0.1", x_forwarded_for="1.2.3.4, 10.0.0.1, 192.0.2.1")[0] == (
        "192.0.2.1", 0)
    # A forged trusted address on the left, then the real client: still the real client.
    assert _xff("127.0.0.1", x_forwarded_for="10.0.0.1, 192.0.2.1")[0] == ("192.0.2.1", 0)
    # Garbage where the proxy reported the client: the proxy stands for it, nothing left
    # of the garbage is believed.
    assert _xff("127.0.0.1", x_forwarded_for="1.2.3.4, unknown")[0] == ("127.0.0.1", 50000)
    assert _xff("127.0.0.1", x_forwarded_for="1.2.3.4, unknown, 10.0.0.2")[0] == (
        "10.0.0.2", 0)
    # A forged scheme in front of the one the proxy appended: the proxy's, for that hop.
    assert _xff("127.0.0.1", x_forwarded_for="6.6.6.6, 192.0.2.1",
                x_forwarded_proto="https, http")[1] is False
    # One scheme (the proxy overwrote it): that one.
    assert _xff("127.0.0.1", x_forwarded_for="6.6.6.6, 192.0.2.1",
                x_forwarded_proto="https")[1] is True
    # A scheme that is none of ours changes nothing.
    assert _xff("127.0.0.1", ssl=True, x_forwarded_proto="gopher")[1] is True


def test_forwarded_header():
    trust = ProxyTrust(["127.0.0.1"], FORWARDED)

    def run(peer, **headers):
        return forwarded(trust, Client(peer), Request(**headers))

    assert run("127.0.0.1", forwarded='for="[2001:db8:cafe::17]:4711";proto=https') == (
        ("2001:db8:cafe::17", 4711), True)
    # X-Forwarded-For is not read when the proxy speaks Forwarded (and vice versa)
    assert run("127.0.0.1", x_forwarded_for="192.0.2.1") == (("127.0.0.1", 50000), False)
    assert _xff("127.0.0.1", forwarded="for=192.0.2.1") == (("127.0.0.1", 50000), False)
    # a chain; the scheme of the client's hop
    assert run("127.0.0.1", forwarded="for=192.0.2.1;proto=https, for=127.0.0.1;proto=http") == (
        ("192.0.2.1", 0), True)
    # spoofing: an element the client wrote in front is not believed
    assert run("127.0.0.1", forwarded="for=6.6.6.6;proto=https, for=192.0.2.1;proto=http") == (
        ("192.0.2.1", 0), False)
    assert run("127.0.0.1", forwarded='for="_hidden", for=192.0.2.1')[0] == ("192.0.2.1", 0)
    assert run("127.0.0.1", forwarded='for=6.6.6.6, for="_hidden"')[0] == ("127.0.0.1", 50000)
    assert run("192.0.2.9", forwarded="for=10.0.0.1;proto=https") == (
        ("192.0.2.9", 50000), False)


def test_server_settings():
    mws = MicroWebSrv2()
    assert mws.TrustedProxies == [] and mws.ForwardedHeader == "X-Forwarded-For"
    mws.TrustedProxies = ["127.0.0.1", "10.0.0.0/8"]
    assert mws.TrustedProxies == ["127.0.0.1", "10.0.0.0/8"]
    mws.ForwardedHeader = "forwarded"
    assert mws.ForwardedHeader == "Forwarded" and mws._trustedProxies.header == FORWARDED
    mws.TrustedProxies = ()
    assert mws.TrustedProxies == [] and mws._trustedProxies is None
    raises(TypeError, setattr, mws, "TrustedProxies", "127.0.0.1")
    raises(ValueError, setattr, mws, "TrustedProxies", ["127.0.0.1", "localhost"])
    raises(ValueError, setattr, mws, "ForwardedHeader", "X-Real-IP")
    raises(TypeError, setattr, mws, "ReusePort", 1)
    assert mws.ReusePort is False


def test_reuse_port_where_the_socket_module_has_it():
    import socket

    mws = MicroWebSrv2()
    if hasattr(socket, "SO_REUSEPORT"):
        mws.ReusePort = True
        assert mws.ReusePort is True
    else:  # MicroPython, Windows: said at once, naming what is missing
        exc = raises(MicroWebSrv2Exception, setattr, mws, "ReusePort", True)
        assert "SO_REUSEPORT" in str(exc)
