"""TLS for ``MicroWebSrv2.EnableSSL``: the server's SSLContext from certificate files.

Loaded only when TLS is enabled.
"""

from .compat import IS_MICROPYTHON


def ssl_context(certFile, keyFile, caFile):
    """A server SSLContext; MicroWebSrv2Exception if this Python has no usable ssl."""
    from .server import MicroWebSrv2Exception

    try:
        import ssl
    except ImportError:
        raise MicroWebSrv2Exception("this Python has no ssl module") from None
    if not hasattr(ssl, "SSLContext"):
        raise MicroWebSrv2Exception("this Python's ssl module has no SSLContext")
    return _make_ssl_context(ssl, certFile, keyFile, caFile)


def _make_ssl_context(ssl, certFile, keyFile, caFile):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        _load_cert_chain(ctx, certFile, keyFile)
    except (OSError, ValueError) as exc:
        raise ValueError('"certFile"/"keyFile" cannot be loaded: %s' % exc) from None
    if caFile:
        try:
            ctx.load_verify_locations(caFile)
        except (OSError, ValueError) as exc:
            raise ValueError('"caFile" cannot be loaded: %s' % exc) from None
    return ctx


def _load_cert_chain(ctx, certFile, keyFile):
    try:
        ctx.load_cert_chain(certFile, keyFile)
        return
    except (OSError, ValueError):
        if not IS_MICROPYTHON:
            raise
    # Some MicroPython builds leave PEM parsing out of mbedTLS ("invalid key"), but
    # take DER: decode the PEM blocks ourselves and hand over the bytes.
    ctx.load_cert_chain(_pem_to_der(certFile), _pem_to_der(keyFile))


def _pem_to_der(path):
    import binascii

    with open(path, "rb") as f:
        data = f.read()
    begin = data.find(b"-----BEGIN")
    if begin < 0:
        return data  # already DER
    body_start = data.find(b"\n", begin) + 1
    body_end = data.find(b"-----END", body_start)
    if body_start <= 0 or body_end < 0:
        raise ValueError("%s is not a PEM file" % path)
    return binascii.a2b_base64(b"".join(data[body_start:body_end].split()))
