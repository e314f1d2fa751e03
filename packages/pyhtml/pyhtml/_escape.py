"""HTML escaping of ``{{ expression }}`` values."""


def html_escape(value):
    """``value`` as text safe inside HTML elements and quoted attributes.

    Escapes ``& < > " '`` (the five characters that can end a text node or an attribute
    value; ``&`` first so the others' entities are not escaped twice). Text with none of
    them, the common case, costs a few ``in`` scans and no copy; integers cannot contain
    any, so they skip the scans entirely.
    """
    kind = type(value)
    if kind is not str:
        if kind is int:
            return str(value)
        value = str(value)
    if "&" in value or "<" in value or ">" in value or '"' in value or "'" in value:
        return (
            value.replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace('"', "&quot;")
            .replace("'", "&#39;")
        )
    return value
