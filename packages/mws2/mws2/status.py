"""Reason phrases and the small HTML page sent with a status that has no content."""

REASONS = {
    100: "Continue",
    101: "Switching Protocols",
    200: "OK",
    201: "Created",
    202: "Accepted",
    203: "Non-Authoritative Information",
    204: "No Content",
    205: "Reset Content",
    206: "Partial Content",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Content Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    416: "Range Not Satisfiable",
    417: "Expectation Failed",
    426: "Upgrade Required",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
}

_EXPLANATIONS = {
    400: "The request could not be understood.",
    401: "This resource needs authentication.",
    403: "Access to this resource is denied.",
    404: "The requested resource does not exist.",
    405: "This method is not accepted for the resource.",
    408: "The request took too long to arrive.",
    413: "The request content is larger than this server accepts.",
    414: "The request target is longer than this server accepts.",
    431: "The request headers are larger than this server accepts.",
    500: "The server met an error while answering.",
    501: "The server does not support this request.",
    503: "The server cannot answer right now; try again later.",
    505: "The server speaks HTTP/1.0 and HTTP/1.1 only.",
}


def reason(code):
    return REASONS.get(code, "Unknown")


# One small inline style (served from boards too: every byte counts), readable on a
# phone, and a way back to the site's home page.
_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width,initial-scale=1">'
    "<title>%d %s</title><style>body{font:16px/1.5 sans-serif;color:#1f2933;"
    "max-width:36rem;margin:3rem auto;padding:0 1rem}h1{font-size:1.5rem}"
    "a{color:#0b6bcb}small{color:#616e7c}</style></head>"
    '<body><h1>%d %s</h1><p>%s</p><p><a href="/">Home page</a></p>'
    "<hr><small>mws2</small></body></html>\n"
)


def status_page(code):
    """A short HTML page for a status answered without content (UTF-8 bytes)."""
    text = reason(code)
    return (_PAGE % (code, text, code, text, _EXPLANATIONS.get(code, ""))).encode()
