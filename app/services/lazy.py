"""Heavy packages imported when first used, not when the server starts.

pandas and numpy (0.55 s together on the 2-core machine), httpx (which brings rich), icalendar, phonenumbers and
qrcode are needed by the features that use them, not to answer the first page: a module binds a stand-in instead,

    if TYPE_CHECKING:  # the real module for readers, tools and the bundle (PyInstaller follows this import)
        import pandas as pd
    else:
        pd = lazy.module('pandas', globals())

and the first attribute read (``pd.DataFrame``) imports the package and puts it in the stand-in's place in that
module's globals, so every later read is a plain module attribute. ``bench/startup.py`` measures what this saves;
``tests/test_startup_imports.py`` keeps these packages out of the start.

Why not ``importlib.util.LazyLoader`` (or ``lazy_loader``, built on it): on Python 3.11 its module runs its body on
the first attribute read without a lock, so two worker threads reading at once could run pandas' ``__init__``
twice (CPython added the lock in 3.12: gh-114763). ``importlib.import_module`` here takes the import system's
per-module lock, so a first read from several threads imports once.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class _StandIn:
    """A module not imported yet: see :func:`module`."""

    __slots__ = ('_name', '_namespace')

    def __init__(self, name: str, namespace: dict[str, Any]) -> None:
        self._name = name
        self._namespace = namespace

    def __getattr__(self, attribute: str) -> Any:
        real = importlib.import_module(self._name)
        for key, value in list(self._namespace.items()):
            if value is self:
                self._namespace[key] = real
        return getattr(real, attribute)

    def __repr__(self) -> str:
        return f'<{self._name}, imported at first use>'


def module(name: str, namespace: dict[str, Any]) -> ModuleType:
    """A stand-in for the module ``name`` (``'pandas'``) to bind in ``namespace`` (the caller's ``globals()``): its
    first attribute read imports ``name`` and rebinds every name in ``namespace`` that held the stand-in to the real
    module. Typed as the module for readers and tools; raises at first use what the import raises
    (``ModuleNotFoundError``)."""
    return _StandIn(name, namespace)  # type: ignore[return-value]
