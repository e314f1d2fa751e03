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


def status_page(code):
    """A short HTML page for a status answered without content (UTF-8 bytes)."""
    text = reason(code)
    page = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>%d %s</title></head>'
        '<body style="font-family:sans-serif"><h1>%d %s</h1><p>%s</p>'
        "<hr><small>mws2</small></body></html>\n"
        % (code, text, code, text, _EXPLANATIONS.get(code, ""))
    )
    return page.encode()
