"""Answering with a file (``HttpResponse.ReturnFile`` and the static files of RootPath).

Loaded with the first file answer. What a file answer does:
- validators: ``ETag`` and ``Last-Modified``; ``If-None-Match`` / ``If-Modified-Since``
  answer 304 (RFC 9110 section 13);
- ranges: ``Accept-Ranges: bytes``; one ``Range: bytes=...`` answers 206 with
  ``Content-Range``, an unsatisfiable one 416; several ranges get the whole file (a
  server may, RFC 9110 section 14.2); ``If-Range`` that does not match gets the whole
  file too (section 13.1.5);
- precompressed siblings: ``app.js.gz`` beside (or instead of) ``app.js`` goes to the
  clients that accept gzip, with ``Content-Encoding: gzip`` and ``Vary:
  Accept-Encoding``; to the others, ``app.js`` if it exists, else the ``.gz`` unpacked on
  the fly where the runtime can (CPython's zlib, MicroPython's deflate), else 406;
- text types get ``charset=UTF-8``.
"""

from . import static as _static


def return_file(response, filename, attachmentName):
    request = response._request
    plain = _static.file_stat(filename)
    packed_name = filename + ".gz"
    packed = _static.file_stat(packed_name) if not filename.endswith(".gz") else None
    if not _static.is_file(packed):
        packed = None
    if not _static.is_file(plain):
        plain = None
    if plain is None and packed is None:
        response.ReturnNotFound()
        return
    _content_type(response, filename)
    if packed is not None:
        response.SetHeader("Vary", "Accept-Encoding")
        if _accepts_gzip(request.GetHeader("Accept-Encoding")):
            response.SetHeader("Content-Encoding", "gzip")
            _send(response, packed_name, packed, attachmentName)
            return
        if plain is None:
            _send_unpacked(response, packed_name, attachmentName)
            return
    _send(response, filename, plain, attachmentName)


def _content_type(response, filename):
    if not response._contentType:
        response._contentType = _static.mime_type(filename) or "application/octet-stream"
    if not response._contentCharset and _static.is_text(response._contentType):
        response._contentCharset = "UTF-8"


def _accepts_gzip(accept_encoding):
    """Does Accept-Encoding take gzip (q > 0, named or through "*")? RFC 9110 12.5.3."""
    from httpcore_micro import parse_qvalues

    for coding in parse_qvalues(accept_encoding):
        coding = coding.split(";", 1)[0].strip().lower()
        if coding in ("gzip", "x-gzip", "*"):
            return True
    return False


def _send(response, path, st, attachmentName):
    request = response._request
    tag = _static.etag(st)
    modified = _static.http_date(st[8])
    if not response._has_header("etag"):
        response.SetHeader("ETag", tag)
    if not response._has_header("last-modified"):
        response.SetHeader("Last-Modified", modified)
    method = request.Method
    if method in ("GET", "HEAD") and _static.not_modified(
        request.GetHeader("If-None-Match"), request.GetHeader("If-Modified-Since"), st
    ):
        response.ReturnNotModified()
        return
    size = st[6]
    span = None
    response.SetHeader("Accept-Ranges", "bytes")
    wanted = request.GetHeader("Range") if method in ("GET", "HEAD") else ""
    if wanted and _if_range_holds(request.GetHeader("If-Range"), tag, modified):
        span = byte_range(wanted, size)
        if span == UNSATISFIABLE:
            response.SetHeader("Content-Range", "bytes */%d" % size)
            response.Return(416)
            return
    try:
        fileobj = open(path, "rb")
    except OSError:
        response.ReturnForbidden()
        return
    if attachmentName:
        response.SetHeader("Content-Disposition", quote_filename(attachmentName))
    code, offset, length = 200, 0, size
    if span is not None:
        code, offset = 206, span[0]
        length = span[1] - span[0] + 1
        response.SetHeader("Content-Range", "bytes %d-%d/%d" % (span[0], span[1], size))
        if offset:
            fileobj.seek(offset)
    response._contentLength = length
    response._start(code, length)
    if request._is_head or length == 0:
        _close(fileobj)
        response._conn.end_response(response)
        return
    from .streams import send_file

    send_file(response._conn, fileobj, length, response, offset)


UNSATISFIABLE = "unsatisfiable"


def byte_range(value, size):
    """(first, last) of a single ``bytes=`` range of a ``size``-byte file (RFC 9110
    section 14.1.2), UNSATISFIABLE, or None (several ranges, another unit, or not
    parseable: the whole file is sent)."""
    unit, _, spec = value.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    first, last = first.strip(), last.strip()
    if not dash or not (first.isdigit() or (not first and last.isdigit())):
        return None
    if last and not last.isdigit():
        return None
    if not first:  # a suffix: the last N bytes
        count = int(last)
        if count == 0 or size == 0:
            return UNSATISFIABLE
        return (max(size - count, 0), size - 1)
    start = int(first)
    if start >= size:
        return UNSATISFIABLE
    end = int(last) if last else size - 1
    if end < start:
        return None  # invalid: ignored, as RFC 9110 14.2 lets us
    return (start, min(end, size - 1))


def _if_range_holds(if_range, tag, modified):
    """No If-Range, or one that matches the file as it is now: the Range applies."""
    if not if_range:
        return True
    if_range = if_range.strip()
    if if_range.startswith('"'):
        return if_range == tag  # strong comparison (RFC 9110 13.1.5)
    return if_range == modified  # an HTTP date: exactly the Last-Modified sent


def _send_unpacked(response, packed_name, attachmentName):
    """Only the .gz exists and the client does not take gzip: unpack it on the fly."""
    stream = _gunzip_stream(packed_name)
    if stream is None:
        response.Return(406)
        return
    if attachmentName:
        response.SetHeader("Content-Disposition", quote_filename(attachmentName))
    response.ReturnStream(200, stream)


def _gunzip_stream(path):
    try:
        import deflate  # MicroPython 1.21+

        return deflate.DeflateIO(open(path, "rb"), deflate.GZIP)
    except ImportError:
        pass
    try:
        import gzip  # CPython
    except ImportError:
        return None
    return gzip.open(path, "rb")


def _close(fileobj):
    try:
        fileobj.close()
    except OSError:
        pass


def quote_filename(name):
    """Content-Disposition filename: ASCII fallback plus RFC 6266 ``filename*`` if needed."""
    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in name)
    value = 'attachment; filename="%s"' % ascii_name
    if ascii_name != name:
        encoded = "".join(
            chr(b)
            if (48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122 or b in b".-_~")
            else "%%%02X" % b
            for b in name.encode()
        )
        value += "; filename*=UTF-8''" + encoded
    return value
