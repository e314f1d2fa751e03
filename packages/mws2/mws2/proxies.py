"""Trusted proxies: the client's address and scheme as a reverse proxy reports them.

Behind a proxy (nginx, HAProxy, a load balancer) every connection comes from the proxy,
which tells who its client was in a header it adds. Anyone can send that header too, so
it is read only from a peer listed in ``MicroWebSrv2.TrustedProxies``, and then as
nginx's ``real_ip_recursive on`` does: the addresses of the chain are walked from the
right (the hop nearest to us) and the first one that is not a trusted proxy is the
client; what a client wrote to the left of it is never believed.

Which header: ``MicroWebSrv2.ForwardedHeader``, ``X-Forwarded-For`` (with
``X-Forwarded-Proto``: what most proxies send) or ``Forwarded`` (RFC 7239). One only,
on purpose: a proxy writes one of them and passes the other on as the client sent it,
so honouring both would let a client forge the one the proxy does not write.

Loaded only when ``TrustedProxies`` is set; a server without it never imports this, and
a request asks nothing of it unless the handler reads ``UserAddress`` or ``IsSSL``. Runs
on MicroPython too (no ``ipaddress`` there: addresses are parsed here).
"""

X_FORWARDED_FOR = "X-Forwarded-For"
FORWARDED = "Forwarded"
HEADERS = (X_FORWARDED_FOR, FORWARDED)

# Peer addresses already judged (trusted or not): a handful in practice; cleared when
# it grows past this, so that a client sending many forged addresses costs no memory.
CACHE_MAX = 256

_HEX = "0123456789abcdefABCDEF"


def parse_ipv4(text):
    """An IPv4 address as an int, or None. Strict dotted quad: no leading zero (``010``
    means 8 to some parsers and 10 to others), no sign, no space."""
    parts = text.split(".")
    if len(parts) != 4:
        return None
    value = 0
    for part in parts:
        if not part or len(part) > 3 or not part.isdigit():
            return None
        if len(part) > 1 and part[0] == "0":
            return None
        number = int(part)
        if number > 255:
            return None
        value = (value << 8) | number
    return value


def _hex_groups(text):
    groups = []
    if not text:
        return groups
    for part in text.split(":"):
        if not part or len(part) > 4:
            return None
        for char in part:
            if char not in _HEX:
                return None
        groups.append(int(part, 16))
    return groups


def parse_ipv6(text):
    """An IPv6 address (RFC 4291 2.2 text forms: ``::`` once, an IPv4 tail) as an int,
    or None. A zone (``%eth0``) is dropped."""
    zone = text.find("%")
    if zone >= 0:
        text = text[:zone]
    tail = []
    last = text.rfind(":")
    if last >= 0 and "." in text[last + 1:]:
        ipv4 = parse_ipv4(text[last + 1:])
        if ipv4 is None:
            return None
        tail = [ipv4 >> 16, ipv4 & 0xFFFF]
        text = text[:last + 1]
        if text.endswith(":") and not text.endswith("::"):
            text = text[:-1]
    halves = text.split("::")
    if len(halves) > 2:
        return None
    head = _hex_groups(halves[0])
    rest = _hex_groups(halves[1]) if len(halves) == 2 else []
    if head is None or rest is None:
        return None
    count = len(head) + len(rest) + len(tail)
    if len(halves) == 2:
        if count > 7:
            return None
        groups = head + [0] * (8 - count) + rest + tail
    elif count != 8:
        return None
    else:
        groups = head + tail
    value = 0
    for group in groups:
        value = (value << 16) | group
    return value


_MAPPED = 0xFFFF << 32  # ::ffff:a.b.c.d, how a dual-stack socket shows an IPv4 peer


def parse_address(text):
    """(4, int) or (6, int) for an IP address, None for anything else. An IPv4-mapped
    IPv6 address counts as the IPv4 one."""
    if ":" not in text:
        value = parse_ipv4(text)
        return None if value is None else (4, value)
    value = parse_ipv6(text)
    if value is None:
        return None
    if value >> 32 == 0xFFFF:
        return (4, value ^ _MAPPED)
    return (6, value)


def parse_network(text):
    """(version, network, mask) for ``"10.0.0.0/8"``, ``"::1"``, ``"192.0.2.7"``...
    ValueError saying what is wrong otherwise."""
    if not isinstance(text, str):
        raise TypeError('"TrustedProxies" entries must be strings, not %r' % (text,))
    address, slash, prefix = text.strip().partition("/")
    parsed = parse_address(address)
    if parsed is None:
        raise ValueError('"TrustedProxies": %r is not an IP address or network' % text)
    version, value = parsed
    bits = 32 if version == 4 else 128
    length = bits
    if slash:
        if not prefix.isdigit():
            raise ValueError('"TrustedProxies": %r: the prefix length must be a number' % text)
        length = int(prefix)
        if version == 4 and ":" in address:
            length -= 96  # ::ffff:10.0.0.0/104 is 10.0.0.0/8
        if not 0 <= length <= bits:
            raise ValueError('"TrustedProxies": %r: the prefix length is out of range' % text)
    mask = ((1 << length) - 1) << (bits - length)
    if value & ~mask & ((1 << bits) - 1):
        raise ValueError('"TrustedProxies": %r has bits set after the prefix (the network '
                         'is %s/%d?)' % (text, _text(version, value & mask), length))
    return (version, value & mask, mask)


