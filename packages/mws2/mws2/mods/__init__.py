"""Modules loaded with ``MicroWebSrv2.LoadModule(name)``: one class ``name`` per file."""
