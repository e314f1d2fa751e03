"""Static files: URL path -> file under the root, MIME types, default pages, validators.

Nothing outside the root folder is ever returned by ``resolve``: the URL path arrives
percent-decoded, and is refused if any segment is ``..`` (or ``.``-only tricks), holds a
backslash, a NUL or a drive colon; on CPython the real path (symlinks followed) must also
stay inside the real root.
"""

import os

from .compat import IS_MICROPYTHON, const

DEFAULT_PAGES = ["index.html", "index.htm", "default.html", "default.htm"]

# The MIME type of each extension, one type per line then its extensions, each followed
# by a space: one string constant, not a dict of some 70 short strings (on a board each
# of those would be an interned name in the heap, ~20 bytes apiece).
# RFC 9239: text/javascript is the one JavaScript type (application/... is obsolete).
_TYPES = (
    "text/plain txt \n"
    "text/html htm html \n"
    "text/css css \n"
    "text/csv csv \n"
    "text/markdown md \n"
    "text/javascript js mjs \n"
    "application/xml xml \n"
    "application/xhtml+xml xhtml \n"
    "application/json json map \n"
    "application/wasm wasm \n"
    "application/zip zip \n"
    "application/gzip gz \n"
    "application/pdf pdf \n"
    "application/typescript ts \n"
    "font/woff woff \n"
    "font/woff2 woff2 \n"
    "font/ttf ttf \n"
    "font/otf otf \n"
    "image/jpeg jpg jpeg \n"
    "image/png png \n"
    "image/gif gif \n"
    "image/svg+xml svg \n"
    "image/x-icon ico \n"
    "image/webp webp \n"
    "image/avif avif \n"
    "video/mp4 mp4 \n"
    "video/webm webm \n"
    "audio/mpeg mp3 \n"
    "audio/wav wav \n"
    "audio/ogg ogg \n"
)

# The program's own (MicroWebSrv2.AddMimeType): ".ext" -> type, looked up first.
MIME_TYPES = {}

# Types sent with "; charset=UTF-8": text a browser must not read in another charset.
_TEXT_TYPES = ("application/json", "application/xml", "application/xhtml+xml",
               "image/svg+xml", "application/typescript")


def is_text(ctype):
    return ctype.startswith("text/") or ctype in _TEXT_TYPES


_S_IFMT = const(0o170000)
_S_IFDIR = const(0o040000)
_S_IFREG = const(0o100000)


def mime_type(filename):
    """The MIME type for ``filename``'s extension, or None. The program's own types
    first (the longest matching extension: ".tar.gz" can have its own), then _TYPES."""
    name = filename.lower()
    best = None
    for ext in MIME_TYPES:
        if name.endswith(ext) and (best is None or len(ext) > len(best)):
            best = ext
    if best is not None:
        return MIME_TYPES[best]
    dot = name.rfind(".")
    ext = name[dot + 1:]
    if dot < 0 or not ext or " " in ext or "\n" in ext:
        return None
    at = _TYPES.find(" " + ext + " ")
    if at < 0:
        return None
    line = _TYPES.rfind("\n", 0, at) + 1
    return _TYPES[line:_TYPES.find(" ", line)]


def file_stat(path):
    """``os.stat`` tuple or None (both runtimes index it: [0] mode, [6] size, [8] mtime)."""
    try:
        return os.stat(path)
    except OSError:
        return None


def is_dir(st):
    return st is not None and (st[0] & _S_IFMT) == _S_IFDIR


def is_file(st):
    return st is not None and (st[0] & _S_IFMT) == _S_IFREG


def _safe_segments(url_path):
    """The path's segments, or None if any could leave the root or confuse the OS."""
    if "\x00" in url_path or "\\" in url_path:
        return None
    segments = []
    for segment in url_path.split("/"):
        if segment == "" or segment == ".":
            continue
        if segment == ".." or ":" in segment:
            return None
        segments.append(segment)
    return segments