def _text(version, value):
    if version == 4:
        return ".".join(str((value >> shift) & 0xFF) for shift in (24, 16, 8, 0))
    return ":".join("%x" % ((value >> shift) & 0xFFFF) for shift in range(112, -16, -16))


def header_name(value):
    """ForwardedHeader's setter: one of HEADERS, whatever its case."""
    if not isinstance(value, str):
        raise TypeError('"ForwardedHeader" must be a string')
    for name in HEADERS:
        if value.lower() == name.lower():
            return name
    raise ValueError('"ForwardedHeader" must be "X-Forwarded-For" or "Forwarded"')


def trust_for(entries, header):
    """TrustedProxies' setter: a ProxyTrust, or None for an empty list."""
    if not isinstance(entries, (list, tuple)):
        raise TypeError('"TrustedProxies" must be a list of IP addresses or networks')
    return ProxyTrust(entries, header) if entries else None


class ProxyTrust:
    """The parsed TrustedProxies and ForwardedHeader of a server."""

    def __init__(self, entries, header):
        self.entries = list(entries)
        self.networks = [parse_network(entry) for entry in self.entries]
        self.header = header
        self._cache = {}

    def trusts(self, host):
        """Is ``host`` (an address as text) one of the trusted proxies?"""
        known = self._cache.get(host)
        if known is None:
            known = False
            parsed = parse_address(host)
            if parsed is not None:
                version, value = parsed
                for net_version, network, mask in self.networks:
                    if net_version == version and value & mask == network:
                        known = True
                        break
            if len(self._cache) >= CACHE_MAX:
                self._cache.clear()
            self._cache[host] = known
        return known


def parse_node(node):
    """(host, port) of a node of X-Forwarded-For or of Forwarded's ``for=`` (RFC 7239
    6: ``192.0.2.43``, ``192.0.2.43:47011``, ``[2001:db8::17]:4711``, a bare IPv6
    address), port 0 when none is given or it is obfuscated; None for ``unknown``, an
    obfuscated identifier (``_hidden``) or anything that is not an address."""
    node = node.strip()
    port = ""
    if node.startswith("["):
        end = node.find("]")
        if end < 0:
            return None
        host, rest = node[1:end], node[end + 1:]
        if rest:
            if rest[0] != ":":
                return None
            port = rest[1:]
        if ":" not in host:
            return None  # brackets hold IPv6 only
    elif node.count(":") == 1:
        host, _, port = node.partition(":")
    else:
        host = node
    if parse_address(host) is None:
        return None
    number = int(port) if port.isdigit() and len(port) <= 5 else 0
    return (host, number if number <= 65535 else 0)


def _split_outside_quotes(text, sep):
    parts = []
    start = 0
    quoted = escaped = False
    for index in range(len(text)):
        char = text[index]
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == sep and not quoted:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def _unquote(value):
    value = value.strip()
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        out = []
        escaped = False
        for char in value[1:-1]:
            if escaped or char != "\\":
                out.append(char)
                escaped = False
            else:
                escaped = True
        return "".join(out)
    return value


def parse_forwarded(text):
    """The elements of a Forwarded field (RFC 7239 4), nearest hop last, each as
    (for, proto): the values as given (unquoted), None where absent."""
    elements = []
    for element in _split_outside_quotes(text, ","):
        node = proto = None
        for pair in _split_outside_quotes(element, ";"):
            name, eq, value = pair.partition("=")
            if not eq:
                continue
            name = name.strip().lower()
            if name == "for":
                node = _unquote(value)
            elif name == "proto":
                proto = _unquote(value)
        elements.append((node, proto))
    return elements


def _chain(trust, headers):
    """[(node, proto)] nearest hop last, and the scheme to use where a hop has none."""
    if trust.header == FORWARDED:
        text = headers.get("forwarded")
        return (parse_forwarded(text) if text else []), None
    hops = headers.get("x-forwarded-for")
    hops = hops.split(",") if hops else []
    protos = headers.get("x-forwarded-proto")
    protos = [proto.strip() for proto in protos.split(",")] if protos else []
    if hops and len(protos) == len(hops):
        # Proxies that append to both: the scheme of each hop beside its address.
        return list(zip(hops, protos)), None
    # Usually one value, which the nearest proxy wrote (nginx's $scheme overwrites).
    return [(hop, None) for hop in hops], (protos[-1] if protos else None)


def forwarded(trust, client, request):
    """(UserAddress, IsSSL) of a request received from ``client``: the peer's own
    unless it is a trusted proxy; then the client the chain of proxies reports."""
    peer = client.CliAddr
    ssl = bool(client.IsSSL)
    if not peer or not trust.trusts(peer[0]):
        return peer, ssl  # from anyone else, the headers are not even read
    chain, scheme = _chain(trust, request._headers)
    address = peer
    index = len(chain) - 1
    while index >= 0:
        node, proto = chain[index]
        if proto:
            scheme = proto
        parsed = parse_node(node) if node else None
        if parsed is None:
            # "unknown", hidden or garbled: the client cannot be told; the nearest hop
            # known (a trusted proxy) stands for it, never a value further left.
            break
        address = parsed
        if not trust.trusts(parsed[0]):
            break  # the right-most untrusted address: the client
        index -= 1
    if scheme:
        scheme = scheme.strip().lower()
        if scheme in ("https", "wss"):
            ssl = True
        elif scheme in ("http", "ws"):
            ssl = False
    return address, ssl
