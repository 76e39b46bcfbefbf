"""One cache for work shared by every session: computed once per change of the data it depends on.

A value is valid while the data versions of its locations (:func:`app.services.events.version`,
bumped before any subscriber hears of a change) are the ones it was computed at. Tabs asking
for the same key at once wait for a single computation; different keys compute in parallel.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Generic, TypeVar

from app.services import events
from app.services.database import database_url

V = TypeVar('V')


class VersionedCache(Generic[V]):
    """Values by key (per database), recomputed when a location they depend on has changed.

    ``max_age`` (seconds) also bounds how long a value is trusted, for data another process may
    change without this process hearing of it; ``max_entries`` bounds the memory (oldest dropped);
    ``of='takings'`` keys values on the takings version only (receipts, imports), for values that
    bookings do not change.
    Values are shared between tabs: callers must not mutate them.
    """

    def __init__(self, *, max_age: float | None = None, max_entries: int = 1024, of: str = 'data') -> None:
        self._values: dict[tuple, tuple[tuple[int, ...], tuple[int, ...], float, V]] = {}
        self._locks: dict[tuple, threading.Lock] = {}
        self._lock = threading.Lock()
        self.max_age, self.max_entries = max_age, max_entries
        self.of = of  # which version a value depends on (events.VERSION_KINDS): 'data', or only 'takings'

    def get(self, key: Hashable, location_ids: Iterable[int], compute: Callable[[], V]) -> V:
        """The value for ``key``, computing it with ``compute()`` unless a current one is cached."""
        full = (database_url(), key)
        ids = tuple(location_ids)
        with self._lock:
            key_lock = self._locks.setdefault(full, threading.Lock())
        with key_lock:
            versions = tuple(events.version(i, self.of) for i in ids)
            now = time.monotonic()
            cached = self._values.get(full)
            if cached is not None and cached[1] == versions and (self.max_age is None
                                                                 or now - cached[2] < self.max_age):
                return cached[3]
            value = compute()
            with self._lock:
                self._drop_outdated()
                self._values[full] = (ids, versions, now, value)
            return value

    def _drop_outdated(self) -> None:
        outdated = [k for k, (ids, versions, _, _) in self._values.items()
                    if versions != tuple(events.version(i, self.of) for i in ids)]
        for key in outdated:
            del self._values[key]
            self._locks.pop(key, None)
        while len(self._values) >= self.max_entries:
            oldest = next(iter(self._values))
            del self._values[oldest]
            self._locks.pop(oldest, None)
