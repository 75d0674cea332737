"""Import pyqtgraph without making every PySide6 class.

pyqtgraph keeps its own copies of Qt's modules (``pyqtgraph.Qt.QtCore``, ``.QtGui`` and
``.QtWidgets``), so that its patches to them stay out of PySide6's. It fills each copy by looking
up every name PySide6's module lists (``_copy_attrs``). PySide6 creates a class only when it is
first looked up, so that loop creates all ~720 of them: ~15 MiB of the app's memory and
~0.3 s of CPU at launch, for the ~200 that pyqtgraph and Murmur use (docs/PERFORMANCE.md,
"Memory, session 7").

``import_pyqtgraph`` registers those copies in ``sys.modules`` before pyqtgraph's first import,
in place of pyqtgraph's empty stub packages. A name a copy does not hold yet is looked up in
PySide6 when first asked for and then kept (a module ``__getattr__``, PEP 562). The only
exception is pyqtgraph's copy loop: it asks each copy ``hasattr`` for every name, and the copy
says yes without creating the class, so the loop leaves that name alone. Every other lookup,
whether by pyqtgraph's code, its patches or the app, gets PySide6's real object. Nothing
pyqtgraph sees differs, except when a class is created.

If pyqtgraph's stubs ever hold code, or pyqtgraph is already imported, pyqtgraph is imported
as it is, with every class created: that only costs memory, never correctness.
"""
from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import logging
import sys
import types
from pathlib import Path

log = logging.getLogger(__name__)

#: pyqtgraph's copies of PySide6's modules, which ``import_pyqtgraph`` provides.
MIRRORED = ("QtCore", "QtGui", "QtWidgets")
#: pyqtgraph's copy loop (module, function): its ``hasattr`` questions get a yes without a lookup.
COPY_LOOP = ("pyqtgraph.Qt", "_copy_attrs")


def import_pyqtgraph() -> types.ModuleType:
    """``import pyqtgraph`` with lazily filled Qt copies; returns the module (any thread)."""
    if "pyqtgraph" not in sys.modules and _stubs_are_empty():
        for short in MIRRORED:
            name = f"pyqtgraph.Qt.{short}"
            sys.modules.setdefault(name, lazy_mirror(name, importlib.import_module(
                f"PySide6.{short}")))
    return importlib.import_module("pyqtgraph")


def lazy_mirror(name: str, source: types.ModuleType) -> types.ModuleType:
    """A module that looks names up in ``source`` when first asked, and keeps them."""
    mirror = types.ModuleType(name, source.__doc__)
    mirror.__spec__ = importlib.machinery.ModuleSpec(name, None)
    present = object()
    listed: set[str] = set()  # ``dir(source)``, read once: the copy loop asks once per name

    def __getattr__(attribute: str):
        caller = sys._getframe(1)
        if (caller.f_globals.get("__name__"), caller.f_code.co_name) == COPY_LOOP:
            # The copy loop only asks whether the name is here, and copies it if not: say
            # it is (it is, in PySide6), so that it neither creates nor stores the class.
            if not listed:
                listed.update(dir(source))
            if attribute in listed:
                return present
        value = getattr(source, attribute)  # AttributeError for names PySide6 lacks
        setattr(mirror, attribute, value)
        return value

    mirror.__getattr__ = __getattr__
    return mirror


def _stubs_are_empty() -> bool:
    """Whether pyqtgraph's own copies are still the empty packages this module replaces."""
    spec = importlib.util.find_spec("pyqtgraph")  # finds, does not import
    if spec is None or not spec.submodule_search_locations:
        return False
    root = Path(next(iter(spec.submodule_search_locations))) / "Qt"
    for short in MIRRORED:
        stub = root / short / "__init__.py"
        try:
            code = [line for line in stub.read_text().splitlines()
                    if line.strip() and not line.lstrip().startswith("#")]
        except OSError:
            return False
        if code:
            log.debug("%s has code: pyqtgraph is imported as it is", stub)
            return False
    return True
