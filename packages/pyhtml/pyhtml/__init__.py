"""pyhtml: MicroWebSrv2's ``.pyhtml`` template language, compiled once to Python.

``Template(source).render(variables)`` / ``.stream(variables)``; ``FileLoader(root)``
loads and caches files; ``TemplateError`` names file and line; ``html_escape`` escapes.
"""

from ._errors import TemplateError
from ._escape import html_escape
from ._loader import FileLoader
from ._template import Template

__all__ = ["Template", "FileLoader", "TemplateError", "html_escape"]
__version__ = "0.1.0"