def _inside_real_root(root, path):
    """CPython: follow symlinks and check the target is still under the root."""
    if IS_MICROPYTHON or not hasattr(os.path, "realpath"):
        return True  # MicroPython has no symlink resolution; its filesystems rarely have links
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def physical(root, url_path):
    """The path under ``root`` that ``url_path`` names (file or not), or None if it could
    leave the root."""
    segments = _safe_segments(url_path)
    if segments is None:
        return None
    root = root.rstrip("/") or "/"
    return root if not segments else root.rstrip("/") + "/" + "/".join(segments)


def is_folder(root, url_path):
    """Does ``url_path`` name a folder under ``root`` (then its URL should end in "/")?"""
    path = physical(root, url_path)
    return path is not None and is_dir(file_stat(path)) and _inside_real_root(root, path)


def resolve(root, url_path):
    """The file serving ``url_path`` under ``root`` (default page for folders), or None."""
    path = physical(root, url_path)
    if path is None:
        return None
    root = root.rstrip("/") or "/"
    st = file_stat(path)
    if is_dir(st):
        for page in DEFAULT_PAGES:
            candidate = path.rstrip("/") + "/" + page
            if is_file(file_stat(candidate)):
                path = candidate
                break
        else:
            return None
    elif not is_file(st) or url_path.endswith("/"):
        return None
    if not _inside_real_root(root, path):
        return None
    return path


# ---- HTTP validators (RFC 9110 section 8.8) ----------------------------------------

# Three letters each, in one string (not 19 interned names on a board).
_DAYS = "MonTueWedThuFriSatSun"
_MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec"


def _month_number(name):
    """1 to 12 for "Jan" to "Dec", else 0."""
    at = _MONTHS.find(name) if len(name) == 3 else -1
    return at // 3 + 1 if at >= 0 and at % 3 == 0 else 0


def http_date(seconds):
    """IMF-fixdate of a time in seconds since the epoch (RFC 9110 section 5.6.7)."""
    import time

    t = time.gmtime(int(seconds))
    return "%s, %02d %s %04d %02d:%02d:%02d GMT" % (
        _DAYS[3 * t[6]:3 * t[6] + 3],
        t[2],
        _MONTHS[3 * t[1] - 3:3 * t[1]],
        t[0],
        t[3],
        t[4],
        t[5],
    )


def _days_from_civil(year, month, day):
    # Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    if month <= 2:
        year -= 1
    era = (year if year >= 0 else year - 399) // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse_http_date(text):
    """Seconds since 1970 of an IMF-fixdate, or None if it is not one."""
    parts = text.strip().split()
    if len(parts) != 6 or parts[5] != "GMT":
        return None
    month = _month_number(parts[2])
    if not month:
        return None
    try:
        day, year = int(parts[1]), int(parts[3])
        hms = [int(x) for x in parts[4].split(":")]
    except ValueError:
        return None
    if len(hms) != 3:
        return None
    days = _days_from_civil(year, month, day)
    return days * 86400 + hms[0] * 3600 + hms[1] * 60 + hms[2]


def epoch_offset():
    """Seconds between 1970 and this runtime's epoch (2000 on most MicroPython boards)."""
    import time

    return _days_from_civil(time.gmtime(0)[0], 1, 1) * 86400


def etag(st):
    """A validator from size and modification time (cheap, no file read). Strong, as
    nginx's: a range request's If-Range can only use a strong one (RFC 9110 13.1.5)."""
    return '"%x-%x"' % (st[6], int(st[8]))


def _etag_matches(header, tag):
    if header.strip() == "*":
        return True
    opaque = tag[2:] if tag.startswith("W/") else tag
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate.startswith("W/"):
            candidate = candidate[2:]
        if candidate == opaque:  # weak comparison, RFC 9110 section 8.8.3.2
            return True
    return False


def not_modified(if_none_match, if_modified_since, st):
    """True if the request's validators show the client copy is current (RFC 9110 13.1)."""
    if if_none_match:
        # If-None-Match takes precedence over If-Modified-Since (RFC 9110 13.1.3).
        return _etag_matches(if_none_match, etag(st))
    if if_modified_since:
        since = parse_http_date(if_modified_since)
        if since is not None:
            return int(st[8]) + epoch_offset() <= since
    return False
