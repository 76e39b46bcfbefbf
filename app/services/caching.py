"""One cache for work shared by every session: computed once per change of the data it depends on.

A value is valid while the data versions of its locations (:func:`app.services.events.version`,
bumped before any subscriber hears of a change) are the ones it was computed at. Sessions asking
for the same key at once wait for a single computation; different keys compute in parallel.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable
from typing import Generic, TypeVar

from . import events
from .database import database_url

V = TypeVar('V')


class VersionedCache(Generic[V]):
    """Values by key (per database), recomputed when a location they depend on has changed."""

    def __init__(self) -> None:
        self._values: dict[tuple, tuple[tuple[int, ...], tuple[int, ...], V]] = {}
        self._locks: dict[tuple, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, location_ids: Iterable[int], compute: Callable[[], V]) -> V:
        """The value for ``key``, computing it with ``compute()`` unless a current one is cached."""
        full = (database_url(), key)
        ids = tuple(location_ids)
        with self._lock:
            key_lock = self._locks.setdefault(full, threading.Lock())
        with key_lock:
            versions = tuple(events.version(i) for i in ids)
            cached = self._values.get(full)
            if cached is not None and cached[1] == versions:
                return cached[2]
            value = compute()
            with self._lock:
                self._drop_outdated()
                self._values[full] = (ids, versions, value)
            return value

    def _drop_outdated(self) -> None:
        outdated = [k for k, (ids, versions, _) in self._values.items()
                    if versions != tuple(events.version(i) for i in ids)]
        for key in outdated:
            del self._values[key]
