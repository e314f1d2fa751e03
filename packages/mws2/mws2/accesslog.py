"""The access log line: Combined Log Format, plus the time the answer took.

``127.0.0.1 - - [02/Dec/2026:10:01:02 +0000] "GET /a?b=1 HTTP/1.1" 200 13 "-" "curl/8"
0.0012`` (host, identity, user, time, request line, status, body bytes, referer, user
agent, seconds). Loaded only when an access log is on.
"""

import time

from .compat import IS_MICROPYTHON

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _quoted(text):
    if not text:
        return '"-"'
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')


def access_line(request, response, seconds):
    addr = request.UserAddress or ("-", 0)
    target = request.Path + ("?" + request.QueryString if request.QueryString else "")
    now = time.gmtime()
    size = response._bodyBytes
    return '%s - - [%02d/%s/%04d:%02d:%02d:%02d +0000] %s %s %s %s %s %.4f' % (
        addr[0],
        now[2],
        _MONTHS[now[1] - 1],
        now[0],
        now[3],
        now[4],
        now[5],
        _quoted("%s %s %s" % (request.Method, target, request.HttpVer)),
        response.StatusCode or "-",
        size if size else "-",
        _quoted(request.Referer),
        _quoted(request.UserAgent),
        seconds,
    )


def log_access(mws2, request, response, seconds):
    line = access_line(request, response, seconds)
    if not IS_MICROPYTHON:
        if mws2._access_logger is None:
            # AccessLog = True never asked whether the logger takes INFO lines
            import logging

            mws2._access_logger = logging.getLogger("mws2.access")
        mws2._access_logger.info("%s", line)
    elif mws2._onLogging is not None:
        mws2.Log(line, mws2.INFO)
    else:
        print(line)
