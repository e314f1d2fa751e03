"""``TemplateError``: every way a template can fail, named by file and line."""

from ._escape import html_escape


class TemplateError(Exception):
    """A template that does not compile, or that raised while rendering.

    ``name`` is the template file (or the name given to ``Template``), ``line`` the
    1-based template line (``None`` when the runtime could not tell), ``message`` what
    went wrong, ``source_line`` the text of that line when known, and ``error`` the
    original exception of a rendering error (also its ``__cause__`` on CPython).
    """

    def __init__(self, name, line, message, source_line=None, error=None):
        super().__init__(_location(name, line) + message)
        self.name = name
        self.line = line
        self.message = message
        self.source_line = source_line
        self.error = error

    def html(self):
        """A self-contained, escaped HTML snippet describing the error (for debug pages)."""
        parts = [
            '<div class="pyhtml-error">',
            "<h2>Template error</h2>",
            "<p><b>%s</b>" % html_escape(self.name),
        ]
        if self.line is not None:
            parts.append(", line %d" % self.line)
        parts.append("</p><pre>%s</pre>" % html_escape(self.message))
        if self.source_line is not None:
            parts.append(
                "<pre>%4d | %s</pre>" % (self.line, html_escape(self.source_line.rstrip()))
            )
        parts.append("</div>")
        return "".join(parts)


def _location(name, line):
    if line is None:
        return "%s: " % name
    return "%s:%d: " % (name, line)
