"""Adapters: programs written for other small servers run on mws2 after changing only
their import line.

- ``mws2.adapters.micropasyncweb``: micropAsyncWeb (``MicropAsyncWeb``, ``Response``)
- ``mws2.adapters.ahttpserver`` (and ``.sse``): ahttpserver (``HTTPServer``,
  ``HTTPResponse``, ``sendfile``, ``EventSource``)
- ``mws2.adapters.microwebsrv``: MicroWebSrv v1 (``MicroWebSrv``)

``import mws2`` loads none of them: a program pays the heap of an adapter only when it
imports it. See README.md in this folder for what each supports and where it differs.
"""
