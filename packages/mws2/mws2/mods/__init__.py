"""Modules loaded with ``MicroWebSrv2.LoadModule(name)``: one class ``name`` per file."""


def find_module_class(modName):
    """The class ``modName`` from ``mws2.mods.<modName>``, else from module ``modName``;
    a dotted name (``pkg.Name``) is class ``Name`` of module ``pkg.Name``."""
    errors = []
    for path in ("mws2.mods." + modName, modName):
        try:
            module = __import__(path, None, None, [modName])
        except ImportError as exc:
            errors.append("%s: %s" % (path, exc))
            continue
        for part in path.split(".")[1:]:
            if getattr(module, "__name__", "") != path:
                module = getattr(module, part, module)
        module_class = getattr(module, modName.split(".")[-1], None)
        if isinstance(module_class, type):
            return module_class
        errors.append("%s has no class %s" % (path, modName))
    from ..server import MicroWebSrv2Exception

    raise MicroWebSrv2Exception('cannot load module "%s" (%s)' % (modName, "; ".join(errors)))
