"""HTML escaping of ``{{ expression }}`` values."""


def html_escape(value):
    """``value`` as text safe inside HTML elements and quoted attributes.

    Escapes ``& < > " '`` (the five characters that can end a text node or an attribute
    value). The ``in`` tests make the common case, text with none of them, a few fast
    scans and no copy; integers cannot contain any, so they skip the scans entirely.
    """
    kind = type(value)
    if kind is not str:
        if kind is int:
            return str(value)
        value = str(value)
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    if '"' in value:
        value = value.replace('"', "&quot;")
    if "'" in value:
        value = value.replace("'", "&#39;")
    return value
